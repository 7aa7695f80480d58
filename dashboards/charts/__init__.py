"""The chart registry: every chart of every page, as (query → frame → figure).

A `Chart` joins a query from `dashboards.queries` (Filters → small aggregated frame) and a pure
figure builder from `dashboards.figures` (frame, lang → go.Figure). Pages lay out the charts of
their page; exports and benchmarks use the same registry, so a chart is defined once and looks
the same on screen, on paper and in a slide. Nothing here imports Dash.

Adding a chart: define it in the module of its page (`dashboards/charts/<page>.py`) with
`register(Chart(...))`; the page shows it and the exports offer it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboards import cache, clock, db, vocab
from dashboards.figures import common, spec, theme
from dashboards.filters import Filters
from dashboards.i18n import N_, ngettext
from dashboards.queries import activities

# Page keys and their titles (msgids, as in the navigation), in menu order.
PAGE_TITLES = {
    "overview": N_("Overview"),
    "fields": N_("Fields of competence"),
    "functional_areas": N_("Functional areas"),
    "regions": N_("Regions"),
    "partners": N_("Partners"),
    "collective": N_("Collective cooperation"),
    "spending": N_("Spending"),  # IATI budgets and transactions (issue 10)
    "lifecycle": N_("Lifecycle"),  # reviews, reports, status changes (issue 12)
    "data": N_("Data"),
}
PAGES = tuple(PAGE_TITLES)


@dataclass(frozen=True)
class Chart:
    """One chart: where it lives, what it is called, how it is computed and drawn."""

    page: str  # a key of PAGES
    name: str  # short, unique within the page (used in URLs, file names, the CLI)
    title: str  # msgid (English), translated at render time
    query: Callable[[Filters], pd.DataFrame]
    figure: Callable[[pd.DataFrame, str], go.Figure]  # pure: (frame, lang) → figure
    # Filters dimension a click on a point applies (the point's customdata[0] is the code);
    # a tuple of dimensions applies customdata[0], customdata[1]… to each in turn.
    cross_filter: str | tuple[str, ...] | None = None
    note: str | None = None  # msgid: what is counted (multi-valued dimensions)
    table: Callable[[pd.DataFrame, str], pd.DataFrame] | None = None  # "show as table" frame
    description: str | None = None  # msgid: definition shown on the Data page and in packs
    # Other drawings of the same frame, as (name, figure builder), e.g. a map coloured by count
    # or by region. A page offers them with a control whose id is
    # `ids.chart(ids.CHART_VARIANT, chart.key)` and value a variant name ('' or None: `figure`).
    variants: tuple[tuple[str, Callable[[pd.DataFrame, str], go.Figure]], ...] = ()
    # The frame column the chart draws (e.g. 'activities', 'budget_usd', 'partners'): what its
    # generated summary describes, table formats and axis counts. Every registered chart states it.
    measure: str | None = None
    # msgid: a sentence saying why the categories add up to more than the distinct units (an
    # activity in several functional areas counts in each). None: they add up to the total.
    overlap: str | None = None
    # The vocabulary that names the frame's `code` column when no filter dimension does (e.g.
    # 'status_event'), and a msgid naming those categories in summaries ("Status events").
    code_vocabulary: str | None = None
    category: str | None = None
    # True: the chart shows money or internal records, absent from a public deployment.
    internal: bool = False
    # What besides the filters the frame depends on (e.g. today's date for "time left"): part
    # of the cache keys, so a frame computed yesterday is not served today.
    context: Callable[[], Hashable] | None = None
    # Filters keys ('years', 'fields', ...) the chart's query does NOT apply: exports then do
    # not claim them in the chart's subtitle (they say they were not applied).
    ignores: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Page-qualified name, e.g. 'overview.activities_by_year'."""
        return f"{self.page}.{self.name}"

    def frame(self, filters: Filters) -> pd.DataFrame:
        """The chart's aggregated data for the filters (cached per warehouse version).

        Keyed by the query rather than the chart, so charts drawing the same query (activities
        and budget by year) share one computation.
        """
        return cache.cached(
            "frame",
            _query_key(self.query),
            filters.cache_key(),
            *((self.context(),) if self.context else ()),
            compute=lambda: self.query(filters),
        )

    def figure_for(self, variant: str | None = None) -> Callable[[pd.DataFrame, str], go.Figure]:
        """The figure builder of a variant (the main `figure` for None or an unknown name)."""
        return dict(self.variants).get(variant or "", self.figure)

    def figure_spec(
        self, filters: Filters, lang: str = "en", variant: str | None = None
    ) -> spec.Spec:
        """The figure for the filters as a plain dict, without its template (see
        `dashboards.figures.spec`): the one definition both the screen and exports draw."""
        frame = self.frame(filters)
        with vocab.pinned():  # one vocabulary for the whole figure
            drawn = spec.spec_function(self.figure_for(variant))(frame, lang)
            return flag_note(self, filters, drawn, lang)

    def build(self, filters: Filters, lang: str = "en", variant: str | None = None) -> go.Figure:
        """The figure for the filters, in a language (optionally one of the chart's variants),
        as a validated graph object with the house template (exports)."""
        return spec.to_figure(self.figure_spec(filters, lang, variant))

    def figure_json(self, filters: Filters, lang: str = "en", variant: str | None = None) -> dict:
        """The figure as a plotly JSON dict (cached: what the page callback returns)."""
        variant = variant if variant in dict(self.variants) else None
        return cache.cached(
            *self._figure_key(filters, lang, variant),
            compute=lambda: self._screen_json(filters, lang, variant),
        )

    def cached_figure_json(
        self, filters: Filters, lang: str = "en", variant: str | None = None
    ) -> dict | None:
        """`figure_json` if this process has it cached already, else None (nothing computed)."""
        variant = variant if variant in dict(self.variants) else None
        found = cache.peek(*self._figure_key(filters, lang, variant))
        return None if found is cache.MISSING else found  # type: ignore[return-value]

    def _figure_key(self, filters: Filters, lang: str, variant: str | None) -> tuple:
        return (
            "figure",
            self.key,
            filters.cache_key(),
            lang,
            clock.first_incomplete_year(),  # which years are drawn as not over
            *((variant,) if variant else ()),
            *((self.context(),) if self.context else ()),
        )

    def _screen_json(self, filters: Filters, lang: str, variant: str | None) -> dict:
        # The spec goes to the screen as it is, with the template serialised once per process:
        # no graph object is built or validated on the request's path (the exports validate).
        return theme.with_template(self.figure_spec(filters, lang, variant))


