"""Bounded background work: Dash background callbacks run in small thread pools of this process.

Dash's DiskcacheManager starts a process per request and keys results by the callback's
arguments, deleting a result when its first reader takes it. Twenty people asking for the same
briefing pack therefore started twenty processes (each with its own Chromium) and most of them
were then told "no update" forever: the first poller had consumed the shared result. This
manager keeps Dash's protocol (signed cacheKey/job handles, progress, cancel) and changes what
happens behind it:

- **Single flight.** A job is identified by what it produces (a `JobSpec.identity` of its
  arguments, e.g. page, filters, language and format of a pack) and by the warehouse version. A
  request for a job that is already queued, running or finished (within `result_ttl`) joins it
  with a ticket of its own; the result is read, never consumed, so every waiter gets it.
- **Bounded.** Jobs run in named pools (`packs`, `downloads`) of a few threads each; beyond
  `queue_limit` waiting jobs a request is answered at once with the spec's "busy" output. The
  kaleido browser is the process's one warm Chromium (figures.export serialises it).
- **Time limit, progress, cancel.** A running job gets a deadline; its progress reports check
  the deadline and the cancel flag (`JobStopped`), and a watchdog answers waiters with the
  spec's failure output when a job overruns or its owner process died. A cancel removes only
  the canceller's ticket: the job stops when nobody is waiting for it any more.

State lives in a diskcache folder shared by the processes of one machine (gunicorn workers), so
a poll answered by another worker finds the job. Every setting is read from the environment
in `settings()` (the coordinator may move it into the app's settings object).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from typing import Any

from dash.background_callback._proxy_set_props import ProxySetProps
from dash.background_callback.managers import BaseBackgroundCallbackManager
from dash.exceptions import PreventUpdate

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0  # how often an owner process says its jobs are alive
STALE_S = 30.0  # a job whose owner has not said so for this long is dead
LOCAL = threading.local()


class JobStopped(Exception):
    """Raised inside a job when it was cancelled by every waiter or ran out of time."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "cancelled" | "timeout"


@dataclass(frozen=True)
class Settings:
    """Pool sizes, queue and time limits (environment variables, read once per manager)."""

    pack_workers: int = 2
    download_workers: int = 2
    queue_limit: int = 20
    pack_time_limit: float = 180.0
    download_time_limit: float = 60.0
    result_ttl: float = 600.0

    def workers(self, pool: str) -> int:
        """Threads of a pool."""
        return self.pack_workers if pool == "packs" else self.download_workers

    def time_limit(self, pool: str) -> float:
        """Seconds a job of a pool may run."""
        return self.pack_time_limit if pool == "packs" else self.download_time_limit


def _env_number(name: str, default: float, cast: Callable[[str], float] = float) -> Any:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return value


def settings() -> Settings:
    """The job settings from PACK_WORKERS, DOWNLOAD_WORKERS, JOB_QUEUE_LIMIT, PACK_TIME_LIMIT,
    DOWNLOAD_TIME_LIMIT and JOB_RESULT_TTL (docs/exports.md)."""
    d = Settings()
    return Settings(
        pack_workers=_env_number("PACK_WORKERS", d.pack_workers, int),
        download_workers=_env_number("DOWNLOAD_WORKERS", d.download_workers, int),
        queue_limit=_env_number("JOB_QUEUE_LIMIT", d.queue_limit, int),
        pack_time_limit=_env_number("PACK_TIME_LIMIT", d.pack_time_limit),
        download_time_limit=_env_number("DOWNLOAD_TIME_LIMIT", d.download_time_limit),
        result_ttl=_env_number("JOB_RESULT_TTL", d.result_ttl),
    )


@dataclass(frozen=True)
class JobSpec:
    """How the manager treats one background callback function.

    - `identity(*args)`: what the job produces, for single flight (None: all arguments);
    - `failed(reason, *args)`: the callback's output when the job cannot finish ("timeout",
      "cancelled", "busy", "lost", "error");
    - `queued(position, *args)`: progress values while the job waits for a thread (None: no progress).
    """

    pool: str = "packs"
    identity: Callable[..., Hashable] | None = None
    failed: Callable[..., Any] | None = None
    queued: Callable[..., list] | None = None


SPECS: dict[str, JobSpec] = {}


def _fn_name(fn: Callable) -> str:
    return f"{fn.__module__}.{getattr(fn, '__qualname__', fn.__name__)}"


def job(spec: JobSpec) -> Callable[[Callable], Callable]:
    """Decorator: declare how the manager runs a background callback function."""

    def register(fn: Callable) -> Callable:
        SPECS[_fn_name(fn)] = spec
        return fn

    return register


def spec_for(fn: Callable) -> JobSpec:
    """The spec of a function (the default one when it declared none)."""
    return SPECS.get(_fn_name(fn), JobSpec())


