"""Layout pieces shared by all pages: the shell (header, filter bar, chips), chart cards.

Text from data is always passed as component children or props (Dash escapes it); nothing here
builds HTML strings.
"""

from __future__ import annotations

import json
from typing import Any, cast

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboards import auth, dimensions, ids
from dashboards.charts import Chart, charts_for
from dashboards.exports import web as export_web
from dashboards.filters import FLAGGED_KEY, Filters, Notice
from dashboards.i18n import N_, format_number, gettext
from dashboards.queries.activities import year_range

# Headings of the filters (msgids), from the dimension registry; the years are a range.
DIM_LABELS = {"years": dimensions.YEARS_LABEL, **{d.key: d.label for d in dimensions.FILTERS}}
FLAGGED_LABEL = N_("Leave out flagged budgets")
DIM_LABELS[FLAGGED_KEY] = N_("Flagged budgets")  # its chip: "Flagged budgets: left out"
PRIMARY_DIMS = tuple(d.key for d in dimensions.bar("primary"))
SECONDARY_DIMS = tuple(d.key for d in dimensions.bar("secondary"))

NAV = (  # (path, msgid) in menu order
    ("/", N_("Overview")),
    ("/fields", N_("Fields of competence")),
    ("/functional-areas", N_("Functional areas")),
    ("/regions", N_("Regions")),
    ("/partners", N_("Partners")),
    ("/collective", N_("Collective cooperation")),
    ("/spending", N_("Spending")),  # IATI budgets and transactions (issue 10)
    ("/lifecycle", N_("Lifecycle")),  # reviews, reports, status changes (issue 12)
    ("/data", N_("Data")),
)
# Shorter menu labels, shown in French only where the header is tight (1,200-1,699 px,
# assets/app.css); the page heading keeps the full title. The English full titles fit.
NAV_SHORT = {
    "/fields": N_("Fields"),
    "/collective": N_("Cooperation"),
}
ADMIN_MENU = N_("Admin")  # the dropdown grouping the /admin/ pages (admins only)


def aria(**attributes: str) -> dict[str, Any]:
    """ARIA attributes to splat into a component: ``aria(label="Filters")`` → aria-label.

    Dash components take them as keyword arguments, but their names are not identifiers and
    the typed signatures do not list them; typed ``dict[str, Any]`` they can be passed to any.
    """
    return {f"aria-{name}": value for name, value in attributes.items()}


def label_id(name: str, slot: str = "") -> dict:
    """ID of a translatable text in the shell (its msgid is the key; slot keeps IDs unique)."""
    return {"type": "i18n-text", "key": name, "slot": slot}


def admin_pages() -> list[tuple[str, str]]:
    """(path, title msgid) of the registered admin pages (under /admin/), in registry order."""
    pages = [p for p in dash.page_registry.values() if str(p.get("path", "")).startswith("/admin/")]
    pages.sort(key=lambda p: (p.get("order") if p.get("order") is not None else 99, p["path"]))
    return [(p["path"], str(p.get("title") or p.get("name") or p["path"])) for p in pages]


def nav_label(path: str, label: str) -> list[html.Span] | html.Span:
    """A menu link's text: its full title, and a short one where the header is tight."""
    short = NAV_SHORT.get(path)
    if short is None:
        return html.Span(label, id=label_id(label, "nav"))
    return [
        html.Span(label, id=label_id(label, "nav"), className="nav-label-full"),
        html.Span(short, id=label_id(short, "nav"), className="nav-label-short"),
    ]


def admin_menu(pages: list[tuple[str, str]]) -> dbc.DropdownMenu:
    """The admins' dropdown in the menu: one item per /admin/ page (path, title msgid).

    Its items are nav links (same id type), so the router marks the current one active and
    the links keep the language like the others.
    """
    return dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(
                html.Span(title, id=label_id(title, "nav")),
                id={"type": "nav-link", "path": path},
                href=dash.get_relative_path(path),
            )
            for path, title in pages
        ],
        label=html.Span(ADMIN_MENU, id=label_id(ADMIN_MENU, "nav")),
        id=ids.NAV_ADMIN,
        nav=True,
        in_navbar=True,
        align_end=True,
        class_name="nav-admin",
    )


