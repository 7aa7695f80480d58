"""The export controls of the web page and their callbacks (the only export module using Dash).

- A "Download" menu on every chart card: PNG (print resolution), SVG, PDF of the decorated figure.
- The page toolbar (in the filter bar): "Briefing pack" (PDF or PowerPoint, this page or all
  pages) built by a background callback with a progress bar and a cancel button, and the data
  behind the view as CSV (ZIP) or Excel.
- `background_manager()`: DiskcacheManager (embedded, nothing to start) by default; with
  REDIS_URL, CeleryManager on Redis so several app servers share the work (docs/exports.md).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import (
    ALL,
    CeleryManager,
    Input,
    Output,
    State,
    callback,
    ctx,
    dcc,
    html,
    no_update,
)

from dashboards import cache, db, ids
from dashboards.charts import PAGES, REGISTRY, Chart, charts_for
from dashboards.exports import data as data_export
from dashboards.exports import figures, jobs, pack
from dashboards.filters import Filters, parse_lang
from dashboards.i18n import N_, format_number, gettext

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / "data" / ".cache" / "background"
FIGURE_FORMATS = (
    ("png", N_("PNG image (print)")),
    ("svg", N_("SVG (vector)")),
    ("pdf", N_("PDF")),
)
PACK_FORMATS = (("pdf", N_("PDF")), ("pptx", N_("PowerPoint")))
PACK_SCOPES = (("page", N_("This page")), ("all", N_("All pages")))
PACK_POLL_MS = 1000
DOWNLOAD_POLL_MS = 250
# Announce status changes (a name Dash's typed signatures do not list, hence dict[str, Any]).
_ARIA_LIVE: dict[str, Any] = {"aria-live": "polite"}


# ---------------------------------------------------------------------------------------------
# Background callback manager
# ---------------------------------------------------------------------------------------------


class SharedResultCeleryManager(CeleryManager):
    """CeleryManager whose results are read, not consumed, under the jobs' own keys.

    Dash deletes a result when its first reader takes it (unless `cache_by` is set), which lost
    identical concurrent requests; here every waiter of a key reads it until it expires.
    """

    def __init__(self, celery_app, expire: int = 3600):
        super().__init__(celery_app, cache_by=[db.version], expire=expire)

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        """The same job names as the embedded manager's (jobs.job_key)."""
        return jobs.job_key(fn, args, db.version())


def background_manager(cache_dir: str | Path | None = None):
    """CeleryManager on Redis when REDIS_URL is set, else the embedded bounded job manager.

    The embedded manager (dashboards/exports/jobs.py) runs briefing packs and downloads in small
    thread pools of the web process, one identical job at a time for everyone who asks, with
    its state in a diskcache folder private to the app's user.
    """
    url = os.environ.get("REDIS_URL")
    if url:
        from celery import Celery

        celery_app = Celery("unesco_dashboard", broker=url, backend=url)
        celery_app.conf.update(result_expires=3600, broker_connection_retry_on_startup=True)
        return SharedResultCeleryManager(celery_app, expire=3600)
    import diskcache

    folder = Path(cache_dir or os.environ.get("BACKGROUND_CACHE_DIR") or CACHE_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)  # the cache holds pickles: only the app's user may write it
    return jobs.BoundedJobManager(diskcache.Cache(str(folder)), version=db.version)


def _after_fork() -> None:
    # A process forked from the web server must not use the parent's DuckDB connection or
    # locks that another thread may have held at the fork: give it fresh ones.
    db.WAREHOUSE = db._Warehouse()
    cache.RESULTS = cache.LRU()


os.register_at_fork(after_in_child=_after_fork)


# ---------------------------------------------------------------------------------------------
# Components
# ---------------------------------------------------------------------------------------------


def _text(msgid: str) -> html.Span:
    """A shell text the language callback translates (see layout.label_id)."""
    return html.Span(msgid, id={"type": "i18n-text", "key": msgid, "slot": "export"})


def chart_menu(chart: Chart, lang: str) -> dbc.DropdownMenu:
    """The chart card's download menu: PNG / SVG / PDF."""
    return dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(
                gettext(label, lang),
                id={"type": ids.CHART_EXPORT, "key": chart.key, "format": fmt},
                n_clicks=0,
            )
            for fmt, label in FIGURE_FORMATS
        ],
        label=gettext("Download", lang),
        size="sm",
        color="link",
        align_end=True,
        toggle_class_name="p-0 chart-export-toggle",
        toggle_style={"fontSize": "0.875rem"},
    )


