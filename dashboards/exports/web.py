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

import dash_bootstrap_components as dbc
from dash import (
    ALL,
    CeleryManager,
    DiskcacheManager,
    Input,
    Output,
    State,
    callback,
    ctx,
    dcc,
    html,
    no_update,
    set_props,
)

from dashboards import cache, db, ids
from dashboards.charts import PAGES, REGISTRY, Chart, charts_for
from dashboards.exports import data as data_export
from dashboards.exports import figures, pack
from dashboards.filters import Filters, parse_lang
from dashboards.i18n import N_, gettext

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
_one_shot_jobs = True  # DiskcacheManager runs each job in a process of its own


# ---------------------------------------------------------------------------------------------
# Background callback manager
# ---------------------------------------------------------------------------------------------


class SpawnDiskcacheManager(DiskcacheManager):
    """DiskcacheManager whose job processes are started with "spawn", not "fork".

    A forked copy of the web server inherits DuckDB's open connection and worker threads and
    dies on its first query; a spawned process starts clean (about 2 s more per pack).
    """

    def call_job_fn(self, key, job_fn, args, context):
        from multiprocess import get_context

        process = get_context("spawn").Process(
            target=job_fn, args=(key, self._make_progress_key(key), args, context), daemon=False
        )
        process.start()
        return process.pid