def shell() -> html.Div:
    """The persistent shell: header, filter bar, and the page area the router fills.

    It is rendered once; the language callback translates its texts and options, so filter
    controls keep their identity across pages and languages.
    """
    links: list[Any] = [
        dbc.NavItem(
            dbc.NavLink(
                nav_label(path, label),
                id={"type": "nav-link", "path": path},
                href=dash.get_relative_path(path),
            )
        )
        for path, label in NAV
        if auth.path_offered(path)  # public: no Spending, no Data
    ]
    admin = [(path, title) for path, title in admin_pages() if auth.path_offered(path)]
    if admin:  # admins only: the layout of any other role holds no admin link at all
        links.append(admin_menu(admin))
    lang_switch = html.Div(
        [
            dcc.Link(
                code.upper(),
                id={"type": "lang-link", "lang": code},
                href="?lang=" + code,
                className="lang-link link-light px-1",  # light on the blue navbar
                title=name,
            )
            for code, name in (("en", "English"), ("fr", "Français"))
        ],
        className="lang-switch",
        role="group",
        **aria(label="Language / Langue"),
    )
    brand = dbc.NavbarBrand(
        [
            html.I(className="bi bi-globe2 me-2", **aria(hidden="true")),
            html.Span(
                "UNESCO · NGO partnership",
                id=label_id("UNESCO · NGO partnership"),
                className="nav-label-full",
            ),
            html.Span("UNESCO", className="nav-label-short"),  # where the header is tight
        ],
        href=dash.get_relative_path("/"),
    )
    # A plain button, not dbc.NavbarToggler: it carries aria-expanded / aria-controls.
    toggler = html.Button(
        [
            html.Span(className="navbar-toggler-icon", **aria(hidden="true")),
            html.Span(N_("Menu"), id=label_id("Menu"), className="visually-hidden"),
        ],
        id=ids.NAV_TOGGLE,
        type="button",
        className="navbar-toggler",
        **aria(controls=ids.NAV_COLLAPSE, expanded="false"),
    )
    head = html.Header(
        dbc.Navbar(
            dbc.Container(
                [
                    brand,
                    toggler,
                    dbc.Collapse(
                        [dbc.Nav(links, navbar=True, className="me-auto"), lang_switch],
                        id=ids.NAV_COLLAPSE,
                        is_open=False,
                        navbar=True,
                    ),
                ],
                fluid=True,
            ),
            color="primary",
            dark=True,
            expand="xl",  # below 1,200 px the French menu cannot fit one row: the toggler
            className="py-1 app-nav",
        )
    )
    skip = html.A(
        html.Span(N_("Skip to main content"), id=label_id("Skip to main content")),
        id=ids.SKIP_LINK,
        href="#" + ids.PAGE,
        className="skip-link",
    )
    main = html.Main(id=ids.PAGE, className="container-fluid pb-4", tabIndex="-1")
    return html.Div([skip, head, filter_bar(), main])


def _options(dim: str, lang: str) -> list[dict]:
    return dimensions.get(dim).options(lang)


