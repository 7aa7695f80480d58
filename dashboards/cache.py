"""A small in-process cache for query results and figures.

Keys always start with the warehouse version, so a new load never serves stale results; the
rest of the key is the chart name, the canonical filter string and the language. Each app owns
its cache (`create_app` makes one and sets it for each request); the command line and tests use
the process's default `RESULTS`. Bounded by entry count *and* by an estimate of the bytes it
holds (`RESULT_CACHE_MB`, default 64): entries range from a few hundred bytes (a count) to a
megabyte (the partner directory's frame), so a count alone let a worker grow by tens of MB over
a long run of distinct filters (issue 9, docs/performance.md).

Issue 14: identical concurrent misses compute once (single flight, `LRU.get_or_compute`), and
with `CACHE_REDIS_URL`/`REDIS_URL` an app's LRU sits in front of a Redis level shared by every
worker and host (`dashboards.redis_cache`; values as MessagePack, `dashboards.codec`).
"""

from __future__ import annotations

import contextvars
import os
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import pandas as pd

from dashboards import db

T = TypeVar("T")
MAX_ENTRIES = 2048
DEFAULT_MB = 64
FLIGHT_WAIT_S = 60.0  # a thread waits this long for another's computation, then computes


def byte_budget() -> int:
    """The cache's byte budget per process, from `RESULT_CACHE_MB` (default 64)."""
    raw = os.environ.get("RESULT_CACHE_MB", "").strip()
    try:
        mb = float(raw) if raw else DEFAULT_MB
    except ValueError:
        raise ValueError(f"RESULT_CACHE_MB must be a number of megabytes, not {raw!r}") from None
    return max(0, int(mb * 2**20))


SAMPLE = 16  # long lists and text columns are measured on a sample, not element by element


def size_of(value: object, _depth: int = 0) -> int:
    """An estimate of the bytes a cached value holds (frames and JSON-like trees, sampled).

    Cheap on purpose (well under a millisecond for a page's figures): long lists and text
    columns are measured on an even sample of their elements and extrapolated.
    """
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        total = int(frame.memory_usage(index=True, deep=False).sum())
        for column in [c for c, t in frame.dtypes.items() if t.kind not in "biufcmM"]:
            total += len(frame) * _mean_size(frame[column].to_numpy())
        return total
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):  # numpy arrays in figure JSON
        return nbytes
    size = sys.getsizeof(value)
    if _depth > 12:
        return size
    if isinstance(value, dict):
        # a figure's template is one object shared by every figure (theme.with_template)
        return size + sum(
            size_of(k, _depth + 1) + size_of(v, _depth + 1)
            for k, v in value.items()
            if k != "template"
        )
    if isinstance(value, list | tuple):
        if len(value) <= 2 * SAMPLE:
            return size + sum(size_of(v, _depth + 1) for v in value)
        step = len(value) / SAMPLE
        sample = [value[int(i * step)] for i in range(SAMPLE)]
        return size + len(value) * sum(size_of(v, _depth + 1) for v in sample) // SAMPLE
    return size


