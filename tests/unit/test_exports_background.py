"""The briefing-pack background callback runs under the embedded bounded manager (a thread of
the packs pool, state in diskcache), reports progress and returns the file."""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="kaleido needs /usr/bin/chromium"
)


def test_pack_job_under_the_bounded_manager(small, tmp_path):
    import diskcache
    from pypdf import PdfReader

    from dashboards import db
    from dashboards.charts import charts_for
    from dashboards.exports import jobs, web

    db.query("SELECT count(*) FROM activities")  # the server has used DuckDB before the job
    manager = web.background_manager(tmp_path / "cache")
    assert isinstance(manager, jobs.BoundedJobManager)
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0  # private to the app's user
    job_fn = manager.make_job_fn(web.pack_job, progress=True)
    args = [1, "/", "?region=AFR&years=2018-2024", "pdf", "page"]
    key = manager.build_cache_key(web.pack_job, args, [], None)
    # the same pack asked with the filters in another order and another click count: one job
    same = manager.build_cache_key(
        web.pack_job, [3, "/", "?years=2018-2024&region=AFR", "pdf", "page"], [], None
    )
    assert same == key
    ticket = manager.call_job_fn(key, job_fn, args, {"args": {}})
    progress: list = []
    deadline = time.monotonic() + 120
    while True:
        # Running first, then ready: the job stores its output before it leaves "running", so
        # a job seen not running whose output is not there afterwards did die. (Ready first,
        # then running, fails when the job ends between the two reads: seen under load.)
        running = manager.job_running(ticket)
        if manager.result_ready(key):
            break
        assert running, "the job died"
        assert time.monotonic() < deadline, "the job did not finish"
        seen = manager.get_progress(key)
        if seen:
            progress.append(seen)
        time.sleep(0.05)
    download, message = manager.get_result(key, ticket)
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
