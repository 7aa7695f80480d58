"""The framework callbacks: routing, the URL ⇄ filter bar sync, and every chart's figure.

Why our own router: Dash's `page_container` re-renders the whole page whenever the query string
changes, and our filters live in the query string. Routing on the path (and the language) only
lets a filter change update the charts in place: one request for the URL, one for the figures.
Pages still come from `dash.page_registry` (`register_page` in `dashboards/pages/`).

Callbacks are registered on an app by `register_callbacks(app)`, never as an import side effect,
so two apps in one process each have all of them. Page and export modules still declare theirs
with `dash.callback`; those declarations are collected from Dash's global list once and attached
to every app the same way.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import sys
import threading
import uuid
from collections.abc import Callable
from functools import partial

import dash
from dash import (
    ALL,
    MATCH,
    Input,
    Output,
    State,
    ctx,
    no_update,
)
from dash import _callback as dash_callbacks

from dashboards import auth, cache, db, dimensions, ids, layout, parts, side_by_side
from dashboards.charts import REGISTRY, all_charts
from dashboards.figures import common, theme
from dashboards.filters import Filters, parse_lang
from dashboards.i18n import gettext
from dashboards.queries.activities import year_range

log = logging.getLogger(__name__)
# Load every chart module now: a worker may answer a chart callback before rendering any page.
all_charts()
DIMS = dimensions.FILTER_KEYS
# sync_filters' outputs: search, years, one value per dropdown, chips, notices, language.
SYNC_OUTPUTS = len(DIMS) + 6


def app_path(pathname: str | None) -> str:
    """The app's own path of a browser path: the URL prefix (DASH_URL_BASE_PATHNAME) removed."""
    path = pathname if isinstance(pathname, str) else "/"
    try:
        prefix = dash.get_app().config.requests_pathname_prefix or "/"
    except (AttributeError, dash.exceptions.AppNotFoundError):  # called outside an app
        prefix = "/"
    if prefix != "/" and (path + "/").startswith(prefix):
        path = path[len(prefix) - 1 :]
    return "/" + path.strip("/")


def _text(value: object) -> str:
    """A query string or path as the callback takes it: text, else empty.

    The request guard (dashboards.server) refuses other types before Dash; this keeps a callback
    called any other way from passing a client's structure on.
    """
    return value if isinstance(value, str) else ""


def _outputs_list() -> list | None:
    """The outputs Dash matched for the running callback (None when called directly)."""
    try:
        return ctx.outputs_list
    except (LookupError, dash.exceptions.MissingCallbackContextException):
        return None


def match_page(pathname: str) -> tuple[dict | None, dict]:
    """The registered page for an app path (with path variables), or (None, {})."""
    path = "/" + (pathname or "/").strip("/")
    for page in dash.page_registry.values():
        if page.get("path") == path:
            return page, {}
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if not template:
            continue
        pattern = "^" + re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", template) + "$"
        m = re.match(pattern, path)
        if m:
            return page, m.groupdict()
    return None, {}


def page_exists(pathname: str) -> bool:
    """Whether a path shows a real page (HTTP 200) or the 'not found' page (HTTP 404).

    A page with path variables may define `exists(**variables) -> bool` (a partner profile of
    an unknown id is not found); the registered /404 page itself is not a page.
    """
    page, variables = match_page(pathname)
    if page is None or page["module"].endswith("not_found_404"):
        return False
    exists = getattr(sys.modules.get(page["module"]), "exists", None)
    return bool(exists(**variables)) if callable(exists) else True


def render_page(pathname: str, lang: str) -> tuple[object, str, bool]:
    """The page for a path: (children, document title, whether the filter bar applies)."""
    page, variables = match_page(pathname)
    if page is not None and not auth.path_offered(pathname):  # e.g. /data in public mode
        page = None
    if page is None:
        page = next(p for p in dash.page_registry.values() if p["module"].endswith("not_found_404"))
    body = page["layout"](lang=lang, **variables) if callable(page["layout"]) else page["layout"]
    title = page.get("title")
    if callable(title):
        title = title(lang=lang, **variables)
    elif title:
        title = gettext(title, lang)
    return body, f"{title} · UNESCO", page.get("filters", True)


