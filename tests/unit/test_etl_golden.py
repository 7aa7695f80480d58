"""Every fixture folder loads exactly as the golden outputs say (tests/fixtures/etl_golden).

The goldens were written by `python -m tests.etl_golden` from the ETL before its row
validation moved into SQL (branch etl-sql): loaded tables, bridges, rejected rows and warnings
(file, line, column, value, reason, reason_template, reason_args, raw) must stay identical.
"""

from __future__ import annotations

import json

import pytest

from tests.etl_golden import GOLDEN, cases, dump, snapshot

CASES = cases()


def test_every_case_has_a_golden_file():
    """A fixture folder added without its golden output is caught here."""
    assert {p.stem for p in GOLDEN.glob("*.json")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_load_matches_golden(name, tmp_path):
    want = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    got = json.loads(dump(snapshot(CASES[name], tmp_path)))
    assert got.keys() == want.keys(), name
    if "error" in want:
        assert got == want
        return
    assert got["skipped_files"] == want["skipped_files"]
    for table, rows in want["tables"].items():
        assert got["tables"][table] == rows, f"{name}: table {table} differs"
