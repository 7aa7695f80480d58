"""A small in-process cache for query results and figures.

Keys always start with the warehouse version, so a new load never serves stale results; the
rest of the key is the chart name, the canonical filter string and the language. Each app owns
its cache (`create_app` makes one and sets it for each request); the command line and tests use
the process's default `RESULTS`. Bounded by entry count.
"""

from __future__ import annotations

import contextvars
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from dashboards import db

T = TypeVar("T")
MAX_ENTRIES = 2048


class LRU:
    """A thread-safe least-recently-used mapping."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for key, computing (outside the lock) and storing it on a miss."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]  # type: ignore[return-value]
            self.misses += 1
        value = compute()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._data.clear()


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