def route(pathname, lang, search, rendered, nav_ids):
    """Render the page for the path and language; a filter change leaves it in place.

    Not an Input on the query string: Dash would then not fire the new page's own callbacks
    (they listen to the query string too) when the page arrives.
    """
    search = _text(search)
    lang = lang if lang in ("en", "fr") else parse_lang(search)
    path = app_path(pathname)
    key = {"path": path, "lang": lang}
    # As many nav-link values as Dash expects (the outputs it matched, not a state the client sent).
    expected = _outputs_list()
    n_links = len(expected[3]) if expected else len(nav_ids or [])
    if rendered == key:
        return no_update, no_update, no_update, [no_update] * n_links, no_update
    try:
        body, title, with_filters = render_page(path, lang)
    except db.QueryLimitExceeded as e:
        body, title, with_filters = limit_notice(limit_message(e, lang)), "UNESCO", True
    links = [o["id"] for o in expected[3]] if expected else nav_ids
    active = [
        str(i.get("path")) == path
        or (i.get("path") != "/" and path.startswith(str(i.get("path")) + "/"))
        for i in links
    ]
    return body, title, not with_filters, active, key


def localise(lang, text_ids):
    """Translate the shell's texts and the filter options when the language changes."""
    lang = lang if lang in ("en", "fr") else "en"
    c = layout.localised_controls(lang)
    expected = _outputs_list()
    texts = [o["id"] for o in expected[0]] if expected else text_ids
    return (
        [gettext(str(msgid), lang) for msgid in (i.get("key") for i in texts)],
        *(c["options"][d] for d in DIMS),
        *(c["placeholder"] for _ in DIMS),
        *(c["labels"] for _ in DIMS),
        gettext("Filters", lang),  # the filter bar's aria-label
        *c["years"],
    )


def sync_filters(search, years, *rest):
    """Keep URL and filter bar in step: the URL is the state, the controls edit it."""
    search = _text(search)
    values = [
        [x for x in v if isinstance(x, str)]
        if isinstance(v, list)
        else [v]
        if isinstance(v, str)
        else []
        for v in rest[: len(DIMS)]
    ]
    _chips, _clear, _clicks, flagged, current_lang = rest[len(DIMS) :]
    lo, hi = year_range()
    lang = parse_lang(search)
    url_filters, notices = Filters.from_query(search)
    trigger = ctx.triggered_id
    log.debug("sync trigger=%s search=%s values=%s years=%s", ctx.triggered, search, values, years)
    new_lang = lang if lang != current_lang else no_update

    if trigger is None or trigger == ids.URL:
        # The address changed (first load, back/forward, a link): show it in the controls.
        return _controls(url_filters, lang, lo, hi, notices, search=no_update, new_lang=new_lang)

    filters = url_filters
    clicked = ctx.triggered[0]["value"] if ctx.triggered else None
    if trigger == ids.CLEAR_ALL or (
        isinstance(trigger, dict) and trigger.get("type") == ids.CHIP_REMOVE
    ):
        if not clicked:  # a chip or button just rendered, not clicked
            return (no_update,) * SYNC_OUTPUTS
    if trigger == ids.CLEAR_ALL:
        filters = Filters()
    elif isinstance(trigger, dict) and trigger.get("type") == ids.CHIP_REMOVE:
        filters = url_filters.without(trigger["dim"], trigger["value"] or None)
    elif isinstance(trigger, dict) and trigger.get("type") == ids.CHART_GRAPH:
        filters = _apply_click(url_filters, trigger["key"], ctx.triggered[0]["value"])
        if filters is None:
            return (no_update,) * SYNC_OUTPUTS
    else:
        # A control changed: the controls are the new state.
        chosen = tuple(years) if years and (years[0] != lo or years[1] != hi) else None
        filters = Filters(
            years=chosen,
            without_flagged=flagged is True,
            **{d: tuple(v or ()) for d, v in zip(DIMS, values, strict=True)},
        )
        filters = Filters.from_query(filters.to_query())[0]  # canonical order
    if filters.to_query() == url_filters.to_query():
        # Nothing changed (e.g. controls rendered from the URL): keep the address as it is.
        return (no_update,) * (SYNC_OUTPUTS - 4) + (
            layout.chips(filters, lang),
            no_update,
            new_lang,
            no_update,
        )
    search_out = filters.to_query(lang) or ""
    return _controls(filters, lang, lo, hi, [], search=search_out, new_lang=new_lang)