def background_manager(cache_dir: str | Path | None = None):
    """CeleryManager on Redis when REDIS_URL is set, else an embedded DiskcacheManager."""
    global _one_shot_jobs
    url = os.environ.get("REDIS_URL")
    if url:
        from celery import Celery

        celery_app = Celery("unesco_dashboard", broker=url, backend=url)
        celery_app.conf.update(result_expires=3600, broker_connection_retry_on_startup=True)
        _one_shot_jobs = False  # worker processes live on: keep their browser warm
        return CeleryManager(celery_app, expire=3600)
    import diskcache

    folder = Path(cache_dir or os.environ.get("BACKGROUND_CACHE_DIR") or CACHE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    _one_shot_jobs = True
    return SpawnDiskcacheManager(diskcache.Cache(str(folder)), expire=3600)


def _after_fork() -> None:
    # A job process forked from the web server must not use the parent's DuckDB connection or
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
    buttons = html.Div(
        [
            dbc.Button(
                [html.I(className="bi bi-file-earmark-richtext me-1"), _text(N_("Briefing pack"))],
                id=ids.PACK_TOGGLE,
                color="link",
                size="sm",
                className="py-0",
            ),
            dbc.Button(
                [html.I(className="bi bi-filetype-csv me-1"), _text(N_("Data (CSV)"))],
                id=ids.DATA_CSV,
                color="link",
                size="sm",
                className="py-0",
            ),
            dbc.Button(
                [
                    html.I(className="bi bi-file-earmark-spreadsheet me-1"),
                    _text(N_("Data (Excel)")),
                ],
                id=ids.DATA_XLSX,
                color="link",
                size="sm",
                className="py-0",
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
                html.Div(
                    id=ids.PACK_STATUS,
                    className="small",
                    role="status",
                    **{"aria-live": "polite"},
                ),
            ],
            className="d-flex flex-wrap align-items-center gap-1 pt-2",
        ),
        id=ids.PACK_PANEL,
        is_open=False,
    )


def status_area() -> html.Div:
    """Where a failed chart or data download says so."""
    return html.Div(id=ids.EXPORT_STATUS, role="status", **{"aria-live": "polite"})


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


@callback(
    Output(ids.FIGURE_DOWNLOAD, "data"),
    Input({"type": ids.CHART_EXPORT, "key": ALL, "format": ALL}, "n_clicks"),
    State(ids.URL, "search"),
    State({"type": ids.CHART_VARIANT, "key": ALL}, "value"),
    State({"type": ids.CHART_VARIANT, "key": ALL}, "id"),
    prevent_initial_call=True,
)
def download_figure(clicks, search, variant_values, variant_ids):
    """One chart, decorated for paper, as PNG/SVG/PDF."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks) or not ctx.triggered[0]["value"]:
        return no_update  # menus rendered with a new page, not clicked
    chart = REGISTRY.get(trigger["key"])
    fmt = trigger["format"]
    if chart is None or fmt not in figures.FORMATS:
        return no_update
    filters, _ = Filters.from_query(search)
    lang = parse_lang(search)
    variants = {i["key"]: v for i, v in zip(variant_ids, variant_values, strict=False)}
    try:
        started = time.perf_counter()
        content = figures.figure_bytes(chart, filters, fmt, lang, variant=variants.get(chart.key))
        log.info("exported %s as %s in %.2f s", chart.key, fmt, time.perf_counter() - started)
    except Exception as e:
        log.exception("figure export failed")
        set_props(ids.EXPORT_STATUS, {"children": _error(_failed(lang, e))})
        return no_update
    set_props(ids.EXPORT_STATUS, {"children": None})
    return dcc.send_bytes(
        content, figures.filename(chart, fmt, lang), type=figures.MEDIA_TYPES[fmt]
    )


@callback(
    Output(ids.DATA_DOWNLOAD, "data"),
    Input(ids.DATA_CSV, "n_clicks"),
    Input(ids.DATA_XLSX, "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def download_data(_csv, _xlsx, search):
    """The activities and partners behind the view, as CSV (ZIP) or Excel."""
    fmt = "csv" if ctx.triggered_id == ids.DATA_CSV else "xlsx"
    filters, _ = Filters.from_query(search)
    lang = parse_lang(search)
    try:
        content = (data_export.to_csv_zip if fmt == "csv" else data_export.to_xlsx)(filters, lang)
    except Exception as e:
        log.exception("data export failed")
        set_props(ids.EXPORT_STATUS, {"children": _error(_failed(lang, e))})
        return no_update
    set_props(ids.EXPORT_STATUS, {"children": None})
    return dcc.send_bytes(
        content, data_export.filename(fmt, lang), type=data_export.MEDIA_TYPES[fmt]
    )


def _in_job_process() -> bool:
    import multiprocess

    return multiprocess.parent_process() is not None


def _failed(lang: str, error: Exception) -> str:
    return gettext("The export failed: %(reason)s", lang, reason=str(error).splitlines()[0][:200])


def pack_job(set_progress, n_clicks, pathname, search, fmt, scope):
    """The briefing-pack job (runs in a background process): (download, status message)."""
    lang = parse_lang(search)
    filters, notices = Filters.from_query(search)
    page = pack.ALL if scope == "all" else page_of(pathname)
    if not n_clicks:
        return no_update, no_update
    if page is None or not pack.pack_charts(page):
        return no_update, gettext(
            "This page has no charts: choose “All pages” to brief on every page.", lang
        )
    fmt = fmt if fmt in pack.FORMATS else "pdf"

    def report(done: int, total: int, label: str) -> None:
        set_progress((round(100 * done / total), f"{done}/{total - 1}" if done < total else ""))

    try:
        started = time.perf_counter()
        content = pack.build_pack(fmt, page, filters, lang, progress=report, notices=notices)
        name = pack.pack_filename(fmt, page, lang)
        log.info("built %s in %.1f s", name, time.perf_counter() - started)
    except Exception as e:
        log.exception("briefing pack failed")
        return no_update, _error(_failed(lang, e))
    finally:
        if _one_shot_jobs and _in_job_process():
            figures.stop_server()  # this job's process ends now: close its browser cleanly
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
    running=[
        (Output(ids.PACK_BUILD, "disabled"), True, False),
        (Output(ids.PACK_CANCEL, "disabled"), False, True),
        (Output(ids.PACK_PROGRESS, "animated"), True, False),
    ],
    progress=[Output(ids.PACK_PROGRESS, "value"), Output(ids.PACK_PROGRESS, "label")],
    progress_default=[0, ""],
    cancel=[Input(ids.PACK_CANCEL, "n_clicks")],
    prevent_initial_call=True,
)(pack_job)


__all__ = ["background_manager", "chart_menu", "charts_for", "pack_panel", "toolbar"]
