"""What every request of the app goes through, around Dash (installed by `create_app`).

- **Malformed callback bodies get HTTP 400 with a short reason**, before Dash sees them: the body
  of `/_dash-update-component` must be a JSON object of the shape Dash's renderer sends, name a
  registered callback, carry exactly its inputs and states (same ids and properties), and give
  each property a value of the type its component sends. No client-supplied structure reaches a
  callback (or DuckDB) unchecked.
- **One warehouse per answer**: each request is pinned to the app's warehouse (`db.start_pin`);
  the first query takes a snapshot that every later query of the request reads.
- **One structured log line per request** (JSON: request id, method, path, status, duration),
  and the request id in the `X-Request-ID` response header.
- **Security headers** (flask-talisman): a Content-Security-Policy whose scripts are this app's
  own files and the hashes of its inline scripts (`app.csp_hashes()`), no 'unsafe-inline'
  scripts; `X-Content-Type-Options`, `frame-ancestors 'none'` / `X-Frame-Options`,
  `Referrer-Policy`. Responses are compressed (flask-compress); the `Server` header names no
  version.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import dash
from dash import html
from flask import Response, g, request
from flask_compress import Compress
from flask_talisman import Talisman
from werkzeug.serving import WSGIRequestHandler

from dashboards import cache, db, ids

log = logging.getLogger("dashboards.access")
UPDATE_PATH = "_dash-update-component"
MAX_BODY_BYTES = 1_000_000  # the largest real body (a page's states) is a few KB
MAX_DEPTH = 12
MAX_NODES = 20_000
MAX_TEXT = 20_000
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
SERVER_NAME = "unesco-ngo-dashboard"

# No 'unsafe-eval': checked in headless Chromium on every page (plotly.js 4 bar, line, heatmap
# and geo traces, dash-ag-grid 35 with our cell renderers and formatters) with zero CSP
# violations (tests/integration/test_security_browser.py, docs/deployment.md). WebGL traces
# (scattergl, regl) would need it; the app draws none. Styles: plotly.js and the components
# set inline styles and insert <style> elements, so 'unsafe-inline' stays for styles only.
CSP: dict[str, Any] = {
    "default-src": "'self'",
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "worker-src": ["'self'", "blob:"],
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


class QuietRequestHandler(WSGIRequestHandler):
    """The development server's handler: no version banner, no second access-log line.

    (gunicorn sends `Server: gunicorn`, without a version.)
    """

    def version_string(self) -> str:
        """The `Server` header: the product's name, no versions."""
        return SERVER_NAME

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are logged by the app (one JSON line each), not again here."""


class BadRequest(ValueError):
    """A callback body that does not have the shape or types the callback takes."""


# ---------------------------------------------------------------------------------------------
# Callback bodies
# ---------------------------------------------------------------------------------------------


def _size_ok(value: Any) -> None:
    """Bounded depth, node count and string length (a deeply nested body is refused cheaply)."""
    stack = [(value, 0)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if depth > MAX_DEPTH:
            raise BadRequest("nested too deeply")
        if nodes > MAX_NODES:
            raise BadRequest("too many values")
        if isinstance(item, str):
            if len(item) > MAX_TEXT:
                raise BadRequest("a text value is too long")
        elif isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
            stack.extend((k, depth + 1) for k in item)
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, float) and item != item:  # NaN (json accepts it)
            raise BadRequest("not a number")


def _is_id(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value)
    return (
        isinstance(value, dict)
        and bool(value)
        and all(
            isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in value.items()
        )
    )


_WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])


def _wild(value: Any) -> bool:
    """A wildcard of a declared pattern id (Dash writes ALL as ["ALL"] in its specs)."""
    return isinstance(value, dash.dependencies._Wildcard) or value in _WILDCARDS


def _spec_matches(spec_id: Any, given: Any) -> bool:
    """A body id against the callback's declared id (wildcards match any value of the key)."""
    if isinstance(spec_id, str) or isinstance(given, str):
        return spec_id == given
    if set(spec_id) != set(given):
        return False
    for key, want in spec_id.items():
        if _wild(want):  # ALL / MATCH / ALLSMALLER
            continue
        if want != given[key]:
            return False
    return True


