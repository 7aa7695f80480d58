"""The bounded background-job manager (dashboards/exports/jobs.py) with a real diskcache folder
and real threads: single flight, bounded pools, queue limit, time limit, cancel, lost owners."""

from __future__ import annotations

import threading
import time

import diskcache
import pytest

from dashboards.exports import jobs


def _wait(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def manager_for(tmp_path):
    made = []

    def make(**overrides) -> jobs.BoundedJobManager:
        settings = jobs.Settings(**{"pack_workers": 2, "download_workers": 2, **overrides})
        m = jobs.BoundedJobManager(diskcache.Cache(str(tmp_path / f"c{len(made)}")), settings)
        made.append(m)
        return m

    yield make
    for m in made:
        for pool in m._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
        m.handle.close()


RUNS: list[str] = []
GATE = threading.Event()


@jobs.job(
    jobs.JobSpec(
        pool="packs",
        identity=lambda name, seconds: name,
        failed=lambda reason, name, seconds: f"failed:{reason}",
        queued=lambda position, name, seconds: [0, f"{position} ahead"],
    )
)
def slow(set_progress, name, seconds):
    """A job that reports progress every 20 ms for `seconds` (or until GATE opens if < 0)."""
    RUNS.append(name)
    started = time.monotonic()
    while (time.monotonic() - started < seconds) if seconds >= 0 else not GATE.is_set():
        set_progress([int(100 * (time.monotonic() - started) / max(seconds, 1)), name])
        time.sleep(0.02)
    return f"file:{name}"


def _start(m: jobs.BoundedJobManager, name: str, seconds: float) -> tuple[str, str]:
    args = [name, seconds]
    key = m.build_cache_key(slow, args, [], None)
    ticket = m.call_job_fn(key, m.make_job_fn(slow, progress=True), args, {"args": {}})
    return key, ticket


def _result(m, key, ticket, timeout=20.0):
    _wait(lambda: m.result_ready(key) or not m.job_running(ticket), timeout)
    return m.get_result(key, ticket)


def test_identical_requests_share_one_job_and_every_waiter_gets_the_file(manager_for):
    m = manager_for()
    RUNS.clear()
    started = [_start(m, "same", 0.3) for _ in range(20)]
    assert len({key for key, _ in started}) == 1
    assert len({ticket for _, ticket in started}) == 20
    results = [_result(m, key, ticket) for key, ticket in started]
    assert results == ["file:same"] * 20
    assert RUNS == ["same"]
    # a finished pack is kept for later identical requests, not rebuilt
    key, ticket = _start(m, "same", 0.3)
    assert _result(m, key, ticket) == "file:same" and RUNS == ["same"]


def test_no_more_jobs_run_at_once_than_the_pool_has_threads(manager_for):
    m = manager_for(pack_workers=2)
    started = [_start(m, f"job{i}", 0.2) for i in range(6)]
    assert m.get_progress(started[-1][0]) == [0, "4 ahead"]  # visible while it waits
    counts = []  # the places seen while polling (a loaded machine may skip some)
    while not m.result_ready(started[-1][0]):
        progress = m.get_progress(started[-1][0])
        if progress and progress[1].endswith("ahead"):
            counts.append(int(progress[1].split()[0]))
        time.sleep(0.01)
    assert counts[0] == 4 and min(counts) < 4  # the count goes down as the queue moves
    assert counts == sorted(counts, reverse=True)  # and never up
    assert [_result(m, k, t) for k, t in started] == [f"file:job{i}" for i in range(6)]
    assert m.peak_running["packs"] == 2


def test_a_full_queue_answers_busy_at_once(manager_for):
    m = manager_for(pack_workers=1, queue_limit=2)
    GATE.clear()
    try:
        first = _start(m, "a", -1)
        _wait(lambda: m._running.get("packs", 0) == 1)
        waiting = [_start(m, f"w{i}", 0.01) for i in range(2)]
        refused = _start(m, "refused", 0.01)
        assert m.get_result(*refused) == "failed:busy"
        assert not m.job_running(refused[1])
    finally:
        GATE.set()
    assert _result(m, *first) == "file:a"
    assert [_result(m, k, t) for k, t in waiting] == ["file:w0", "file:w1"]


def test_a_job_past_its_time_limit_is_stopped_with_a_reason(manager_for):
    m = manager_for(pack_time_limit=0.3)
    key, ticket = _start(m, "long", 30)
    started = time.monotonic()
    assert _result(m, key, ticket) == "failed:timeout"
    assert time.monotonic() - started < 5
    # a failure is not reused: the next identical request runs the job again
    RUNS.clear()
    key, ticket = _start(m, "long", 30)
    _wait(lambda: RUNS == ["long"])


def test_cancel_removes_one_waiter_and_stops_the_job_when_nobody_waits(manager_for):
    m = manager_for()
    GATE.clear()
    try:
        key, first = _start(m, "shared", -1)
        _, second = _start(m, "shared", -1)
        _wait(lambda: m._record(key)["state"] == "running")
        m.terminate_job(first)
        assert not m.job_running(first) and m.job_running(second)
        time.sleep(0.1)
        assert m._record(key)["state"] == "running"  # the other person still waits
        m.terminate_job(second)
        _wait(lambda: m._record(key)["state"] == "cancelled")
        assert not m.job_running(second) and m.get_result(key, second) is m.UNDEFINED
    finally:
        GATE.set()
    # a cancelled job is not joined: asking again starts it afresh
    RUNS.clear()
    key, ticket = _start(m, "shared", 0.05)
    assert _result(m, key, ticket) == "file:shared" and RUNS == ["shared"]


def test_a_job_whose_owner_died_is_answered_not_left_pending(manager_for):
    m = manager_for()
    key = m.build_cache_key(slow, ["orphan", 1], [], None)
    m._save(
        key,
        {
            "state": "running",
            "waiters": ["t1"],
            "heartbeat": time.time() - jobs.STALE_S - 1,
            "started_at": time.time() - 40,
            "fn": jobs._fn_name(slow),
            "args": ["orphan", 1],
        },
    )
    assert not m.job_running(f"{key}:t1")
    assert m.get_result(key, f"{key}:t1") == "failed:lost"


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PACK_WORKERS", "3")
    monkeypatch.setenv("PACK_TIME_LIMIT", "90")
    s = jobs.settings()
    assert s.workers("packs") == 3 and s.time_limit("packs") == 90.0
    assert s.workers("downloads") == jobs.Settings().download_workers
    monkeypatch.setenv("PACK_WORKERS", "two")
    with pytest.raises(ValueError, match="PACK_WORKERS"):
        jobs.settings()
