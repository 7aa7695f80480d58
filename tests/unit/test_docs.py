"""The documentation follows the code: every warehouse table, view and column is in
docs/data-model.md, every input column and header alias is in docs/data-contract.md, and the
example queries run."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from etl.extract import COLUMNS, REQUIRED

ROOT = Path(__file__).resolve().parents[2]
SQL = [ROOT / "etl" / "schema.sql", ROOT / "etl" / "derived.sql"]
MODEL = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
CONTRACT = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")


def _created() -> list[str]:
    names = []
    for path in SQL:
        text = path.read_text(encoding="utf-8")
        names += re.findall(r"(?im)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW)\s+(\w+)", text)
    return names


@pytest.fixture(scope="module")
def empty_warehouse():
    """An in-memory database with the schema and derived objects (no data)."""
    con = duckdb.connect()
    for path in SQL:
        con.execute(path.read_text(encoding="utf-8"))
    yield con
    con.close()


def test_sql_creates_what_we_expect():
    names = _created()
    assert {"partners", "activities", "rejected_rows", "activity_facts", "v_partners"} <= set(names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", _created())
def test_every_table_and_view_is_documented(name):
    assert re.search(rf"`{name}`|^###? {name}\b", MODEL, re.M), f"{name} not in docs/data-model.md"


def test_every_column_is_documented(empty_warehouse):
    rows = empty_warehouse.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    assert len(rows) > 100
    missing = [f"{t}.{c}" for t, c in rows if f"`{c}`" not in MODEL]
    assert not missing, f"columns not in docs/data-model.md: {missing}"


@pytest.mark.parametrize(
    ("kind", "column"), [(k, c) for k, columns in COLUMNS.items() for c in columns]
)
def test_every_contract_column_is_documented(kind, column):
    section = CONTRACT.split(f"### {kind}\n", 1)[1].split("\n### ", 1)[0]
    row = next((line for line in section.splitlines() if line.startswith(f"| `{column}` |")), None)
    assert row is not None, f"{kind}.{column} not in docs/data-contract.md"
    assert ("**yes**" in row) == (column in REQUIRED[kind]), f"{kind}.{column}: required?"
    cells = row.lower()
    for alias in COLUMNS[kind][column]:
        assert alias in cells, f"{kind}.{column}: alias {alias!r} not documented"


def test_example_queries_run(tmp_path):
    from etl.load import load_directory

    source = ROOT / "tests" / "fixtures" / "bad" / "french_headers"
    db = tmp_path / "w.duckdb"
    load_directory(source, db)
    queries = re.findall(r"```sql\n(.*?)```", MODEL + CONTRACT, re.S)
    assert len(queries) >= 8
    con = duckdb.connect(str(db), read_only=True)
    try:
        for q in queries:
            con.execute(q).fetchall()
    finally:
        con.close()
