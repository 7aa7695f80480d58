"""One partner: identity, status history, activities for the filters, countries, participation.

The identity card, the status history and the participation in collective mechanisms describe
the partner and do not depend on the filters; the activities, their charts and the countries
reached follow the filters in the URL (said on the page). Names and every other text from the
data are component children (text), never HTML; the website is a link only if it is http(s).
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlparse

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from dashboards import db, ids
from dashboards import layout as ui
from dashboards.components.lifecycle_timeline import lifecycle_card
from dashboards.exports.data import neutralise_frame
from dashboards.figures import common
from dashboards.figures import partners as figures
from dashboards.filters import Filters, parse_lang
from dashboards.i18n import (
    N_,
    count_text,
    format_money,
    format_partial_date,
    gettext,
    normalise_precision,
    reason_text,
)
from dashboards.pages.partners import grid_options
from dashboards.queries import partners as q

PARTNER = "profile-partner-id"
BACK = "profile-back"
COUNT = "profile-count"
BY_YEAR = "profile-by-year"
BY_REGION = "profile-by-region"
ACTIVITIES = "profile-activities"
COUNTRIES = "profile-countries"

# Activity table columns: (field, header msgid, extra column options).
ACTIVITY_COLUMNS: tuple[tuple[str, str, dict], ...] = (
    ("title", N_("Title"), {"flex": 3, "minWidth": 240, "tooltipField": "title"}),
    ("field", N_("Field of competence"), {"width": 170}),
    ("areas", N_("Functional areas"), {"flex": 2, "minWidth": 180, "tooltipField": "areas"}),
    ("places", N_("Countries or regions"), {"flex": 2, "minWidth": 170, "tooltipField": "places"}),
    ("years", N_("Years"), {"width": 110}),
    ("status", N_("Status"), {"width": 120}),
    (
        "budget_usd",
        N_("Budget (US$)"),
        {"width": 140, "type": "numericColumn", "filter": "agNumberColumnFilter"},
    ),
    ("warnings", N_("Flagged at load"), {"width": 170, "tooltipField": "warnings"}),
)


def title(partner_id: str | None = None, lang: str = "en", **_) -> str:
    """The browser tab's title: the partner's name (plain text)."""
    if not partner_id:
        return gettext("Partner", lang)
    try:
        partner = q.profile(unquote(partner_id), lang)
    except Exception:  # no warehouse: the page itself says so
        partner = None
    return partner["name"] if partner else gettext("Partner not found", lang)


def exists(partner_id: str | None = None, **_) -> bool:
    """Whether the partner is in the warehouse (an unknown id answers HTTP 404)."""
    pid = unquote(partner_id or "")
    return bool(pid) and q.profile(pid) is not None


dash.register_page(
    __name__,
    path_template="/partners/<partner_id>",
    title=title,
    name="Partner",
    order=5,
)


def layout(partner_id: str | None = None, lang: str = "en", **_params) -> list | html.Div:
    """The profile of one partner, or a clear 'not found' with a way back to the directory."""
    pid = unquote(partner_id or "")
    partner = q.profile(pid, lang) if pid else None
    if partner is None:
        return not_found(pid, lang)
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    return [
        dcc.Store(id=PARTNER, data=pid),
        back_link(lang),
        header(partner, lang),
        dbc.Row(
            [
                dbc.Col(identity_card(partner, lang), lg=5, className="mb-3"),
                dbc.Col(
                    [
                        status_card(q.status_history(pid, lang), lang),
                        participation_card(q.participation(pid, lang), lang),
                        lifecycle_card(pid, lang),  # issue 12: next due step and timeline
                    ],
                    lg=7,
                ),
            ]
        ),
        html.H2(_("Activities"), className="h5 mt-2 mb-1"),
        html.P(
            [
                html.I(className="bi bi-funnel me-1"),
                _(
                    "The activities, their charts and the countries reached follow the filters "
                    "above; the identity, status history and participation do not."
                ),
                " ",
                html.Span(id=COUNT, className="fw-semibold", role="status"),
            ],
            className="small text-muted mb-2",
        ),
        dbc.Row(
            [
                _figure_card(BY_YEAR, _("Activities per year, by field of competence"), 7, lang),
                _figure_card(BY_REGION, _("Activities by UNESCO region reached"), 5, lang),
            ]
        ),
        dcc.Download(id=DOWNLOAD),
        dbc.Card(
            [
                dbc.CardHeader(html.H3(_("List of activities"), className="h6 mb-0")),
                dbc.CardBody(
                    dag.AgGrid(
                        id=ACTIVITIES,
                        columnDefs=activity_columns(lang),
                        rowData=[],
                        defaultColDef={
                            "sortable": True,
                            "resizable": True,
                            "filter": "agTextColumnFilter",
                            "suppressHeaderMenuButton": True,
                        },
                        dashGridOptions=grid_options(lang, page_size=10),
                        style={"width": "100%"},
                    )
                ),
            ],
            className="chart-card mb-3",
        ),
        dbc.Card(
            [
                dbc.CardHeader(html.H3(_("Countries reached"), className="h6 mb-0")),
                dbc.CardBody(
                    html.Div(
                        id=COUNTRIES,
                        className="table-responsive",
                        style={"maxHeight": "420px", "overflowY": "auto"},
                    )
                ),
            ],
            className="chart-card mb-3",
        ),
    ]


def not_found(partner_id: str, lang: str) -> html.Div:
    """No partner with this identifier: say so, and lead back to the directory."""
    return html.Div(
        [
            html.H1(gettext("Partner not found", lang), className="h3 mt-4"),
            html.P(
                [
                    gettext("There is no partner with the identifier", lang),
                    " ",
                    html.Code(partner_id or "—"),
                    ". ",
                    gettext("It may have been removed, or the address may be mistyped.", lang),
                ]
            ),
            dbc.Button(
                [
                    html.I(className="bi bi-arrow-left me-1"),
                    gettext("Back to the partner directory", lang),
                ],
                id=BACK,
                href=dash.get_relative_path("/partners"),
                color="primary",
            ),
        ],
        className="py-4",
    )


def back_link(lang: str) -> html.Div:
    """A link back to the directory (its address keeps the filters: a clientside callback)."""
    return html.Div(
        dcc.Link(
            [html.I(className="bi bi-arrow-left me-1"), gettext("Partner directory", lang)],
            id=BACK,
            href=dash.get_relative_path("/partners"),
            className="small",
        ),
        className="mt-3",
    )


def header(partner: dict, lang: str) -> html.Div:
    """The partner's name (text), acronym, type and status."""
    badges = [
        dbc.Badge(
            partner["type_name"] or partner["partner_type"], color="secondary", className="me-1"
        ),
        dbc.Badge(partner["status_name"] or partner["status"], color="primary", className="me-1"),
    ]
    return html.Div(
        [
            html.H1(
                [
                    html.Span(partner["name"], className="partner-name"),
                    html.Small(f" ({partner['acronym']})", className="text-muted fw-normal")
                    if partner.get("acronym")
                    else None,
                ],
                className="h3 mb-1",
            ),
            html.Div(badges),
        ],
        className="mt-1 mb-3",
    )


