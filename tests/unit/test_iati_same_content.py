"""The fast IATI path gives the warehouse content the per-element path gave (issue 10 speed).

`tests/fixtures/iati/golden/*.json` hold, for each table an IATI load fills from its input, the
row count and digests of the sorted rows and of each column, of warehouses built by the
per-element mapping (main 8b340ce, before the fast path) from the fixtures and from a generated
3,000-activity bench file. Tables and columns other work adds later are not compared; reference
and derived tables are left out. Regenerate them only when a rule changes on purpose:
`.venv/bin/python tests/unit/test_iati_same_content.py --write`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.iati import generate  # noqa: E402
from etl import iati  # noqa: E402
from etl.load import DATASET_TABLES, load_directory  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "iati"
GOLDEN = FIXTURES / "golden"
# Columns that differ from run to run (ids, clocks, the folder's path), not content.
VOLATILE = {"run_id", "source_run_id", "source_dir", "started_at", "finished_at", "loaded_at"}


def _cell(v: object) -> object:
    if isinstance(v, float):
        return round(v, 6)
    if v is None or isinstance(v, (int, str, bool)):
        return v
    return str(v)


# The tables an IATI load fills from its input (reference and derived tables, which other work
# may change, are left out); columns added later are not compared, columns of the digest are.
TABLES = (*DATASET_TABLES["activities"], "partners", "rejected_rows", "load_warnings", "etl_files")


def digest(db: Path) -> dict[str, dict[str, object]]:
    """{table: {rows, columns: {column: sha256 of the sorted (row key, value) pairs}}}."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in TABLES:
            cols = [
                r[0]
                for r in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = ? ORDER BY ordinal_position",
                    [t],
                ).fetchall()
                if r[0] not in VOLATILE and not r[1].startswith("TIMESTAMP")
            ]
            names = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'SELECT {names} FROM "{t}"').fetchall()  # noqa: S608 - catalogue names
            lines = sorted(json.dumps([_cell(v) for v in r], default=str) for r in rows)
            columns = {}
            for i, c in enumerate(cols):
                values = sorted(json.dumps(_cell(r[i]), default=str) for r in rows)
                columns[c] = hashlib.sha256("\n".join(values).encode()).hexdigest()
            whole = hashlib.sha256("\n".join(lines).encode()).hexdigest()
            out[t] = {"rows": len(rows), "sha256": whole, "columns": columns}
        return out
    finally:
        con.close()


def _same(got: dict, expected: dict) -> dict:
    """Tables whose rows or columns (those of the digest) differ: {table: what differs}."""
    differ = {}
    for t, exp in expected.items():
        g = got[t]
        cols = {c for c in exp["columns"] if g["columns"].get(c) != exp["columns"][c]}
        if g["rows"] != exp["rows"] or cols:
            differ[t] = {"rows": (g["rows"], exp["rows"]), "columns": sorted(cols)}
        elif set(g["columns"]) == set(exp["columns"]) and g["sha256"] != exp["sha256"]:
            differ[t] = {"rows as a whole": (g["sha256"], exp["sha256"])}
    return differ


def _bench_folder(tmp: Path) -> Path:
    src = tmp / "bench"
    src.mkdir()
    (src / "partners.csv").write_text(
        "partner_id,name,acronym,partner_type,status\n"
        "EI,Education International,EI,NGO,associate\n",
        encoding="utf-8",
    )
    generate(src / "bench-activities.xml", 3000)
    return src


CASES = {"fixtures": lambda tmp: FIXTURES / "load", "bench3000": _bench_folder}


@pytest.mark.parametrize("processes", ["one", "two"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_fast_path_fills_every_table_as_the_element_path_did(
    tmp_path, monkeypatch, case, processes
):
    # "two": files of 1,000 activities or more are read by two processes (etl.iati._read_parallel).
    monkeypatch.setattr(iati, "PARALLEL_MIN", 1000 if processes == "two" else 10**9)
    parallel = []
    read_parallel = iati._read_parallel

    def spy_keep(*args):
        result = read_parallel(*args)
        parallel.append(result is not None)
        return result

    monkeypatch.setattr(iati, "_read_parallel", spy_keep)
    expected = json.loads((GOLDEN / f"{case}.json").read_text())
    db = tmp_path / "w.duckdb"
    load_directory(CASES[case](tmp_path), db)
    if case == "bench3000":  # the one file large enough: read by two processes when asked
        assert parallel == [processes == "two"]
    assert not _same(digest(db), expected)


def _two_part_file(tmp: Path, tail: str) -> Path:
    """A generated 3,000-activity file with `tail` inserted before its last activity."""
    src = _bench_folder(tmp)
    xml = src / "bench-activities.xml"
    text = xml.read_text(encoding="utf-8")
    cut = text.rindex("<iati-activity ")
    xml.write_text(text[:cut] + tail + text[cut:], encoding="utf-8")
    return src


def test_two_parts_sharing_an_id_are_read_again_as_one(tmp_path, monkeypatch):
    first = "XM-DAC-41304-BENCH-0000003"  # in the first process's part
    dup = (
        f'<iati-activity xml:lang="en"><iati-identifier>{first}</iati-identifier>'
        "<title><narrative>Again</narrative></title>"
        '<sector vocabulary="1" code="11110"/></iati-activity>\n'
    )
    src = _two_part_file(tmp_path, dup)
    results = {}
    for processes, minimum in (("one", 10**9), ("two", 1000)):
        monkeypatch.setattr(iati, "PARALLEL_MIN", minimum)
        db = tmp_path / f"{processes}.duckdb"
        load_directory(src, db)
        results[processes] = digest(db)
        con = duckdb.connect(str(db), read_only=True)
        rejected = con.execute(
            "SELECT value, reason, raw LIKE '%Again%' FROM rejected_rows"
        ).fetchall()
        con.close()
        assert rejected == [
            (first, "duplicate activity id (first seen at bench-activities.xml:6)", True)
        ]
    assert not _same(results["two"], results["one"])


def test_broken_xml_in_the_second_part_stops_the_load_as_before(tmp_path, monkeypatch):
    src = _two_part_file(tmp_path, "<iati-activity><oops></iati-activity>\n")
    messages = []
    for minimum in (10**9, 1000):
        monkeypatch.setattr(iati, "PARALLEL_MIN", minimum)
        with pytest.raises(iati.IatiError) as e:
            load_directory(src, tmp_path / "w.duckdb")
        messages.append(str(e.value))
    assert messages[0] == messages[1]
    assert "not well-formed XML" in messages[0] and "line 3002" in messages[0]
    assert not (tmp_path / "w.duckdb").exists()


def test_a_large_file_with_a_doctype_is_refused_when_read_by_two_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(iati, "PARALLEL_MIN", 1000)
    src = _bench_folder(tmp_path)
    xml = src / "bench-activities.xml"
    text = xml.read_text(encoding="utf-8")
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    xml.write_text(
        head + '<!DOCTYPE iati-activities SYSTEM "http://127.0.0.1:9/x.dtd">\n' + text[len(head) :],
        encoding="utf-8",
    )
    with pytest.raises(iati.IatiError, match="declares a DOCTYPE"):
        load_directory(src, tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()
