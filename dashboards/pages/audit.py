"""Audit log (admins): who signed in, loaded files and downloaded row-level data, newest first.

The log is the JSON-lines file of `dashboards/audit.py` (outside the warehouse, kept across
loads). The page shows one page of it at a time (`audit.query`: filtered by event type and
user, paged), and the same selection as CSV through the export helpers (formulas
neutralised). Everything from the log is component text or a `title` attribute: never HTML.
Only admins are offered it (dashboards/auth.py PATH_ROLES, CALLBACK_ROLES); public mode has no
such page.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from dashboards import audit, ids
from dashboards.exports.data import neutralise_frame
from dashboards.filters import parse_lang
from dashboards.i18n import N_, format_datetime, format_number, gettext

dash.register_page(
    __name__,
    path="/admin/audit",
    title=N_("Audit log"),
    name="Audit log",
    order=20,
    filters=False,
)

TABLE = "audit-table"  # the table's container (CALLBACK_ROLES: admin)
DOWNLOAD = "audit-download"  # dcc.Download of the CSV (CALLBACK_ROLES: admin)
DOWNLOAD_BUTTON = "audit-download-button"
EVENT = "audit-event"
USER = "audit-user"
PAGER = "audit-pager"
STATUS = "audit-status"
PAGE_SIZE = 50
SHA_CHARS = 12
CSV_MAX_ROWS = 200_000  # the CSV of a selection (a year of a busy deployment is far less)

# The page's components, for the validation layout where the page is not rendered (public
# mode has no such page; its callbacks are still declared, and answer 403 there).
VALIDATION_COMPONENTS = [
    html.Div(id=TABLE),
    html.Div(id=STATUS),
    dcc.Dropdown(id=EVENT),
    dcc.Dropdown(id=USER),
    dbc.Pagination(id=PAGER, max_value=1),
    dbc.Button(id=DOWNLOAD_BUTTON),
    dcc.Download(id=DOWNLOAD),
]

# Names of the events the app writes; any other event is shown by its own name.
EVENT_LABELS = {
    "sign_in": N_("Sign-in"),
    "sign_in_refused": N_("Refused sign-in"),
    "sign_out": N_("Sign-out"),
    "row_level_download": N_("Row-level download"),
    "load": N_("Load"),
    "unreadable": N_("Unreadable line"),
}
OUTCOMES = {
    "loaded": N_("loaded"),
    "cancelled": N_("cancelled"),
    "refused": N_("refused"),
    "failed": N_("failed"),
}
VIA = {
    "local": N_("local account"),
    "oidc": N_("organisation sign-in"),
    "upload": N_("upload page"),
    "cli": N_("command line"),
}
HEADERS = (N_("When (UTC)"), N_("Who"), N_("Role"), N_("Event"), N_("Details"))
# Fields every event has (its columns); the rest are its details.
COMMON = ("at", "event", "user", "role", "request_id")


def _log_path():
    """The audit log of the app serving this request (None outside one)."""
    from flask import current_app, has_request_context

    if not has_request_context():
        return None
    settings = current_app.extensions.get("unesco", {}).get("settings")
    return getattr(settings, "audit_log_path", None)


def _page(event: str | None, user: str | None, number: int) -> audit.Page:
    path = _log_path()
    if path is None:
        return audit.Page([], 0, 0, [], [])
    return audit.query(path, event, user, (max(1, number) - 1) * PAGE_SIZE, PAGE_SIZE)


def event_label(event: Any, lang: str) -> str:
    """An event's name in the language (unknown events: their own name)."""
    name = str(event)
    return gettext(EVENT_LABELS[name], lang) if name in EVENT_LABELS else name