def filter_bar() -> html.Section:
    """The one filter bar: years, fields, areas, regions, countries, then more (empty values)."""

    def dropdown(dim: str, width: int) -> dbc.Col:
        return dbc.Col(
            [
                dbc.Label(
                    DIM_LABELS[dim],
                    id=label_id(DIM_LABELS[dim]),
                    html_for=ids.DROPDOWN[dim],
                    className="small mb-0",
                ),
                dcc.Dropdown(
                    # Options exist from the start: a Dropdown drops values it has no option for.
                    id=ids.DROPDOWN[dim],
                    options=_options(dim, "en"),
                    value=[],
                    multi=True,
                    clearable=True,
                    placeholder="All",
                    labels=cast(Any, dropdown_labels("en")),  # dash types it as a TypedDict
                    style={"width": "100%"},
                ),
            ],
            md=width,
        )

    try:
        lo, hi = year_range()
    except Exception:  # no warehouse yet: the language callback sets the range later
        lo, hi = 2012, 2026
    slider = dbc.Col(
        [
            dbc.Label("Years", id=label_id("Years"), html_for=ids.YEARS, className="small mb-0"),
            dcc.RangeSlider(
                id=ids.YEARS,
                min=lo,
                max=hi,
                step=1,
                value=[lo, hi],
                marks=year_marks(lo, hi),
                allowCross=False,
                tooltip={"placement": "bottom"},
                updatemode="mouseup",
                allow_direct_input=False,  # its boxes have no label: ours below do
            ),
            html.Div(
                [
                    year_box(ids.YEAR_FROM, N_("First year"), lo),
                    year_box(ids.YEAR_TO, N_("Last year"), hi),
                ],
                className="year-boxes d-flex gap-2",
            ),
        ],
        md=3,
    )
    panel_toggle = html.Button(
        [
            html.I(className="bi bi-funnel me-1", **aria(hidden="true")),
            html.Span(N_("Filters"), id=label_id("Filters", "toggle")),
        ],
        id=ids.FILTERS_TOGGLE,
        type="button",
        className="btn btn-outline-primary btn-sm filters-toggle",
        **aria(controls=ids.FILTERS_PANEL, expanded="false"),
    )
    return html.Section(
        [
            panel_toggle,
            dbc.Collapse(
                filter_panel(slider, dropdown),
                id=ids.FILTERS_PANEL,
                is_open=False,
                className="filters-panel",
            ),
            html.Div(
                [
                    html.Div(
                        id=ids.CHIPS, className="d-inline-flex flex-wrap gap-1 align-items-center"
                    ),
                    dbc.Button(
                        html.Span(N_("Clear all"), id=label_id("Clear all")),
                        id=ids.CLEAR_ALL,
                        color="link",
                        size="sm",
                        className="py-0",
                    ),
                    export_web.toolbar(),
                ],
                className="d-flex flex-wrap align-items-center mt-1",
            ),
            export_web.pack_panel(),
            export_web.status_area(),
            html.Div(id=ids.NOTICES, role="status", **aria(live="polite")),
        ],
        id=ids.FILTER_BAR,
        className="filter-bar container-fluid py-2",
        **aria(label="Filters"),
    )


def filter_panel(slider: dbc.Col, dropdown) -> list:
    """The filter controls (on a phone they open in a panel, on a wider screen always shown)."""
    return [
        dbc.Row(
            [
                slider,
                *(dropdown(d.key, d.bar_width) for d in dimensions.bar("primary")),
            ],
            className="g-2 align-items-end",
        ),
        dbc.Collapse(
            dbc.Row(
                [
                    *(dropdown(d.key, d.bar_width) for d in dimensions.bar("secondary")),
                    flagged_switch(),
                ],
                className="g-2 mt-1 align-items-end",
            ),
            id=ids.MORE_FILTERS,
            is_open=False,
        ),
        dbc.Button(
            [
                html.I(className="bi bi-sliders me-1", **aria(hidden="true")),
                html.Span(N_("More filters"), id=label_id("More filters")),
            ],
            id=ids.MORE_FILTERS_TOGGLE,
            color="link",
            size="sm",
            className="px-0 me-3",
        ),
    ]


def year_box(box_id: str, label: str, value: int) -> html.Div:
    """A typed year (first or last of the range), labelled; applied on Enter or on leaving it."""
    return html.Div(
        [
            dbc.Label(label, id=label_id(label), html_for=box_id, className="visually-hidden"),
            dcc.Input(
                id=box_id,
                type="number",
                value=value,
                step=1,
                debounce=True,
                inputMode="numeric",
                className="form-control form-control-sm year-box",
            ),
        ]
    )


def year_marks(lo: int, hi: int) -> dict:
    """Slider marks: both ends and every fifth year at least three years from either end."""
    return {
        y: str(y)
        for y in range(lo, hi + 1)
        if y in (lo, hi) or (y % 5 == 0 and lo + 3 <= y <= hi - 3)
    }


# The texts Dash 4's dcc.Dropdown draws itself (English by default): "Select All", the search
# box, "No options found", the clear buttons' aria-labels.
DROPDOWN_LABELS: dict[str, str] = {
    "select_all": N_("Select all"),
    "deselect_all": N_("Deselect all"),
    # TRANSLATORS: keep {num_selected} as it is: the dropdown puts the number there.
    "selected_count": N_("{num_selected} selected"),
    "search": N_("Search"),
    "clear_search": N_("Clear search"),
    "clear_selection": N_("Clear selection"),
    "no_options_found": N_("No options found"),
}


