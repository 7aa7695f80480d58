"""Read-only access to the warehouse: one answer from one warehouse, every query bounded.

- **A warehouse file is a snapshot.** The ETL replaces the file with `os.replace`, which gives it
  a new inode. A `Warehouse` checks the file's identity (inode, mtime, size) and opens a new
  read-only connection when it changed; the old one stays open while anything still uses it,
  then is closed (not left to the garbage collector).
- **One warehouse per answer.** Inside `pinned()` (the app pins each HTTP request, and each
  background job), every query reads the snapshot taken by the first query, so a callback that
  starts before a swap and finishes after it answers wholly from the old file. Outside a pin
  (command line, tests) each query reads the current file.
- **Bounded work.** Every query runs under a time limit (DuckDB has no statement timeout: a timer
  thread calls `interrupt()` on the query's cursor) and a row cap (rows are fetched in chunks up to
  the cap plus one), raising `QueryTimeout` / `QueryTooLarge` with a message for the user.
- DuckDB connections are not shared across threads: every query takes its own cursor (DuckDB 2
  refuses a busy connection rather than waiting).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_PATH = "data/warehouse.duckdb"
_VECTOR = 2048  # rows per DuckDB vector (fetch_df_chunk counts in vectors)


def warehouse_path() -> Path:
    """The warehouse file of the command line and tests, from `WAREHOUSE_PATH`."""
    return Path(os.environ.get("WAREHOUSE_PATH", DEFAULT_PATH))


def memory_limit() -> str:
    """DuckDB's memory limit outside an app, from `DUCKDB_MEMORY_LIMIT` (default 512MB)."""
    return os.environ.get("DUCKDB_MEMORY_LIMIT", "512MB")


class WarehouseMissing(RuntimeError):
    """No warehouse file to read."""


class QueryLimitExceeded(RuntimeError):
    """A query went past its time limit or row cap (the message is meant for the user)."""


class QueryTimeout(QueryLimitExceeded):
    """A query took longer than the time limit and was interrupted."""


class QueryTooLarge(QueryLimitExceeded):
    """A query returned more rows than the cap."""


@dataclass(frozen=True)
class Limits:
    """The bounds every query runs under."""

    time_limit_s: float = 10.0
    max_rows: int = 100_000
    export_max_rows: int = 1_048_575


def _env_limits() -> Limits:
    """Limits of the command line and tests (the app passes its Settings instead)."""
    return Limits(
        time_limit_s=int(os.environ.get("QUERY_TIME_LIMIT_MS", "10000")) / 1000,
        max_rows=int(os.environ.get("QUERY_MAX_ROWS", "100000")),
        export_max_rows=int(os.environ.get("EXPORT_MAX_ROWS", "1048575")),
    )


class Snapshot:
    """One open warehouse file: a read-only connection, its version, and who is using it."""

    def __init__(self, path: Path, identity: tuple, memory: str, public: bool = False):
        # DuckDB keeps one database instance per path and process, so connecting to the path
        # again would hand back the old, already-open file. A fresh in-memory instance that
        # ATTACHes the path opens the new file. A bounded buffer pool keeps each web worker's
        # memory predictable; the OS page cache still holds the file.
        con = duckdb.connect(":memory:", config={"memory_limit": memory})
        con.execute(f"ATTACH '{_quote(path)}' AS warehouse (READ_ONLY)")
        # Public: queries read views of the public columns only (dashboards/policy.py); a
        # table without one does not exist for them (fails closed).
        self.catalog = "memory" if public else "warehouse"
        if public:
            _make_public_views(con)
        con.execute(f"USE {self.catalog}")
        self.con = con
        self.identity = identity
        # The path is part of the version, so two warehouses never share cache entries.
        self.version = f"{zlib.crc32(identity[0].encode()):08x}-{identity[1]}-{identity[2]}"
        if public:  # public answers never share a cache entry with internal ones
            self.version += "-public"
        self._users = 0
        self._retired = False
        self._lock = threading.Lock()

    def acquire(self) -> Snapshot:
        """Count one more user (a pinned request or a running query)."""
        with self._lock:
            self._users += 1
        return self

    def release(self) -> None:
        """One user less; a retired snapshot closes with its last user."""
        with self._lock:
            self._users -= 1
            close = self._retired and self._users <= 0
        if close:
            self._close()

    def retire(self) -> None:
        """A newer file was swapped in: close once nobody uses this one."""
        with self._lock:
            self._retired = True
            close = self._users <= 0
        if close:
            self._close()

    def _close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on this snapshot (one per query and thread)."""
        cur = self.con.cursor()
        cur.execute(f"USE {self.catalog}")  # a cursor starts in the default (in-memory) catalog
        return cur


def _make_public_views(con: duckdb.DuckDBPyConnection) -> None:
    """Views of the public tables' public columns in the in-memory catalog (public mode)."""
    from dashboards.policy import public_view_sql

    rows = con.execute(
        "SELECT table_name, list(column_name ORDER BY column_index), "
        "list(data_type ORDER BY column_index) FROM duckdb_columns() "
        "WHERE database_name = 'warehouse' AND schema_name = 'main' GROUP BY table_name"
    ).fetchall()
    for table, names, types in rows:
        sql = public_view_sql("warehouse", table, list(zip(names, types, strict=True)))
        if sql:
            con.execute(sql)


