"""The Data page: the latest load, its files, rejected rows and warnings.

A load may keep datasets from earlier runs (`etl_datasets`): their files, rejected rows and
warnings are part of the warehouse too, under the run that read them.
"""

from __future__ import annotations

import pandas as pd

from dashboards import db


def latest_run() -> dict | None:
    """The latest successful load (etl_runs row as a dict), or None when there is none."""
    frame = db.query("SELECT * FROM v_latest_run")
    if frame.empty:
        return None
    row = frame.iloc[0].to_dict()
    return {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in row.items()}


def files(run_id: str) -> pd.DataFrame:
    """The input files of a load: file, kind, sha256, encoding, rows in/loaded/rejected/warnings."""
    return db.query(
        """
        SELECT file, kind, sha256, encoding, rows_in, loaded, rejected, warnings
        FROM etl_files WHERE run_id = ? OR run_id IN (SELECT source_run_id FROM etl_datasets WHERE run_id = ?)
        ORDER BY CASE kind WHEN 'partners' THEN 1 WHEN 'activities' THEN 2
                 WHEN 'participation' THEN 3 ELSE 4 END, file
        """,
        [run_id, run_id],
    )


def rejected_rows(run_id: str) -> pd.DataFrame:
    """The rows a load rejected: file, line, column, value, reason, raw (the row as read)."""
    return db.query(
        """
        SELECT file, line, column_name, value, reason, raw
        FROM rejected_rows
        WHERE run_id = ? OR run_id IN (SELECT source_run_id FROM etl_datasets WHERE run_id = ?) ORDER BY file, line, column_name
        """,
        [run_id, run_id],
    )


def load_warnings(run_id: str) -> pd.DataFrame:
    """The warnings of a load (rows loaded, with something to check): file, line, column, value, reason."""
    return db.query(
        """
        SELECT file, line, column_name, value, reason
        FROM load_warnings
        WHERE run_id = ? OR run_id IN (SELECT source_run_id FROM etl_datasets WHERE run_id = ?) ORDER BY file, line, column_name
        """,
        [run_id, run_id],
    )


def datasets(run_id: str) -> pd.DataFrame:
    """Where each dataset of the warehouse came from: dataset, action, source_run_id, rows, rejected."""
    return db.query(
        """
        SELECT dataset, action, source_run_id, rows, rejected, warnings
        FROM etl_datasets WHERE run_id = ?
        ORDER BY CASE dataset WHEN 'partners' THEN 1 WHEN 'activities' THEN 2
                 WHEN 'participation' THEN 3 ELSE 4 END
        """,
        [run_id],
    )


def reference_changes(run_id: str) -> pd.DataFrame:
    """Countries the load's reference puts in another region than the shipped one, with names."""
    return db.query(
        """
        SELECT r.file, r.key, r.field, r.old, r.new, c.name_en, c.name_fr,
               o.name_en AS old_en, o.name_fr AS old_fr, n.name_en AS new_en, n.name_fr AS new_fr
        FROM reference_changes r
        LEFT JOIN countries c ON r.file = 'countries.csv' AND c.iso3 = r.key
        LEFT JOIN regions o ON o.code = r.old
        LEFT JOIN regions n ON n.code = r.new
        WHERE r.run_id = ? ORDER BY r.file, r.key
        """,
        [run_id],
    )


# ---------------------------------------------------------------------------------------------
# Paged issue lists (AG Grid's infinite row model asks for one block of rows at a time)
# ---------------------------------------------------------------------------------------------

# The two issue tables and their columns: the only identifiers these queries ever use.
ISSUE_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "rejected": ("rejected_rows", ("file", "line", "column_name", "value", "reason", "raw")),
    "warnings": ("load_warnings", ("file", "line", "column_name", "value", "reason")),
}
# Selected beside the shown columns (not sortable or filterable): the reason's msgid and JSON
# arguments, so the page renders it in the UI language (dashboards.i18n.reason_text).
REASON_COLUMNS = ("reason_template", "reason_args")
NUMBER_COLUMNS = frozenset({"line"})
MAX_BLOCK = 500  # rows per request, whatever the client asks for
TEXT_FILTERS = {
    "contains": ("{c} ILIKE ? ESCAPE '\\'", "%{v}%"),
    "notContains": ("({c} IS NULL OR {c} NOT ILIKE ? ESCAPE '\\')", "%{v}%"),
    "equals": ("lower({c}) = lower(?)", "{v}"),
    "notEqual": ("({c} IS NULL OR lower({c}) <> lower(?))", "{v}"),
    "startsWith": ("{c} ILIKE ? ESCAPE '\\'", "{v}%"),
    "endsWith": ("{c} ILIKE ? ESCAPE '\\'", "%{v}"),
}
NUMBER_FILTERS = {
    "equals": "=",
    "notEqual": "<>",
    "lessThan": "<",
    "lessThanOrEqual": "<=",
    "greaterThan": ">",
    "greaterThanOrEqual": ">=",
}


