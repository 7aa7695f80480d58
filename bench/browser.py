"""Headless Chromium (Playwright): record the requests a filter change sends; time first render."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

# Debian's Chromium, and the flags it needs on these machines (as root, no network beyond the
# registries): used by the benchmark, the browser tests and the screenshot scripts.
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = "() => !document.querySelector('[data-dash-is-loading=\"true\"]')"
# Every chart card's graph drawn with the callback's figure (data, or the honest empty state).
DRAWN = """(n) => {
    const plots = document.querySelectorAll('.chart-card .js-plotly-plot');
    if (plots.length < n) return false;
    return Array.from(plots).every(gd =>
        (gd.data && gd.data.length > 0) || (gd.layout && gd.layout.meta && gd.layout.meta.empty));
}"""
UPDATE = "/_dash-update-component"


@dataclass
class Recorded:
    """The callback requests one filter change sends on a page, in the order sent."""

    page: str
    path: str
    trigger: dict  # the filter-bar request (a control changed → new URL)
    dependents: list[dict] = field(default_factory=list)  # requests fired by the new URL
    sent: list[str] = field(default_factory=list)  # every callback request's output, as sent

    @property
    def requests_per_filter_change(self) -> int:
        """Every callback request the change sent (filter bar, charts, headlines, tables...)."""
        return len(self.sent)

    def describe(self) -> list[str]:
        """Short names of the requests (their outputs)."""
        return [r["output"][:80] for r in [self.trigger, *self.dependents]]


def launch(playwright):
    """A headless Debian Chromium."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


def _settle(page, timeout: float = 60000) -> None:
    page.wait_for_load_state("networkidle", timeout=timeout)
    page.wait_for_function(IDLE, timeout=timeout)


def record_page(browser, base: str, page_key: str, path: str, n_charts: int) -> Recorded:
    """Open a page, pick the first field of competence in the filter bar, capture the requests."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        requests: list = []
        page.on("request", lambda r: requests.append(r) if UPDATE in r.url else None)
        page.goto(base + path, wait_until="networkidle", timeout=120000)
        page.wait_for_function(DRAWN, arg=n_charts, timeout=120000)
        _settle(page)
        time.sleep(1.0)  # a page without charts: its first load may still be on its way
        _settle(page)
        requests.clear()
        page.locator("#filter-fields").click()
        option = page.locator(".dash-dropdown-option, [role=option]").first
        option.wait_for(timeout=10000)
        option.click()
        page.keyboard.press("Escape")
        page.wait_for_url("**field=*", timeout=30000)
        time.sleep(0.5)
        _settle(page)
        time.sleep(1.0)  # a request sent late (a loaded machine) still counts
        _settle(page)
        bodies = [json.loads(r.post_data) for r in requests]
    finally:
        context.close()
    trigger = [b for b in bodies if not _reads_only_url(b) and _writes_url(b)]
    if not trigger:
        raise RuntimeError(f"{page_key}: no filter-bar request recorded ({len(bodies)} requests)")
    dependents = [b for b in bodies if b is not trigger[0] and _reads_url(b)]
    return Recorded(page_key, path, trigger[0], dependents, [b.get("output", "") for b in bodies])


def _inputs(body: dict) -> list[dict]:
    out = []
    for item in body.get("inputs", []):
        out.extend(item if isinstance(item, list) else [item])
    return out


def _reads_url(body: dict) -> bool:
    return any(i.get("id") == "url" and i.get("property") == "search" for i in _inputs(body))


def _reads_only_url(body: dict) -> bool:
    return all(i.get("id") == "url" for i in _inputs(body))


def _writes_url(body: dict) -> bool:
    return "url.search" in body.get("output", "")


def first_render(browser, base: str, path_query: str, n_charts: int) -> float:
    """Seconds from navigation (fresh browser context, no HTTP cache) to every chart drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(base + path_query, wait_until="commit", timeout=120000)
        page.wait_for_function(DRAWN, arg=n_charts, timeout=120000, polling="raf")
        return time.perf_counter() - started
    finally:
        context.close()
