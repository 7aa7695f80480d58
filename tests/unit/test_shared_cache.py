"""The result cache: single flight per key, and the shared Redis level (issue 14).

Redis tests run a real redis-server (Debian's `redis-server` package) on a free loopback port;
without the binary they are skipped visibly, unless CI (`CI` or `REQUIRE_BROWSER`) requires it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboards import cache, codec
from dashboards.redis_cache import RedisTier
from dashboards.settings import load_settings
from tests.redis_server import RedisServer, redis_binary

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url():
    """A fresh redis-server of this test's own on a free port; stopped (by its pid) after."""
    if redis_binary() is None:
        if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("redis-server is required here (apt-get install redis-server)")
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _race(n: int, target) -> list:
    """Run `target()` in n threads released at once; their results (or exceptions) in order."""
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = target()
        except Exception as e:  # collected for the assertions
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting (deadlock)"
    return out


def _until(condition, timeout: float = 20) -> None:
    """Wait until condition() holds (a loaded machine may start threads late)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the other threads never arrived"
        time.sleep(0.005)


# -- single flight within a process --------------------------------------------------------------
def test_concurrent_cold_requests_compute_once():
    lru = cache.LRU()
    calls = []

    def compute():
        calls.append(1)
        _until(lambda: lru.joined == 15)  # every other thread arrives while it runs
        return {"value": 42}

    out = _race(16, lambda: lru.get_or_compute(("v1", "chart"), compute))
    assert len(calls) == 1
    assert all(o is out[0] for o in out)  # the one result, handed to every waiter
    assert lru.computed == 1 and lru.joined == 15


def test_a_failure_wakes_the_waiters_with_its_error_and_is_not_cached():
    lru = cache.LRU()
    calls = []

    def fail():
        calls.append(1)
        _until(lambda: lru.joined == 7)
        raise RuntimeError("query failed")

    out = _race(8, lambda: lru.get_or_compute(("v1", "k"), fail))
    assert len(calls) == 1
    assert all(isinstance(o, RuntimeError) and str(o) == "query failed" for o in out)
    assert ("v1", "k") not in lru
    assert lru.get_or_compute(("v1", "k"), lambda: "fine") == "fine"  # computed anew


def test_a_compute_that_reenters_the_cache_does_not_deadlock():
    """Thread A computes k1 and needs k2; thread B computes k2 and needs k1: one cycle of waits."""
    lru = cache.LRU()
    both_started = threading.Barrier(2)
    first = {"k1": True, "k2": True}

    def started(name: str) -> None:  # only the two first computations meet at the barrier
        if first.pop(name, False):
            both_started.wait(timeout=5)

    def k1():
        started("k1")
        return ("k1", lru.get_or_compute(("v", "k2"), k2))

    def k2():
        started("k2")
        return ("k2", lru.get_or_compute(("v", "k1"), k1_inner))

    def k1_inner():
        return "k1-inner"

    results: dict = {}
    a = threading.Thread(
        target=lambda: results.setdefault("a", lru.get_or_compute(("v", "k1"), k1))
    )
    b = threading.Thread(
        target=lambda: results.setdefault("b", lru.get_or_compute(("v", "k2"), k2))
    )
    a.start()
    b.start()
    a.join(timeout=10)
    b.join(timeout=10)
    assert not a.is_alive() and not b.is_alive(), "deadlock"
    # Whichever thread found the cycle computed the other's key alone rather than wait on it.
    assert results["a"] in (("k1", ("k2", "k1-inner")), ("k1", ("k2", ("k1", ("k2", "k1-inner")))))
    assert results["b"][0] == "k2"
    # The same key from within its own computation is computed, not waited for.
    assert lru.get_or_compute(("v", "self"), lambda: lru.get_or_compute(("v", "self"), lambda: 1))


FORK = textwrap.dedent(
    """
    import os, signal, threading
    from dashboards import cache

    lru = cache.LRU()
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return "parent"

    parent = threading.Thread(target=lambda: lru.get_or_compute(("v", "k"), slow))
    parent.start()
    assert started.wait(5)
    pid = os.fork()
    if pid == 0:  # the child computes for itself at once (an alarm ends it if it waits)
        signal.alarm(20)
        os._exit(0 if lru.get_or_compute(("v", "k"), lambda: "child") == "child" else 1)
    _, status = os.waitpid(pid, 0)
    release.set()
    parent.join(5)
    assert lru.get_or_compute(("v", "k"), lambda: "again") == "parent"
    print(os.waitstatus_to_exitcode(status))
    """
)


def test_a_forked_child_does_not_wait_on_the_parents_flights():
    """A process forked mid-computation (a pack worker) has no thread to finish that flight.

    Run in a fresh interpreter: forking this test process (DuckDB and browser threads) is not
    what is tested.
    """
    proc = subprocess.run(
        [sys.executable, "-c", FORK], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0"


# -- the codec --------------------------------------------------------------------------------
def test_codec_carries_frames_and_figure_values_exactly():
    frame = pd.DataFrame(
        {
            "year": np.array([2021, 2022, 2023], dtype="int32"),
            "name": ["Asociación Cultural", None, "Comité Français"],
            "status": pd.Categorical(["official", "consultative", "official"]),
            "n": pd.array([1, None, 3], dtype="Int64"),
            "budget_usd": [1.5, np.nan, 2.25],
            "start": pd.to_datetime(["2020-01-01", None, "2021-06-30"]),
        }
    )
    back = codec.decode(codec.encode(frame))
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    value = {
        "data": [{"x": np.arange(3), "y": (1, 2), "type": "bar"}],
        "range": (2019, 2024),
        "as_of": dt.datetime(2026, 11, 1, 8, 30),
        "cols": frozenset({("activity_facts", "year")}),
        "n": np.int64(7),
    }
    back = codec.decode(codec.encode(value))
    assert back["range"] == (2019, 2024) and type(back["range"]) is tuple
    assert back["cols"] == value["cols"] and back["as_of"] == value["as_of"]
    assert type(back["n"]) is np.int64 and np.array_equal(back["data"][0]["x"], np.arange(3))
    with pytest.raises(codec.Unsupported):
        codec.encode({"obj": object()})
    with pytest.raises(ValueError):
        codec.decode(b"\x80\x04pickle")  # another format is refused, never unpickled


def test_the_apps_own_values_round_trip(small):
    from dashboards.charts import all_charts
    from dashboards.filters import Filters
    from dashboards.layout import shell  # noqa: F401  (fills the chart registry)
    from dashboards.queries import overview

    charts = all_charts()
    assert charts
    for chart in charts:
        frame = chart.frame(Filters())
        pd.testing.assert_frame_equal(codec.decode(codec.encode(frame)), frame, check_exact=True)
        fig = chart.figure_json(Filters(), "fr")
        assert _same(codec.decode(codec.encode(fig)), fig), chart.key
    heads = overview.headlines(Filters(), "en")
    assert _same(codec.decode(codec.encode(heads)), heads)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if type(a) is not type(b) or a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.kind == "O":
            return _same(a.tolist(), b.tolist())
        return np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and np.isnan(a):
        return isinstance(b, float) and np.isnan(b)
    return type(a) is type(b) and a == b


# -- the Redis level ----------------------------------------------------------------------------
def test_settings_choose_the_cache_redis():
    assert load_settings(redis_url=None, cache_redis_url=None).cache_redis is None
    assert load_settings(redis_url="redis://a:1/0").cache_redis == "redis://a:1/0"
    both = load_settings(redis_url="redis://a:1/0", cache_redis_url="redis://b:2/3")
    assert both.cache_redis == "redis://b:2/3"
    assert load_settings(redis_url="redis://a:1/0", cache_redis_url="off").cache_redis is None
    lru = cache.for_settings(load_settings(cache_redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(lru.shared, RedisTier)
    assert cache.for_settings(load_settings(redis_url=None, cache_redis_url=None)).shared is None


CHILD = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    import redis
    from dashboards import cache
    from dashboards.redis_cache import RedisTier

    url, key = sys.argv[1], sys.argv[2]
    lru = cache.LRU(shared=RedisTier(url))

    def compute():
        redis.Redis.from_url(url).incr("test:computations")
        time.sleep(0.5)
        return pd.DataFrame({"k": [key], "n": [1]})

    frame = lru.get_or_compute(("v1", "chart", key), compute)
    print(frame.loc[0, "k"], lru.computed, lru.shared.hits)
    """
)