def toolbar() -> html.Div:
    """The page-level export toolbar (in the filter bar; texts translated by the shell)."""
    # Row-level data and packs: offered to those who may use them (the role rule of
    # dashboards/auth.py: not publicly, not to viewers); the callbacks answer 403 to others too.
    from dashboards import auth

    packs = "py-0" if auth.can("pack") else "py-0 d-none"
    row_level = "py-0" if auth.can("download") else "py-0 d-none"
    buttons = html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-file-earmark-richtext me-1"), _text(N_("Briefing pack"))],
                id=ids.PACK_TOGGLE,
                color="link",
                size="sm",
                className=packs,
            ),
            dbc.Button(
                [html.I(className="bi bi-file-earmark-zip me-1"), _text(N_("Data (CSV, ZIP)"))],
                id=ids.DATA_CSV,
                color="link",
                size="sm",
                className=row_level,
            ),
            dbc.Button(
                [
                    html.I(className="bi bi-file-earmark-spreadsheet me-1"),
                    _text(N_("Data (Excel)")),
                ],
                id=ids.DATA_XLSX,
                color="link",
                size="sm",
                className=row_level,
            ),
            dcc.Download(id=ids.FIGURE_DOWNLOAD),
            dcc.Download(id=ids.DATA_DOWNLOAD),
            dcc.Download(id=ids.PACK_DOWNLOAD),
        ],
        id=ids.EXPORT_TOOLBAR,
        className="ms-auto d-flex align-items-center export-toolbar",
    )
    return buttons


def _choice(msgid: str, component_id: str, choices, value: str) -> html.Div:
    """A labelled inline radio group of the pack panel."""
    return html.Div(
        [
            html.Span(_text(msgid), className="small fw-semibold me-2"),
            dcc.RadioItems(
                id=component_id,
                options=[{"label": label, "value": v} for v, label in choices],
                value=value,
                inline=True,
                inputClassName="me-1",
                labelClassName="me-3 small",
            ),
        ],
        className="d-flex align-items-center me-4",
    )


def pack_panel() -> dbc.Collapse:
    """Options, progress and cancel for the briefing pack (below the filter bar's last row)."""
    return dbc.Collapse(
        html.Div(
            [
                _choice(N_("Format"), ids.PACK_FORMAT, PACK_FORMATS, "pdf"),
                _choice(N_("Charts of"), ids.PACK_SCOPE, PACK_SCOPES, "page"),
                dbc.Button(
                    _text(N_("Build")),
                    id=ids.PACK_BUILD,
                    color="primary",
                    size="sm",
                    className="me-2",
                ),
                dbc.Button(
                    _text(N_("Cancel")),
                    id=ids.PACK_CANCEL,
                    color="secondary",
                    outline=True,
                    size="sm",
                    disabled=True,
                    className="me-3",
                ),
                dbc.Progress(
                    id=ids.PACK_PROGRESS,
                    value=0,
                    label="",
                    striped=True,
                    style={"width": "220px", "height": "1.1rem"},
                    className="me-3",
                ),
                html.Div(id=ids.PACK_STEP, className="small text-muted me-2", **_ARIA_LIVE),
                html.Div(
                    id=ids.PACK_STATUS,
                    className="small",
                    role="status",
                    **_ARIA_LIVE,
                ),
            ],
            className="d-flex flex-wrap align-items-center gap-1 pt-2",
        ),
        id=ids.PACK_PANEL,
        is_open=False,
    )


def status_area() -> html.Div:
    """Where a failed chart or data download says so."""
    return html.Div(id=ids.EXPORT_STATUS, role="status", **_ARIA_LIVE)


def page_of(pathname: str | None) -> str | None:
    """The chart-registry page of a path: '/' → overview, '/functional-areas' → functional_areas."""
    first = (pathname or "/").strip("/").split("/")[0].replace("-", "_")
    page = first or "overview"
    return page if page in PAGES else None


def _error(message: str):
    return dbc.Alert(message, color="danger", dismissable=True, className="py-1 px-2 my-1 small")


# ---------------------------------------------------------------------------------------------
# Callbacks
# ---------------------------------------------------------------------------------------------


@callback(
    Output(ids.PACK_FORMAT, "options"),
    Output(ids.PACK_SCOPE, "options"),
    Input(ids.LANG, "data"),
)
def localise_options(lang):
    """The pack options in the page's language."""
    lang = lang or "en"
    return (
        [{"label": gettext(label, lang), "value": v} for v, label in PACK_FORMATS],
        [{"label": gettext(label, lang), "value": v} for v, label in PACK_SCOPES],
    )


@callback(
    Output(ids.PACK_PANEL, "is_open"),
    Input(ids.PACK_TOGGLE, "n_clicks"),
    State(ids.PACK_PANEL, "is_open"),
    prevent_initial_call=True,
)
def toggle_pack(_n, is_open):
    """Show or hide the briefing-pack options."""
    return not is_open


