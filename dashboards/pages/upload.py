"""Load data (admins): drop input files, see what the load would do, then confirm or cancel.

The files go to the upload route (`dashboards/uploads.py`, a multipart POST, not a callback
body) from `assets/upload.js`; the page then polls the upload's state. Everything shown from
the files (names, values, reasons) is component text, never HTML. Admin-only: the path and
every callback here are in `dashboards/auth.py` (PATH_ROLES, CALLBACK_ROLES) and hidden in
public mode.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, ctx, dcc, html, no_update

from dashboards import auth, ids, uploads
from dashboards.filters import parse_lang
from dashboards.i18n import N_, format_number, reason_text, t
from dashboards.pages.data import KINDS

PATH = "/admin/upload"
dash.register_page(__name__, path=PATH, title=N_("Load data"), name="Load data", filters=False)

DROP = "upload-drop"  # dcc.Upload: the drop zone
LIMIT = "upload-limit"  # carries the size limit and language for assets/upload.js
SENT = "upload-sent"  # the clientside callback's sink
TOKEN = "upload-token"  # {token, refused} or {error_code, error} from the upload route
TICK = "upload-tick"  # bumped by Confirm/Cancel so the status is drawn again at once
POLL = "upload-poll"
STATUS = "upload-status"
BUTTONS = "upload-buttons"
CONFIRM = "upload-confirm"
CANCEL = "upload-cancel"
ACTION = "upload-action"
OUTPUT_IDS = (STATUS, ACTION, SENT)  # the admin-only callbacks, by an output (auth.py)

WORKING = ("received", "staging", "confirming")
# Where the page is not offered (public mode) the validation layout still needs its ids.
VALIDATION_COMPONENTS = [
    dcc.Upload(id=DROP),
    html.Div(id=LIMIT),
    dcc.Store(id=TOKEN),
    dcc.Store(id=SENT),
    dcc.Store(id=TICK),
    dcc.Interval(id=POLL),
    html.Div(id=STATUS),
    html.Div(id=BUTTONS),
    dbc.Button(id=CONFIRM),
    dbc.Button(id=CANCEL),
    html.Div(id=ACTION),
]
DATASET_NAMES = {**KINDS, "reports": N_("Partner reports")}


def _settings() -> Any:
    """The serving app's settings (outside a request, e.g. the validation layout: defaults)."""
    from flask import current_app, has_app_context

    if has_app_context() and "unesco" in current_app.extensions:
        return current_app.extensions["unesco"]["settings"]
    from dashboards.settings import Settings

    return Settings.model_construct()


def layout(lang: str = "en", **_params) -> html.Div:
    """The upload page: the drop zone, the status and preview, Confirm and Cancel."""
    _ = t(lang)
    settings = _settings()
    mb = settings.upload_max_mb
    live: dict[str, Any] = {"aria-live": "polite"}
    data_attrs: dict[str, Any] = {"data-max-bytes": str(uploads.max_bytes(settings))}
    return html.Div(
        [
            html.H1(_("Load data")),
            html.P(
                _(
                    "Drop the input files: CSV, XLSX or IATI XML, at most %(mb)s MB together. "
                    "Nothing changes until you confirm: you first see what the load would do.",
                    mb=format_number(mb, lang),
                )
            ),
            dcc.Upload(
                id=DROP,
                multiple=True,
                accept=".csv,.xlsx,.xml",
                children=html.Div(
                    [
                        html.Strong(_("Drop files here")),
                        html.Span(" " + _("or click to choose them")),
                    ]
                ),
                className="border border-2 border-secondary rounded p-4 my-3 text-center",
                style={"borderStyle": "dashed", "cursor": "pointer"},
            ),
            html.Div(
                id=LIMIT,
                hidden=True,
                **data_attrs,
            ),
            dcc.Store(id=TOKEN),
            dcc.Store(id=SENT),
            dcc.Store(id=TICK, data=0),
            dcc.Interval(id=POLL, interval=1000, disabled=True),
            html.Div(id=STATUS, role="status", **live),
            html.Div(
                [
                    dbc.Button(
                        _("Confirm the load"), id=CONFIRM, color="primary", className="me-2"
                    ),
                    dbc.Button(_("Cancel"), id=CANCEL, color="secondary", outline=True),
                ],
                id=BUTTONS,
                hidden=True,
                className="my-3",
            ),
            html.Div(id=ACTION),
        ],
        className="upload-page",
    )