class Warehouse:
    """A warehouse file the app reads, re-opened when a load swaps a new file in.

    `public=True`: every query reads only the public columns of the public tables
    (`dashboards/policy.py`), the app's ACCESS_MODE=public.
    """

    def __init__(
        self,
        path: Path | str | Callable[[], Path] | None = None,
        memory: str | Callable[[], str] | None = None,
        limits: Limits | Callable[[], Limits] | None = None,
        public: bool = False,
    ) -> None:
        self.public = public
        self._path = path if path is not None else warehouse_path
        self._memory = memory if memory is not None else memory_limit
        self._limits = limits
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    @property
    def path(self) -> Path:
        """The warehouse file."""
        return Path(self._path() if callable(self._path) else self._path)

    @property
    def limits(self) -> Limits:
        """The bounds of this warehouse's queries."""
        if self._limits is None:
            self._limits = _env_limits()
        return self._limits() if callable(self._limits) else self._limits

    def snapshot(self) -> Snapshot:
        """The current file's snapshot, acquired (call `release()` when done)."""
        path = self.path
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise WarehouseMissing(
                f"no warehouse at {path}: run `python -m etl load DIR` or start the app once"
            ) from None
        identity = (str(path.resolve()), st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            current = old = self._snapshot
            if current is None or current.identity != identity:
                memory = self._memory() if callable(self._memory) else self._memory
                current = self._snapshot = Snapshot(path, identity, memory, self.public)
                if old is not None:
                    old.retire()
            return current.acquire()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the current file (tests; queries go through `query`)."""
        snap = self.snapshot()
        try:
            return snap.cursor()
        finally:
            snap.release()  # the cursor keeps its connection's database alive

    def version(self) -> str:
        """A string that changes whenever a new warehouse is swapped in (for cache keys)."""
        snap = self.snapshot()
        snap.release()
        return snap.version


# Kept as a class alias for code that builds a fresh default warehouse (e.g. after a fork).
_Warehouse = Warehouse
WAREHOUSE = Warehouse()  # the command line's and tests' warehouse (WAREHOUSE_PATH)


class _Pin:
    """The snapshot one request or job reads, taken on first use."""

    def __init__(self, warehouse: Warehouse | None):
        self.warehouse = warehouse
        self.snap: Snapshot | None = None
        self._lock = threading.Lock()

    def get(self) -> tuple[Warehouse, Snapshot]:
        warehouse = self.warehouse or WAREHOUSE
        with self._lock:
            if self.snap is None:
                self.snap = warehouse.snapshot()
            return warehouse, self.snap

    def close(self) -> None:
        with self._lock:
            if self.snap is not None:
                self.snap.release()
                self.snap = None


_PIN: contextvars.ContextVar[_Pin | None] = contextvars.ContextVar("warehouse_pin", default=None)
_APP_WAREHOUSE: contextvars.ContextVar[Warehouse | None] = contextvars.ContextVar(
    "app_warehouse", default=None
)


@contextlib.contextmanager
def pinned(warehouse: Warehouse | None = None) -> Iterator[None]:
    """Read one snapshot of the warehouse for everything inside (a request, a job).

    Threads started inside must run in a copy of this context (`contextvars.copy_context()`)
    to share the pin.
    """
    pin = _PIN.set(_Pin(warehouse or _APP_WAREHOUSE.get()))
    try:
        yield
    finally:
        p = _PIN.get()
        _PIN.reset(pin)
        if p is not None:
            p.close()


def start_pin(warehouse: Warehouse) -> tuple[contextvars.Token, contextvars.Token]:
    """Pin a request to a warehouse (Flask before_request); undo with `end_pin`."""
    return _APP_WAREHOUSE.set(warehouse), _PIN.set(_Pin(warehouse))


def end_pin(tokens: tuple[contextvars.Token, contextvars.Token]) -> None:
    """Release the request's snapshot (Flask teardown_request)."""
    pin = _PIN.get()
    if pin is not None:
        pin.close()
    with contextlib.suppress(ValueError):  # reset from another context: nothing to undo
        _PIN.reset(tokens[1])
        _APP_WAREHOUSE.reset(tokens[0])


def is_public() -> bool:
    """Whether the warehouse being read is served publicly (ACCESS_MODE=public)."""
    return current_warehouse().public


def current_warehouse() -> Warehouse:
    """The warehouse of the request being served, else the command line's."""
    pin = _PIN.get()
    if pin is not None and pin.warehouse is not None:
        return pin.warehouse
    return _APP_WAREHOUSE.get() or WAREHOUSE


@contextlib.contextmanager
def _snapshot() -> Iterator[tuple[Warehouse, Snapshot]]:
    pin = _PIN.get()
    if pin is not None:
        yield pin.get()  # released when the pin ends
        return
    warehouse = current_warehouse()
    snap = warehouse.snapshot()
    try:
        yield warehouse, snap
    finally:
        snap.release()


def _run(sql: str, params, max_rows: int | None, fetch: str):
    with _snapshot() as (warehouse, snap):
        limits = warehouse.limits
        cap = limits.max_rows if max_rows is None else max_rows
        cur = snap.cursor()
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            with contextlib.suppress(duckdb.Error):
                cur.interrupt()

        timer = threading.Timer(limits.time_limit_s, stop)
        timer.daemon = True
        timer.start()
        try:
            cur.execute(sql, params or [])
            if fetch == "one":
                row = cur.fetchone()
                if row is not None and warehouse.public:
                    from dashboards.policy import is_internal_column

                    names = [d[0] for d in cur.description or []]
                    row = tuple(
                        None if is_internal_column(n) else v
                        for n, v in zip(names, row, strict=False)
                    )
                return row
            # Up to cap + 1 rows in one chunk: one more than the cap means "too many".
            frame = cur.fetch_df_chunk(max(1, math.ceil((cap + 1) / _VECTOR)))
            if len(frame) > cap:
                raise QueryTooLarge(f"the answer has more than {cap:,} rows: narrow the filters")
            return frame
        except duckdb.InterruptException:
            if timed_out.is_set():
                raise QueryTimeout(
                    f"the query took too long (over {limits.time_limit_s:g} s): "
                    "narrow the filters or try again later"
                ) from None
            raise
        finally:
            timer.cancel()
            cur.close()


def query(sql: str, params: list | tuple | None = None, *, max_rows: int | None = None):
    """Run a parameterised query on the pinned (or current) warehouse; a DataFrame.

    Raises QueryTimeout past the time limit and QueryTooLarge past `max_rows` (default: the
    warehouse's `Limits.max_rows`; data downloads pass `export_max_rows()`).
    """
    frame: pd.DataFrame = _run(sql, params, max_rows, "df")
    if current_warehouse().public:  # no internal column leaves the query layer
        from dashboards.policy import is_internal_column

        frame = frame.drop(columns=[c for c in frame.columns if is_internal_column(c)])
    return frame


def scalar(sql: str, params: list | tuple | None = None):
    """Run a parameterised query and return the first column of the first row."""
    row = _run(sql, params, None, "one")
    return row[0] if row else None


def version() -> str:
    """The version of the warehouse this request reads (see `Snapshot.version`)."""
    pin = _PIN.get()
    if pin is not None:
        return pin.get()[1].version
    return current_warehouse().version()


def export_max_rows() -> int:
    """The row cap of data downloads (larger than an interactive query's)."""
    return current_warehouse().limits.export_max_rows


def _quote(path: Path) -> str:
    """A path as the body of a SQL string literal (ATTACH takes no parameters)."""
    return str(path.resolve()).replace("'", "''")
