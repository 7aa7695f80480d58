"""The briefing-pack background callback runs under the embedded manager (diskcache, a job
process of its own), reports progress and returns the file."""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="kaleido needs /usr/bin/chromium"
)


def test_pack_job_under_diskcache_manager(small, tmp_path):
    import diskcache
    from dash import DiskcacheManager
    from pypdf import PdfReader

    from dashboards import db
    from dashboards.charts import charts_for
    from dashboards.exports import web

    db.query("SELECT count(*) FROM activities")  # the server has used DuckDB before the job
    manager = web.background_manager(tmp_path / "cache")
    assert isinstance(manager, DiskcacheManager)
    job_fn = manager.make_job_fn(web.pack_job, progress=True)
    args = [1, "/", "?region=AFR&years=2018-2024", "pdf", "page"]
    pid = manager.call_job_fn("job-1", job_fn, args, {"args": {}})
    progress: list = []
    deadline = time.monotonic() + 120
    while not manager.result_ready("job-1"):
        assert time.monotonic() < deadline, "the job did not finish"
        assert manager.job_running(pid) or manager.result_ready("job-1"), "the job died"
        seen = manager.get_progress("job-1")
        if seen:
            progress.append(seen)
        time.sleep(0.1)
    download, message = manager.get_result("job-1", pid)
    assert isinstance(manager.handle, diskcache.Cache)
    assert download["filename"].startswith("briefing-overview-") and "Ready" in message
    reader = PdfReader(io.BytesIO(base64.b64decode(download["content"])))
    assert len(reader.pages) == len(charts_for("overview")) + 2
    assert progress and all(0 <= p[0] <= 100 for p in progress)


def test_page_of_paths():
    from dashboards.exports.web import page_of

    assert page_of("/") == "overview"
    assert page_of("/functional-areas") == "functional_areas"
    assert page_of("/partners/NGO-0001") == "partners"
    assert page_of("/nowhere") is None