def _like(text: str) -> str:
    """A value for ILIKE ... ESCAPE '\\': its own wildcards match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _integer(value: object) -> int | None:
    """An integer from a grid filter value (a number or its text), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _condition(column: str, model: dict) -> tuple[str, list] | None:
    """One AG Grid column filter as (SQL, params); None when it is not understood."""
    if not isinstance(model, dict):
        return None
    if isinstance(model.get("conditions"), list):
        found = [_condition(column, m) for m in model["conditions"][:4]]
        parts = [p for p in found if p is not None]
        if not parts:
            return None
        joiner = " OR " if model.get("operator") == "OR" else " AND "
        return "(" + joiner.join(p[0] for p in parts) + ")", [v for p in parts for v in p[1]]
    kind = str(model.get("type"))
    if kind == "blank":
        return f"({column} IS NULL OR CAST({column} AS VARCHAR) = '')", []
    if kind == "notBlank":
        return f"({column} IS NOT NULL AND CAST({column} AS VARCHAR) <> '')", []
    if column in NUMBER_COLUMNS:
        low, high = _integer(model.get("filter")), _integer(model.get("filterTo"))
        if low is None:
            return None
        if kind == "inRange":
            if high is None:
                return None
            return f"{column} BETWEEN ? AND ?", [low, high]
        op = NUMBER_FILTERS.get(kind)
        return (f"{column} {op} ?", [low]) if op else None
    text = model.get("filter")
    if not isinstance(text, str) or kind not in TEXT_FILTERS:
        return None
    sql, pattern = TEXT_FILTERS[kind]
    value = pattern.format(v=_like(text[:200]) if "ILIKE" in sql else text[:200])
    return sql.format(c=column), [value]


def issue_where(kind: str, run_id: str, filter_model: dict | None) -> tuple[str, list]:
    """The WHERE clause of an issue list for a run and a grid filter model (whitelisted columns)."""
    _table, columns = ISSUE_TABLES[kind]
    bits, params = ["run_id = ?"], [run_id]
    for column, model in (filter_model or {}).items() if isinstance(filter_model, dict) else ():
        if column not in columns:
            continue  # only known columns; anything else from the client is dropped
        cond = _condition(column, model)
        if cond:
            bits.append(cond[0])
            params.extend(cond[1])
    return " AND ".join(bits), params


def issue_page(
    kind: str,
    run_id: str,
    start: int,
    end: int,
    sort_model: list | None = None,
    filter_model: dict | None = None,
) -> tuple[pd.DataFrame, int]:
    """One block of rejected rows or warnings (LIMIT/OFFSET as parameters) and the total count.

    Each row also has `reason_template` and `reason_args`, to show the reason in a language.
    """
    table, columns = ISSUE_TABLES[kind]
    start = max(0, int(start))
    limit = max(0, min(int(end) - start, MAX_BLOCK))
    where, params = issue_where(kind, run_id, filter_model)
    order = []
    for item in sort_model or []:
        if isinstance(item, dict) and item.get("colId") in columns:
            direction = "DESC" if item.get("sort") == "desc" else "ASC"
            order.append(f"{item['colId']} {direction} NULLS LAST")
    order += ["file", "line", "column_name", "reason"]  # a stable order for OFFSET paging
    # identifiers from ISSUE_TABLES and fixed words only; every value is a parameter
    frame = db.query(
        f"SELECT {', '.join(columns + REASON_COLUMNS)} FROM {table} WHERE {where} "  # noqa: S608
        f"ORDER BY {', '.join(order)} LIMIT ? OFFSET ?",
        [*params, limit, start],
    )
    total = db.scalar(f"SELECT count(*) FROM {table} WHERE {where}", params)  # noqa: S608
    return frame, int(total or 0)


def issue_count(kind: str, run_id: str) -> int:
    """How many rejected rows or warnings a load has."""
    table, _columns = ISSUE_TABLES[kind]
    return int(db.scalar(f"SELECT count(*) FROM {table} WHERE run_id = ?", [run_id]) or 0)  # noqa: S608