def website(url: str | None, lang: str):
    """A link for an http(s) address; anything else as plain text (never a javascript: link)."""
    if not url:
        return html.Span(gettext("Not specified", lang), className="text-muted")
    parsed = urlparse(url.strip())
    if parsed.scheme.lower() in ("http", "https") and parsed.netloc:
        return html.A(url, href=url.strip(), target="_blank", rel="noopener noreferrer")
    return html.Span(url)


def identity_card(partner: dict, lang: str) -> dbc.Card:
    """Type, status, headquarters, relations, scope, fields and website."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    status = partner["status_name"] or partner["status"]
    if partner.get("status_since"):
        precision = normalise_precision(partner.get("status_since_precision"))
        when = format_partial_date(partner["status_since"], precision, lang)
        if precision == "day":
            status = _("%(status)s since %(date)s", status=status, date=when)
        else:
            # TRANSLATORS: a period, not a day: "Associate since 2015", "… since Mar 2012".
            status = _("%(status)s since %(period)s", status=status, period=when)
    hq = ", ".join(str(v) for v in (partner.get("hq_city"), partner.get("hq_country")) if v)
    if partner.get("hq_region"):
        hq = f"{hq} — {partner['hq_region']}" if hq else partner["hq_region"]
    items = [
        (_("Type"), partner["type_name"] or partner["partner_type"]),
        (_("Status"), status),
        (_("Headquarters"), hq or _("Not specified")),
        (
            _("Official relations since"),
            str(partner["relations_since"])
            if partner.get("relations_since")
            else _("Not specified"),
        ),
        (_("Scope"), partner.get("scope_name") or partner.get("scope") or _("Not specified")),
        (_("Fields of competence"), "; ".join(partner["fields"]) or _("Not specified")),
        (_("Website"), website(partner.get("website"), lang)),
        (_("Identifier"), html.Code(partner["partner_id"])),
    ]
    rows = []
    for label, value in items:
        rows += [
            html.Dt(label, className="col-sm-5 text-muted fw-normal"),
            html.Dd(value, className="col-sm-7"),
        ]
    return dbc.Card(
        [
            dbc.CardHeader(html.H2(_("Identity"), className="h6 mb-0")),
            dbc.CardBody(html.Dl(rows, className="row mb-0 small")),
        ],
        className="chart-card h-100",
    )


def status_card(history: pd.DataFrame, lang: str) -> dbc.Card:
    """The status periods, oldest first."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    if history.empty:
        body = html.P(_("No status history recorded."), className="text-muted small mb-0")
    else:
        table = pd.DataFrame(
            {
                _("Status"): [
                    n or c for n, c in zip(history["status_name"], history["status"], strict=True)
                ],
                _("From"): [
                    _date(d, p, lang)
                    for d, p in zip(
                        history["valid_from"], history["valid_from_precision"], strict=True
                    )
                ],
                _("To"): [
                    _date(d, p, lang) if pd.notna(d) else _("today")
                    for d, p in zip(history["valid_to"], history["valid_to_precision"], strict=True)
                ],
            }
        )
        body = ui.data_table(table, lang)
    return dbc.Card(
        [dbc.CardHeader(html.H2(_("Status history"), className="h6 mb-0")), dbc.CardBody(body)],
        className="chart-card mb-3",
    )