def _status(lang: str, reason: str, what: str) -> str:
    """Why a background export did not deliver, in words."""
    if reason == "busy":
        return gettext("The server is busy with other exports: please try again in a minute.", lang)
    if reason == "timeout":
        limit = jobs.settings().time_limit("packs" if what == "pack" else "downloads")
        return gettext(
            "The export took longer than %(seconds)s s and was stopped: try fewer charts or "
            "narrower filters.",
            lang,
            seconds=format_number(limit, lang),
        )
    if reason == "lost":
        return gettext("The server restarted during the export: please try again.", lang)
    if reason == "cancelled":
        return gettext("Cancelled.", lang)
    return gettext("The export could not be finished: please try again.", lang)


def _figure_request(clicks, search, variant_values, variant_ids):
    """(chart, format, filters, notices, lang, variant) of a figure download, or None."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks or []) or not ctx.triggered[0]["value"]:
        return None  # menus rendered with a new page, not clicked
    chart = REGISTRY.get(trigger.get("key"))
    fmt = trigger.get("format")
    if chart is None or fmt not in figures.FORMATS:
        return None
    filters, _ = Filters.from_query(search)
    variants = {
        i.get("key"): v
        for i, v in zip(variant_ids or [], variant_values or [], strict=False)
        if isinstance(i, dict)
    }
    return chart, fmt, filters, parse_lang(search), variants.get(chart.key)


def _figure_identity(clicks, search, variant_values, variant_ids):
    request = _figure_request(clicks, search, variant_values, variant_ids)
    if request is None:
        return ("none", repr(ctx.triggered_id))
    chart, fmt, filters, lang, variant = request
    return (chart.key, fmt, filters.cache_key(), lang, repr(variant))


@jobs.job(
    jobs.JobSpec(
        pool="downloads",
        identity=_figure_identity,
        failed=lambda reason, clicks, search, *_: (
            no_update,
            _error(_status(parse_lang(search), reason, "download")),
        ),
    )
)
def download_figure(clicks, search, variant_values, variant_ids):
    """One chart, decorated for paper, as PNG/SVG/PDF (in the bounded downloads pool)."""
    request = _figure_request(clicks, search, variant_values, variant_ids)
    if request is None:
        return no_update, no_update
    chart, fmt, filters, lang, variant = request
    try:
        started = time.perf_counter()
        content = figures.figure_bytes(chart, filters, fmt, lang, variant=variant)
        log.info("exported %s as %s in %.2f s", chart.key, fmt, time.perf_counter() - started)
    except jobs.JobStopped:
        raise
    except Exception as e:
        log.exception("figure export failed")
        return no_update, _error(_failed(lang, e))
    return (
        dcc.send_bytes(content, figures.filename(chart, fmt, lang), type=figures.MEDIA_TYPES[fmt]),
        None,
    )


callback(
    Output(ids.FIGURE_DOWNLOAD, "data"),
    Output(ids.EXPORT_STATUS, "children", allow_duplicate=True),
    Input({"type": ids.CHART_EXPORT, "key": ALL, "format": ALL}, "n_clicks"),
    State(ids.URL, "search"),
    State({"type": ids.CHART_VARIANT, "key": ALL}, "value"),
    State({"type": ids.CHART_VARIANT, "key": ALL}, "id"),
    background=True,
    interval=DOWNLOAD_POLL_MS,
    prevent_initial_call=True,
)(download_figure)


def _data_format() -> str:
    return "csv" if ctx.triggered_id == ids.DATA_CSV else "xlsx"


@jobs.job(
    jobs.JobSpec(
        pool="downloads",
        identity=lambda _csv, _xlsx, search: (
            _data_format(),
            Filters.from_query(search)[0].cache_key(),
            parse_lang(search),
        ),
        failed=lambda reason, _csv, _xlsx, search: (
            no_update,
            _error(_status(parse_lang(search), reason, "download")),
        ),
    )
)
def download_data(_csv, _xlsx, search):
    """The activities and partners behind the view, as CSV (ZIP) or Excel (downloads pool)."""
    fmt = _data_format()
    filters, _ = Filters.from_query(search)
    lang = parse_lang(search)
    try:
        content = (data_export.to_csv_zip if fmt == "csv" else data_export.to_xlsx)(filters, lang)
    except jobs.JobStopped:
        raise
    except Exception as e:
        log.exception("data export failed")
        return no_update, _error(_failed(lang, e))
    return (
        dcc.send_bytes(content, data_export.filename(fmt, lang), type=data_export.MEDIA_TYPES[fmt]),
        None,
    )


callback(
    Output(ids.DATA_DOWNLOAD, "data"),
    Output(ids.EXPORT_STATUS, "children", allow_duplicate=True),
    Input(ids.DATA_CSV, "n_clicks"),
    Input(ids.DATA_XLSX, "n_clicks"),
    State(ids.URL, "search"),
    background=True,
    interval=DOWNLOAD_POLL_MS,
    prevent_initial_call=True,
)(download_data)


def _failed(lang: str, error: Exception) -> str:
    return gettext("The export failed: %(reason)s", lang, reason=str(error).splitlines()[0][:200])


def _pack_page(pathname, scope) -> str | None:
    return pack.ALL if scope == "all" else page_of(pathname)


def _pack_identity(n_clicks, pathname, search, fmt, scope):
    """What a pack request produces: two people asking for the same pack share one job."""
    filters, _ = Filters.from_query(search)
    fmt = fmt if fmt in pack.FORMATS else "pdf"
    return (
        bool(n_clicks),
        _pack_page(pathname, scope),
        filters.cache_key(),
        parse_lang(search),
        fmt,
    )


def _pack_queued(position, n_clicks, pathname, search, *_):
    return [0, "", gettext("Waiting: %(n)s ahead", parse_lang(search), n=position)]


def pack_step(done: int, total: int, label: str, lang: str) -> list:
    """The progress outputs of a pack job after a step: bar value, bar label, step text.

    `total` counts the charts and the final assembly; `label` is the chart just drawn.
    """
    charts = total - 1
    if done >= total:
        return [100, "", ""]
    if done == 0:
        return [0, "", gettext("Starting…", lang)]
    text = gettext(
        "Chart %(done)s of %(total)s drawn: %(name)s", lang, done=done, total=charts, name=label
    )
    return [round(100 * done / total), f"{done}/{charts}", text]


@jobs.job(
    jobs.JobSpec(
        pool="packs",
        identity=_pack_identity,
        queued=_pack_queued,
        failed=lambda reason, n_clicks, pathname, search, *_: (
            no_update,
            _error(_status(parse_lang(search), reason, "pack")),
        ),
    )
)
def pack_job(set_progress, n_clicks, pathname, search, fmt, scope):
    """The briefing-pack job (runs in the bounded packs pool): (download, status message)."""
    lang = parse_lang(search)
    filters, notices = Filters.from_query(search)
    page = _pack_page(pathname, scope)
    if not n_clicks:
        return no_update, no_update
    if page is None or not pack.pack_charts(page):
        return no_update, gettext(
            "This page has no charts: choose “All pages” to brief on every page.", lang
        )
    fmt = fmt if fmt in pack.FORMATS else "pdf"

    def report(done: int, total: int, label: str) -> None:
        # set_progress also stops the job here when it was cancelled or ran out of time
        set_progress(pack_step(done, total, label, lang))

    try:
        started = time.perf_counter()
        content = pack.build_pack(fmt, page, filters, lang, progress=report, notices=notices)
        name = pack.pack_filename(fmt, page, lang)
        log.info("built %s in %.1f s", name, time.perf_counter() - started)
    except jobs.JobStopped:
        raise
    except Exception as e:
        log.exception("briefing pack failed")
        return no_update, _error(_failed(lang, e))
    message = gettext("Ready: %(name)s", lang, name=name)
    return dcc.send_bytes(content, name, type=pack.MEDIA_TYPES[fmt]), message


callback(
    Output(ids.PACK_DOWNLOAD, "data"),
    Output(ids.PACK_STATUS, "children"),
    Input(ids.PACK_BUILD, "n_clicks"),
    State(ids.URL, "pathname"),
    State(ids.URL, "search"),
    State(ids.PACK_FORMAT, "value"),
    State(ids.PACK_SCOPE, "value"),
    background=True,
    interval=PACK_POLL_MS,
    running=[
        (Output(ids.PACK_BUILD, "disabled"), True, False),
        (Output(ids.PACK_CANCEL, "disabled"), False, True),
        (Output(ids.PACK_PROGRESS, "animated"), True, False),
        # The previous job's message is hidden while this one runs: the status shown is always
        # the current job's (its steps in PACK_STEP, then its own result).
        (Output(ids.PACK_STATUS, "className"), "small d-none", "small"),
    ],
    progress=[
        Output(ids.PACK_PROGRESS, "value"),
        Output(ids.PACK_PROGRESS, "label"),
        Output(ids.PACK_STEP, "children"),
    ],
    progress_default=[0, "", ""],
    cancel=[Input(ids.PACK_CANCEL, "n_clicks")],
    prevent_initial_call=True,
)(pack_job)


__all__ = ["background_manager", "chart_menu", "charts_for", "pack_panel", "toolbar"]