def _controls(filters: Filters, lang: str, lo, hi, notices, search, new_lang):
    years = list(filters.years) if filters.years else [lo, hi]
    return (
        search,
        years,
        *(list(getattr(filters, d)) for d in DIMS),
        layout.chips(filters, lang),
        layout.notices(notices, lang),
        new_lang,
        filters.without_flagged,
    )


def _apply_click(filters: Filters, chart_key: str, click: dict | None) -> Filters | None:
    """The filters after a click on a chart point (cross-filtering), or None to ignore it."""
    chart = REGISTRY.get(chart_key)
    if chart is None or not chart.cross_filter or not click or not click.get("points"):
        return None
    point = click["points"][0]
    custom = point.get("customdata")
    if custom is None:
        custom = [point.get("location")]
    if not isinstance(custom, list | tuple):
        custom = [custom]
    dims = chart.cross_filter if isinstance(chart.cross_filter, tuple) else (chart.cross_filter,)
    out = filters
    for dim, code in zip(dims, custom, strict=False):
        if code is None:
            continue
        if dim == "years":
            try:
                year = int(code)
            except (TypeError, ValueError, OverflowError):
                return None  # not a year: a click the chart could not have sent
            out = Filters.from_query(out.to_query().lstrip("?") + f"&years={year}")[0]
        else:
            out = out.toggle(dim, str(code))
    return out


def sync_filters_and_charts(search, years, *rest):
    """`sync_filters`, and the page's charts and parts for the new filters in the same answer.

    A filter change then costs one request for all of a page's charts and parts (headlines, a
    rule check, a grid's rows: `dashboards.parts`) instead of more in a row (the filter bar's,
    then the others once the browser has the new URL). `CHARTS_DRAWN` tells the browser's relay
    which query string these are for, so the URL change they cause does not wake
    `update_charts` or `update_parts`. When the URL itself changed (a link, back/forward, first
    load) nothing is drawn here: the relay sends those requests as before.

    After `sync_filters`' inputs and the language: the variant values, the page options'
    values, then the ids of the graphs, variants, children parts, data parts and options.
    """
    n_sync = len(DIMS) + 5  # the dropdowns, chips, clear-all, chart clicks, flagged, lang
    synced = sync_filters(search, years, *rest[:n_sync])
    variant_values, option_values, graph_ids, variant_ids, part_ids, data_ids, option_ids = rest[
        n_sync:
    ]
    expected = _outputs_list()
    # In a request, exactly the graphs and parts Dash expects (none is none); called directly,
    # the ids given.
    if expected is not None:
        graphs = [o["id"] for o in expected[SYNC_OUTPUTS]]
        part_ids = [o["id"] for o in expected[SYNC_OUTPUTS + 1]]
        data_ids = [o["id"] for o in expected[SYNC_OUTPUTS + 2]]
    else:
        graphs, part_ids, data_ids = (
            list(graph_ids or []),
            list(part_ids or []),
            list(data_ids or []),
        )
    new_search = synced[0]
    if new_search is no_update or not isinstance(new_search, str):
        skipped = ([no_update] * len(x) for x in (graphs, part_ids, data_ids))
        return (*synced, *skipped, no_update)
    options = parts.options_of(option_values, option_ids)
    figures, drawn = draw_page(
        new_search, variant_values, graphs, variant_ids, [*part_ids, *data_ids], options
    )
    mark = {"search": new_search, "n": uuid.uuid4().hex}
    return (*synced, figures, drawn[: len(part_ids)], drawn[len(part_ids) :], mark)