def dropdown_labels(lang: str) -> dict[str, str]:
    """The `labels` of a dcc.Dropdown in a language."""
    return {key: gettext(msgid, lang) for key, msgid in DROPDOWN_LABELS.items()}


def localised_controls(lang: str) -> dict:
    """Options, placeholder, dropdown texts and slider range of the filter controls."""
    lo, hi = year_range()
    return {
        "options": {d: _options(d, lang) for d in ids.DROPDOWN},
        "placeholder": gettext("All", lang),
        "labels": dropdown_labels(lang),
        "years": (lo, hi, year_marks(lo, hi)),
    }


def flagged_switch() -> dbc.Col:
    """The one control leaving out activities flagged at load (URL `flagged=exclude`)."""
    return dbc.Col(
        dbc.Switch(
            id=ids.FLAGGED,
            value=False,
            label=html.Span(FLAGGED_LABEL, id=label_id(FLAGGED_LABEL)),
            className="small mb-1",
        ),
        md=3,
    )


def chips(filters: Filters, lang: str) -> list:
    """Removable chips for the active filters, and 'clear all'."""
    if filters.is_empty():
        return [
            # "no-filter": the stylesheet hides "Clear all" beside it (assets/app.css).
            html.Span(
                gettext("No filter: all data is shown.", lang),
                className="no-filter text-muted small",
            )
        ]
    out: list = []
    for dim, value in filters.active():
        if dim == "years":
            lo, hi = cast("tuple[int, int]", filters.years)  # active() lists years only if set
            text = f"{lo}–{hi}"
        elif dim == FLAGGED_KEY:
            text = gettext("left out", lang)
        else:
            text = dimensions.get(dim).name_of(value, lang)
        name = gettext(DIM_LABELS[dim], lang)
        out.append(
            html.Button(
                [
                    html.Span(f"{name}: ", className="chip-dim"),
                    text,
                    html.I(className="bi bi-x ms-1"),
                ],
                id={"type": ids.CHIP_REMOVE, "dim": dim, "value": value or ""},
                className="filter-chip",
                title=gettext("Remove this filter", lang),
                **aria(label=f"{gettext('Remove this filter', lang)}: {name} {text}"),
            )
        )
    return out


def notices(items: list[Notice], lang: str):
    """A visible, dismissable notice for URL values that were dropped."""
    if not items:
        return None
    words = ", ".join(f"{n.key}={n.value}" for n in items)
    return dbc.Alert(
        [
            html.I(className="bi bi-exclamation-triangle me-2"),
            gettext(
                "Some filter values in the address were not recognised and were ignored:", lang
            ),
            " ",
            html.Code(words),
        ],
        color="warning",
        dismissable=True,
        className="py-1 px-2 my-1 small",
    )


# Plotly's toolbar, lean: no upload to an online service, no logo, no image button (the card's
# Download menu makes PNG/SVG/PDF), no selection tools nobody filters with. Zoom, pan and
# reset stay (geo maps: zoom in/out and reset). assets/a11y.js makes what is left one tab stop.
MODEBAR_REMOVE = (
    "toImage",
    "sendChartToCloud",
    "sendDataToCloud",
    "editInChartStudio",
    "select2d",
    "lasso2d",
    "autoScale2d",
    "zoomIn2d",
    "zoomOut2d",
    "hoverClosestCartesian",
    "hoverCompareCartesian",
    "toggleSpikelines",
    "hoverClosestGeo",
    "hoverClosestPie",
)


SHOW_TABLE = N_("Show as table")
HIDE_TABLE = N_("Hide table")


def graph_config(lang: str) -> dict:
    """The config of every chart's dcc.Graph: lean toolbar shown on hover, in the UI language."""
    return {
        "displaylogo": False,
        "displayModeBar": "hover",
        "modeBarButtonsToRemove": list(MODEBAR_REMOVE),
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "showLink": False,
        "responsive": True,
        "topojsonURL": dash.get_asset_url("topojson/"),
        "locale": lang,
    }


def dom_id(component_id: dict | str) -> str:
    """The id a component gets in the page (Dash writes a dict id as sorted, compact JSON)."""
    if isinstance(component_id, str):
        return component_id
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def table_toggle(lang: str, is_open: bool = False) -> list:
    """The children of a card's table button: "Show as table" or "Hide table"."""
    label = gettext(HIDE_TABLE if is_open else SHOW_TABLE, lang)
    return [html.I(className="bi bi-table me-1", **aria(hidden="true")), label]


