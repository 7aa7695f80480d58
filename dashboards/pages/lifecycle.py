"""Lifecycle: status reviews and the Board session deciding them, reports, changes, risks."""

from __future__ import annotations

import datetime as dt

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboards import auth, db, ids, parts
from dashboards import layout as ui
from dashboards.charts import get_chart
from dashboards.charts.lifecycle import today
from dashboards.figures import lifecycle as fig
from dashboards.filters import Filters, parse_lang
from dashboards.i18n import N_, format_date, format_partial_date, gettext
from dashboards.pages.partners import grid_options
from dashboards.queries import lifecycle as q

dash.register_page(__name__, path="/lifecycle", title=N_("Lifecycle"), name="Lifecycle", order=7.5)

REVIEWS_GRID = "lifecycle-reviews-grid"
REPORTS_GRID = "lifecycle-reports-grid"
RISK_GRID = "lifecycle-risk-grid"
AS_OF = "lifecycle-as-of"
DIGEST_MONTH = "lifecycle-digest-month"
DIGEST_BUTTON = "lifecycle-digest-button"
DIGEST_DOWNLOAD = "lifecycle-digest-download"
DIGEST_STATUS = "lifecycle-digest-status"

_DEFAULT_COL = {
    "sortable": True,
    "resizable": True,
    "filter": True,
    "suppressHeaderMenuButton": True,
}
_LINK = {"cellRenderer": "PartnerLink", "flex": 2, "minWidth": 220, "tooltipField": "name"}
_NUM = {"type": "numericColumn", "filter": "agNumberColumnFilter", "width": 110}


def _shown(field: str) -> dict:
    """A date column: sorted by its ISO value, shown as the language writes it."""
    return {"valueFormatter": {"function": f"params.data ? params.data.{field}_text : ''"}}


# Grid columns: (field, header msgid, options).
REVIEW_COLUMNS: tuple[tuple[str, str, dict], ...] = (
    ("name", N_("Partner"), _LINK),
    ("status_name", N_("Status"), {"width": 130}),
    ("decided", N_("Last decision"), {"width": 150, **_shown("decided")}),
    ("review_due", N_("Review due"), {"width": 125, **_shown("review_due")}),
    ("days_left", N_("Days left"), {**_NUM, "sort": "asc"}),
    ("session", N_("Deciding session"), {"width": 135}),
    ("request_deadline", N_("Request deadline"), {"width": 140, **_shown("request_deadline")}),
    ("missing_reports", N_("Reports missing"), _NUM),
    ("state", N_("State"), {"flex": 1, "minWidth": 160, "tooltipField": "state"}),
)
REPORT_COLUMNS: tuple[tuple[str, str, dict], ...] = (
    ("name", N_("Partner"), _LINK),
    ("kind_name", N_("Report"), {"width": 160}),
    ("period", N_("Period"), {"width": 170}),
    ("due_date", N_("Due"), {"width": 125, **_shown("due_date")}),
    ("days_left", N_("Days left"), {**_NUM, "sort": "asc"}),
    ("state", N_("State"), {"flex": 1, "minWidth": 140}),
)
RISK_COLUMNS: tuple[tuple[str, str, dict], ...] = (
    ("name", N_("Partner"), _LINK),
    ("status_name", N_("Status"), {"width": 130}),
    ("region_name", N_("Region"), {"flex": 1, "minWidth": 160}),
    ("last_cooperation", N_("Last cooperation"), {"width": 160, **_shown("last_cooperation")}),
)


def _defs(columns, lang: str) -> list[dict]:
    return [{"field": f, "headerName": gettext(h, lang), **extra} for f, h, extra in columns]


def _grid(grid_id: str, columns, lang: str) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id,
        columnDefs=_defs(columns, lang),
        rowData=[],
        defaultColDef=_DEFAULT_COL,
        dashGridOptions=grid_options(lang, page_size=10),
        style={"width": "100%"},
    )


