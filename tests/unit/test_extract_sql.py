"""The DuckDB reading path (cells stripped and `_raw`/`_extra` written in SQL) gives the same
RawTable as the Python readers for the same file: title row, Unicode spaces, quotes,
backslashes, cells outside the contract, a row wider than the header, a row of empty cells."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from etl import extract

ROWS = [
    "Partners list 2024",
    "partner_id,name,status,hq_country,notes,",
    'P1,  Alpha  ,consultative,FRA,"say ""hi"" \ttoday",',
    "P2,Beta,consultative,FRA, \u3000spaced\u00a0 ,",
    "P3,Gamma,consultative,FRA,back\\slash,one cell too many",
    "P4,Delta \ue081,consultative,FRA,,",
    ",,,,,",
    "P5,\u2003Epsilon,associate,KEN,,",
]


def _both(tmp_path, monkeypatch, rows: list[str]) -> tuple[extract.RawTable, extract.RawTable]:
    path = tmp_path / "partners.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    calls = []
    real = extract._table_from_sql

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(extract, "_table_from_sql", spy)
    by_sql = extract.read_table(path, "partners")
    assert calls, "the DuckDB path was not taken"
    monkeypatch.setattr(extract, "_read_csv_duckdb", lambda *a, **k: None)
    by_python = extract.read_table(path, "partners")
    assert len(calls) == 1
    return by_sql, by_python


def test_sql_path_reads_as_the_python_path(tmp_path, monkeypatch):
    by_sql, by_python = _both(tmp_path, monkeypatch, ROWS)
    pd.testing.assert_frame_equal(by_sql.frame, by_python.frame)
    assert list(by_sql.frame.dtypes) == list(by_python.frame.dtypes)
    assert by_sql.broken == by_python.broken
    assert [b[0] for b in by_sql.broken] == [5]  # the over-wide row, by its line
    assert by_sql.notes == by_python.notes
    assert np.array_equal(by_sql.line_roles, by_python.line_roles)
    assert (
        by_sql.line_counts
        == by_python.line_counts
        == {
            "physical": 8,
            "rows": 5,
            "continuation": 0,
            "blank": 1,
            "header": 2,
            "rejected_lines": 0,
        }
    )
    assert (by_sql.raw_columns, by_sql.ignored_columns) == (
        by_python.raw_columns,
        by_python.ignored_columns,
    )
    first = by_sql.frame.iloc[0]
    assert first["name"] == "Alpha" and json.loads(first["_raw"])["name"] == "  Alpha  "
    assert json.loads(first["_extra"]) == {"notes": 'say "hi" \ttoday'}
    assert by_sql.frame.iloc[1]["_extra"] == '{"notes": "spaced"}'
    assert pd.isna(by_sql.frame["_extra"].iloc[3])
    assert by_sql.frame["name"].tolist()[-1] == "Epsilon"
    # a private-use character in a UTF-8 file is the source's own: kept as it is
    assert json.loads(by_sql.frame.iloc[2]["_raw"])["name"] == "Delta \ue081"


def test_sql_path_raw_is_json_with_a_tab_in_a_cell(tmp_path, monkeypatch):
    """A tab inside a quoted cell is escaped in `_raw` (the Python path left it bare when the
    column held no quote: not JSON)."""
    rows = ["partner_id,name,status,hq_country", 'P1,"Tab\there",consultative,FRA']
    by_sql, _ = _both(tmp_path, monkeypatch, rows)
    assert json.loads(by_sql.frame.iloc[0]["_raw"])["name"] == "Tab\there"