def flag_note(chart: Chart, filters: Filters, fig: spec.Spec, lang: str) -> spec.Spec:
    """Say on a chart of activity budgets how much of its money was flagged at load (e.g. an
    outlier), and how to leave it out; nothing when none is, or when the filters leave it out."""
    if chart.measure != "budget_usd" or filters.without_flagged:
        return fig
    if spec.meta(fig).get("empty"):
        return fig
    n, money = cache.cached(
        "flagged", filters.cache_key(), compute=lambda: activities.flagged_budgets(filters)
    )
    if not n:
        return fig
    text = ngettext(
        "Includes %(num)s budget flagged at load (%(money)s): “Leave out flagged budgets” "
        "removes it.",
        "Includes %(num)s budgets flagged at load (%(money)s): “Leave out flagged budgets” "
        "removes them.",
        n,
        lang,
        money=common.money_text(money, lang),
    )
    spec.add_annotation(
        fig,
        {
            "text": "⚠ " + text,
            "x": 1,  # right-aligned: a long note runs over the axis labels, not off the figure
            "xref": "paper",
            "xanchor": "right",
            "y": 1.0,
            "yref": "paper",
            "yanchor": "bottom",
            "yshift": 20,  # above the "not over" label of the years, in a taller top margin
            "showarrow": False,
            "align": "right",
            "font": {"size": 11, "color": "#8a4b00"},
        },
    )
    spec.update_layout(fig, {"margin": {"t": 52}, "meta": {**spec.meta(fig), "flagged": n}})
    return fig


def _query_key(query: Callable) -> tuple:
    """A hashable identity of a query function, with the arguments of a functools.partial."""
    if isinstance(query, functools.partial):
        return (*_query_key(query.func), query.args, tuple(sorted(query.keywords.items())))
    return (getattr(query, "__module__", ""), getattr(query, "__qualname__", repr(query)))


REGISTRY: dict[str, Chart] = {}


def register(chart: Chart) -> Chart:
    """Add a chart to the registry (names are unique per page)."""
    if chart.page not in PAGES:
        raise ValueError(f"unknown page {chart.page!r}")
    if chart.key in REGISTRY:
        raise ValueError(f"chart {chart.key} registered twice")
    REGISTRY[chart.key] = chart
    return chart


def charts_for(page: str) -> list[Chart]:
    """The charts of a page, in display order."""
    _load_all()
    return [c for c in REGISTRY.values() if c.page == page and _offered(c)]


def _offered(chart: Chart) -> bool:
    """Internal charts (money, internal records) do not exist for a public warehouse."""
    return not (chart.internal and db.is_public())


def get_chart(page: str, name: str) -> Chart:
    """One chart by page and name (KeyError if unknown)."""
    _load_all()
    chart = REGISTRY[f"{page}.{name}"]
    if not _offered(chart):
        raise KeyError(f"{page}.{name}")
    return chart


def all_charts() -> list[Chart]:
    """Every registered chart."""
    _load_all()
    return [c for c in REGISTRY.values() if _offered(c)]


_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for page in PAGES:
        try:
            importlib.import_module(f"dashboards.charts.{page}")
        except ModuleNotFoundError as e:
            if e.name != f"dashboards.charts.{page}":
                raise
    _loaded = True
