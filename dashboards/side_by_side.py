"""Work of one request run side by side in a shared pool of threads (queries, figures).

DuckDB releases the GIL while it runs a query, so a request's independent queries (a page's
charts, the Partner lifecycle's three grids) finish sooner in parallel than one after the
other. Each task runs in a copy of the calling request's context, so all of them read the
warehouse the request pinned (`dashboards.db`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# Bounded: a worker's threads share it, so the process never runs more than this many at once.
POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="side-by-side")


def run(tasks: list[Callable[[], T]]) -> list[T]:
    """Each task's result, in order; one task runs in the caller's thread (no hand-off)."""
    if len(tasks) <= 1:
        return [task() for task in tasks]
    futures = [POOL.submit(contextvars.copy_context().run, task) for task in tasks]
    return [future.result() for future in futures]