@functools.lru_cache(maxsize=1024)
def _parse_spec_id(text: str) -> Any:
    """A declared id from Dash's spec text (a few hundred distinct ones: cached; read only)."""
    return json.loads(text) if text.startswith("{") else text


def _check_items(kind: str, given: Any, specs: list[dict]) -> list[tuple[Any, str, Any]]:
    """The (id, property, value) of each input/state, checked against the callback's specs."""
    if not isinstance(given, list):
        raise BadRequest(f"'{kind}' must be a list")
    if len(given) != len(specs):
        raise BadRequest(f"'{kind}' has {len(given)} items, the callback takes {len(specs)}")
    out = []
    for item, spec in zip(given, specs, strict=True):
        spec_id = _parse_spec_id(spec["id"])
        wildcard = isinstance(spec_id, dict) and any(_wild(v) for v in spec_id.values())
        many = item if isinstance(item, list) else [item]
        if isinstance(item, list) and not wildcard:
            raise BadRequest(f"'{kind}': {spec['id']} is not a pattern")
        for one in many:
            if not isinstance(one, dict) or not _is_id(one.get("id")):
                raise BadRequest(f"'{kind}': each item needs an id")
            if one.get("property") != spec["property"]:
                raise BadRequest(f"'{kind}': unexpected property {str(one.get('property'))[:40]!r}")
            if not _spec_matches(spec_id, one["id"]):
                raise BadRequest(f"'{kind}': unexpected id")
            out.append((one["id"], one["property"], one.get("value")))
    return out


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | bool | int | float)


def _check_value(component_id: Any, prop: str, value: Any) -> None:
    """The type a property's value must have (what the renderer sends for it)."""
    name = component_id if isinstance(component_id, str) else component_id.get("type")

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise BadRequest(f"{prop} of {str(name)[:60]} must be {what}")

    if isinstance(value, str):
        need(len(value) <= MAX_TEXT, "shorter")
    if prop in ("search", "pathname", "hash", "href", "placeholder", "className"):
        need(value is None or isinstance(value, str), "text")
    elif prop in ("n_clicks", "n_clicks_timestamp", "active_page", "n_intervals"):
        need(value is None or (_is_int(value) and value >= 0), "a whole number")
    elif prop in ("is_open", "disabled", "hidden", "active", "animated"):
        need(value is None or isinstance(value, bool), "true or false")
    elif prop == "id":
        need(_is_id(value), "an id")
    elif prop in ("clickData", "hoverData", "selectedData", "relayoutData"):
        need(value is None or isinstance(value, dict), "an object")
        _size_ok(value)
    elif prop == "value" and name == ids.YEARS:
        need(
            value is None
            or (
                isinstance(value, list)
                and len(value) == 2
                and all(_is_int(v) or (isinstance(v, float) and v.is_integer()) for v in value)
            ),
            "two years",
        )
    elif prop == "value" and name in ids.DROPDOWN.values():
        need(
            value is None
            or isinstance(value, str)
            or (isinstance(value, list) and all(isinstance(v, str) for v in value)),
            "a list of codes",
        )
    elif prop == "value":
        need(
            _scalar(value) or (isinstance(value, list) and all(_scalar(v) for v in value)),
            "a value or a list of values",
        )
        if isinstance(value, list):
            need(all(len(v) <= MAX_TEXT for v in value if isinstance(v, str)), "shorter")
    elif prop == "data" and name == ids.LANG:
        need(value is None or value in ("en", "fr"), "a language")
    elif prop == "data" and name in (ids.CHARTS_RELAY, ids.CHART_TABLE_SEARCH):
        need(value is None or isinstance(value, str), "text")
    elif isinstance(value, dict | list):  # any other structured property: bounded
        _size_ok(value)


def _clean_prop(prop: Any) -> Any:
    """A property name without the "@hash" Dash adds to outputs declared allow_duplicate."""
    return prop.split("@", 1)[0] if isinstance(prop, str) else prop