def loading_graph(graph: dcc.Graph, lang: str) -> dcc.Loading:
    """A graph behind a fixed-height skeleton while its figure is on its way (no jumping card)."""
    return dcc.Loading(
        graph,
        delay_show=300,
        show_initially=True,
        custom_spinner=html.Div(
            html.Span(gettext("Loading the chart…", lang), className="visually-hidden"),
            className="chart-skeleton",
            role="status",
        ),
        parent_className="chart-loading",
    )


def chart_card(
    chart: Chart,
    lang: str,
    width: int = 6,
    controls=None,
) -> dbc.Col:
    """A card with a chart's title, the graph, what is counted, and a table alternative.

    `controls` (optional components, e.g. a chart-variant switch) sit above the graph.
    """
    _ = lambda s: gettext(s, lang)  # noqa: E731
    title = _(chart.title)
    title_id = "title-" + chart.key.replace(".", "-")
    graph = dcc.Graph(
        id=ids.chart(ids.CHART_GRAPH, chart.key),
        config={
            **graph_config(lang),
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": chart.key},
        },
        className="chart-graph",
    )
    toggle_id = ids.chart(ids.CHART_TABLE_TOGGLE, chart.key)
    collapse_id = ids.chart(ids.CHART_TABLE_COLLAPSE, chart.key)
    actions = html.Div(
        [
            html.Button(
                table_toggle(lang),
                id=toggle_id,
                type="button",
                className="btn btn-link btn-sm p-0",
                **aria(controls=dom_id(collapse_id), expanded="false"),
            ),
            html.Div(
                export_web.chart_menu(chart, lang),
                id=ids.chart(ids.CHART_DOWNLOAD, chart.key),
                className="d-inline-block ms-2",
            ),
        ],
        className="chart-actions",
    )
    body = [
        controls,
        # A figure named by the card's title (not role=img: the toolbar inside is interactive).
        html.Figure(loading_graph(graph, lang), className="mb-1", **aria(labelledby=title_id)),
        html.P(_(chart.note), className="chart-note small text-muted mb-1") if chart.note else None,
        dbc.Collapse(
            html.Div(id=ids.chart(ids.CHART_TABLE, chart.key), className="table-responsive"),
            id=collapse_id,
            is_open=False,
        ),
        dcc.Store(id=ids.chart(ids.CHART_TABLE_SEARCH, chart.key)),
    ]
    return dbc.Col(
        dbc.Card(
            [
                dbc.CardHeader(
                    [html.H2(title, id=title_id, className="h6 mb-0 chart-title"), actions],
                    className="d-flex justify-content-between align-items-center",
                ),
                dbc.CardBody(body),
            ],
            className="chart-card h-100",
        ),
        lg=width,
        className="mb-3",
    )


def chart_grid(
    page: str, lang: str, widths: dict[str, int] | None = None, controls: dict | None = None
) -> dbc.Row:
    """All charts of a page as cards (width 6 of 12 unless given; controls by chart name)."""
    widths = widths or {}
    controls = controls or {}
    return dbc.Row(
        [chart_card(c, lang, widths.get(c.name, 6), controls.get(c.name)) for c in charts_for(page)]
    )


def data_table(frame, lang: str) -> dbc.Table:
    """A plain accessible table of a small frame (numbers formatted for the language)."""
    head = html.Thead(html.Tr([html.Th(str(c), scope="col") for c in frame.columns]))
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for v in values:
            if isinstance(v, float | int) and not isinstance(v, bool):
                cells.append(html.Td(format_number(v, lang), className="text-end"))
            else:
                cells.append(html.Td("" if v is None else str(v)))
        rows.append(html.Tr(cells))
    return dbc.Table(
        [head, html.Tbody(rows)], size="sm", striped=True, hover=True, className="small"
    )


def page_title(title: str, lang: str, subtitle: str | None = None) -> html.Div:
    """The H1 of a page."""
    return html.Div(
        [
            html.H1(gettext(title, lang), className="h3 mb-0"),
            html.P(subtitle, className="text-muted mb-2") if subtitle else None,
        ],
        className="mt-3 mb-2",
    )
