"""Fixtures for browser tests: the real app in a subprocess, and headless Chromium via Playwright."""

from __future__ import annotations

from pathlib import Path

import app_server
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def live_app(demo_warehouse, tmp_path_factory):
    """The app served by `python app.py` on a free loopback port, on the demo warehouse."""
    proc, url = app_server.start_app(demo_warehouse, tmp_path_factory.mktemp("app") / "app.log")
    yield url
    app_server.stop(proc)


class PageWatch:
    """A page with its console errors and failed/off-machine requests recorded."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.external: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "requestfailed", lambda r: self.errors.append(f"request failed: {r.url} {r.failure}")
        )
        page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
        )
        page.on(
            "request",
            lambda r: (
                self.external.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))
                else None
            ),
        )

    def goto(self, path: str):
        """Open a path and wait until the app is idle."""
        self.page.goto(self.base + path, wait_until="networkidle")
        self.wait_idle()

    def wait_idle(self, timeout: float = 15000):
        """Wait until no Dash callback is pending."""
        self.page.wait_for_load_state("networkidle", timeout=timeout)
        self.page.wait_for_function(
            "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout
        )


@pytest.fixture
def watch(browser, live_app):
    """A fresh browser page on the live app, watching for errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    w = PageWatch(page, live_app)
    yield w
    context.close()