# The browser posts the dropped files to the upload route (not through a callback body, whose
# size the request guard bounds) and writes the route's answer into TOKEN.
dash.clientside_callback(
    ClientsideFunction(namespace="upload", function_name="send"),
    Output(SENT, "data"),
    Input(DROP, "contents"),
    State(DROP, "filename"),
    prevent_initial_call=True,
)


def _user() -> dict:
    user = auth.current_user()
    return user if user else {"name": "demo", "role": auth.current_role()}


@callback(
    Output(STATUS, "children"),
    Output(POLL, "disabled"),
    Output(BUTTONS, "hidden"),
    Output(CONFIRM, "disabled"),
    Input(TOKEN, "data"),
    Input(POLL, "n_intervals"),
    Input(TICK, "data"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def show_status(answer, _n, _tick, search):
    """The upload's status: progress while the ETL works, then the preview or the outcome."""
    lang = parse_lang(search)
    _ = t(lang)
    if not isinstance(answer, dict):
        return None, True, True, True
    if answer.get("status") == "sending":
        sending = dbc.Alert(
            [dbc.Spinner(size="sm", spinner_class_name="me-2"), _("Sending the files…")],
            color="info",
            id="upload-progress",
        )
        return sending, True, True, True
    if answer.get("error_code") or not answer.get("token"):
        return _error_box(answer, lang), True, True, True
    info = uploads.state(_settings(), str(answer["token"]))
    if info is None:
        return dbc.Alert(_("This upload is no longer here."), color="warning"), True, True, True
    status = info.get("status")
    body = [*_refused_at_upload(answer.get("refused") or info.get("refused") or [], lang)]
    body.append(_status_line(info, lang))
    if status == "ready":
        body.append(preview_view(info["preview"], lang))
    if status in ("refused",) and info.get("refusal"):
        body.append(_refusal(info["refusal"], lang))
    working = status in WORKING
    offer = status in ("ready", "busy", "refused", "failed")
    return html.Div(body), not working, not offer, status != "ready"


@callback(
    Output(TICK, "data"),
    Output(ACTION, "children"),
    Input(CONFIRM, "n_clicks"),
    Input(CANCEL, "n_clicks"),
    State(TOKEN, "data"),
    State(TICK, "data"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def act(_confirm, _cancel, answer, tick, search):
    """Confirm (the swap runs off the request thread) or cancel the upload shown."""
    _ = t(parse_lang(search))
    token = answer.get("token") if isinstance(answer, dict) else None
    if not token:
        return no_update, None
    settings = _settings()
    try:
        if ctx.triggered_id == CONFIRM:
            uploads.start_confirm(settings, str(token), _user())
        elif ctx.triggered_id == CANCEL:
            uploads.cancel(settings, str(token), _user())
    except uploads.UploadError:
        return no_update, dbc.Alert(_("This upload is no longer here."), color="warning")
    return (tick or 0) + 1, None


# -- what is shown ---------------------------------------------------------------------------

ERRORS = {
    "too_large": N_("The files are too large: at most %(mb)s MB together."),
    "no_file": N_("None of the files is a CSV, XLSX or XML file."),
    "forbidden": N_("Loading data needs the admin role."),
}


def _error_box(answer: dict, lang: str) -> Any:
    _ = t(lang)
    code = str(answer.get("error_code") or "")
    if code in ERRORS:
        text = _(ERRORS[code], mb=format_number(_settings().upload_max_mb, lang))
    else:
        text = _("The files could not be sent (%(reason)s).", reason=code or "?")
    return dbc.Alert(text, color="danger")


def _refused_at_upload(refused: list, lang: str) -> list:
    _ = t(lang)
    if not refused:
        return []
    names = ", ".join(str(r.get("name")) for r in refused if isinstance(r, dict))
    return [
        dbc.Alert(
            _("Not taken (not a CSV, XLSX or XML file): %(names)s", names=names), color="warning"
        )
    ]


def _elapsed(since: object) -> int:
    try:
        start = dt.datetime.fromisoformat(str(since))
    except ValueError:
        return 0
    return max(0, int((dt.datetime.now(dt.UTC) - start).total_seconds()))


def _status_line(info: dict, lang: str) -> Any:
    """One line saying where the upload is."""
    _ = t(lang)
    status = info.get("status")
    message = str(info.get("message") or "")
    if status in ("received", "staging"):
        return dbc.Alert(
            [
                dbc.Spinner(size="sm", spinner_class_name="me-2"),
                _(
                    "Checking the files: the same load as the command line, into a copy; "
                    "%(s)s s so far.",
                    s=format_number(_elapsed(info.get("started") or info.get("created")), lang),
                ),
            ],
            color="info",
            id="upload-progress",
        )
    if status == "confirming":
        return dbc.Alert(
            [dbc.Spinner(size="sm", spinner_class_name="me-2"), _("Loading…")],
            color="info",
            id="upload-progress",
        )
    if status == "busy":
        return dbc.Alert(
            _("Another load is running: try again when it has finished. Nothing was changed."),
            color="warning",
            id="upload-outcome",
        )
    if status == "refused":
        return dbc.Alert(
            [_("The load would be refused; nothing was changed."), html.Br(), message],
            color="danger",
            id="upload-outcome",
        )
    if status == "failed":
        return dbc.Alert(
            [_("The load failed; the previous data keeps being served."), html.Br(), message],
            color="danger",
            id="upload-outcome",
        )
    if status == "loaded":
        return dbc.Alert(
            [
                _("Loaded: the new data is served now."),
                " ",
                dcc.Link(_("Overview"), href=dash.get_relative_path("/") + f"?lang={lang}"),
            ],
            color="success",
            id="upload-outcome",
        )
    if status == "cancelled":
        return dbc.Alert(
            _("Cancelled: nothing was changed, and the uploaded files are deleted."),
            color="secondary",
            id="upload-outcome",
        )
    lines: list[Any] = [_("Preview: nothing has changed yet. Confirm to load, or cancel.")]
    if message == "changed":
        lines += [
            html.Br(),
            _(
                "Another load came after your first preview: this one is made on the data now served."
            ),
        ]
    if info.get("busy"):
        lines += [html.Br(), _("Another load is running: try again when it has finished.")]
    return dbc.Alert(lines, color="primary", id="upload-outcome")


def _refusal(items: list, lang: str) -> Any:
    """What the ETL said when it refused (files and top reasons, or reference problems)."""
    rows = []
    for item in items:
        if not isinstance(item, dict):
            continue
        reasons = "; ".join(
            f"{r.get('reason')} ({r.get('rows')})" for r in item.get("top_reasons", [])
        )
        rows.append(
            html.Li(f"{item.get('file')}: {reasons or item.get('reason') or ''}".strip(": "))
        )
    return html.Ul(rows, className="small")


def _table(head: list[str], rows: list[list[Any]], table_id: str) -> Any:
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody([html.Tr([html.Td(_cell(v)) for v in row]) for row in rows]),
        ],
        id=table_id,
        size="sm",
        bordered=True,
        hover=True,
        responsive=True,
        className="small",
    )


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _more(shown: int, total: int, lang: str) -> Any:
    _ = t(lang)
    if total <= shown:
        return None
    return html.P(
        _(
            "The first %(shown)s of %(total)s.",
            shown=format_number(shown, lang),
            total=format_number(total, lang),
        ),
        className="small text-muted",
    )


def preview_view(p: dict, lang: str) -> html.Div:
    """The validation preview: files, what would change, rejected rows, warnings, duplicates."""
    _ = t(lang)
    n = lambda v: format_number(v, lang)  # noqa: E731 - a short local formatter
    files = [
        [
            f.get("file"),
            _(KINDS.get(f.get("kind"), f.get("kind") or "")),
            n(f.get("rows_in")),
            n(f.get("loaded")),
            n(f.get("rejected")),
            n(f.get("warnings")),
            n(f.get("possible_duplicates") or 0),
        ]
        for f in p.get("files", [])
    ]
    parts: list[Any] = [
        html.H2(_("Files"), className="h4 mt-4"),
        _table(
            [
                _("File"),
                _("Kind"),
                _("Rows"),
                _("Loaded"),
                _("Rejected"),
                _("Warnings"),
                _("Possible duplicates"),
            ],
            files,
            "upload-files",
        ),
    ]
    if p.get("skipped_files"):
        parts.append(
            html.P(
                _(
                    "Not read (the name says no kind of input): %(names)s",
                    names=", ".join(p["skipped_files"]),
                ),
                className="small",
            )
        )
    parts += [
        html.H2(_("What the load would change"), className="h4 mt-4"),
        _table(
            [_("Data set"), _("Now"), _("After the load")],
            [
                [_(DATASET_NAMES.get(d, d)), n(before), n(after)]
                for d, before, after in p.get("counts", [])
            ],
            "upload-counts",
        ),
    ]
    ch, tot = p.get("partner_changes", {}), p.get("partner_change_totals", {})
    for key, title, head in (
        ("added", N_("New partners (%(n)s)"), [N_("Partner id"), N_("Name")]),
        ("removed", N_("Partners no longer loaded (%(n)s)"), [N_("Partner id"), N_("Name")]),
        (
            "status",
            N_("Status changes (%(n)s)"),
            [N_("Partner id"), N_("Name"), N_("Now"), N_("After the load")],
        ),
    ):
        if tot.get(key):
            parts += [
                html.H3(_(title, n=n(tot[key])), className="h6 mt-3"),
                _table([_(h) for h in head], ch.get(key, []), f"upload-partners-{key}"),
                _more(len(ch.get(key, [])), int(tot[key]), lang),
            ]
    if p.get("reference_changes"):
        parts += [
            html.H3(
                _("Reference data changes (%(n)s)", n=n(len(p["reference_changes"]))),
                className="h6 mt-3",
            ),
            html.Ul([html.Li(c) for c in p["reference_changes"]], className="small"),
        ]
    for key, title, table_id in (
        ("rejected", N_("Rejected rows (%(n)s)"), "upload-rejected"),
        ("warnings", N_("Warnings (%(n)s)"), "upload-warnings"),
    ):
        rows = p.get(key, [])
        total = int(p.get(key + "_total", 0))
        parts.append(html.H2(_(title, n=n(total)), className="h4 mt-4"))
        if rows:
            parts += [
                _table(
                    [_("File"), _("Line"), _("Column"), _("Value"), _("Reason")],
                    [
                        [f, line, col, val, reason_text(r, tpl, args, lang)]
                        for f, line, col, val, r, tpl, args in rows
                    ],
                    table_id,
                ),
                _more(len(rows), total, lang),
            ]
    dups = p.get("duplicates", [])
    parts.append(
        html.H2(
            _("Possible duplicates (%(n)s)", n=n(p.get("duplicates_total", 0))), className="h4 mt-4"
        )
    )
    if dups:
        parts += [
            _table(
                [_("Row"), _("Name"), _("Row"), _("Name"), _("Why"), _("Score")],
                [
                    [f"{fa}:{la}", na, f"{fb}:{lb}", nb, reason, n(score)]
                    for fa, la, na, fb, lb, nb, reason, score in dups
                ],
                "upload-duplicates",
            ),
            _more(len(dups), int(p.get("duplicates_total", 0)), lang),
        ]
    return html.Div(parts, id="upload-preview")