def _grid_card(title: str, grid_id: str, columns, lang: str, text: str) -> dbc.Col:
    rows_part = GRID_PARTS[grid_id]
    return dbc.Col(
        dbc.Card(
            [
                dbc.CardHeader(html.H2(gettext(title, lang), className="h6 mb-0")),
                dbc.CardBody(
                    [
                        html.P(gettext(text, lang), className="small text-muted mb-2"),
                        parts.placeholder(rows_part.key),
                        _grid(grid_id, columns, lang),
                    ]
                ),
            ],
            className="chart-card h-100",
        ),
        lg=12,
        className="mb-3",
    )


# Components only an internal deployment shows (public mode leaves them out): listed so Dash
# still checks their callbacks (dashboards/server.py validation_layout).
VALIDATION_COMPONENTS = [
    dag.AgGrid(id=REVIEWS_GRID),
    dag.AgGrid(id=REPORTS_GRID),
    dag.AgGrid(id=RISK_GRID),
    dcc.Input(id=DIGEST_MONTH),
    html.Button(id=DIGEST_BUTTON),
    dcc.Download(id=DIGEST_DOWNLOAD),
    html.Div(id=DIGEST_STATUS),
]


def _admin() -> bool:
    """Whether the digest card is offered: to admins (the server refuses others anyway)."""
    try:
        return auth.can("digest")
    except RuntimeError:  # outside a request (the validation layout): as the CLI, everything
        return True


def layout(lang: str = "en", **_params) -> list:
    """Reviews to decide (with a table of time left), reports, changes, risks, balances."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    # A public deployment (ACCESS_MODE=public) shows the published decisions only: no review
    # pipeline, reports, risk lists or digest (internal; their tables are not served there).
    internal = not db.is_public()

    def card(name: str, width: int):
        try:
            return ui.chart_card(get_chart("lifecycle", name), lang, width)
        except KeyError:  # an internal chart, not offered publicly
            return None

    def only_internal(*items):
        return list(items) if internal else []

    this_month = today().strftime("%Y-%m")
    return [
        ui.page_title(
            "Lifecycle",
            lang,
            _(
                "Which partners come up for review before which Executive Board session, whose "
                "reports are due or late, and what changed since the Board last met."
            ),
        ),
        dbc.Alert(
            [
                html.I(className="bi bi-funnel me-2"),
                _(
                    "Filters that apply on this page: partner status, partner type and region "
                    "(of the partner's headquarters); years apply to status changes and reports. "
                    "Fields, functional areas, countries, modality and activity status describe "
                    "activities and do not apply here."
                ),
                html.Div(parts.placeholder(AS_OF_PART.key), id=AS_OF, className="mt-1"),
            ],
            color="light",
            className="small py-2 mb-2",
        ),
        dbc.Row([card("renewal_pipeline", 7), card("partners_by_status", 5)]),
        *only_internal(dbc.Row([card("renewals_for_decision", 12)])),
        *only_internal(
            dbc.Row(
                _grid_card(
                    N_("Status reviews: time left"),
                    REVIEWS_GRID,
                    REVIEW_COLUMNS,
                    lang,
                    N_(
                        "One row per partner whose status has a review date. A date the source gave "
                        "as a month or a year is counted from its first day, and the table says so."
                    ),
                )
            )
        ),
        dbc.Row([card("reports_due", 6), card("status_changes", 6)]),
        *only_internal(
            dbc.Row(
                _grid_card(
                    N_("Reports late or due"),
                    REPORTS_GRID,
                    REPORT_COLUMNS,
                    lang,
                    N_("Reports not received: late (past their due date) first, then those due."),
                )
            )
        ),
        dbc.Row([card("no_cooperation", 6), card("changes_since_session", 6)]),
        *only_internal(
            dbc.Row(
                _grid_card(
                    N_("Partners with no recorded cooperation for two years"),
                    RISK_GRID,
                    RISK_COLUMNS,
                    lang,
                    N_(
                        "No activity and no collective participation recorded in the last two years: "
                        "a risk at renewal. '—': none recorded at all."
                    ),
                )
            )
        ),
        dbc.Row([card("regional_balance", 6), card("field_balance", 6)]),
        *(only_internal(digest_card(lang, this_month)) if _admin() else []),
    ]


def digest_card(lang: str, month: str) -> dbc.Row:
    """The monthly communication: pick a month, download digest.html, .pdf and .xlsx (a zip)."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    return dbc.Row(
        dbc.Col(
            dbc.Card(
                [
                    dbc.CardHeader(html.H2(_("Monthly digest for partners"), className="h6 mb-0")),
                    dbc.CardBody(
                        [
                            html.P(
                                _(
                                    "New admissions and renewals, activities started and "
                                    "completed, collective events and deadlines of the coming "
                                    "months: the email-ready page, its PDF and its Excel file."
                                ),
                                className="small text-muted mb-2",
                            ),
                            html.Div(
                                [
                                    dbc.Label(
                                        _("Month"),
                                        html_for=DIGEST_MONTH,
                                        className="small me-2 mb-0",
                                    ),
                                    dbc.Input(
                                        id=DIGEST_MONTH,
                                        type="month",
                                        value=month,
                                        style={"maxWidth": "11rem"},
                                        className="me-2",
                                    ),
                                    dbc.Button(
                                        [
                                            html.I(className="bi bi-envelope me-1"),
                                            _("Build the digest"),
                                        ],
                                        id=DIGEST_BUTTON,
                                        color="primary",
                                        size="sm",
                                    ),
                                ],
                                className="d-flex align-items-center flex-wrap gap-1",
                            ),
                            dcc.Loading(
                                html.Div(id=DIGEST_STATUS, className="small mt-2", role="status")
                            ),
                            dcc.Download(id=DIGEST_DOWNLOAD),
                        ]
                    ),
                ],
                className="chart-card",
            ),
            lg=12,
            className="mb-3",
        )
    )


