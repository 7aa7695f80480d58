"""Helpers shared by the browser tests: wait for Dash to settle, read charts, chips and controls.

Playwright's "networkidle" is a page-load state: once reached it stays reached, so it cannot tell
when the callbacks after a click have finished. `settle` counts Dash's own callback requests
instead and returns once none has been in flight for a short quiet window.
"""

from __future__ import annotations

import json
import time

DASH_UPDATE = "/_dash-update-component"
_TRACKERS: dict[int, _Tracker] = {}


class _Tracker:
    def __init__(self, page):
        self.pending = 0
        self.last = time.monotonic()
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request):
        if DASH_UPDATE in request.url:
            self.pending += 1
            self.last = time.monotonic()

    def _end(self, request):
        if DASH_UPDATE in request.url:
            self.pending = max(0, self.pending - 1)
            self.last = time.monotonic()


# Dash's own callback queue is empty: none requested, waiting on an input, or executing (the
# check of dash.testing's `wait_for_callbacks`). True on a page that is not a Dash app.
DASH_QUEUE_EMPTY = """() => {
    if (!document.getElementById('react-entry-point')) { return true; }
    if (!window.store) { return false; }
    const queues = Object.assign({}, window.store.getState().callbacks);
    delete queues.stored;
    delete queues.completed;
    return Object.values(queues).every(q => !q || !q.length);
}"""


def open_page(watch, path: str, timeout: float = 60000):
    """Open a path (tracking Dash's requests from the start) and wait until it has settled.

    Settled is Dash's callback queue empty, not only a quiet moment on the network: on a loaded
    machine (parallel test workers) the page's next callback can leave more than the quiet
    window after the previous answer, and would then be counted as the test's own.
    """
    _TRACKERS.setdefault(id(watch.page), _Tracker(watch.page))
    watch.goto(path)
    settle(watch)
    watch.page.wait_for_function(DASH_QUEUE_EMPTY, timeout=timeout)
    settle(watch)


def settle(watch, quiet: float = 0.3, timeout: float = 20.0):
    """Wait until no Dash callback request has been in flight for `quiet` seconds.

    The quiet window starts now, so callbacks an action sets off a moment later are waited for.
    """
    page = watch.page
    tracker = _TRACKERS.setdefault(id(page), _Tracker(page))
    start = time.monotonic()
    deadline = start + timeout
    while time.monotonic() < deadline:
        now = time.monotonic()
        if tracker.pending == 0 and now - max(tracker.last, start) >= quiet:
            break
        page.wait_for_timeout(50)
    else:
        raise TimeoutError(f"Dash still busy after {timeout}s ({tracker.pending} requests)")
    watch.wait_idle()


def wait_query(watch, expected: str, timeout: float = 10000):
    """Wait until the address's query string is `expected` ('' for none), then settle."""
    watch.page.wait_for_function("q => location.search === q", arg=expected, timeout=timeout)
    settle(watch)


def graph_id(key: str) -> str:
    """The DOM id Dash gives a chart's pattern-matching graph id."""
    return json.dumps({"key": key, "type": "chart-graph"}, separators=(",", ":"), sort_keys=True)


def graph(page, key: str):
    """A locator for a chart's graph."""
    return page.locator(f"[id='{graph_id(key)}']")


_FIGURE_JS = """id => {
    const el = document.getElementById(id);
    const gd = el && (el.classList.contains('js-plotly-plot') ? el : el.querySelector('.js-plotly-plot'));
    if (!gd || !gd._fullData) { return null; }
    const arr = v => (v == null ? null : Array.from(v, x =>
        (x && typeof x !== 'string' && x.length !== undefined) ? Array.from(x) : x));
    return gd._fullData.map(t => ({
        name: t.name || null, x: arr(t.x), y: arr(t.y), z: arr(t.z), text: arr(t.text),
        locations: arr(t.locations), customdata: arr(t.customdata),
    }));
}"""


def figure(page, key: str) -> list[dict]:
    """A chart's drawn data: per trace its name, x, y, z, text, locations, customdata."""
    page.wait_for_function(
        "id => { const el = document.getElementById(id);"
        " const gd = el && (el.classList.contains('js-plotly-plot') ? el"
        " : el.querySelector('.js-plotly-plot')); return !!(gd && gd._fullData); }",
        arg=graph_id(key),
        timeout=15000,
    )
    return page.evaluate(_FIGURE_JS, graph_id(key))


def counts(fig: list[dict]) -> dict:
    """{code: value} of a one-trace bar chart (horizontal or vertical)."""
    trace = fig[0]
    values = trace["x"] if isinstance(trace["x"][0], int | float) else trace["y"]
    return {c[0]: v for c, v in zip(trace["customdata"], values, strict=True)}


def chips(page) -> list[str]:
    """The filter chips' texts (whitespace normalised)."""
    return [
        " ".join(t.split()) for t in page.locator("#filter-chips .filter-chip").all_inner_texts()
    ]


def allow_document_404(watch, path: str) -> None:
    """Forget the 404 of a page opened on purpose at an unknown address (the status is right)."""
    watch.errors = [
        e
        for e in watch.errors
        if not (e.startswith("HTTP 404") and path in e)
        and "the server responded with a status of 404" not in e
    ]


def assert_clean(watch):
    """No console error, no failed request, nothing fetched from outside 127.0.0.1."""
    assert watch.errors == [], "\n".join(watch.errors)
    assert watch.external == [], "requests left the machine: " + ", ".join(watch.external)


def npm_package(folder, package: str):
    """The path of an npm package the browser tests use, installed on first use.

    `folder` holds a package.json and package-lock.json (`.ci/node`, `tests/oidc`); when its
    `node_modules` lacks the package and npm is on the machine, `npm ci` installs exactly the
    locked versions, as the first run of the app builds its demo warehouse. None when npm is
    missing or the install failed (the caller fails under REQUIRE_BROWSER, else skips).
    """
    import shutil
    import subprocess
    from pathlib import Path

    from filelock import FileLock

    target = Path(folder) / "node_modules" / package
    if target.exists() or not shutil.which("npm"):
        return target if target.exists() else None
    # One install at a time: parallel test workers (pytest-xdist) would otherwise run two
    # `npm ci` into one node_modules, each deleting what the other writes. The lock file sits
    # beside node_modules (ignored by git with it); the second worker finds the package there.
    with FileLock(str(Path(folder) / "node_modules.lock"), timeout=900):
        if not target.exists():
            subprocess.run(
                ["npm", "ci", "--prefix", str(folder), "--no-audit", "--no-fund", "--silent"],
                check=False,
                timeout=900,
            )
    return target if target.exists() else None