def update_charts(_relay, variant_values, search, graph_ids, variant_ids):
    """Every chart on the page, for the filters in the URL (and the variant chosen, if any).

    Woken by the page's arrival, a variant control or the relay (a URL the filter-bar request
    did not draw). Figures are cached, so a variant control redrawing the page's charts costs no
    queries.
    """
    expected = _outputs_list()
    graphs = [o["id"] for o in expected] if expected is not None else list(graph_ids or [])
    return draw_charts(search, variant_values, graphs, variant_ids)


def update_parts(_relay, option_values, search, part_ids, data_ids, option_ids):
    """Every part of the page (children, then data) for the filters in the URL and the page's
    options: on its arrival, from the relay, or when an option changed."""
    expected = _outputs_list()
    if expected is not None:
        part_ids = [o["id"] for o in expected[0]]
        data_ids = [o["id"] for o in expected[1]]
    part_ids, data_ids = list(part_ids or []), list(data_ids or [])
    options = parts.options_of(option_values, option_ids)
    drawn = draw_page(search, None, [], None, [*part_ids, *data_ids], options)[1]
    return drawn[: len(part_ids)], drawn[len(part_ids) :]


def draw_charts(search, variant_values, graphs, variant_ids) -> list:
    """The figures of the given graphs for a query string (and the variants chosen)."""
    return draw_page(search, variant_values, graphs, variant_ids, [])[0]


def draw_page(
    search, variant_values, graphs, variant_ids, part_ids, options=None
) -> tuple[list, list]:
    """(figures of the given graphs, the given parts) for a query string, variants and the
    page's options."""
    options = options if isinstance(options, dict) else {}
    search = _text(search)
    filters, _ = Filters.from_query(search)
    lang = parse_lang(search)
    variants = {
        i.get("key"): v
        for i, v in zip(variant_ids or [], variant_values or [], strict=False)
        if isinstance(v, str)
    }

    def draw(graph_id: dict) -> object:
        chart = REGISTRY.get(graph_id["key"])
        if chart is None:
            return no_update
        try:
            return chart.figure_json(filters, lang, variants.get(graph_id["key"]))
        except db.QueryLimitExceeded as e:
            return theme.with_template(common.empty_figure.spec(lang, limit_message(e, lang)))

    def draw_part(part: parts.Part) -> object:
        try:
            return part.draw(filters, lang, options)
        except db.QueryLimitExceeded as e:
            if part.kind == "data":
                return parts.pack([])
            return parts.wire(limit_notice(limit_message(e, lang)))

    # What this process has cached is served here (handing it to the pool cost more than the
    # warm request's own work); the rest computes side by side (`side_by_side.run`: a lone miss
    # in this thread). The graphs and parts are those Dash expects (its outputs), not a list
    # the client sent.
    drawn: list[object] = [cached_figure(g, filters, lang, variants) for g in graphs]
    tasks: list[Callable[[], object]] = [
        partial(draw, graphs[i]) for i, figure in enumerate(drawn) if figure is None
    ]
    slots: list[tuple[list, int]] = [(drawn, i) for i, figure in enumerate(drawn) if figure is None]
    found: list[object] = []
    for part_id in part_ids:
        part = parts.PARTS.get(str(part_id.get("key")) if isinstance(part_id, dict) else "")
        value = no_update if part is None else part.cached(filters, lang, options)
        found.append(value)
        if value is cache.MISSING and part is not None:
            tasks.append(partial(draw_part, part))
            slots.append((found, len(found) - 1))
    for (target, i), value in zip(slots, side_by_side.run(tasks), strict=True):
        target[i] = value
    return drawn, found