def _child(url: str, key: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url, key],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_share_one_value(redis_url):
    first = _child(redis_url.url, "a")
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert out.split() == ["a", "1", "0"]  # computed it
    second = _child(redis_url.url, "a")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert out.split() == ["a", "0", "1"]  # read it from Redis, computed nothing
    assert int(redis_url.client().get("test:computations")) == 1


def test_processes_racing_on_a_cold_key_compute_it_once(redis_url):
    children = [_child(redis_url.url, "b") for _ in range(4)]
    outs = [c.communicate(timeout=60) for c in children]
    assert all(c.returncode == 0 for c in children), [e for _, e in outs]
    assert int(redis_url.client().get("test:computations")) == 1
    computed = sorted(int(o.split()[1]) for o, _ in outs)
    assert computed == [0, 0, 0, 1]


def test_keys_have_a_ttl_and_a_warehouse_swap_invalidates(redis_url, small_warehouse, tmp_path):
    from dashboards import db

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(small_warehouse, path)
    warehouse = db.Warehouse(path)
    tier = RedisTier(redis_url.url, ttl_s=600)
    calls = []

    def count():
        calls.append(1)
        return int(db.scalar("SELECT count(*) FROM activity_facts"))

    def read(lru):
        with db.pinned(warehouse):
            token = cache.use(lru)
            try:
                return cache.cached("n", compute=count), db.version()
            finally:
                cache.reset(token)

    n1, v1 = read(cache.LRU(shared=tier))
    assert read(cache.LRU(shared=tier)) == (n1, v1) and len(calls) == 1  # a second process
    keys = redis_url.client().keys("ngo-cache:*")
    assert len(keys) == 1 and v1 in keys[0].decode()
    assert 0 < redis_url.client().ttl(keys[0]) <= 600
    # A new warehouse swapped in (a new file renamed over the old one): a new version.
    fresh = tmp_path / "new.duckdb"
    shutil.copy(small_warehouse, fresh)
    os.replace(fresh, path)
    n2, v2 = read(cache.LRU(shared=tier))
    assert v2 != v1 and len(calls) == 2 and n2 == n1


