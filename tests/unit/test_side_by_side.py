"""`dashboards.side_by_side`: a request's independent work in the shared pool."""

from __future__ import annotations

import contextvars
import threading

import pytest

from dashboards import side_by_side

PINNED = contextvars.ContextVar("pinned", default="none")


def test_results_come_back_in_the_order_of_the_tasks():
    gate = threading.Barrier(3, timeout=5)

    def task(i: int):
        def run() -> int:
            gate.wait()  # all three must be running at once, or this times out
            return i

        return run

    assert side_by_side.run([task(0), task(1), task(2)]) == [0, 1, 2]


def test_each_task_sees_the_callers_context():
    PINNED.set("warehouse-7")
    assert side_by_side.run([PINNED.get, PINNED.get]) == ["warehouse-7", "warehouse-7"]


def test_a_single_task_runs_in_the_callers_thread():
    assert side_by_side.run([threading.get_ident]) == [threading.get_ident()]
    assert side_by_side.run([]) == []


def test_an_error_in_a_task_reaches_the_caller():
    def fails() -> int:
        raise ValueError("query failed")

    with pytest.raises(ValueError, match="query failed"):
        side_by_side.run([lambda: 1, fails])