def participation_card(frame: pd.DataFrame, lang: str) -> dbc.Card:
    """Participation in the Conference, the Liaison Committee, the Board's Committee, forums."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    body: html.P | html.Div
    if frame.empty:
        body = html.P(
            _("No participation in collective mechanisms recorded."),
            className="text-muted small mb-0",
        )
    else:
        table = pd.DataFrame(
            {
                _("Mechanism"): [
                    n or c for n, c in zip(frame["mechanism_name"], frame["mechanism"], strict=True)
                ],
                _("Session"): frame["event"].fillna("").astype(str),
                _("Date"): [
                    _date(d, p, lang)
                    for d, p in zip(frame["event_date"], frame["event_date_precision"], strict=True)
                ],
                _("Role"): [
                    n or c or "" for n, c in zip(frame["role_name"], frame["role"], strict=True)
                ],
            }
        )
        body = html.Div(
            ui.data_table(table, lang), style={"maxHeight": "320px", "overflowY": "auto"}
        )
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.H2(_("Participation in collective mechanisms"), className="h6 mb-0"),
                    html.Span(_("all years"), className="small text-muted"),
                ],
                className="d-flex justify-content-between align-items-center",
            ),
            dbc.CardBody(body),
        ],
        className="chart-card mb-3",
    )


def _date(value, precision, lang: str) -> str:
    """A date from the data, as precise as its source ("2015", "Oct 2006", "12 Dec 2016")."""
    return format_partial_date(value, precision, lang)


# The profile's two charts: graph id → (query, dimension its bars name, cross-filter dimension).
PROFILE_CHARTS = {
    BY_YEAR: (q.activities_by_year, "field", "fields"),
    BY_REGION: (q.activities_by_region, "region", "regions"),
}
DOWNLOAD = "profile-download"  # dcc.Download of a chart's data (CSV)


def _part(graph_id: str, part: str) -> str:
    return f"{graph_id}-{part}"


def _figure_card(graph_id: str, heading: str, width: int, lang: str = "en") -> dbc.Col:
    """A chart card as on the other pages: table alternative, download, click to filter."""
    title_id = _part(graph_id, "title")
    collapse = _part(graph_id, "table-collapse")
    actions = html.Div(
        [
            html.Button(
                ui.table_toggle(lang),
                id=_part(graph_id, "table-toggle"),
                type="button",
                className="btn btn-link btn-sm p-0",
                **ui.aria(controls=collapse, expanded="false"),
            ),
            dbc.DropdownMenu(
                [
                    dbc.DropdownMenuItem(
                        gettext(label, lang), id=_part(graph_id, "dl-" + fmt), n_clicks=0
                    )
                    for fmt, label in (
                        ("png", N_("PNG image")),
                        ("svg", N_("SVG (vector)")),
                        ("csv", N_("Data (CSV)")),
                    )
                ],
                label=gettext("Download", lang),
                size="sm",
                color="link",
                align_end=True,
                toggle_class_name="p-0 chart-export-toggle",
                toggle_style={"fontSize": "0.875rem"},
                class_name="d-inline-block ms-2",
            ),
        ],
        className="chart-actions",
    )
    graph = dcc.Graph(
        id=graph_id,
        config={**ui.graph_config(lang), "toImageButtonOptions": {"filename": graph_id}},
        className="chart-graph",
    )
    return dbc.Col(
        dbc.Card(
            [
                dbc.CardHeader(
                    [html.H3(heading, id=title_id, className="h6 mb-0 chart-title"), actions],
                    className="d-flex justify-content-between align-items-center",
                ),
                dbc.CardBody(
                    [
                        html.Figure(
                            ui.loading_graph(graph, lang),
                            className="mb-0",
                            **ui.aria(labelledby=title_id),
                        ),
                        html.P(
                            gettext("Click a bar to filter by it.", lang),
                            className="chart-note small text-muted mb-1",
                        ),
                        dbc.Collapse(
                            html.Div(id=_part(graph_id, "table"), className="table-responsive"),
                            id=collapse,
                            is_open=False,
                        ),
                    ]
                ),
            ],
            className="chart-card h-100",
        ),
        lg=width,
        className="mb-3",
    )


def chart_table(graph_id: str, partner_id: str, search: str) -> pd.DataFrame:
    """A profile chart's data as its table shows it (names, translated headers)."""
    query, dimension, _dim = PROFILE_CHARTS[graph_id]
    filters, _ = Filters.from_query(search)
    frame = query(partner_id, filters)
    return common.table_frame(frame, parse_lang(search), dimension=dimension)