def when(at: Any, lang: str) -> str:
    """The event's time in the language's format, in UTC ("2 Dec 2026, 03:15:46")."""
    try:
        moment = dt.datetime.fromisoformat(str(at))
    except ValueError:
        return str(at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return format_datetime(moment, lang, "medium", tzinfo=dt.UTC)


def _short(sha: Any) -> str:
    text = str(sha or "")
    return text[:SHA_CHARS] + "…" if len(text) > SHA_CHARS else text


def _line(label: str, *value: Any) -> html.Div:
    return html.Div([html.Span(label + " ", className="fw-semibold"), *value], className="small")


def _counts_text(counts: Any, lang: str) -> str:
    """'partners 12, activities 30; rejected 2; warnings 1; possible duplicates 0'."""
    if not isinstance(counts, dict):
        return str(counts)
    parts = []
    loaded = counts.get("loaded")
    if isinstance(loaded, dict) and loaded:
        parts.append(
            ", ".join(
                f"{_kind(k, lang)} {format_number(v, lang) if _num(v) else v}"
                for k, v in loaded.items()
            )
        )
    for key, label in (
        ("rejected", N_("rejected")),
        ("warnings", N_("warnings")),
        ("duplicates", N_("possible duplicates")),
    ):
        if key in counts:
            v = counts[key]
            parts.append(f"{gettext(label, lang)} {format_number(v, lang) if _num(v) else v}")
    known = {"loaded", "rejected", "warnings", "duplicates"}
    parts += [f"{k} {v}" for k, v in counts.items() if k not in known]
    return "; ".join(parts)


def _kind(kind: Any, lang: str) -> str:
    """A dataset's name as the Data page gives it ('partners' → 'Partners'), else as logged."""
    from dashboards.pages.data import KINDS

    name = str(kind)
    return gettext(KINDS[name], lang) if name in KINDS else name


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def details(entry: dict, lang: str) -> list:
    """What one event says beyond who and when, as components of text (never HTML)."""
    _ = lambda s: gettext(s, lang)  # noqa: E731
    out: list = []
    shown = set(COMMON)
    if "outcome" in entry:
        outcome = str(entry["outcome"])
        out.append(
            _line(
                _("Outcome:"), gettext(OUTCOMES[outcome], lang) if outcome in OUTCOMES else outcome
            )
        )
    if "via" in entry:
        via = str(entry["via"])
        out.append(_line(_("Via:"), gettext(VIA[via], lang) if via in VIA else via))
    files = entry.get("files")
    if isinstance(files, list) and files:
        items = []
        for f in files:
            f = f if isinstance(f, dict) else {"name": f}
            size = f.get("bytes")
            meta = [_kind(f.get("kind"), lang) if f.get("kind") else ""]
            if _num(size):
                meta.append(gettext("%(n)s bytes", lang, n=format_number(size, lang)))
            items.append(
                html.Li(
                    [
                        html.Span(str(f.get("name", "")), className="font-monospace"),
                        " (" + ", ".join(m for m in meta if m) + ") " if any(meta) else " ",
                        html.Abbr(
                            "sha256 " + _short(f.get("sha256")),
                            title=str(f.get("sha256") or ""),
                            className="font-monospace audit-sha",
                        ),
                    ]
                )
            )
        out.append(_line(_("Files:"), html.Ul(items, className="mb-1 ps-3")))
    if "counts" in entry:
        out.append(_line(_("Counts:"), _counts_text(entry["counts"], lang)))
    changes = entry.get("reference_changes")
    if isinstance(changes, list) and changes:
        out.append(
            _line(
                _("Reference changes:"),
                html.Ul([html.Li(str(c)) for c in changes], className="mb-1 ps-3"),
            )
        )
    if "what" in entry:
        what = entry["what"]
        out.append(
            _line(_("What:"), ", ".join(map(str, what)) if isinstance(what, list) else str(what))
        )
    if entry.get("search"):
        out.append(
            _line(_("Filters:"), html.Span(str(entry["search"]), className="font-monospace"))
        )
    if entry.get("message") not in (None, ""):  # a load without a message writes null
        out.append(_line(_("Message:"), str(entry["message"])))
    if entry.get("warehouse_version"):
        out.append(
            _line(
                _("Warehouse version:"),
                html.Span(str(entry["warehouse_version"]), className="font-monospace"),
            )
        )
    shown |= {"outcome", "via", "files", "counts", "reference_changes", "what", "search"}
    shown |= {"message", "warehouse_version"}
    for key, value in entry.items():  # any other field, generically (unknown events too)
        if key not in shown:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            out.append(_line(str(key) + ":", str(text)))
    out.append(
        html.Details(
            [
                html.Summary(_("All fields"), className="small text-muted"),
                html.Pre(
                    json.dumps(entry, ensure_ascii=False, indent=1, default=str),
                    className="small mb-0 audit-raw",
                ),
            ]
        )
    )
    return out


def rows(events: list[dict], lang: str) -> list:
    """The table rows of some events (text components only)."""
    return [
        html.Tr(
            [
                html.Td(
                    html.Time(when(e.get("at"), lang), dateTime=str(e.get("at", ""))),
                    className="text-nowrap small",
                ),
                html.Td(str(e.get("user") or "—")),
                html.Td(str(e.get("role") or "—")),
                html.Td(event_label(e.get("event"), lang)),
                html.Td(details(e, lang)),
            ],
            className="audit-row",
        )
        for e in events
    ]


def table(page: audit.Page, lang: str) -> Any:
    """The page of events as a table, or a sentence when there is none."""
    if not page.events:
        return html.P(gettext("No event matches.", lang), className="text-muted", id="audit-empty")
    head = html.Thead(html.Tr([html.Th(gettext(h, lang), scope="col") for h in HEADERS]))
    return dbc.Table(
        [head, html.Tbody(rows(page.events, lang))],
        bordered=False,
        hover=True,
        size="sm",
        responsive=True,
        className="align-top audit-log",
    )


def status(page: audit.Page, lang: str) -> str:
    """'Events 1–50 of 120' (newest first)."""
    if not page.total:
        return ""
    return gettext(
        "Events %(first)s–%(last)s of %(total)s, newest first",
        lang,
        first=format_number(page.offset + 1, lang),
        last=format_number(page.offset + len(page.events), lang),
        total=format_number(page.total, lang),
    )


def _options(page: audit.Page, lang: str) -> tuple[list[dict], list[dict]]:
    events = [{"label": event_label(e, lang), "value": e} for e in page.event_types]
    users = [{"label": u, "value": u} for u in page.users]
    return events, users


def _pages(page: audit.Page) -> int:
    return max(1, -(-page.total // PAGE_SIZE))


def layout(lang: str = "en", **_params) -> html.Div:
    """The filters, the first page of the log, the pager and the CSV download."""
    _ = lambda s: gettext(s, lang)  # noqa: E731
    page = _page(None, None, 1)
    events, users = _options(page, lang)
    return html.Div(
        [
            html.H1(_("Audit log"), className="h3 mt-3"),
            html.P(
                _(
                    "Who signed in, loaded files and downloaded row-level data. Times are in "
                    "UTC; the log is kept outside the warehouse, across loads."
                ),
                className="text-muted",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(_("Event"), html_for=EVENT, className="small mb-0"),
                            dcc.Dropdown(id=EVENT, options=events, placeholder=_("All events")),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(_("User"), html_for=USER, className="small mb-0"),
                            dcc.Dropdown(id=USER, options=users, placeholder=_("All users")),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                [html.I(className="bi bi-download me-1"), _("Download (CSV)")],
                                id=DOWNLOAD_BUTTON,
                                # UN blue: grey outline text was 4.4:1 on the page (axe)
                                color="primary",
                                size="sm",
                                outline=True,
                            ),
                            dcc.Download(id=DOWNLOAD),
                        ],
                        md="auto",
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-2 mb-3",
            ),
            html.Div(status(page, lang), id=STATUS, className="small mb-2", role="status"),
            html.Div(table(page, lang), id=TABLE),
            dbc.Pagination(
                id=PAGER,
                max_value=_pages(page),
                active_page=1,
                first_last=True,
                previous_next=True,
                fully_expanded=False,
                size="sm",
                className="mt-2",
            ),
        ],
        className="py-2",
    )


@callback(
    Output(TABLE, "children"),
    Output(STATUS, "children"),
    Output(PAGER, "max_value"),
    Output(PAGER, "active_page"),
    Output(EVENT, "options"),
    Output(USER, "options"),
    Input(EVENT, "value"),
    Input(USER, "value"),
    Input(PAGER, "active_page"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def update_table(event, user, number, search):
    """One page of the log for the chosen event type and user (a new choice: page 1)."""
    lang = parse_lang(search)
    if ctx.triggered_id in (EVENT, USER):
        number = 1
    page = _page(_text(event), _text(user), number if isinstance(number, int) else 1)
    number = page.offset // PAGE_SIZE + 1
    events, users = _options(page, lang)
    return table(page, lang), status(page, lang), _pages(page), number, events, users


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def csv_frame(events: list[dict]) -> pd.DataFrame:
    """The events as CSV columns (full sha256s, counts and other fields as JSON), neutralised."""
    records = []
    for e in events:
        given = e.get("files")
        files: list = given if isinstance(given, list) else []
        rest = {k: v for k, v in e.items() if k not in (*COMMON, "via", "outcome", "files")}
        rest.pop("counts", None)
        rest.pop("reference_changes", None)
        changes = e.get("reference_changes")
        records.append(
            {
                "at_utc": str(e.get("at", "")),
                "event": str(e.get("event", "")),
                "user": "" if e.get("user") is None else str(e.get("user")),
                "role": "" if e.get("role") is None else str(e.get("role")),
                "via": "" if e.get("via") is None else str(e.get("via")),
                "outcome": "" if e.get("outcome") is None else str(e.get("outcome")),
                "files": "; ".join(
                    f"{f.get('name', '')} sha256:{f.get('sha256', '')}"
                    if isinstance(f, dict)
                    else str(f)
                    for f in files
                ),
                "counts": json.dumps(e["counts"], ensure_ascii=False) if "counts" in e else "",
                "reference_changes": "; ".join(map(str, changes))
                if isinstance(changes, list)
                else "",
                "details": json.dumps(rest, ensure_ascii=False, default=str) if rest else "",
                "request_id": "" if e.get("request_id") is None else str(e.get("request_id")),
            }
        )
    columns = [
        "at_utc",
        "event",
        "user",
        "role",
        "via",
        "outcome",
        "files",
        "counts",
        "reference_changes",
        "details",
        "request_id",
    ]
    return neutralise_frame(pd.DataFrame(records, columns=columns, dtype=object))


@callback(
    Output(DOWNLOAD, "data"),
    Input(DOWNLOAD_BUTTON, "n_clicks"),
    State(EVENT, "value"),
    State(USER, "value"),
    prevent_initial_call=True,
)
def download_csv(n_clicks, event, user):
    """The chosen events (every page of them, newest first) as CSV (UTF-8 with BOM)."""
    path = _log_path()
    if not n_clicks or path is None:
        return no_update
    events = audit.matching(path, _text(event), _text(user))[:CSV_MAX_ROWS]
    buffer = io.StringIO()
    csv_frame(events).to_csv(buffer, index=False)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    # A byte-order mark, so spreadsheets read the accents as UTF-8 (as the data downloads do).
    return {"content": "\ufeff" + buffer.getvalue(), "filename": f"audit-log-{stamp}.csv"}
