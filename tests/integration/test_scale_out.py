"""The several-host deployment on loopback: redis-server, two gunicorn instances (each with its
own published copy of the warehouse, as two hosts have), a Celery worker and nginx in front,
all from the files in deploy/. A real Chromium loads a page and builds a briefing pack through
nginx (the pack runs on the Celery worker); then a new warehouse is published with
deploy/publish-warehouse and both instances, asked directly and through nginx, serve it.

Needs Debian's redis-server and nginx: skipped visibly without them, an error under CI or
REQUIRE_BROWSER (.ci/run installs both).
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench import services
from bench.server import Server
from tests.integration.app_server import mark_as_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_missing = services.missing_binaries()
if not Path("/usr/bin/chromium").exists():
    _missing.append("chromium")
if _missing:
    if os.environ.get("REQUIRE_BROWSER") or os.environ.get("CI"):
        raise RuntimeError(f"CI/REQUIRE_BROWSER is set but {', '.join(_missing)} is missing")
    pytest.skip(f"not installed: {', '.join(_missing)}", allow_module_level=True)

QUERY = "?region=AFR&years=2018-2024"
# tests/fixtures/small/README.md: four partners (P1–P4).
SMALL_PARTNERS = 4


def _get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.status, dict(r.headers), r.read()


def _health(base: str) -> dict:
    status, _, body = _get(base + "/healthz")
    assert status == 200
    return json.loads(body)


def _partners(base: str) -> int:
    """How many partners the open-data API says the served warehouse holds."""
    _, headers, _ = _get(base + "/api/v1/partners.json?per_page=1")
    return int(headers["X-Total-Count"])


def _load_id(warehouse: Path) -> str:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT run_id FROM etl_runs ORDER BY started_at DESC, run_id DESC LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def cluster(demo_warehouse, small_warehouse, tmp_path_factory):
    """Redis, two "hosts" (a published warehouse, a gunicorn each), a Celery worker, nginx."""
    base = tmp_path_factory.mktemp("scale-out")
    # The second load: the small fixture's warehouse (its own ETL run), servable in demo mode.
    second = base / "second.duckdb"
    shutil.copyfile(small_warehouse, second)
    mark_as_demo(second)
    hosts = [base / "host1", base / "host2"]
    targets = [h / "data" / "warehouse.duckdb" for h in hosts]
    for t in targets:
        t.parent.mkdir(parents=True)
    services.publish(demo_warehouse, *targets)

    started: list = []
    try:
        redis = services.Redis(base / "redis").start()
        started.append(redis)
        common = {
            "REDIS_URL": redis.url,
            # The same on every instance: background-job handles and sessions signed by one
            # instance are checked by the other.
            "SECRET_KEY": secrets.token_hex(32),
            "GUNICORN_LOGLEVEL": "info",
        }
        apps = []
        for host, target in zip(hosts, targets, strict=True):
            env = {
                **common,
                "WAREHOUSE_PATH": str(target),
                "BACKGROUND_CACHE_DIR": str(host / "cache"),
                "AUDIT_LOG_PATH": str(host / "audit.jsonl"),
            }
            app = Server(target, host / "gunicorn.log", workers=2, threads=4, env=env,
                         wsgi="app:server")  # fmt: skip
            apps.append(app.start())
            started.append(app)
        # The worker runs on the first host and reads that host's copy.
        worker_env = {
            **common,
            "WAREHOUSE_PATH": str(targets[0]),
            "BACKGROUND_CACHE_DIR": str(hosts[0] / "worker-cache"),
            "AUDIT_LOG_PATH": str(hosts[0] / "audit.jsonl"),
        }
        worker = services.CeleryWorker(hosts[0], worker_env).start()
        started.append(worker)
        nginx = services.Nginx(base / "nginx", [a.url.removeprefix("http://") for a in apps])
        started.append(nginx.start())
        yield {
            "apps": apps,
            "nginx": nginx,
            "worker": worker,
            "targets": targets,
            "first": demo_warehouse,
            "second": second,
        }
    finally:
        for proc in reversed(started):
            proc.stop()


def test_page_and_pack_through_nginx_then_a_published_warehouse_reaches_both(cluster, browser):
    from pypdf import PdfReader

    nginx, apps, worker = cluster["nginx"], cluster["apps"], cluster["worker"]
    first_load, second_load = _load_id(cluster["first"]), _load_id(cluster["second"])
    assert first_load != second_load
    for base in [*(a.url for a in apps), nginx.url]:
        assert _health(base)["load"] == first_load

    # A page and a briefing pack, through nginx, in a real browser.
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        page.goto(nginx.url + "/" + QUERY, wait_until="networkidle")
        page.wait_for_function(
            "() => document.querySelectorAll('.chart-card .js-plotly-plot').length > 0"
            " && !document.querySelector('[data-dash-is-loading=\"true\"]')",
            timeout=60_000,
        )
        page.locator("#export-pack-toggle").click()
        page.locator("#export-pack-panel").get_by_text("PDF", exact=True).click()
        with page.expect_download(timeout=180_000) as info:
            page.locator("#export-pack-build").click()
        download = info.value
        assert download.failure() is None
        content = Path(download.path()).read_bytes()
    finally:
        context.close()
    assert content.startswith(b"%PDF")
    assert "Africa · 2018–2024" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert not errors, errors
    # The pack was built by the Celery worker, not inside a web instance.
    assert re.search(r"Task \S+\[[0-9a-f-]+\] succeeded", worker.log.read_text()), (
        worker.log.read_text()[-3000:]
    )
    # nginx spread the page's requests over both instances.
    answered = set(re.findall(r"upstream=(\S+)", nginx.access_log.read_text()))
    assert {a.url.removeprefix("http://") for a in apps} <= answered, answered

    # Publish the second load to both hosts; no restart.
    before = [_health(a.url)["warehouse_version"] for a in apps]
    assert _partners(nginx.url) > SMALL_PARTNERS
    services.publish(cluster["second"], *cluster["targets"])
    for target in cluster["targets"]:
        assert oct(target.stat().st_mode & 0o777) == "0o444"  # published read-only
        assert not target.with_name(target.name + ".incoming").exists()
    for app, old in zip(apps, before, strict=True):
        # Each worker process of each instance picks the new file up on its next request.
        for _ in range(6):
            health = _health(app.url)
            assert health["load"] == second_load, health
            assert health["warehouse_version"] != old
            assert _partners(app.url) == SMALL_PARTNERS
    seen_lines = len(nginx.access_log.read_text().splitlines())
    # Through nginx, as users arrive: several at once (least_conn sends a request to the
    # instance with fewer in flight, so concurrent requests reach both).
    with ThreadPoolExecutor(8) as pool:
        loads = list(pool.map(lambda _: _health(nginx.url)["load"], range(24)))
        partners = list(pool.map(lambda _: _partners(nginx.url), range(24)))
    assert set(loads) == {second_load}, loads
    assert set(partners) == {SMALL_PARTNERS}, partners
    time.sleep(0.2)  # nginx writes its access log line after the answer
    recent = nginx.access_log.read_text().splitlines()[seen_lines:]
    answered = set(re.findall(r"upstream=(\S+)", "\n".join(recent)))
    assert {a.url.removeprefix("http://") for a in apps} <= answered, answered