def activity_columns(lang: str) -> list[dict]:
    """The activity table's columns, headers in the language."""
    defs = []
    for field, header_msgid, extra in ACTIVITY_COLUMNS:
        if field in ("budget_usd", "warnings") and db.is_public():
            continue  # money and load warnings: not served by a public deployment
        col = {"field": field, "headerName": gettext(header_msgid, lang), **extra}
        if field == "budget_usd":
            col["valueFormatter"] = {"function": f"formatNumber(params.value, '{lang}')"}
        defs.append(col)
    return defs


def _internal_cells(r, lang: str) -> dict:
    """Budget and load warnings of a row, when the frame has them (not in public mode)."""
    cells: dict[str, float | str | None] = {}
    if hasattr(r, "budget_usd"):
        cells["budget_usd"] = None if pd.isna(r.budget_usd) else float(r.budget_usd)
    if hasattr(r, "warnings"):
        # What the load flagged, in the UI language (data values as given), as text.
        cells["warnings"] = _flags(r, lang)
    return cells


def activity_rows(frame: pd.DataFrame, lang: str) -> list[dict]:
    """Rows of the activity table: names in the language, years as a span, budget as a number."""
    out = []
    for r in frame.itertuples(index=False):
        start = None if pd.isna(r.year) else int(r.year)
        end = None if pd.isna(r.end_year) else int(r.end_year)
        years = "—" if start is None else str(start) if end in (None, start) else f"{start}–{end}"
        if r.geo_scope == "global":
            places = gettext("Global", lang)
        else:
            places = r.places if isinstance(r.places, str) else "—"
        out.append(
            {
                "activity_id": r.activity_id,
                "title": r.title,
                "field": r.field,
                "areas": r.areas if isinstance(r.areas, str) else "",
                "places": places,
                "years": years,
                "status": r.status_name if isinstance(r.status_name, str) else (r.status or ""),
                **_internal_cells(r, lang),
            }
        )
    return out