def test_redis_killed_mid_run_serves_from_the_process_and_computes(redis_url, caplog):
    tier = RedisTier(redis_url.url, retry_s=0.2)
    lru = cache.LRU(shared=tier)
    assert lru.get_or_compute(("v1", "a"), lambda: "a") == "a"
    redis_url.stop()  # killed by its pid
    caplog.set_level(logging.WARNING, logger="dashboards.redis_cache")
    started = time.monotonic()
    assert lru.get_or_compute(("v1", "a"), lambda: "never") == "a"  # local hit
    for i in range(20):
        assert lru.get_or_compute(("v1", f"b{i}"), lambda i=i: i) == i  # computed, no error
    assert time.monotonic() - started < 5  # no request hangs on the dead server
    down = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(down) == 1  # once per outage
    assert "***" in down[0].getMessage() or "@" not in redis_url.url
    # Back on the same port: the next lookup after the retry interval uses it again.
    redis_url.start()
    time.sleep(0.3)
    assert lru.get_or_compute(("v1", "c"), lambda: "c") == "c"
    assert any("is back" in r.getMessage() for r in caplog.records)
    assert (
        cache.LRU(shared=RedisTier(redis_url.url)).get_or_compute(("v1", "c"), lambda: "other")
        == "c"
    )  # stored in the restarted Redis


def test_a_failing_compute_releases_the_redis_lock(redis_url):
    tier = RedisTier(redis_url.url)

    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.LRU(shared=tier).get_or_compute(("v1", "x"), fail)
    assert redis_url.client().keys("ngo-cache:*") == []  # neither value nor lock left
    assert cache.LRU(shared=tier).get_or_compute(("v1", "x"), lambda: 5) == 5


def test_two_apps_with_cache_redis_url_share_their_figures(redis_url, small_warehouse):
    """Two app instances (two gunicorn workers, or two hosts) on one warehouse and one Redis."""
    import app as app_module
    from dashboards.charts import all_charts
    from dashboards.filters import Filters
    from dashboards.server import serving

    def make():
        settings = load_settings(
            warehouse_path=small_warehouse, cache_redis_url=redis_url.url, redis_url=None
        )
        return app_module.create_app(settings).server

    first, second = make(), make()
    filters, _ = Filters.from_query("?region=AFR")
    with serving(first):
        drawn = {c.key: c.figure_json(filters, "fr") for c in all_charts()}
    own = first.extensions["unesco"]["cache"]
    assert own.computed > 0 and own.shared.stored > 0
    with serving(second):
        again = {c.key: c.figure_json(filters, "fr") for c in all_charts()}
    theirs = second.extensions["unesco"]["cache"]
    assert theirs.computed == 0 and theirs.shared.hits >= len(drawn)  # nothing computed twice
    assert all(_same(again[k], drawn[k]) for k in drawn)
