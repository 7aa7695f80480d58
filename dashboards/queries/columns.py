"""Which optional columns the warehouse being served has (read once per warehouse version).

Dates keep their precision in a sibling column `<col>_precision` ('day' | 'month' | 'year',
docs/data-model.md). A warehouse built before that has no such column; its dates are days.
Queries select `precision(alias, table, column)` so they read the column where it exists and
the literal 'day' where it does not — both identifiers come from code, never from a request.
"""

from __future__ import annotations

import re

from dashboards import cache, db

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def columns() -> frozenset[tuple[str, str]]:
    """Every (table, column) of the warehouse served."""
    return cache.cached("warehouse.columns", compute=_columns)


def _columns() -> frozenset[tuple[str, str]]:
    frame = db.query(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database()"
    )
    return frozenset(zip(frame["table_name"], frame["column_name"], strict=True))


def has_column(table: str, column: str) -> bool:
    """True when the warehouse's `table` has `column`."""
    return (table, column) in columns()


def precision(alias: str, table: str, column: str) -> str:
    """SQL for the precision of a date column: `alias.column_precision`, or 'day' without one."""
    for name in (alias, table, column):
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not an identifier: {name!r}")
    if has_column(table, f"{column}_precision"):
        return f"{alias}.{column}_precision"
    return "'day'"
