"""Memory per worker stays flat: over a long run of real callback requests (random filters,
random client-supplied language codes) the app's caches stay within their bounds — in bytes,
not only in entries. (Measured growth before the fix: +81 MB of cached DataFrames and 175
gettext catalogues over 1,500 requests; docs/performance.md.)"""

from __future__ import annotations

import pytest

from dashboards import cache


@pytest.fixture
def app_client(demo_warehouse, use_warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("BACKGROUND_CACHE_DIR", str(tmp_path / "cache"))
    use_warehouse(demo_warehouse)
    from tests.unit.test_data_page_paging import shared_app

    client = shared_app().server.test_client()
    client.get("/")
    return client


def test_caches_stay_within_their_bounds_over_many_requests(app_client, monkeypatch):
    from bench.memory import Traffic
    from dashboards import i18n

    budget = 8 * 2**20
    results = app_client.application.extensions["unesco"]["cache"]  # the app's own cache
    assert isinstance(results, cache.LRU)
    monkeypatch.setattr(results, "max_bytes", budget)
    traffic = Traffic(seed=3)
    statuses = {}
    peak = 0
    refused = set()
    for _ in range(400):
        r = app_client.post("/_dash-update-component", json=traffic.next())
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        if r.status_code == 400:  # the request guard refuses a made-up language outright
            refused.add(r.get_json()["reason"])
        peak = max(peak, results.bytes)
    assert set(statuses) <= {200, 204, 400}, statuses
    assert refused <= {"data of lang-store must be a language"}, refused
    assert results.bytes <= budget and peak <= budget
    assert results.bytes > budget // 4  # it is used, and the traffic would overflow it
    assert len(results) <= results.size
    # client-supplied language codes do not each get a catalogue
    assert i18n._catalogue.cache_info().currsize <= len(i18n.SUPPORTED)


def test_the_byte_budget_evicts_least_recently_used_and_skips_huge_values():
    import pandas as pd

    lru = cache.LRU(size=100, max_bytes=400_000)
    frame = pd.DataFrame({"name": [f"Organisation {i}" for i in range(1000)]})  # ~70 KB
    for i in range(10):
        lru.get_or_compute(("f", i), lambda: frame.copy())
    assert lru.bytes <= 400_000 and len(lru) < 10
    assert lru.get_or_compute(("f", 9), lambda: None) is not None  # the newest stayed
    huge = pd.DataFrame({"x": ["y" * 50] * 20_000})
    assert lru.get_or_compute("huge", lambda: huge) is huge  # returned, not stored
    assert "huge" not in lru
    lru.clear()
    assert lru.bytes == 0 and len(lru) == 0


def test_sizes_are_estimated_for_frames_and_figure_json():
    import pandas as pd

    frame = pd.DataFrame({"a": range(1000), "b": ["text"] * 1000})
    assert cache.size_of(frame) >= frame.memory_usage(deep=True).sum()
    figure = {"data": [{"x": list(range(1000)), "y": [0.5] * 1000, "name": "n"}], "layout": {}}
    assert 2 * 1000 * 8 < cache.size_of(figure) < 200_000
