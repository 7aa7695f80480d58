"""Twenty people ask for the same briefing pack at once, through the real Dash background-callback
protocol against the production server (gunicorn, 2 workers): every one of them gets the file,
and the server's process tree never holds more than one kaleido Chromium per worker.

After the issue 11/13 merge every poll that reached the other gunicorn worker got 204 (each
worker signed job handles with its own random secret key; now the workers of a machine share
one, dashboards/auth.host_secret). Before the issue 9 fix, 7 of 20 identical requests never
arrived (the first poller consumed the shared result, the others were told 204 "no update"),
and each request spawned a process with its own Chromium (191 Chromium processes, 8 GB).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from bench import dashclient
from bench.server import Server
from dashboards import ids

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists():
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError("REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
    pytest.skip("no /usr/bin/chromium", allow_module_level=True)

USERS = 20
WORKERS = 2
QUERY = "?region=AFR&years=2018-2024"
PACK_OUTPUTS = [(ids.PACK_DOWNLOAD, "data"), (ids.PACK_STATUS, "children")]


def pack_body(n_clicks: int = 1, search: str = QUERY, fmt: str = "pdf") -> dict:
    """The request the renderer sends when "Build" is pressed on the Overview page."""
    return dashclient.body(
        PACK_OUTPUTS,
        [(ids.PACK_BUILD, "n_clicks", n_clicks)],
        [
            (ids.URL, "pathname", "/"),
            (ids.URL, "search", search),
            (ids.PACK_FORMAT, "value", fmt),
            (ids.PACK_SCOPE, "value", "page"),
        ],
    )


class ChromiumCounter(threading.Thread):
    """Samples the server's process tree: peak Chromium processes and peak browsers."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_processes = 0
        self.peak_browsers = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                tree = psutil.Process(self.pid).children(recursive=True)
            except psutil.Error:
                break
            chromium, browsers = 0, 0
            for p in tree:
                try:
                    if "chrom" not in p.name():
                        continue
                    chromium += 1
                    if "chrom" not in p.parent().name():  # a browser, not one of its helpers
                        browsers += 1
                except psutil.Error:
                    continue
            self.peak_processes = max(self.peak_processes, chromium)
            self.peak_browsers = max(self.peak_browsers, browsers)
            time.sleep(0.2)


@pytest.fixture(scope="module")
def pack_server(demo_warehouse, tmp_path_factory):
    """The app under gunicorn (2 workers × 4 threads), with its own background cache folder."""
    base = tmp_path_factory.mktemp("packs")
    env = {"BACKGROUND_CACHE_DIR": str(base / "cache")}
    server = Server(demo_warehouse, base / "server.log", workers=WORKERS, env=env)
    server.start()
    yield server
    server.stop()


def _pdf(outcome: dashclient.Outcome) -> bytes | None:
    if outcome.status != 200 or not outcome.body:
        return None
    data = outcome.body.get("response", {}).get(ids.PACK_DOWNLOAD, {}).get("data")
    if not data:
        return None
    return base64.b64decode(data["content"])


def test_twenty_identical_packs_all_arrive_with_bounded_chromium(pack_server):
    counter = ChromiumCounter(pack_server.proc.pid)
    counter.start()
    sessions = [dashclient.PageSession(pack_server.url) for _ in range(USERS)]
    barrier = threading.Barrier(USERS)

    def ask(session: dashclient.PageSession) -> dashclient.Outcome:
        barrier.wait()
        return session.background(pack_body(), interval=0.5, deadline=300)

    try:
        with ThreadPoolExecutor(USERS) as pool:
            outcomes = list(pool.map(ask, sessions))
    finally:
        counter.halt.set()
        counter.join()
    files = [_pdf(o) for o in outcomes]
    lost = [
        (o.status, o.polls, round(o.seconds, 1))
        for o, f in zip(outcomes, files, strict=True)
        if not f
    ]
    peaks = f"peak {counter.peak_browsers} browsers, {counter.peak_processes} Chromium processes"
    assert not lost, f"{len(lost)} of {USERS} packs never arrived: {lost}; {peaks}"
    assert all(f.startswith(b"%PDF") for f in files)
    assert counter.peak_browsers <= WORKERS, counter.peak_browsers
    # A headless Chromium runs as a handful of processes (browser, zygotes, GPU, renderers).
    assert counter.peak_processes <= WORKERS * 12, counter.peak_processes