def job_key(fn: Callable, args, version: str) -> str:
    """A job's name: its function, what it produces (its spec's identity) and the warehouse."""
    spec = spec_for(fn)
    values = _values(args)
    identity = spec.identity(*values) if spec.identity else repr(values)
    return hashlib.sha256(repr((_fn_name(fn), identity, version)).encode()).hexdigest()


def check() -> None:
    """Inside a job: raise JobStopped if it was cancelled or is past its deadline."""
    control = getattr(LOCAL, "control", None)
    if control is not None:
        control.check()


@dataclass
class _Control:
    manager: BoundedJobManager
    key: str
    deadline: float
    last_check: float = field(default=0.0)

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise JobStopped("timeout")
        record = self.manager._record(self.key)
        if record is None or record.get("cancelled"):
            raise JobStopped("cancelled")


class BoundedJobManager(BaseBackgroundCallbackManager):
    """A Dash background-callback manager: bounded thread pools, single flight, shared results."""

    def __init__(
        self, cache, settings_: Settings | None = None, version: Callable[[], str] | None = None
    ):
        """`cache`: a diskcache.Cache; `version()`: the warehouse version (part of job keys)."""
        self.handle = cache
        self.settings = settings_ or settings()
        self.version = version or (lambda: "")
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._waiting: dict[str, int] = {}
        self._owned: set[str] = set()
        self._queued: dict[str, list[tuple[str, Any, JobSpec]]] = {}
        self._lock = threading.Lock()
        self._show_lock = threading.Lock()  # queue places are written in the order taken
        self._pid = os.getpid()
        self._heart: threading.Thread | None = None
        self.peak_running: dict[str, int] = {}
        self._running: dict[str, int] = {}
        super().__init__(None)

    # -- keys and records ----------------------------------------------------------------------

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        """The job's key: its function, its identity (or arguments) and the warehouse version."""
        return job_key(fn, args, self.version())

    @staticmethod
    def _job_key(key: str) -> str:
        return f"job:{key}"

    def _record(self, key: str) -> dict | None:
        return self.handle.get(self._job_key(key))

    def _save(self, key: str, record: dict) -> None:
        self.handle.set(self._job_key(key), record, expire=self.settings.result_ttl + 3600)

    def _alive(self, record: dict) -> bool:
        return time.time() - record.get("heartbeat", 0) < STALE_S

    # -- starting ------------------------------------------------------------------------------

    def make_job_fn(self, fn, progress, key=None):
        """The function the pool runs: the user's callback with progress, set_props, control."""
        return _JobFn(fn, progress)

    def call_job_fn(self, key, job_fn, args, context):
        """Join the job of this key if there is one, else queue it; return this waiter's ticket."""
        ticket = uuid.uuid4().hex[:12]
        spec = spec_for(job_fn.fn)
        with self.handle.transact():
            record = self._record(key)
            joinable = record is not None and (
                (record["state"] == "done" and self.handle.get(key) is not None)
                or (
                    record["state"] in ("queued", "running")
                    and self._alive(record)
                    and not record.get("cancelled")
                )
            )
            if joinable:
                record["waiters"] = [*record["waiters"], ticket]
                self._save(key, record)
                log.info("job %s joined by %s (%s)", key[:12], ticket, record["state"])
                return f"{key}:{ticket}"
            pool = spec.pool
            with self._lock:
                waiting = self._waiting.get(pool, 0)
            if waiting >= self.settings.queue_limit:
                self._save(key, {"state": "queued", "waiters": [ticket], "heartbeat": time.time()})
                self._finish(key, _failure(spec, "busy", args), state="failed")
                log.warning("job queue %s full (%d waiting): refused %s", pool, waiting, key[:12])
                return f"{key}:{ticket}"
            for stale in (key, self._make_progress_key(key), self._make_set_props_key(key)):
                self.handle.delete(stale)
            self._save(
                key,
                {
                    "state": "queued",
                    "waiters": [ticket],
                    "owner": os.getpid(),
                    "heartbeat": time.time(),
                    "queued_at": time.time(),
                    "cancelled": False,
                    "pool": pool,
                    "fn": _fn_name(job_fn.fn),
                    "args": args,
                },
            )
        with self._lock:
            self._waiting[pool] = self._waiting.get(pool, 0) + 1
            self._owned.add(key)
            self._queued.setdefault(pool, []).append((key, args, spec))
        self._show_queue(pool)
        self._pool(pool).submit(self._run, key, job_fn, args, context, spec)
        self._ensure_heartbeat()
        log.info("job %s queued in %s for %s", key[:12], pool, ticket)
        return f"{key}:{ticket}"

    def _show_queue(self, pool: str) -> None:
        """Tell every waiting job of a pool how many jobs are ahead of it (its progress).

        Two threads may show the queue at once; without `_show_lock` the older snapshot could
        be written last, and a waiter would see its place go up (seen in CI: 2 then 3).
        """
        with self._show_lock:
            with self._lock:
                queued = list(self._queued.get(pool, ()))
                running = self._running.get(pool, 0)
            workers = self.settings.workers(pool)
            for i, (key, args, spec) in enumerate(queued):
                ahead = i + running - workers + 1  # jobs to start or finish before this one runs
                if spec.queued is not None and ahead > 0:
                    progress = spec.queued(ahead, *_values(args))
                    self.handle.set(self._make_progress_key(key), progress, expire=3600)

    def _pool(self, name: str) -> ThreadPoolExecutor:
        with self._lock:
            if self._pid != os.getpid():  # a forked child has no threads: start afresh
                self._pools, self._waiting, self._owned, self._running = {}, {}, set(), {}
                self._queued = {}
                self._pid, self._heart = os.getpid(), None
            if name not in self._pools:
                self._pools[name] = ThreadPoolExecutor(
                    self.settings.workers(name), thread_name_prefix=f"job-{name}"
                )
            return self._pools[name]

    def _run(self, key: str, job_fn: _JobFn, args, context, spec: JobSpec) -> None:
        pool = spec.pool
        with self._lock:
            self._waiting[pool] -= 1
            self._running[pool] = self._running.get(pool, 0) + 1
            self.peak_running[pool] = max(self.peak_running.get(pool, 0), self._running[pool])
            self._queued[pool] = [q for q in self._queued.get(pool, []) if q[0] != key]
        self._show_queue(pool)
        started = time.monotonic()
        try:
            with self.handle.transact():
                record = self._record(key)
                if record is None or record.get("cancelled") or record["state"] != "queued":
                    if record is not None and record["state"] == "queued":
                        record["state"] = "cancelled"
                        self._save(key, record)
                    log.info("job %s dropped before it started (cancelled)", key[:12])
                    return
                record.update(state="running", started_at=time.time(), heartbeat=time.time())
                self._save(key, record)
            self.handle.delete(self._make_progress_key(key))
            control = _Control(self, key, started + self.settings.time_limit(pool))
            output, props, stopped = job_fn.run(self, key, args, context, control, spec)
            if stopped == "cancelled":
                self._cancelled(key)
            else:
                self._finish(key, output, props=props, state="failed" if stopped else "done")
            log.info("job %s %s in %.2f s", key[:12], stopped or "done", time.monotonic() - started)
        except Exception:  # a bug in the manager itself: answer the waiters, keep the pool
            log.exception("job %s failed", key[:12])
            self._finish(key, _failure(spec, "error", args), state="failed")
        finally:
            with self._lock:
                self._running[pool] -= 1
                self._owned.discard(key)

    def _cancelled(self, key: str) -> None:
        with self.handle.transact():
            record = self._record(key)
            if record is not None and record["state"] in ("queued", "running"):
                record["state"] = "cancelled"
                self._save(key, record)

    def _finish(self, key: str, output, props: dict | None = None, state: str = "done") -> None:
        """Store a job's output for its waiters; state 'done' (reusable) or 'failed' (not)."""
        ttl = self.settings.result_ttl
        with self.handle.transact():
            record = self._record(key)
            answered = record is not None and record.get("state") in ("done", "failed")
            if answered and self.handle.get(key) is not None:
                return  # the watchdog answered already
            self.handle.set(key, output, expire=ttl)
            if props:
                self.handle.set(self._make_set_props_key(key), props, expire=ttl)
            if record is not None:
                record["state"] = state
                self._save(key, record)

    # -- liveness ------------------------------------------------------------------------------

    def _ensure_heartbeat(self) -> None:
        with self._lock:
            if self._heart is not None and self._heart.is_alive():
                return
            self._heart = threading.Thread(target=self._beat, daemon=True, name="job-heartbeat")
            self._heart.start()

    def _beat(self) -> None:
        while True:
            time.sleep(HEARTBEAT_S)
            with self._lock:
                owned = list(self._owned)
            for key in owned:
                with self.handle.transact():
                    record = self._record(key)
                    if record is not None and record["state"] in ("queued", "running"):
                        record["heartbeat"] = time.time()
                        self._save(key, record)

    def _watch(self, key: str, record: dict) -> dict:
        """Answer the waiters of a job that overran its time limit or whose owner died."""
        if record["state"] not in ("queued", "running"):
            return record
        reason = None
        if not self._alive(record):
            reason = "lost"
        elif record["state"] == "running":
            limit = self.settings.time_limit(record.get("pool", "packs")) + 30
            if time.time() - record.get("started_at", time.time()) > limit:
                reason = "timeout"
        if reason:
            spec = SPECS.get(record.get("fn", ""), JobSpec())
            log.error("job %s %s: answering its waiters", key[:12], reason)
            self._finish(key, _failure(spec, reason, record.get("args", ())), state="failed")
            record = self._record(key) or record
        return record

    # -- Dash's polling API --------------------------------------------------------------------

    @staticmethod
    def _split(job) -> tuple[str, str]:
        key, _, ticket = str(job).rpartition(":")
        return key, ticket

    def job_running(self, job):
        """True while this waiter's job is queued or running (and the waiter still waits)."""
        if not job:
            return False
        key, ticket = self._split(job)
        record = self._record(key)
        if record is None or ticket not in record.get("waiters", ()):
            return False
        record = self._watch(key, record)
        return record["state"] in ("queued", "running") and not record.get("cancelled")

    def terminate_job(self, job):
        """A waiter left (cancel, or a new request replaced its old one): drop its ticket; stop
        the job when nobody waits for it any more."""
        if not job:
            return
        key, ticket = self._split(job)
        with self.handle.transact():
            record = self._record(key)
            if record is None or ticket not in record.get("waiters", ()):
                return
            record["waiters"] = [t for t in record["waiters"] if t != ticket]
            if not record["waiters"] and record["state"] in ("queued", "running"):
                record["cancelled"] = True
                log.info("job %s cancelled by its last waiter", key[:12])
            self._save(key, record)

    def terminate_unhealthy_job(self, job):
        """Jobs are threads that report their own end: nothing to kill."""
        return False

    def get_progress(self, key):
        """The latest progress of a job (read, not consumed: several waiters poll it)."""
        return self.handle.get(self._make_progress_key(key))

    def result_ready(self, key):
        """True once the job's output is stored."""
        return self.handle.get(key) is not None

    def get_result(self, key, job):
        """The job's output (kept for `result_ttl` for every waiter), or UNDEFINED."""
        result = self.handle.get(key, self.UNDEFINED)
        if result is not self.UNDEFINED and job:
            _, ticket = self._split(job)
            with self.handle.transact():
                record = self._record(key)
                if record is not None and ticket in record.get("waiters", ()):
                    record["waiters"] = [t for t in record["waiters"] if t != ticket]
                    self._save(key, record)
        return result

    def get_updated_props(self, key):
        """set_props of a finished job (sent with its result)."""
        if self.handle.get(key) is None:
            return {}
        return self.handle.get(self._make_set_props_key(key), {})

    def clear_cache_entry(self, key):
        """Forget a stored output."""
        self.handle.delete(key)

    def get_or_create_signing_secret(self, generate):
        """One signing secret for every worker sharing the cache folder."""
        self.handle.add(self.SIGNING_SECRET_KEY, generate())
        return self.handle.get(self.SIGNING_SECRET_KEY)