def _iso_and_text(row: dict, field: str, precision: str | None, lang: str) -> None:
    value = row.get(field)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        row[field], row[f"{field}_text"] = None, "—"
        return
    row[field] = format_partial_date(value, precision, lang, "iso")
    row[f"{field}_text"] = format_partial_date(value, precision, lang)


def review_rows(filters: Filters, lang: str, now: dt.date) -> list[dict]:
    """Rows of the reviews grid: dates as precise as given, the day assumed, time left."""
    frame = q.reviews(filters, now)
    out = []
    for r in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        row = {
            "partner_id": r["partner_id"],
            "name": r["name"],
            "status_name": fig.status_name(r["status"], lang),
            "days_left": int(r["days_left"]),
            "session": r["session"] or gettext("No session scheduled yet", lang),
            "missing_reports": int(r["missing_reports"]),
        }
        precision = r["decided_precision"]
        _iso_and_text(row | {"decided": r["decided"]}, "decided", precision, lang)
        for field, prec in (
            ("decided", precision),
            ("review_due", precision),
            ("request_deadline", "day"),
        ):
            row[field] = r[field]
            _iso_and_text(row, field, prec, lang)
        if r["assumed_day"] is not None:
            day = format_date(r["assumed_day"], lang)
            row["decided_text"] += " " + gettext("(%(day)s assumed)", lang, day=day)
            due = format_date(r["review_due"], lang)
            row["review_due_text"] += " " + gettext("(%(day)s assumed)", lang, day=due)
        states = []
        if r["overdue"]:
            states.append(gettext("Overdue", lang))
        elif r["late"]:
            states.append(gettext("Decided after the due date", lang))
        if r["missing_reports"]:
            states.append(gettext("Reports missing", lang))
        row["state"] = "; ".join(states) or gettext("On schedule", lang)
        out.append(row)
    return out


