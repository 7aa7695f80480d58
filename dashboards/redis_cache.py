"""The shared level of the result cache: Redis, behind each process's own LRU (issue 14).

With `CACHE_REDIS_URL` (else `REDIS_URL`) set, a value one worker computed is served to every
other worker and host reading the same warehouse version. What travels is data, not code:
`dashboards.codec` (MessagePack with typed frames and arrays, no pickle); a value it cannot
carry exactly stays in the process's cache only.

- Keys: `ngo-cache:<warehouse version>:<sha256 of the rest of the key>`, every one with a TTL
  (`CACHE_TTL_S`), so a Redis shared with Celery's broker can run `maxmemory-policy
  volatile-lru`: under memory pressure it evicts cache entries, never the broker's queues. A new
  warehouse is a new version, hence new keys; the old ones age out.
- Single flight across processes: the first process to miss takes a Redis lock for the key
  (redis-py `Lock`, expiring after `LOCK_TIMEOUT_S` should its holder die), computes and stores;
  the others poll the lock every `POLL_S` and then read the stored value. The wait is bounded
  (`WAIT_S`): past it a process computes for itself. A holder whose computation fails stores
  nothing and releases the lock: the next process computes (the error is not cached).
- Redis down or slow (short socket timeouts): logged once per outage, then the process serves
  from its own cache and computes, retrying Redis after `RETRY_S`. Never an error page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.exceptions import LockError, RedisError

from dashboards import codec

T = TypeVar("T")
log = logging.getLogger(__name__)

PREFIX = "ngo-cache"
DEFAULT_TTL_S = 24 * 3600
LOCK_TIMEOUT_S = 60.0  # a computation longer than this (query limit: 10 s) may run twice
WAIT_S = 30.0  # how long a process waits for another's computation before doing its own
POLL_S = 0.005  # how often a waiting process tries the lock
RETRY_S = 5.0  # after a failure, how long Redis is left alone before the next try
SOCKET_TIMEOUT_S = 0.5
_VERSION = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class Unkeyable(TypeError):
    """A key part with no stable text form across processes (the value is not shared)."""


def key_text(part: Hashable) -> str:
    """A text form of a key part that is the same in every process (no hash-seeded order)."""
    if part is None or isinstance(part, bool | int | float | str):
        return repr(part)
    if isinstance(part, tuple):
        return "(" + ",".join(key_text(p) for p in part) + ")"
    if isinstance(part, frozenset):
        return "{" + ",".join(sorted(key_text(p) for p in part)) + "}"
    if isinstance(part, dt.date):  # dates and datetimes
        return f"{type(part).__name__}:{part.isoformat()}"
    raise Unkeyable(f"no stable text for a {type(part).__name__} key part")


def redacted(url: str) -> str:
    """The URL without its password (for logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


class RedisTier:
    """The Redis level of a two-level cache (see the module docstring)."""

    def __init__(
        self,
        url: str,
        ttl_s: int = DEFAULT_TTL_S,
        max_value_bytes: int = 16 * 2**20,
        wait_s: float = WAIT_S,
        lock_timeout_s: float = LOCK_TIMEOUT_S,
        retry_s: float = RETRY_S,
    ):
        self.url = url
        self.ttl_s = ttl_s
        self.max_value_bytes = max_value_bytes
        self.wait_s = wait_s
        self.lock_timeout_s = lock_timeout_s
        self.retry_s = retry_s
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_S,
            socket_connect_timeout=SOCKET_TIMEOUT_S,
            health_check_interval=30,
        )
        self._down_until = 0.0
        self._down = False
        self._state = threading.Lock()
        # What happened, for tests and the benchmark.
        self.hits = 0
        self.misses = 0
        self.stored = 0
        self.waited = 0
        self.unshared = 0  # values or keys the codec cannot carry: kept in the process only
        self.errors = 0

    # -- availability ------------------------------------------------------------------------
    def available(self) -> bool:
        """False while Redis is taken as down (after a failure, for `retry_s`)."""
        return time.monotonic() >= self._down_until

    def _failed(self, error: Exception) -> None:
        with self._state:
            self.errors += 1
            self._down_until = time.monotonic() + self.retry_s
            first = not self._down
            self._down = True
        if first:  # once per outage, not once per request
            log.warning(
                "shared cache: Redis at %s is unavailable (%s); serving from this process's "
                "cache and computing until it is back",
                redacted(self.url),
                error,
            )

    def _ok(self) -> None:
        if self._down:
            with self._state:
                back, self._down = self._down, False
            if back:
                log.warning("shared cache: Redis at %s is back", redacted(self.url))

    # -- the cache ---------------------------------------------------------------------------
    def name(self, key: tuple) -> str:
        """The Redis key of a cache key (version first, then a digest of the rest)."""
        version, *rest = key
        digest = hashlib.sha256(key_text(tuple(rest)).encode()).hexdigest()[:40]
        if not (isinstance(version, str) and _VERSION.fullmatch(version)):
            version = hashlib.sha256(key_text(version).encode()).hexdigest()[:16]
        return f"{PREFIX}:{version}:{digest}"

    def fetch(self, key: tuple, compute: Callable[[], T]) -> T:
        """The value for key from Redis, else computed once across processes and stored."""
        if not self.available():
            return compute()
        try:
            name = self.name(key)
        except Unkeyable:
            self.unshared += 1
            return compute()
        found, value = self._get(name)
        if found:
            return value
        if not self.available():  # the read just failed
            return compute()
        lock = self.client.lock(
            f"{name}:lock",
            timeout=self.lock_timeout_s,
            sleep=POLL_S,
            blocking_timeout=self.wait_s,
            thread_local=False,
        )
        try:
            holder = lock.acquire(blocking=False)
            if not holder:
                self.waited += 1
                holder = lock.acquire()  # waits (bounded) while another process computes
        except RedisError as e:
            self._failed(e)
            return compute()
        try:
            found, value = self._get(name)  # computed while this process waited
            if found:
                return value
            value = compute()  # errors propagate; nothing is stored for them
            self._put(name, value)
            return value
        finally:
            if holder:
                try:
                    lock.release()
                except (LockError, RedisError):  # expired (a long computation) or Redis gone
                    pass

    def _get(self, name: str) -> tuple[bool, Any]:
        try:
            blob = self.client.get(name)
        except RedisError as e:
            self._failed(e)
            return False, None
        self._ok()
        if blob is None:
            self.misses += 1
            return False, None
        try:
            value = codec.decode(blob)  # type: ignore[arg-type]  # bytes: no decode_responses
        except Exception as e:  # another format or a damaged value: a miss, said once
            log.warning("shared cache: unreadable value at %s (%s); computing it", name, e)
            self.misses += 1
            return False, None
        self.hits += 1
        return True, value

    def _put(self, name: str, value: object) -> None:
        try:
            blob = codec.encode(value)
        except codec.Unsupported as e:
            self.unshared += 1
            log.debug("shared cache: %s kept in the process only (%s)", name, e)
            return
        if len(blob) > self.max_value_bytes:
            self.unshared += 1
            return
        try:
            self.client.set(name, blob, ex=self.ttl_s)
        except RedisError as e:
            self._failed(e)
            return
        self.stored += 1

    def clear(self) -> None:
        """Delete every shared cache entry (all versions) from Redis."""
        try:
            for batch in _batched(self.client.scan_iter(f"{PREFIX}:*", count=500), 500):
                self.client.delete(*batch)
        except RedisError as e:
            self._failed(e)


def _batched(items, n: int):
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch
