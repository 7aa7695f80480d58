"""Data: when the data was loaded and from which files, what was left out, how charts are defined.

Nothing here depends on the filters (the filter bar is hidden). Text from the input files
(rejected values, raw rows) is shown as grid cell text, never as HTML. The rejected rows and
warnings can number tens of thousands: their grids use AG Grid's infinite row model, so the
page carries none of them and each grid asks the server for one block of rows at a time
(`queries.data.issue_page`: LIMIT/OFFSET, sort and column filters as parameters).
"""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboards import ids
from dashboards import layout as ui
from dashboards.charts import PAGE_TITLES, PAGES, all_charts
from dashboards.i18n import N_, format_datetime, format_number, gettext, reason_text
from dashboards.pages._iati_data import iati_cards
from dashboards.pages.partners import grid_options
from dashboards.queries import data as q

dash.register_page(__name__, path="/data", title=N_("Data"), name="Data", order=8, filters=False)

REJECTED = "data-rejected-grid"
WARNINGS = "data-warnings-grid"
RUN = "data-run"  # the run_id the page shows (its grids page through that load's issues)
PAGE_SIZE = 10
BLOCK = 100  # rows per server request (several pages)

KINDS = {
    "partners": N_("Partners"),
    "activities": N_("Activities"),
    "participation": N_("Participation"),
    "iati": N_("IATI activities"),
    "status_events": N_("Status events"),
    "reports": N_("Partner reports"),
}
SHA_CHARS = 12

# Grid columns of the rejected rows and warnings: (field, header msgid, extra options).
ISSUE_COLUMNS: tuple[tuple[str, str, dict], ...] = (
    ("file", N_("File"), {"width": 160}),
    ("line", N_("Line"), {"width": 100, "type": "numericColumn", "filter": "agNumberColumnFilter"}),
    ("column_name", N_("Column"), {"width": 140}),
    ("value", N_("Value"), {"width": 180, "tooltipField": "value"}),
    ("reason", N_("Reason"), {"flex": 2, "minWidth": 240, "tooltipField": "reason"}),
    ("raw", N_("Row as read"), {"flex": 3, "minWidth": 300, "tooltipField": "raw"}),
)


# The grids exist only when there are rows to page through: the app's validation layout
# (dashboards/server.py) still needs their ids to check the paging callbacks.
VALIDATION_COMPONENTS = [dag.AgGrid(id=REJECTED), dag.AgGrid(id=WARNINGS), dcc.Store(id=RUN)]