def _values(args) -> list:
    if isinstance(args, dict):
        return list(args.values())
    return list(args) if isinstance(args, (list, tuple)) else [args]


def _failure(spec: JobSpec, reason: str, args) -> Any:
    if spec.failed is None:
        return {"_dash_no_update": "_dash_no_update"}
    return spec.failed(reason, *_values(args))


class _JobFn:
    """The user's callback as the pool runs it (Dash's context, progress and set_props)."""

    def __init__(self, fn: Callable, progress: bool):
        self.fn = fn
        self.progress = progress

    def run(self, manager, key, args, context, control: _Control, spec: JobSpec):
        from dash._callback_context import context_value
        from dash._utils import AttributeDict

        props: dict = {}
        stopped: list[str] = []
        progress_key = manager._make_progress_key(key)

        def set_progress(value) -> None:
            control.check()
            if not isinstance(value, (list, tuple)):
                value = [value]
            manager.handle.set(progress_key, list(value), expire=manager.settings.result_ttl)

        def set_props(component_id, values) -> None:
            props.setdefault(component_id, {}).update(values)

        def call():
            c = AttributeDict(**context)
            c.ignore_register_page = False
            c.updated_props = ProxySetProps(set_props)
            context_value.set(c)
            LOCAL.control = control
            try:
                extra = [set_progress] if self.progress else []
                if isinstance(args, dict):
                    return self.fn(*extra, **args)
                return self.fn(*extra, *(args if isinstance(args, (list, tuple)) else [args]))
            except PreventUpdate:
                return {"_dash_no_update": "_dash_no_update"}
            except JobStopped as stop:
                stopped.append(stop.reason)
                return _failure(spec, stop.reason, args)
            except Exception as err:  # the callback's own error, shown as Dash shows it
                stopped.append("error")
                return {
                    "background_callback_error": {"msg": str(err), "tb": traceback.format_exc()}
                }
            finally:
                LOCAL.control = None

        output = copy_context().run(call)
        return output, props, (stopped[0] if stopped else None)
