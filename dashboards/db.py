"""Read-only access to the warehouse: one connection per warehouse file, a cursor per query.

The ETL replaces the warehouse file with `os.replace`, which gives it a new inode. Each query
checks the file's identity (inode, mtime, size); when it changed, a new read-only connection
is opened, so the app picks up a new load without a restart while queries already running
finish on the old file. DuckDB connections are not shared across threads: every query takes
its own cursor (DuckDB 2 refuses a busy connection rather than waiting).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_PATH = "data/warehouse.duckdb"


def warehouse_path() -> Path:
    """The warehouse file, from `WAREHOUSE_PATH` (default data/warehouse.duckdb)."""
    return Path(os.environ.get("WAREHOUSE_PATH", DEFAULT_PATH))


def memory_limit() -> str:
    """DuckDB's memory limit per app process, from `DUCKDB_MEMORY_LIMIT` (default 512MB)."""
    return os.environ.get("DUCKDB_MEMORY_LIMIT", "512MB")


class WarehouseMissing(RuntimeError):
    """No warehouse file to read."""


class _Warehouse:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple | None = None
        self._path: Path | None = None

    def _current(self) -> tuple[duckdb.DuckDBPyConnection, tuple]:
        path = warehouse_path()
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise WarehouseMissing(
                f"no warehouse at {path}: run `python -m etl load DIR` or start the app once"
            ) from None
        identity = (str(path.resolve()), st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._con is None or identity != self._identity:
                # DuckDB keeps one database instance per path and process, so connecting to the
                # path again would hand back the old, already-open file. A fresh in-memory
                # instance that ATTACHes the path opens the new file. The old connection is
                # left for the garbage collector: queries running on it finish on the old data.
                # A bounded buffer pool keeps each web worker's memory predictable (DuckDB
                # would otherwise cache up to most of the machine's RAM); the OS page cache
                # still holds the file, so evicted pages come back cheaply.
                con = duckdb.connect(":memory:", config={"memory_limit": memory_limit()})
                con.execute(f"ATTACH '{_quote(path)}' AS warehouse (READ_ONLY)")
                con.execute("USE warehouse")
                self._con = con
                self._identity = identity
            return self._con, identity

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the current warehouse (use one per thread/request)."""
        con, _ = self._current()
        cur = con.cursor()
        cur.execute("USE warehouse")  # a cursor starts in the default (in-memory) catalog
        return cur

    def version(self) -> str:
        """A string that changes whenever a new warehouse is swapped in (for cache keys)."""
        _, identity = self._current()
        return f"{identity[1]}-{identity[2]}"


def _quote(path: Path) -> str:
    """A path as the body of a SQL string literal (ATTACH takes no parameters)."""
    return str(path.resolve()).replace("'", "''")


WAREHOUSE = _Warehouse()


def query(sql: str, params: list | tuple | None = None) -> pd.DataFrame:
    """Run a parameterised query on the current warehouse and return a DataFrame."""
    cur = WAREHOUSE.cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def scalar(sql: str, params: list | tuple | None = None):
    """Run a parameterised query and return the first column of the first row."""
    cur = WAREHOUSE.cursor()
    try:
        row = cur.execute(sql, params or []).fetchone()
        return row[0] if row else None
    finally:
        cur.close()


def version() -> str:
    """The current warehouse version (see `_Warehouse.version`)."""
    return WAREHOUSE.version()