def _check_outputs(output: str, given: Any) -> None:
    """The body's outputs are exactly the callback's (a list per wildcard output)."""
    multi = output.startswith("..")
    declared = output.strip(".").split("...") if multi else [output]
    items = given if multi else [given]
    if not isinstance(items, list) or len(items) != len(declared):
        raise BadRequest("'outputs' do not match the callback")
    for text, item in zip(declared, items, strict=True):
        spec_text, prop = text.rsplit(".", 1)
        spec_id = _parse_spec_id(spec_text)
        all_of = isinstance(spec_id, dict) and any(
            v in (["ALL"], ["ALLSMALLER"]) for v in spec_id.values()
        )
        for one in item if all_of and isinstance(item, list) else [item]:
            if (
                not isinstance(one, dict)
                or not _is_id(one.get("id"))
                or _clean_prop(one.get("property")) != _clean_prop(prop)
                or not _spec_matches(spec_id, one["id"])
            ):
                raise BadRequest("'outputs' do not match the callback")
        if all_of and not isinstance(item, list):
            raise BadRequest("'outputs' do not match the callback")


def check_update_body(raw: bytes, callback_map: dict) -> dict:
    """The parsed body of a callback request, or BadRequest with a short reason."""
    if not raw:
        raise BadRequest("empty body")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("not a JSON object")
    output = body.get("output")
    if not isinstance(output, str):
        raise BadRequest("'output' must be text")
    entry = callback_map.get(output)
    if entry is None:
        raise BadRequest("no such callback")
    _check_outputs(output, body.get("outputs"))
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise BadRequest("'changedPropIds' must be a list of text")
    values = _check_items("inputs", body.get("inputs"), entry.get("inputs", []))
    values += _check_items("state", body.get("state", []), entry.get("state", []))
    for component_id, prop, value in values:
        _check_value(component_id, prop, value)
    return body


# ---------------------------------------------------------------------------------------------
# Validation layout
# ---------------------------------------------------------------------------------------------


def _skeleton(component: Any) -> Any:
    """A component of the same type and id, without children or data (ids are what count)."""
    try:
        return type(component)(id=component.id)
    except TypeError:  # a component with other required props: keep it, emptied
        clone = copy.copy(component)
        clone.children = None
        return clone


def validation_layout(app: dash.Dash) -> html.Div:
    """Every component id of the shell and of every page, so Dash can check all callbacks.

    Pages are rendered once (English; a partner profile for the first partner, if any) and
    reduced to their id-bearing components, so the index page does not carry their data.
    """
    from dashboards.callbacks import render_page
    from dashboards.filters import Filters
    from dashboards.layout import chips

    # Chips exist only while a filter is set: one stands in for all of them.
    shell = app.layout() if callable(app.layout) else app.layout  # outside a request: all of it
    layouts: list[Any] = [shell, chips(Filters.from_query("?years=2020-2021")[0], "en")]
    for page in dash.page_registry.values():
        path = page.get("path") or "/"
        if page.get("path_template"):
            try:
                first = db.scalar("SELECT partner_id FROM partners ORDER BY partner_id LIMIT 1")
            except Exception:  # no warehouse yet: nothing to validate against
                first = None
            if first is None:
                continue
            path = page["path_template"].replace("<partner_id>", str(first))
        try:
            layouts.append(render_page(path, "en")[0])
        except Exception as e:  # a page that cannot render now still renders later
            logging.getLogger(__name__).warning("validation layout: %s: %s", path, e, exc_info=True)
    # Components a page shows only for some data (the Data page's grids appear when there are
    # rejected rows): each page module lists them in VALIDATION_COMPONENTS.
    for page in dash.page_registry.values():
        module = sys.modules.get(page.get("module", ""))
        layouts.append(list(getattr(module, "VALIDATION_COMPONENTS", [])))
    found: dict[str, Any] = {}
    for tree in layouts:
        root = html.Div(tree) if isinstance(tree, list) else tree
        for component in root._traverse_ids():
            key = json.dumps(component.id, sort_keys=True, default=str)
            found.setdefault(key, _skeleton(component))
    return html.Div(list(found.values()))


# ---------------------------------------------------------------------------------------------
# Installation
# ---------------------------------------------------------------------------------------------