def report_rows(filters: Filters, lang: str, now: dt.date) -> list[dict]:
    """Rows of the reports grid (late first)."""
    frame = q.report_list(filters, now)
    out = []
    for r in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        start = format_date(r["period_start"], lang) if r["period_start"] is not None else "—"
        end = format_date(r["period_end"], lang) if r["period_end"] is not None else "—"
        row = {
            "partner_id": r["partner_id"],
            "name": r["name"],
            "kind_name": fig.report_kind_name(r["kind"], lang),
            "period": f"{start} – {end}",
            "days_left": int(r["days_left"]),
            "due_date": r["due_date"],
            "state": fig.report_state_name("late" if r["late"] else "due", lang),
        }
        _iso_and_text(row, "due_date", "day", lang)
        out.append(row)
    return out


def risk_rows(filters: Filters, lang: str, now: dt.date) -> list[dict]:
    """Rows of the no-cooperation grid (never cooperated first)."""
    from dashboards.figures import common

    frame = q.no_cooperation(filters, now)
    out = []
    for r in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        row = {
            "partner_id": r["partner_id"],
            "name": r["name"],
            "status_name": fig.status_name(r["status"], lang),
            "region_name": gettext("Not specified", lang)
            if r["hq_region_code"] == "UNSPECIFIED"
            else common.label("regions", r["hq_region_code"], lang),
            "last_cooperation": r["last_cooperation"],
        }
        _iso_and_text(row, "last_cooperation", "day", lang)
        out.append(row)
    return out


def as_of_text(lang: str, now: dt.date) -> list:
    """'Counted as of 15 Nov 2026' and the rules taken as defaults, if any."""
    rules = q.rules()
    parts: list = [
        html.I(className="bi bi-calendar-event me-2"),
        gettext("Time left is counted as of %(day)s.", lang, day=format_date(now, lang)),
    ]
    if rules.assumed:
        parts.append(
            " "
            + gettext(
                "Rules not in the reference data, taken from the 2011 Directives: %(rules)s.",
                lang,
                rules=", ".join(rules.assumed),
            )
        )
    return parts


def _today_key() -> str:
    """What the grids and the "as of" line vary with beside the filters: the day."""
    return today().isoformat()


def _rows_part(key: str, build) -> parts.Part:
    """A grid's rows as a data part: packed, as of today, internal (no rows in public mode)."""
    return parts.register(
        key,
        lambda filters, lang: parts.pack(build(filters, lang, today())),
        kind="data",
        varies=_today_key,
        internal=True,
    )


# The three grids' rows and the "as of" line are page parts (dashboards/parts.py): a filter
# change draws them in the filter bar's answer with the charts, side by side (one request;
# issue 14), cached per warehouse version, filters, language and day. The public deployment
# serves no rows (parts.Part.internal), whatever a request names.
GRID_PARTS = {
    REVIEWS_GRID: _rows_part("lifecycle.reviews", review_rows),
    REPORTS_GRID: _rows_part("lifecycle.reports", report_rows),
    RISK_GRID: _rows_part("lifecycle.risk", risk_rows),
}
for _grid_id, _part in GRID_PARTS.items():
    parts.rows_into_grid(_part.key, _grid_id)
    VALIDATION_COMPONENTS.append(parts.placeholder(_part.key))
AS_OF_PART = parts.register(
    "lifecycle.as_of", lambda filters, lang: as_of_text(lang, today()), varies=_today_key
)


@callback(
    Output(DIGEST_DOWNLOAD, "data"),
    Output(DIGEST_STATUS, "children"),
    Input(DIGEST_BUTTON, "n_clicks"),
    State(DIGEST_MONTH, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def build_digest(n_clicks, month, search):
    """The month's digest as a zip (digest.html, digest.pdf, digest.xlsx). For admins (access)."""
    from dashboards.exports import digest

    lang = parse_lang(search)
    try:
        year, number = digest.parse_month(month or "")
    except ValueError as e:
        return dash.no_update, html.Span(gettext(str(e), lang), className="text-danger")
    data = digest.build_zip(year, number, lang, today())
    name = f"digest-{year:04d}-{number:02d}-{lang}.zip"
    return dcc.send_bytes(data, name), gettext("The digest is ready: %(file)s", lang, file=name)
