"""Data downloads run in the bounded downloads pool: 8 people downloading different CSVs at once
through the real callback endpoint all get their file, no more than DOWNLOAD_WORKERS exports
run at the same time, and the web threads are released at once (each request answers with a
job handle, not after the export)."""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
import zipfile

import pytest

from dashboards import ids

USERS = 8


@pytest.fixture
def app(demo_warehouse, use_warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("BACKGROUND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOWNLOAD_WORKERS", "2")
    use_warehouse(demo_warehouse)
    from tests.unit.test_data_page_paging import shared_app

    return shared_app()


def _output(app) -> str:
    return next(k for k in app.callback_map if k.startswith(f"..{ids.DATA_DOWNLOAD}.data"))


def _download(app, search: str, results: list, started: list) -> None:
    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page)
    end_id = json.loads(config.group(1))["end_id"]
    body = {
        "output": _output(app),
        "outputs": [
            {"id": ids.DATA_DOWNLOAD, "property": "data"},
            {"id": ids.EXPORT_STATUS, "property": "children"},
        ],
        "inputs": [
            {"id": ids.DATA_CSV, "property": "n_clicks", "value": 1},
            {"id": ids.DATA_XLSX, "property": "n_clicks", "value": None},
        ],
        "changedPropIds": [f"{ids.DATA_CSV}.n_clicks"],
        "state": [{"id": ids.URL, "property": "search", "value": search}],
    }
    t0 = time.monotonic()
    first = client.post(f"/_dash-update-component?endId={end_id}", json=body).get_json()
    started.append(time.monotonic() - t0)
    handles = f"endId={end_id}&cacheKey={first['cacheKey']}&job={first['job']}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.1)
        answer = client.post(f"/_dash-update-component?{handles}", json=body)
        data = answer.get_json() if answer.status_code == 200 else None
        if data and "response" in data:
            results.append(data["response"][ids.DATA_DOWNLOAD]["data"])
            return
    results.append(None)


def test_concurrent_downloads_are_bounded_and_all_arrive(app):
    searches = [f"?years={2000 + i}-2024" for i in range(USERS)]
    results: list = []
    started: list = []
    threads = [
        threading.Thread(target=_download, args=(app, s, results, started)) for s in searches
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    manager = app._background_manager
    assert len(results) == USERS and all(results), results
    for data in results:
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(data["content"]))) as z:
            assert "activities.csv" in z.namelist()
    assert manager.peak_running["downloads"] <= 2
    assert manager.peak_running["downloads"] >= 1
    # the request that starts a download answers with a handle, it does not wait for the export
    assert max(started) < 5, started
