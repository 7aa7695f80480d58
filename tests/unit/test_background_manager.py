"""The app's own background manager runs a real briefing-pack job in its job pool, on the
app's warehouse (not WAREHOUSE_PATH), from a private folder."""

from __future__ import annotations

import base64
import io
import stat
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="kaleido needs /usr/bin/chromium"
)


def test_pack_job_runs_on_the_apps_warehouse(small_warehouse, tmp_path, monkeypatch):
    from pypdf import PdfReader

    from dashboards import background, db
    from dashboards.exports import web
    from dashboards.settings import load_settings

    # The environment points elsewhere: the job must read the warehouse of the app's settings.
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "not-there.duckdb"))
    settings = load_settings(warehouse_path=small_warehouse, background_cache_dir=tmp_path / "jobs")
    manager = background.make_manager(settings, db.Limits())
    assert stat.S_IMODE((tmp_path / "jobs").stat().st_mode) == 0o700
    job_fn = manager.make_job_fn(web.pack_job, progress=True)
    args = [1, "/", "?years=2018-2024", "pdf", "page"]
    pid = manager.call_job_fn("job-1", job_fn, args, {"args": {}})
    deadline = time.monotonic() + 180
    while not manager.result_ready("job-1"):
        assert time.monotonic() < deadline, "the job did not finish"
        assert manager.job_running(pid) or manager.result_ready("job-1"), "the job died"
        time.sleep(0.2)
    download, message = manager.get_result("job-1", pid)
    assert "Ready" in str(message), message
    reader = PdfReader(io.BytesIO(base64.b64decode(download["content"])))
    assert len(reader.pages) >= 3