def _flags(row, lang: str) -> str:
    """The load warnings of an activity row, each in the language (dashboards.i18n.reason_text)."""
    found = getattr(row, "warnings_json", None)
    if isinstance(found, str) and found:
        try:
            items = json.loads(found)
        except ValueError:
            items = None
        if isinstance(items, list):
            return "; ".join(
                reason_text(i.get("reason"), i.get("template"), i.get("args"), lang)
                for i in items
                if isinstance(i, dict)
            )
    return row.warnings if isinstance(row.warnings, str) else ""


def countries_table(frame: pd.DataFrame, lang: str):
    """Countries reached, most activities first."""
    if frame.empty:
        return html.P(
            gettext("No country reached by the matching activities.", lang),
            className="text-muted small mb-0",
        )
    table = pd.DataFrame(
        {
            gettext("Country", lang): frame["country"].fillna(frame["iso3"]),
            gettext("Region", lang): frame["region"].fillna("—"),
            gettext("Activities", lang): frame["activities"].astype(int),
        }
    )
    return ui.data_table(table, lang)


def _partner_id(value: object) -> str:
    """The page's partner id as text ('' for anything else a forged request may send)."""
    return value if isinstance(value, str) else ""


@callback(
    Output(BY_YEAR, "figure"),
    Output(BY_REGION, "figure"),
    Output(ACTIVITIES, "rowData"),
    Output(COUNTRIES, "children"),
    Output(COUNT, "children"),
    *(Output(_part(g, "table"), "children", allow_duplicate=True) for g in PROFILE_CHARTS),
    Input(ids.URL, "search"),
    Input(PARTNER, "data"),
    *(State(_part(g, "table-collapse"), "is_open") for g in PROFILE_CHARTS),
    prevent_initial_call="initial_duplicate",
)
def update_profile(search, partner_id, *open_tables):
    """The filtered part of the profile: charts, activity table, countries, count, and the
    chart tables that are open (one request per filter change; a closed table costs none)."""
    search = search if isinstance(search, str) else ""
    partner_id = _partner_id(partner_id)
    filters, _ = Filters.from_query(search)
    lang = parse_lang(search)
    acts = q.activities(partner_id, filters, lang)
    budget = acts["budget_usd"].fillna(0).sum() if len(acts) and "budget_usd" in acts else 0
    count = count_text("activity", len(acts), lang)
    if budget:
        count = f"{count} · {format_money(budget, lang)}"
    tables = [
        ui.data_table(chart_table(g, partner_id, search), lang) if is_open else no_update
        for g, is_open in zip(PROFILE_CHARTS, open_tables, strict=False)
    ]
    return (
        figures.activities_by_year(q.activities_by_year(partner_id, filters), lang),
        figures.activities_by_region(q.activities_by_region(partner_id, filters), lang),
        activity_rows(acts, lang),
        countries_table(q.countries_reached(partner_id, filters, lang), lang),
        count,
        *tables,
    )


# The way back to the directory keeps the filters and the language: its address (set with the
# URL prefix by the layout) with the current query string; in the browser, so no request.
clientside_callback(
    """
    function(search, href) {
        const base = String(href || '').split('?')[0];
        return base + (search || '');
    }
    """,
    Output(BACK, "href"),
    Input(ids.URL, "search"),
    State(BACK, "href"),
)


