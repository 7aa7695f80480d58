"""Fixtures for browser tests: the real app in a subprocess, and headless Chromium via Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(demo_warehouse, tmp_path_factory):
    """The app served by `python app.py` on a free loopback port, on the demo warehouse."""
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(demo_warehouse),
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"app exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError(f"app did not start: {log.read_text()[-2000:]}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


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