def cached_figure(graph_id: dict, filters: Filters, lang: str, variants: dict) -> object:
    """A graph's figure if it is cached in this process, else None (an unknown chart: no_update)."""
    chart = REGISTRY.get(str(graph_id.get("key")))
    if chart is None:
        return no_update
    return chart.cached_figure_json(filters, lang, variants.get(graph_id["key"]))


def limit_notice(message: str):
    """An alert in place of content whose query went past its limits."""
    import dash_bootstrap_components as dbc

    return dbc.Alert(message, color="warning", className="my-3", role="alert")


def limit_message(error: db.QueryLimitExceeded, lang: str) -> str:
    """What the user reads when a query went past its time limit or row cap."""
    if isinstance(error, db.QueryTimeout):
        return gettext("The query took too long: narrow the filters or try again later.", lang)
    return gettext("The answer is too large to show: narrow the filters.", lang)


def toggle_table(n_clicks, refresh, is_open, search):
    """Show a chart's data as a table (computed only while open); the button says which.

    Opened and closed by its button; while open, it follows the filters through its relay
    store (`CHART_TABLE_SEARCH`), which a clientside callback sets on a URL change for open
    tables only, so a filter change sends no request for a closed table.
    """
    search = _text(search)
    lang = parse_lang(search)
    key = ctx.outputs_list[0]["id"]["key"]
    trigger = ctx.triggered_id
    followed = isinstance(trigger, dict) and trigger.get("type") == ids.CHART_TABLE_SEARCH
    if followed and not is_open:  # closed since the relay was set: nothing to show
        return no_update, no_update, no_update, no_update
    if not followed and is_open:
        return False, None, layout.table_toggle(lang, False), "false"
    chart = REGISTRY.get(key)
    if chart is None:
        return no_update, no_update, no_update, no_update
    filters, _ = Filters.from_query(search)
    try:
        frame = chart.frame(filters)
    except db.QueryLimitExceeded as e:
        table = limit_notice(limit_message(e, lang))
    else:
        table = layout.data_table(chart.table(frame, lang) if chart.table else frame, lang)
    return True, table, layout.table_toggle(lang, True), "true"


def toggle_more(_n, is_open):
    """Show or hide the secondary filters."""
    return not is_open


# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------

_DOC_TITLE_JS = "function(t) { if (t) { document.title = t; } return ''; }"
# The document's language follows the UI's (the server sets it on the first answer already).
# A disclosure button (navigation on a phone, the filter panel): open/closed, and aria-expanded.
# The navigation also closes when the page changes (a link in it was followed).
_DISCLOSURE_JS = """
function(n, _path, isOpen) {
    const ctx = dash_clientside.callback_context;
    const clicked = ctx.triggered.some(t => t.prop_id.endsWith('.n_clicks'));
    const open = clicked ? !isOpen : false;
    return [open, open ? 'true' : 'false'];
}
"""
# Typed years <-> the slider: a box applies on Enter or on leaving it (debounce); the value is
# kept inside the data's range and the range kept in order; the slider moving rewrites the boxes.
_YEAR_BOXES_JS = """
function(first, last, value, lo, hi) {
    const nu = dash_clientside.no_update;
    const trig = (dash_clientside.callback_context.triggered || []).map(t => t.prop_id);
    const cur = Array.isArray(value) && value.length === 2 ? value : [lo, hi];
    const typed = trig.some(p => p.startsWith(%(from)s + '.') || p.startsWith(%(to)s + '.'));
    if (!typed) { return [nu, cur[0], cur[1]]; }
    const num = (v, d) => { const x = parseInt(v, 10); return isNaN(x) ? d : x; };
    const clamp = x => Math.min(Math.max(x, lo), hi);
    let a = clamp(num(first, cur[0])), b = clamp(num(last, cur[1]));
    if (a > b) { if (trig.some(p => p.startsWith(%(from)s + '.'))) { b = a; } else { a = b; } }
    const same = a === cur[0] && b === cur[1];
    return [same ? nu : [a, b], a, b];
}
"""
_DOC_LANG_JS = """
function(lang) {
    const code = lang === 'fr' ? 'fr' : 'en';
    document.documentElement.setAttribute('lang', code);
    return code;
}
"""

