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
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboards import cache, vocab
from dashboards.figures import theme
from dashboards.filters import Filters
from dashboards.i18n import N_

# Page keys and their titles (msgids, as in the navigation), in menu order.
PAGE_TITLES = {
    "overview": N_("Overview"),
    "fields": N_("Fields of competence"),
    "functional_areas": N_("Functional areas"),
    "regions": N_("Regions"),
    "partners": N_("Partners"),
    "collective": N_("Collective cooperation"),
    "spending": N_("Spending"),  # IATI budgets and transactions (issue 10)
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
    # generated summary describes. None: not stated yet (summaries then guess; to be removed).
    measure: str | None = None
    # True: the chart shows money or internal records, absent from a public deployment.
    internal: bool = False
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
            compute=lambda: self.query(filters),
        )

    def figure_for(self, variant: str | None = None) -> Callable[[pd.DataFrame, str], go.Figure]:
        """The figure builder of a variant (the main `figure` for None or an unknown name)."""
        return dict(self.variants).get(variant or "", self.figure)

    def build(self, filters: Filters, lang: str = "en", variant: str | None = None) -> go.Figure:
        """The figure for the filters, in a language (optionally one of the chart's variants)."""
        frame = self.frame(filters)
        with vocab.pinned():  # one vocabulary for the whole figure
            return self.figure_for(variant)(frame, lang)

    def figure_json(self, filters: Filters, lang: str = "en", variant: str | None = None) -> dict:
        """The figure as a plotly JSON dict (cached: what the page callback returns)."""
        variant = variant if variant in dict(self.variants) else None
        return cache.cached(
            "figure",
            self.key,
            filters.cache_key(),
            lang,
            *((variant,) if variant else ()),
            compute=lambda: self._screen_json(filters, lang, variant),
        )

    def _screen_json(self, filters: Filters, lang: str, variant: str | None) -> dict:
        # The template is serialised once per process and added to the JSON, rather than
        # validated into every figure (the same result on screen, several ms less per chart).
        frame = self.frame(filters)
        with theme.deferred_template(), vocab.pinned():  # one vocabulary for the whole figure
            fig = self.figure_for(variant)(frame, lang)
        return theme.with_template(fig.to_plotly_json())


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
    return [c for c in REGISTRY.values() if c.page == page]


def get_chart(page: str, name: str) -> Chart:
    """One chart by page and name (KeyError if unknown)."""
    _load_all()
    return REGISTRY[f"{page}.{name}"]


def all_charts() -> list[Chart]:
    """Every registered chart."""
    _load_all()
    return list(REGISTRY.values())


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