def page_answer(app: dash.Dash, response: Response) -> None:
    """The index page as it should answer: its language on <html>, 404 for an unknown page.

    The page is still rendered (the router shows 'not found' with a way back); only the status
    says so, for crawlers, link checkers and monitoring. The language is the address's `lang`
    (the `lang` clientside callback keeps it right when the user switches).
    """
    from dashboards.callbacks import page_exists
    from dashboards.filters import parse_lang

    lang = parse_lang(request.query_string.decode("utf-8", "replace"))
    html_text = response.get_data(as_text=True)
    response.set_data(re.sub(r"<html(?=[\s>])", f'<html lang="{lang}"', html_text, count=1))
    prefix = app.config.routes_pathname_prefix
    path = request.path[len(prefix) - 1 :] if request.path.startswith(prefix) else request.path
    try:
        known = page_exists(path)
    except db.QueryLimitExceeded:
        known = True  # cannot tell now: the page says what happened
    if not known:
        response.status_code = 404


@contextlib.contextmanager
def serving(flask_app) -> Iterator[None]:
    """Run code outside a request as the app's requests run: its warehouse (pinned), its cache.

    For work an app does on its own, e.g. gunicorn's warm-up of each worker.
    """
    state = flask_app.extensions["unesco"]
    token = cache.use(state["cache"])
    try:
        with db.pinned(state["warehouse"]):
            yield
    finally:
        cache.reset(token)


def _access_logger() -> logging.Logger:
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def install(app: dash.Dash, settings: Any, warehouse: db.Warehouse, results: cache.LRU) -> None:
    """Wire the request guard, pinning, logs, headers and compression into the app's server."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    server.config["COMPRESS_MIN_SIZE"] = 500
    server.config["COMPRESS_ALGORITHM"] = ["br", "gzip"]
    server.extensions["unesco"] = {"settings": settings, "warehouse": warehouse, "cache": results}
    update_path = app.config.routes_pathname_prefix + UPDATE_PATH
    access = _access_logger()

    @server.before_request
    def _begin():
        g.started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        g.reason = None
        g.pin = db.start_pin(warehouse)
        g.cache = cache.use(results)
        if request.path == update_path and request.method == "POST":
            try:
                check_update_body(request.get_data(cache=True), app.callback_map)
            except BadRequest as e:
                g.reason = str(e)
                return Response(
                    json.dumps({"error": "bad request", "reason": str(e)}),
                    status=400,
                    mimetype="application/json",
                )
        return None

    @server.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        record = {
            "request_id": getattr(g, "request_id", None),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(
                (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1
            ),
        }
        if g.get("reason"):
            record["reason"] = g.reason
        access.info(json.dumps(record))
        return response

    @server.teardown_request
    def _end(_exc):
        if "pin" in g:
            db.end_pin(g.pop("pin"))
        if "cache" in g:
            try:
                cache.reset(g.pop("cache"))
            except ValueError:
                pass

    @server.errorhandler(db.QueryLimitExceeded)
    def _too_much(e: db.QueryLimitExceeded):
        g.reason = str(e)
        return Response(
            json.dumps({"error": "query limit", "reason": str(e)}),
            status=503,
            mimetype="application/json",
        )

    csp = {k: (list(v) if isinstance(v, list) else v) for k, v in CSP.items()}
    talisman = Talisman(
        server,
        force_https=False,  # TLS ends at the proxy (docs/deployment.md)
        strict_transport_security=True,  # sent only on HTTPS requests
        frame_options="DENY",
        content_security_policy=csp,
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=False,
    )
    Compress(server)

    # Registered after Compress: Flask runs after-request hooks last-registered first, so this
    # one sees the page before it is compressed.
    page_endpoints = {
        app.config.routes_pathname_prefix,
        app.config.routes_pathname_prefix + "<path:path>",
    }

    @server.after_request
    def _page_answer(response: Response) -> Response:
        if request.endpoint in page_endpoints and response.status_code == 200:
            page_answer(app, response)
        return response

    hashed = {"done": False}

    @server.before_request
    def _script_hashes():
        # Dash adds inline scripts while it sets itself up on the first request; hash them all.
        if not hashed["done"]:
            hashed["done"] = True
            csp["script-src"] = ["'self'", *app.csp_hashes()]
            talisman.content_security_policy = csp