def layout(lang: str = "en", **_params) -> list:
    """The latest load, its files, rejected rows, warnings, and the chart definitions."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    head = ui.page_title(
        "Data",
        lang,
        _(
            "Where the figures come from: the latest load, its files, the rows left out, and "
            "how each chart is defined."
        ),
    )
    run = q.latest_run()
    if run is None:
        return [
            head,
            dbc.Alert(_("No load has been recorded in this warehouse yet."), color="warning"),
            definitions(lang),
        ]
    rejected = q.issue_count("rejected", run["run_id"])
    warnings = q.issue_count("warnings", run["run_id"])
    return [
        head,
        dcc.Store(id=RUN, data=run["run_id"]),
        run_card(run, lang),
        files_card(q.files(run["run_id"]), lang),
        datasets_card(q.datasets(run["run_id"]), q.reference_changes(run["run_id"]), lang),
        *iati_cards(lang),  # IATI files, rule warnings, crosswalk (issue 10)
        issues_card(
            REJECTED,
            _("Rejected rows"),
            _(
                "Rows that were not loaded, with the line in the file, the column and the reason. "
                "Fix them in the source file and load again."
            ),
            rejected,
            _("No row was rejected."),
            lang,
        ),
        issues_card(
            WARNINGS,
            _("Load warnings"),
            _("Rows that were loaded but have something worth checking."),
            warnings,
            _("No warning."),
            lang,
            raw=False,
        ),
        definitions(lang),
    ]


def _when(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{format_datetime(pd.Timestamp(value).to_pydatetime(), lang)} UTC"


def run_card(run: dict, lang: str) -> dbc.Card:
    """When the data was loaded, and the totals of the load."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    figures = [
        (_("Rows read"), run.get("rows_in")),
        (_("Loaded"), run.get("loaded")),
        (_("Rejected"), run.get("rejected")),
        (_("Warnings"), run.get("warnings")),
    ]
    kpis = dbc.Row(
        [
            dbc.Col(
                html.Div(
                    [
                        html.Div(label, className="kpi-label small text-muted"),
                        html.Div(format_number(value, lang), className="kpi-value h4 mb-0"),
                    ],
                    className="kpi-card h-100",
                ),
                md=3,
                sm=6,
                className="mb-2",
            )
            for label, value in figures
        ],
        className="g-2",
    )
    return dbc.Card(
        [
            dbc.CardHeader(html.H2(_("Latest load"), className="h6 mb-0")),
            dbc.CardBody(
                [
                    html.P(
                        [
                            html.Strong(
                                _("Loaded on %(when)s", when=_when(run.get("finished_at"), lang))
                            ),
                            html.Br(),
                            html.Span(
                                _(
                                    "Load %(run)s, started %(started)s, ETL version %(version)s.",
                                    run=run["run_id"],
                                    started=_when(run.get("started_at"), lang),
                                    version=run.get("etl_version") or "—",
                                ),
                                className="text-muted",
                            ),
                        ],
                        className="small mb-2",
                    ),
                    kpis,
                ]
            ),
        ],
        className="chart-card mb-3 mt-1",
    )


