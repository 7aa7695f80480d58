"""The benchmark harness works end to end at a tiny scale (no timing assertions: CI is noisy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import services as bench_services

ROOT = Path(__file__).resolve().parents[2]
SCALE = "2000"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _p50_p95(d) -> bool:
    return isinstance(d, dict) and _number(d.get("p50")) and _number(d.get("p95"))


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    if not Path("/usr/bin/chromium").exists() and not os.environ.get("REQUIRE_BROWSER"):
        pytest.skip("needs /usr/bin/chromium")
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "results.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scales",
            SCALE,
            "--quick",
            "--out",
            str(out),
            "--work",
            str(tmp / "work"),
            "--users-seconds",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Targets at" in proc.stdout
    return json.loads(out.read_text())


def test_metadata(results):
    assert results["machine"]["cores"] >= 1
    assert results["date"]
    assert set(results["scales"]) == {SCALE}


def test_every_key_with_sane_types(results):
    s = results["scales"][SCALE]
    for mode in ("cold", "warm"):
        assert _p50_p95(s["page_update_ms"][mode]), s["page_update_ms"]
        assert _p50_p95(s["charts_callback_ms"][mode])
    assert _p50_p95(s["baseline_ms"])
    assert _p50_p95(s["floor_ms"])
    assert isinstance(s["max_payload_bytes"], int) and s["max_payload_bytes"] > 0
    assert _number(s["etl_s"]) and _number(s["etl_bare_s"]) and _number(s["etl_ratio"])
    assert _number(s["first_render_s"]["max"])
    assert all(v is None or _number(v) for v in s["first_render_s"]["by_page"].values())
    # Exports may be missing while being written: then null with a reason.
    assert _number(s["png_export_ms"]) or s["png_export"]["reason"]
    assert _number(s["briefing_pdf_s"]) or s["briefing_pdf"]["reason"]
    levels = {"1", "50", "200-think2s"}
    assert set(s["concurrency"]) >= levels
    for name in levels:
        level = s["concurrency"][name]
        assert _number(level["updates_per_s"]) and isinstance(level["errors"], int)
        assert level["p95_ms"] is None or _number(level["p95_ms"])
        # The servers did the work: their CPU per second of the level is measured, not zero.
        assert _number(level["server_cores"]) and level["server_cores"] > 0, level
    assert _number(s["concurrency"]["ratio_50_over_1"])
    assert s["concurrency_config"]["pool"] > 0
    assert s["concurrency_config"]["redis"] is (not bench_services.missing_binaries())
    for key in ("app_over_floor_p95_max", "warm_over_cold_max"):
        assert _number(s["ratios"][key]), s["ratios"]
    assert _number(s["rss_mb"]) and s["rss_mb"] > 0


def test_pages_measured(results):
    pages = results["scales"][SCALE]["pages"]
    assert "overview" in pages
    overview = pages["overview"]
    assert not overview.get("error"), overview
    assert overview["errors"] == 0
    # One request per filter change: the filter bar's answer draws the charts and the
    # headlines (a page part) too.
    assert overview["requests_per_filter_change"] == 1, overview["requests"]
    (combined,) = overview["payload_bytes"]
    assert "url.search" in combined and "chart-graph" in combined and "page-part" in combined
    assert _number(overview["vs_baseline"]) and _number(overview["vs_floor"])
    checks = results["targets"]["checks"]
    assert {c["target"] for c in checks} >= {"app ÷ floor, worst page, p95", "max payload"}
    assert _number(overview["requests_per_filter_change"])
