"""The three CSV readers (DuckDB, pandas C parser, csv module) agree cell for cell and line for line."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl import extract
from etl.demo import write_demo


def _cells(sql: extract._SqlGrid) -> tuple[pd.DataFrame, np.ndarray]:
    """The DuckDB reader's grid as a frame of cells (as given, '' where a row is short)."""
    try:
        cells = ", ".join(sql.cell(i) for i in range(len(sql.names)))
        rows = sql.con.execute(f"SELECT {cells} FROM grid ORDER BY rowid").fetchall()  # noqa: S608
    finally:
        sql.con.close()
    return pd.DataFrame(rows, columns=range(len(sql.names))), sql.lines


def test_fast_readers_match_the_exact_reader(tmp_path):
    paths = write_demo(tmp_path, seed=3, n_activities=400)
    for path in paths.values():
        text = path.read_text(encoding="utf-8")
        n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        roles = np.zeros(n_lines, dtype=np.uint8)
        kind = path.name.removesuffix(".csv")
        limits = extract.Limits()
        exact, exact_lines, issues = extract._read_text_exact(path, text, ",", kind, limits, roles)
        assert issues == [] and (roles == extract.RECORD).all()
        sql = extract._read_csv_duckdb(path, path.read_bytes(), ",", n_lines)
        pand = extract._read_text_fast(text, ",")
        assert sql is not None and pand is not None, path.name
        for grid, lines in (_cells(sql), pand):
            assert np.array_equal(lines, exact_lines)
            assert grid.shape == exact.shape
            assert (grid.to_numpy() == exact.to_numpy()).all(), path.name


def test_duckdb_reader_declines_what_it_cannot_number(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text('partner_id,name\nP1,"two\nlines"\n\nP2,x\n', encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert extract._read_csv_duckdb(path, path.read_bytes(), ",", text.count("\n")) is None
    table = extract.read_table(path, "partners")
    assert table.frame["_line"].tolist() == [2, 5]  # the record starts on line 2; a blank line 4


def test_duckdb_reads_the_file_read_never_its_name_as_a_pattern(tmp_path):
    for name, ids in (("partners1.csv", ["X1"]), ("partners2.csv", ["X2"])):
        (tmp_path / name).write_text("partner_id,name\n" + "".join(f"{i},n\n" for i in ids))
    path = tmp_path / "partners[12].csv"
    path.write_text("partner_id,name\nG1,a\nG2,b\n")
    data, identity = extract._read_input(path)
    sql = extract._read_csv_duckdb(path, data, ",", 3, None, identity)
    assert sql is not None
    grid, lines = _cells(sql)
    assert grid[0].tolist() == ["partner_id", "G1", "G2"] and lines.tolist() == [1, 2, 3]
    # A file changed since it was read is not handed to DuckDB: the bytes read earlier win.
    path.write_text("partner_id,name\nG1,a\nG2,b\nG3,c\n")
    assert extract._same_file(path, identity) is None