def _table_callback(graph_id: str) -> None:
    @callback(
        Output(_part(graph_id, "table-collapse"), "is_open"),
        Output(_part(graph_id, "table"), "children"),
        Output(_part(graph_id, "table-toggle"), "children"),
        Output(_part(graph_id, "table-toggle"), "aria-expanded"),
        Input(_part(graph_id, "table-toggle"), "n_clicks"),
        State(_part(graph_id, "table-collapse"), "is_open"),
        State(ids.URL, "search"),
        State(PARTNER, "data"),
        prevent_initial_call=True,
    )
    def toggle(_n, is_open, search, partner_id):
        """Show the chart's data as a table, or hide it (while open, `update_profile` keeps it
        in step with the filters); the button says which."""
        search = search if isinstance(search, str) else ""
        lang = parse_lang(search)
        if is_open:
            return False, None, ui.table_toggle(lang, False), "false"
        table = ui.data_table(chart_table(graph_id, _partner_id(partner_id), search), lang)
        return True, table, ui.table_toggle(lang, True), "true"


_IMAGE_JS = """
function(n, partner) {
    if (!n) { return window.dash_clientside.no_update; }
    const gd = document.getElementById(GRAPH).querySelector('.js-plotly-plot');
    const name = String(partner || 'partner').replace(/[^A-Za-z0-9_-]+/g, '_') + '-' + GRAPH;
    window.Plotly.downloadImage(gd, {format: FORMAT, filename: name, scale: 2});
    return window.dash_clientside.no_update;
}
"""


def _download_callbacks(graph_id: str) -> None:
    # Images are drawn by plotly.js in the browser (no server, no upload anywhere).
    for fmt in ("png", "svg"):
        clientside_callback(
            _IMAGE_JS.replace("GRAPH", json.dumps(graph_id)).replace("FORMAT", json.dumps(fmt)),
            Output(_part(graph_id, "dl-" + fmt), "className"),
            Input(_part(graph_id, "dl-" + fmt), "n_clicks"),
            State(PARTNER, "data"),
            prevent_initial_call=True,
        )


for _graph_id in PROFILE_CHARTS:
    _table_callback(_graph_id)
    _download_callbacks(_graph_id)


@callback(
    Output(DOWNLOAD, "data"),
    Input(_part(BY_YEAR, "dl-csv"), "n_clicks"),
    Input(_part(BY_REGION, "dl-csv"), "n_clicks"),
    State(ids.URL, "search"),
    State(PARTNER, "data"),
    prevent_initial_call=True,
)
def download_csv(_a, _b, search, partner_id):
    """A profile chart's data as CSV (text cells neutralised against spreadsheet formulas)."""
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        return no_update
    graph_id = BY_YEAR if ctx.triggered_id == _part(BY_YEAR, "dl-csv") else BY_REGION
    search = search if isinstance(search, str) else ""
    partner_id = _partner_id(partner_id)
    frame = neutralise_frame(chart_table(graph_id, partner_id, search))
    name = f"{partner_id}-{graph_id.removeprefix('profile-')}.csv"
    return dcc.send_data_frame(frame.to_csv, name, index=False)


@callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(BY_YEAR, "clickData"),
    Input(BY_REGION, "clickData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def cross_filter(by_year, by_region, search):
    """A click on a bar filters by its field or region, as on the other pages (again: clears)."""
    click = by_year if ctx.triggered_id == BY_YEAR else by_region
    if not isinstance(click, dict) or not click.get("points"):
        return no_update
    custom = click["points"][0].get("customdata")
    code = custom[0] if isinstance(custom, list) and custom else custom
    if not isinstance(code, str):
        return no_update
    search = search if isinstance(search, str) else ""
    filters, _ = Filters.from_query(search)
    dim = PROFILE_CHARTS[str(ctx.triggered_id)][2]
    changed = filters.toggle(dim, code)
    if changed == filters:
        return no_update
    return changed.to_query(parse_lang(search)) or ""