def files_card(files: pd.DataFrame, lang: str) -> dbc.Card:
    """The files of the load: name, kind, fingerprint, encoding, rows."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    numbers = (
        ("rows_in", _("Rows read")),
        ("loaded", _("Loaded")),
        ("rejected", _("Rejected")),
        ("warnings", _("Warnings")),
    )
    head = html.Thead(
        html.Tr(
            [
                html.Th(_("File"), scope="col"),
                html.Th(_("Contents"), scope="col"),
                html.Th(_("SHA-256 (start)"), scope="col"),
                html.Th(_("Encoding"), scope="col"),
                *(html.Th(label, scope="col", className="num") for _k, label in numbers),
            ]
        )
    )
    rows = []
    for f in files.to_dict("records"):
        sha = f.get("sha256") or ""
        kind = f["kind"]
        rows.append(
            html.Tr(
                [
                    html.Td(html.Code(f["file"])),
                    html.Td(_(KINDS[kind]) if kind in KINDS else kind),
                    html.Td(html.Code(sha[:SHA_CHARS], title=sha)),
                    html.Td(f.get("encoding") or "—"),
                    *(html.Td(format_number(f[k], lang), className="num") for k, _label in numbers),
                ]
            )
        )
    return dbc.Card(
        [
            dbc.CardHeader(html.H2(_("Files"), className="h6 mb-0")),
            dbc.CardBody(
                [
                    html.Div(
                        html.Table(
                            [head, html.Tbody(rows)],
                            className="table table-sm table-striped small mb-1",
                        ),
                        className="table-responsive",
                    ),
                    html.P(
                        _(
                            "The fingerprint (SHA-256) identifies the exact file that was loaded; hover over it to see it in full."
                        ),
                        className="small text-muted mb-0",
                    ),
                ]
            ),
        ],
        className="chart-card mb-3",
    )


def issue_columns(lang: str, raw: bool = True) -> list[dict]:
    """Columns of the rejected rows / warnings grids, headers in the language."""
    return [
        {"field": field, "headerName": gettext(header, lang), **extra}
        for field, header, extra in ISSUE_COLUMNS
        if raw or field != "raw"
    ]


def issues_card(
    grid_id: str,
    heading: str,
    intro: str,
    total: int,
    empty: str,
    lang: str,
    raw: bool = True,
) -> dbc.Card:
    """A grid of rejected rows or warnings paged from the server, with column filters and
    sorting (or a sentence when there are none)."""
    count = gettext("%(n)s rows", lang, n=format_number(total, lang))
    if not total:
        body = [html.P(empty, className="text-muted small mb-0")]
    else:
        options = grid_options(lang, page_size=PAGE_SIZE)
        options.update(
            cacheBlockSize=BLOCK,
            maxBlocksInCache=10,
            infiniteInitialRowCount=min(total, BLOCK),
            paginationPageSizeSelector=[10, 25, 50, 100],
        )
        body = [
            html.P(intro, className="small text-muted mb-2"),
            dag.AgGrid(
                id=grid_id,
                columnDefs=issue_columns(lang, raw),
                rowModelType="infinite",
                defaultColDef={
                    "sortable": True,
                    "resizable": True,
                    "filter": "agTextColumnFilter",
                    "floatingFilter": True,
                    "suppressHeaderMenuButton": True,
                },
                dashGridOptions=options,
                style={"width": "100%"},
            ),
        ]
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.H2(heading, className="h6 mb-0"),
                    html.Span(count, className="small text-muted"),
                ],
                className="d-flex justify-content-between align-items-center",
            ),
            dbc.CardBody(body),
        ],
        className="chart-card mb-3",
    )


def issue_rows(
    kind: str, run_id: str | None, request: dict | None, lang: str | None = "en"
) -> dict:
    """The grid's answer to one getRowsRequest: a block of rows and the (filtered) row count.

    Reasons are shown in the UI language (their template translated, data values as given).
    """
    if not isinstance(run_id, str) or not run_id or not isinstance(request, dict):
        return {"rowData": [], "rowCount": 0}  # a load id is text (the client may send anything)
    try:
        start = int(request.get("startRow") or 0)
        end = int(request.get("endRow") or start + BLOCK)
    except (TypeError, ValueError):
        return {"rowData": [], "rowCount": 0}
    sort = request.get("sortModel") if isinstance(request.get("sortModel"), list) else None
    filters = request.get("filterModel") if isinstance(request.get("filterModel"), dict) else None
    frame, total = q.issue_page(kind, run_id, start, end, sort, filters)
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for row in rows:
        template, args = row.pop("reason_template", None), row.pop("reason_args", None)
        row["reason"] = reason_text(row.get("reason"), template, args, lang)
        if row.get("line") is not None:
            row["line"] = int(row["line"])
    return {"rowData": rows, "rowCount": total}


@callback(
    Output(REJECTED, "getRowsResponse"),
    Input(REJECTED, "getRowsRequest"),
    State(RUN, "data"),
    State(ids.LANG, "data"),
    prevent_initial_call=True,
)
def rejected_block(request, run_id, lang):
    """One block of the rejected rows."""
    return issue_rows("rejected", run_id, request, lang)


@callback(
    Output(WARNINGS, "getRowsResponse"),
    Input(WARNINGS, "getRowsRequest"),
    State(RUN, "data"),
    State(ids.LANG, "data"),
    prevent_initial_call=True,
)
def warnings_block(request, run_id, lang):
    """One block of the load warnings."""
    return issue_rows("warnings", run_id, request, lang)


def definitions(lang: str) -> dbc.Card:
    """Every registered chart: title, what it shows, what is counted; a table per page."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    charts = all_charts()
    sections = []
    for page in PAGES:
        mine = [c for c in charts if c.page == page]
        if not mine:
            continue
        head = html.Thead(
            html.Tr(
                [
                    html.Th(_("Chart"), scope="col", style={"width": "25%"}),
                    html.Th(_("What it shows"), scope="col", style={"width": "35%"}),
                    html.Th(_("What is counted"), scope="col"),
                ]
            )
        )
        body = html.Tbody(
            [
                html.Tr(
                    [
                        html.Th(_(c.title), scope="row", className="fw-semibold"),
                        html.Td(_(c.description) if c.description else "—"),
                        html.Td(_(c.note) if c.note else "—", className="text-muted"),
                    ]
                )
                for c in mine
            ]
        )
        sections.append(
            html.Section(
                [
                    html.H3(_(PAGE_TITLES[page]), className="h6 mt-2 mb-1"),
                    html.Table([head, body], className="table table-sm small align-top mb-3"),
                ]
            )
        )
    return dbc.Card(
        [
            dbc.CardHeader(html.H2(_("How each chart is defined"), className="h6 mb-0")),
            dbc.CardBody(
                sections or html.P(_("No chart is registered."), className="text-muted small")
            ),
        ],
        className="chart-card mb-3",
    )