# A filter change reaches the open "show as table" panels only: their relay store gets the new
# query string (which calls `toggle_table` for that table); a closed table gets no_update, so no
# request at all. Runs in the browser, hence costs no request itself.
# The charts relay: wake `update_charts` for a URL the filter-bar request did not draw. Each
# drawing is used once (a later return to the same address by back/forward is drawn again).
_CHARTS_RELAY_JS = """
function(search, drawn) {
    const s = search || '';
    if (drawn && drawn.n !== window.__ngoChartsDrawnSeen) {
        window.__ngoChartsDrawnSeen = drawn.n;
        if ((drawn.search || '') === s) return dash_clientside.no_update;
    }
    window.__ngoChartsRelay = (window.__ngoChartsRelay || 0) + 1;
    return 'n' + window.__ngoChartsRelay;
}
"""

_OPEN_TABLES_JS = """
function(search, open) {
    const nu = dash_clientside.no_update;
    return (open || []).map(o => (o ? (search || '') : nu));
}
"""

# Page links and language links keep the current filters; page links carry the URL prefix.
_LINKS_JS = """
function(search, pathname, navIds, langIds) {
    const prefix = %s;
    const params = new URLSearchParams(search || '');
    const lang = params.get('lang');
    const nav = navIds.map(id => prefix + id.path.replace(/^\\//, '') + (search || ''));
    const langs = langIds.map(id => {
        const p = new URLSearchParams(search || '');
        if (id.lang === 'en') { p.delete('lang'); } else { p.set('lang', id.lang); }
        const q = p.toString().replace(/%%2C/g, ',');
        return (pathname || prefix) + (q ? '?' + q : '');
    });
    const current = lang === 'fr' ? 'fr' : 'en';
    const classes = langIds.map(id => 'lang-link link-light px-1' +
        (id.lang === current ? ' fw-bold text-decoration-underline' : ''));
    return [nav, langs, classes];
}
"""

_DECLARED_LOCK = threading.Lock()
_DECLARED_MAP: dict[str, dict] = {}
_DECLARED_LIST: dict[str, dict] = {}
_DECLARED_SCRIPTS: list[str] = []


def _collect_declared() -> None:
    """Move `dash.callback` declarations from Dash's global lists into ours (kept per process).

    Dash hands its global lists to the first app that serves a request and empties them, so a
    second app would get none; and page modules run again for each app Dash builds (the later
    declaration of the same output replaces the earlier one).
    """
    for key in list(dash_callbacks.GLOBAL_CALLBACK_MAP):
        _DECLARED_MAP[key] = dash_callbacks.GLOBAL_CALLBACK_MAP.pop(key)
    for spec in dash_callbacks.GLOBAL_CALLBACK_LIST:
        _DECLARED_LIST[spec["output"]] = spec
    dash_callbacks.GLOBAL_CALLBACK_LIST.clear()
    for script in dash_callbacks.GLOBAL_INLINE_SCRIPTS:
        if script not in _DECLARED_SCRIPTS:
            _DECLARED_SCRIPTS.append(script)
    dash_callbacks.GLOBAL_INLINE_SCRIPTS.clear()


def _attach_declared(app: dash.Dash) -> None:
    for key, entry in _DECLARED_MAP.items():
        entry = dict(entry)
        if entry.get("background"):  # Dash pops keys of it at set-up: each app its own copy
            entry["background"] = copy.copy(entry["background"])
        app.callback_map[key] = entry
    app._callback_list.extend(dict(spec) for spec in _DECLARED_LIST.values())
    app._inline_scripts.extend(s for s in _DECLARED_SCRIPTS if s not in app._inline_scripts)