def _mean_size(values) -> int:
    if len(values) == 0:
        return 0
    step = max(1, len(values) // SAMPLE)
    sample = values[::step][:SAMPLE]
    return sum(sys.getsizeof(v) for v in sample) // len(sample)


MISSING = object()  # `peek`: nothing cached under that key


class _Flight:
    """One computation in progress: who runs it, and its outcome for those waiting."""

    __slots__ = ("done", "error", "owner", "value")

    def __init__(self, owner: int):
        self.owner = owner
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None


class LRU:
    """A thread-safe least-recently-used mapping, bounded by entries and by estimated bytes.

    Single flight: concurrent misses of one key compute it once; the others wait for that
    result (or its error, which is not cached). A thread never waits on a computation that is
    itself (directly or through other threads) waiting on that thread: it computes instead, so
    a compute that re-enters the cache cannot deadlock. With `shared` (a Redis level,
    `dashboards.redis_cache`), a miss here is looked up there, and computed once across
    processes and hosts.
    """

    def __init__(self, size: int = MAX_ENTRIES, max_bytes: int | None = None, shared=None):
        self.size = size
        self.max_bytes = byte_budget() if max_bytes is None else max_bytes
        self.shared = shared
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight] = {}
        self._waiting: dict[int, _Flight] = {}  # thread → the flight it waits for
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.computed = 0  # computations run (a hit of the shared level is not one)
        self.joined = 0  # misses served by another thread's computation
        _ALL.add(self)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

    def peek(self, key: Hashable) -> object:
        """The value cached here for key (counted as a hit), else `MISSING`; never computes."""
        with self._lock:
            if key not in self._data:
                return MISSING
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for key; on a miss computed (outside the lock) once and stored."""
        me = threading.get_ident()
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]  # type: ignore[return-value]
            self.misses += 1
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = _Flight(me)
                lead = True
            elif self._cycle(flight, me):
                flight, lead = None, False  # waiting would wait on itself: compute alone
            else:
                self._waiting[me] = flight
                self.joined += 1
                lead = False
        if flight is None:
            return self._fill(key, compute)
        if not lead:
            try:
                finished = flight.done.wait(FLIGHT_WAIT_S)
            finally:
                with self._lock:
                    self._waiting.pop(me, None)
            if not finished:  # bounded: a stuck computation does not hold its waiters
                return self._fill(key, compute)
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[return-value]
        try:
            flight.value = value = self._fill(key, compute)
            return value
        except BaseException as e:
            flight.error = e
            raise
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()

    def _cycle(self, flight: _Flight, me: int) -> bool:
        """Whether `me` waiting for `flight` closes a cycle of waits (caller holds the lock)."""
        owner, seen = flight.owner, set()
        while owner not in seen:
            if owner == me:
                return True
            seen.add(owner)
            waited = self._waiting.get(owner)
            if waited is None:
                return False
            owner = waited.owner
        return False

    def _fill(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Compute (through the shared level when there is one) and store the value."""
        if self.shared is not None and isinstance(key, tuple):
            value = self.shared.fetch(key, self._counted(compute))
        else:
            value = self._counted(compute)()
        nbytes = size_of(value)
        if nbytes > self.max_bytes // 4:
            return value  # one value may not take over the cache: serve it, keep the rest
        with self._lock:
            if key in self._data:
                self.bytes -= self._sizes.pop(key)
            self._data[key] = value
            self._sizes[key] = nbytes
            self.bytes += nbytes
            while len(self._data) > self.size or self.bytes > self.max_bytes:
                old, _ = self._data.popitem(last=False)
                self.bytes -= self._sizes.pop(old)
        return value

    def _counted(self, compute: Callable[[], T]) -> Callable[[], T]:
        def run() -> T:
            with self._lock:
                self.computed += 1
            return compute()

        return run

    def _after_fork(self) -> None:
        # The child has none of the parent's other threads: their flights would never end.
        self._lock = threading.Lock()
        self._flights.clear()
        self._waiting.clear()

    def clear(self) -> None:
        """Drop every entry of this process (the shared level keeps its own, keyed by version)."""
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.bytes = 0


_ALL: weakref.WeakSet[LRU] = weakref.WeakSet()


def _forget_flights() -> None:
    for lru in list(_ALL):
        lru._after_fork()


os.register_at_fork(after_in_child=_forget_flights)


def for_settings(settings) -> LRU:
    """The cache of an app: local, with a Redis level when `CACHE_REDIS_URL`/`REDIS_URL` is set."""
    url = getattr(settings, "cache_redis", None)
    if not url:
        return LRU()
    from dashboards.redis_cache import RedisTier

    lru = LRU()
    lru.shared = RedisTier(
        url, ttl_s=settings.cache_ttl_s, max_value_bytes=max(1, lru.max_bytes // 4)
    )
    return lru


RESULTS = LRU()
_CURRENT: contextvars.ContextVar[LRU | None] = contextvars.ContextVar("app_cache", default=None)


def use(lru: LRU) -> contextvars.Token:
    """Make `lru` the cache of the current request (undo with `_CURRENT.reset(token)`)."""
    return _CURRENT.set(lru)


def reset(token: contextvars.Token) -> None:
    """Undo `use`."""
    _CURRENT.reset(token)


def current() -> LRU:
    """The cache of the app serving this request, else the process's default."""
    lru = _CURRENT.get()
    return RESULTS if lru is None else lru  # not `or`: an empty LRU is falsy


def cached(*key: Hashable, compute: Callable[[], T]) -> T:
    """Cache `compute()` under (warehouse version, *key)."""
    return current().get_or_compute((db.version(), *key), compute)


def peek(*key: Hashable) -> object:
    """What `cached` holds in this process under (warehouse version, *key), else `MISSING`."""
    return current().peek((db.version(), *key))
