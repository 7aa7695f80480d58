"""Briefing packs: the charts of a page (or of every page) for the filters, as PDF or PowerPoint.

`build_pack(fmt, page, filters, lang, progress)` is the one code path of the web page's
"Briefing pack" action and of `python -m dashboards.exports briefing`. `progress(done, total,
label)` is called after each step (the web page shows it as a progress bar).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dashboards.charts import PAGE_TITLES, PAGES, Chart, _query_key, all_charts, charts_for
from dashboards.exports import describe, figures, summary
from dashboards.exports.pdf import ChartPage, PackText, build_pdf
from dashboards.exports.pptx import ChartSlide, build_pptx
from dashboards.filters import Filters, Notice
from dashboards.i18n import gettext

FORMATS = ("pdf", "pptx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ALL = "all"

W, H = figures.PACK_WIDTH, figures.PACK_HEIGHT
Progress = Callable[[int, int, str], None]


class NoCharts(ValueError):
    """The chosen page has no charts."""


def pack_charts(page: str) -> list[Chart]:
    """The charts of a page in display order, or of every page ('all') in menu order.

    A chart shown on two pages (the same query drawn the same way, e.g. activities over time on
    the Overview and on Fields of competence) is in a pack once, where it first appears.
    """
    if page == ALL:
        order = {p: i for i, p in enumerate(PAGES)}
        charts = sorted(all_charts(), key=lambda c: order[c.page])  # stable: display order kept
    elif page not in PAGES:
        raise KeyError(page)
    else:
        charts = charts_for(page)
    seen: set = set()
    unique = []
    for chart in charts:
        drawing = _drawing(chart)
        if drawing not in seen:
            seen.add(drawing)
            unique.append(chart)
    return unique


def _drawing(chart: Chart) -> tuple:
    """What a chart shows: its query, its figure builder and the filters it ignores."""
    return (_query_key(chart.query), _query_key(chart.figure), chart.ignores)


def pack_title(page: str, lang: str) -> str:
    """'Briefing: Regions' / 'Briefing: all pages'."""
    if page == ALL:
        return gettext("Briefing: all pages", lang)
    return gettext("Briefing: %(page)s", lang, page=gettext(PAGE_TITLES.get(page, page), lang))


def notice_text(notices: Sequence[Notice], lang: str) -> list[str]:
    """Dropped filter values in words."""
    return [
        gettext("%(value)s was not recognised and was ignored", lang, value=f"{n.key}={n.value}")
        for n in notices
    ]


def build_pack(
    fmt: str,
    page: str,
    filters: Filters,
    lang: str = "en",
    progress: Progress | None = None,
    notices: Sequence[Notice] = (),
) -> bytes:
    """The briefing pack as PDF or PPTX bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    charts = pack_charts(page)
    if not charts:
        raise NoCharts(page)
    total = len(charts) + 1
    report = progress or (lambda done, total, label: None)
    report(0, total, gettext("Starting…", lang))
    figures.ensure_server()
    title = pack_title(page, lang)
    subtitle = describe.filters_text(filters, lang)
    footer = describe.source_line(lang)
    pages: list[ChartPage] = []
    slides: list[ChartSlide] = []
    has_map = False
    for done, chart in enumerate(charts, start=1):
        name = gettext(chart.title, lang)
        definition = gettext(chart.description, lang) if chart.description else ""
        note = describe.paper_text(gettext(chart.note, lang), lang) if chart.note else ""
        # A chart whose frame has nothing to sum (a list of members) is described by its
        # definition rather than left with an empty "What it shows".
        text = summary.summarise(chart, chart.frame(filters), lang) or definition
        chart_filters = describe.filters_text(filters, lang, chart.ignores)
        if fmt == "pdf":
            fig = figures.paper_figure(chart, filters, lang, width=W, height=H)
            has_map = has_map or figures.is_map(fig)
            pages.append(
                ChartPage(
                    title=name,
                    figure_pdf=figures.export(fig, "pdf"),
                    summary=text,
                    definition=definition,
                    note=note,
                )
            )
        else:
            fig = figures.paper_figure(chart, filters, lang, with_title=False, width=W, height=H)
            notes = "\n\n".join(
                p
                for p in (
                    text,
                    note,
                    gettext("Filters: %(filters)s", lang, filters=chart_filters),
                    footer,
                )
                if p
            )
            png = figures.export(fig, "png", scale=figures.PACK_PNG_SCALE)
            alt = gettext(
                "Chart: %(title)s (%(filters)s). %(summary)s",
                lang,
                title=name,
                filters=chart_filters,
                summary=text,
            )
            slides.append(ChartSlide(name, png, notes, summary=text, alt_text=alt.strip()))
        report(done, total, name)
    words = PackText(
        title=title,
        subtitle=subtitle,
        generated=describe.generated_text(lang),
        as_of=describe.as_of_text(lang),
        source_line=footer,
        lang=lang,
        notices=notice_text(notices, lang),
        map_disclaimer=gettext(figures.MAP_DISCLAIMER, lang) if has_map else None,
    )
    data = build_pdf(words, pages) if fmt == "pdf" else build_pptx(words, slides)
    report(total, total, gettext("Done", lang))
    return data


def pack_filename(fmt: str, page: str, lang: str = "en") -> str:
    """'briefing-regions-fr-2026-11-28.pdf'."""
    import datetime as dt

    suffix = f"-{lang}" if lang != "en" else ""
    return f"briefing-{page}{suffix}-{dt.date.today().isoformat()}.{fmt}"