def register_callbacks(app: dash.Dash) -> None:
    """Register every callback of the dashboard on `app` (call once per app)."""
    app.callback(
        Output(ids.PAGE, "children"),
        Output(ids.DOC_TITLE, "data"),
        Output(ids.FILTER_BAR, "hidden"),
        Output({"type": "nav-link", "path": ALL}, "active"),
        Output(ids.RENDERED, "data"),
        Input(ids.URL, "pathname"),
        Input(ids.LANG, "data"),
        State(ids.URL, "search"),
        State(ids.RENDERED, "data"),
        State({"type": "nav-link", "path": ALL}, "id"),
    )(route)
    app.callback(
        Output({"type": "i18n-text", "key": ALL, "slot": ALL}, "children"),
        *(Output(ids.DROPDOWN[d], "options") for d in DIMS),
        *(Output(ids.DROPDOWN[d], "placeholder") for d in DIMS),
        *(Output(ids.DROPDOWN[d], "labels") for d in DIMS),
        Output(ids.FILTER_BAR, "aria-label"),
        Output(ids.YEARS, "min"),
        Output(ids.YEARS, "max"),
        Output(ids.YEARS, "marks"),
        Input(ids.LANG, "data"),
        State({"type": "i18n-text", "key": ALL, "slot": ALL}, "id"),
    )(localise)
    app.clientside_callback(
        _DOC_TITLE_JS, Output(ids.DOC_TITLE_SINK, "children"), Input(ids.DOC_TITLE, "data")
    )
    app.clientside_callback(
        _DOC_LANG_JS, Output(ids.DOC_TITLE_SINK, "lang"), Input(ids.LANG, "data")
    )
    app.clientside_callback(
        _DISCLOSURE_JS,
        Output(ids.NAV_COLLAPSE, "is_open"),
        Output(ids.NAV_TOGGLE, "aria-expanded"),
        Input(ids.NAV_TOGGLE, "n_clicks"),
        Input(ids.URL, "pathname"),
        State(ids.NAV_COLLAPSE, "is_open"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _DISCLOSURE_JS,
        Output(ids.FILTERS_PANEL, "is_open"),
        Output(ids.FILTERS_TOGGLE, "aria-expanded"),
        Input(ids.FILTERS_TOGGLE, "n_clicks"),
        Input(ids.URL, "pathname"),
        State(ids.FILTERS_PANEL, "is_open"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _YEAR_BOXES_JS % {"from": json.dumps(ids.YEAR_FROM), "to": json.dumps(ids.YEAR_TO)},
        Output(ids.YEARS, "value", allow_duplicate=True),
        Output(ids.YEAR_FROM, "value"),
        Output(ids.YEAR_TO, "value"),
        Input(ids.YEAR_FROM, "value"),
        Input(ids.YEAR_TO, "value"),
        Input(ids.YEARS, "value"),
        State(ids.YEARS, "min"),
        State(ids.YEARS, "max"),
        prevent_initial_call="initial_duplicate",
    )
    app.clientside_callback(
        _LINKS_JS % json.dumps(app.get_relative_path("/")),
        Output({"type": "nav-link", "path": ALL}, "href"),
        Output({"type": "lang-link", "lang": ALL}, "href"),
        Output({"type": "lang-link", "lang": ALL}, "className"),
        Input(ids.URL, "search"),
        State(ids.URL, "pathname"),
        State({"type": "nav-link", "path": ALL}, "id"),
        State({"type": "lang-link", "lang": ALL}, "id"),
    )
    app.callback(
        Output(ids.URL, "search"),
        Output(ids.YEARS, "value"),
        *(Output(ids.DROPDOWN[d], "value") for d in DIMS),
        Output(ids.CHIPS, "children"),
        Output(ids.NOTICES, "children"),
        Output(ids.LANG, "data"),
        Output(ids.FLAGGED, "value"),
        Output({"type": ids.CHART_GRAPH, "key": ALL}, "figure", allow_duplicate=True),
        Output({"type": ids.PAGE_PART, "key": ALL}, "children", allow_duplicate=True),
        Output({"type": ids.PAGE_DATA, "key": ALL}, "data", allow_duplicate=True),
        Output(ids.CHARTS_DRAWN, "data"),
        Input(ids.URL, "search"),
        Input(ids.YEARS, "value"),
        *(Input(ids.DROPDOWN[d], "value") for d in DIMS),
        Input({"type": ids.CHIP_REMOVE, "dim": ALL, "value": ALL}, "n_clicks"),
        Input(ids.CLEAR_ALL, "n_clicks"),
        Input({"type": ids.CHART_GRAPH, "key": ALL}, "clickData"),
        Input(ids.FLAGGED, "value"),
        State(ids.LANG, "data"),
        State({"type": ids.CHART_VARIANT, "key": ALL}, "value"),
        State({"type": ids.PAGE_OPTION, "key": ALL}, "value"),
        State({"type": ids.CHART_GRAPH, "key": ALL}, "id"),
        State({"type": ids.CHART_VARIANT, "key": ALL}, "id"),
        State({"type": ids.PAGE_PART, "key": ALL}, "id"),
        State({"type": ids.PAGE_DATA, "key": ALL}, "id"),
        State({"type": ids.PAGE_OPTION, "key": ALL}, "id"),
        prevent_initial_call="initial_duplicate",
    )(sync_filters_and_charts)
    app.clientside_callback(
        _CHARTS_RELAY_JS,
        Output(ids.CHARTS_RELAY, "data"),
        Input(ids.URL, "search"),
        State(ids.CHARTS_DRAWN, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        Output({"type": ids.CHART_GRAPH, "key": ALL}, "figure"),
        Input(ids.CHARTS_RELAY, "data"),
        Input({"type": ids.CHART_VARIANT, "key": ALL}, "value"),
        State(ids.URL, "search"),
        State({"type": ids.CHART_GRAPH, "key": ALL}, "id"),
        State({"type": ids.CHART_VARIANT, "key": ALL}, "id"),
    )(update_charts)
    app.callback(
        Output({"type": ids.PAGE_PART, "key": ALL}, "children"),
        Output({"type": ids.PAGE_DATA, "key": ALL}, "data"),
        Input(ids.CHARTS_RELAY, "data"),
        Input({"type": ids.PAGE_OPTION, "key": ALL}, "value"),
        State(ids.URL, "search"),
        State({"type": ids.PAGE_PART, "key": ALL}, "id"),
        State({"type": ids.PAGE_DATA, "key": ALL}, "id"),
        State({"type": ids.PAGE_OPTION, "key": ALL}, "id"),
    )(update_parts)
    app.clientside_callback(
        _OPEN_TABLES_JS,
        Output({"type": ids.CHART_TABLE_SEARCH, "key": ALL}, "data"),
        Input(ids.URL, "search"),
        State({"type": ids.CHART_TABLE_COLLAPSE, "key": ALL}, "is_open"),
        prevent_initial_call=True,
    )
    app.callback(
        Output({"type": ids.CHART_TABLE_COLLAPSE, "key": MATCH}, "is_open"),
        Output({"type": ids.CHART_TABLE, "key": MATCH}, "children"),
        Output({"type": ids.CHART_TABLE_TOGGLE, "key": MATCH}, "children"),
        Output({"type": ids.CHART_TABLE_TOGGLE, "key": MATCH}, "aria-expanded"),
        Input({"type": ids.CHART_TABLE_TOGGLE, "key": MATCH}, "n_clicks"),
        Input({"type": ids.CHART_TABLE_SEARCH, "key": MATCH}, "data"),
        State({"type": ids.CHART_TABLE_COLLAPSE, "key": MATCH}, "is_open"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(toggle_table)
    app.callback(
        Output(ids.MORE_FILTERS, "is_open"),
        Input(ids.MORE_FILTERS_TOGGLE, "n_clicks"),
        State(ids.MORE_FILTERS, "is_open"),
        prevent_initial_call=True,
    )(toggle_more)
    with _DECLARED_LOCK:
        _collect_declared()
        _attach_declared(app)