def datasets_card(datasets: pd.DataFrame, changes: pd.DataFrame, lang: str) -> dbc.Card:
    """Which load gave each dataset, and how the reference data differs from the shipped one."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    rows = []
    for d in datasets.to_dict("records"):
        kind = KINDS.get(d["dataset"])
        if d["action"] == "loaded":
            source = _("This load")
        elif d["action"] == "kept":
            source = _("Kept from load %(run)s", run=d["source_run_id"])
        else:
            source = _("No data")
        rows.append(
            html.Tr(
                [
                    html.Td(_(kind) if kind else d["dataset"]),
                    html.Td(format_number(d["rows"], lang), className="num"),
                    html.Td(source),
                    html.Td(format_number(d["rejected"] or 0, lang), className="num"),
                ]
            )
        )
    table = html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(_("Dataset"), scope="col"),
                        html.Th(_("Rows"), scope="col", className="num"),
                        html.Th(_("Source"), scope="col"),
                        html.Th(_("Kept rows rejected by this load"), scope="col", className="num"),
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        className="table table-sm table-striped small mb-2",
    )
    body = [
        html.P(
            _(
                "A load may update one dataset (a folder with only a partners file, say) and keep "
                "the others from the warehouse it replaces."
            ),
            className="small text-muted mb-2",
        ),
        html.Div(table, className="table-responsive"),
        html.H3(_("Reference changes"), className="h6 mt-2 mb-1"),
    ]
    if changes.empty:
        body.append(
            html.P(
                _("No change from the shipped reference data."), className="small text-muted mb-0"
            )
        )
    else:
        fr = lang == "fr"

        def region(code, name_en, name_fr, missing: str) -> str:
            if code is None or (not isinstance(code, str) and pd.isna(code)):
                return missing
            if not code:
                return _("(no region)")
            name = name_fr if fr else name_en
            return f"{code} ({name})" if isinstance(name, str) and name else code

        items = [
            html.Tr(
                [
                    html.Td(
                        f"{c['name_fr' if fr else 'name_en']} ({c['key']})"
                        if isinstance(c["name_en"], str)
                        else c["key"]
                    ),
                    html.Td(
                        region(c["old"], c["old_en"], c["old_fr"], _("(not in the shipped data)"))
                    ),
                    html.Td(region(c["new"], c["new_en"], c["new_fr"], _("(removed)"))),
                ]
            )
            for c in changes.to_dict("records")
        ]
        body += [
            html.P(
                _(
                    "Countries the reference data used by this load puts in another UNESCO region "
                    "than the shipped reference data (or adds or removes). Figures by region "
                    "follow the data used by this load."
                ),
                className="small text-muted mb-2",
            ),
            html.Div(
                html.Table(
                    [
                        html.Thead(
                            html.Tr(
                                [
                                    html.Th(_("Country"), scope="col"),
                                    html.Th(_("Shipped"), scope="col"),
                                    html.Th(_("Used by this load"), scope="col"),
                                ]
                            )
                        ),
                        html.Tbody(items),
                    ],
                    className="table table-sm table-striped small mb-0",
                ),
                className="table-responsive",
            ),
        ]
    return dbc.Card(
        [
            dbc.CardHeader(html.H2(_("Datasets"), className="h6 mb-0")),
            dbc.CardBody(body),
        ],
        className="chart-card mb-3",
    )
