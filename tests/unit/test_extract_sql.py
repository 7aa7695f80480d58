"""The DuckDB reading path (cells stripped and `_raw`/`_extra` written in SQL) gives the same
RawTable as the Python readers for the same file: title row, Unicode spaces, quotes,
backslashes, cells outside the contract, a row wider than the header, a row of empty cells."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

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
    every = np.arange(len(by_sql.frame))
    assert list(by_sql.raws(every)) == list(by_python.raws(every))
    three, zero = by_python.raws([3])[0], by_python.raws([0])[0]
    assert list(by_sql.raws([3, 0, 3])) == [three, zero, three]  # in the order asked
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
    assert first["name"] == "Alpha" and json.loads(by_sql.raws([0])[0])["name"] == "  Alpha  "
    assert json.loads(first["_extra"]) == {"notes": 'say "hi" \ttoday'}
    assert by_sql.frame.iloc[1]["_extra"] == '{"notes": "spaced"}'
    assert pd.isna(by_sql.frame["_extra"].iloc[3])
    assert by_sql.frame["name"].tolist()[-1] == "Epsilon"
    # a private-use character in a UTF-8 file is the source's own: kept as it is
    assert json.loads(by_sql.raws([2])[0])["name"] == "Delta \ue081"


def test_sql_path_raw_is_json_with_a_tab_in_a_cell(tmp_path, monkeypatch):
    """A tab inside a quoted cell is escaped in `_raw` (the Python path left it bare when the
    column held no quote: not JSON)."""
    rows = ["partner_id,name,status,hq_country", 'P1,"Tab\there",consultative,FRA']
    by_sql, _ = _both(tmp_path, monkeypatch, rows)
    assert json.loads(by_sql.raws([0])[0])["name"] == "Tab\there"


def test_raw_rows_are_read_for_the_rejected_rows_then_released(tmp_path, monkeypatch):
    """Validation asks the grid for the rejected rows' `_raw` only, then frees it."""
    from etl import validate
    from etl.reference import Reference

    by_sql, _ = _both(tmp_path, monkeypatch, [*ROWS[1:], "P6,,consultative,FRA,,"])
    asked = []
    real = by_sql.raw_rows.take
    monkeypatch.setattr(by_sql.raw_rows, "take", lambda pos: asked.append(list(pos)) or real(pos))
    v = validate.validate_partners(by_sql, Reference(), {})
    assert asked == [[len(by_sql.frame) - 1]]  # P6 (no name), and no other row
    assert json.loads(v.rejected["raw"].iloc[-1])["partner_id"] == "P6"
    with pytest.raises(ValueError, match="released"):
        by_sql.raws([0])
