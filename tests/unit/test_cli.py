"""The command line, and the corpus of bad inputs under `tests/fixtures/bad/`.

Each folder of `tests/fixtures/bad/` is one case: input files and an `expected.json` saying what
the CLI must do with them. Adding a case is adding a folder; `expected.json` keys:

- `exit` (required): the exit status.
- `message_contains`: for a failed load, a text the one-line error must contain.
- `files`: per input file, any of rows_in, loaded, rejected, warnings, encoding, as in `--json`.
  The set of files must be exactly the one listed.
- `reasons` / `warnings`: texts each found in some rejected_rows / load_warnings reason.
- `rejected_lines` / `warning_lines`: per file, the exact sorted distinct lines.
- `ignored_columns`, `skipped_files`: as in `--json`.
- `args`: further command-line arguments, e.g. `["--allow-empty"]` for a case whose datasets
  load no row (refused otherwise).
- `sql`: `[{"query": ..., "rows": [[...], ...]}]` run on the new warehouse (dates cast to
  VARCHAR in the query; JSON null is NULL).
- `message_excludes`: texts the one-line error (and stdout) must not contain.
- `env`: environment variables set for the run (limits).
- `setup`: entries git cannot store, made in the input folder before the run:
  `{"fifo": NAME}`, `{"dir": NAME}`, `{"symlink": NAME, "outside": CONTENT}` (a link to a file
  with that content outside the input folder).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

CASES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "bad"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())
KNOWN_KEYS = {
    "description",
    "exit",
    "message_contains",
    "files",
    "reasons",
    "warnings",
    "rejected_lines",
    "warning_lines",
    "ignored_columns",
    "skipped_files",
    "sql",
    "args",
    "message_excludes",
    "env",
    "setup",
}


def _copy_inputs(case: str, to: Path) -> Path:
    """The case's input files (not expected.json) in a fresh folder."""
    to.mkdir()
    for p in (CASES_DIR / case).iterdir():
        if p.name != "expected.json":
            shutil.copyfile(p, to / p.name)
    return to


def _setup(entries: list[dict], folder: Path) -> None:
    """Make the FIFOs, folders and symbolic links a case needs in its input folder."""
    for entry in entries:
        if "fifo" in entry:
            os.mkfifo(folder / entry["fifo"])
        elif "dir" in entry:
            (folder / entry["dir"]).mkdir()
            (folder / entry["dir"] / "inside.csv").write_text("partner_id,name\nX1,Inside\n")
        elif "symlink" in entry:
            target = folder.parent / "outside" / "target.csv"
            target.parent.mkdir(exist_ok=True)
            target.write_text(entry["outside"], encoding="utf-8")
            (folder / entry["symlink"]).symlink_to(target)


def test_corpus_is_complete():
    """The corpus covers the cases the issue lists, each with an expected outcome."""
    assert len(CASES) >= 20
    for case in CASES:
        expected = json.loads((CASES_DIR / case / "expected.json").read_text(encoding="utf-8"))
        assert set(expected) <= KNOWN_KEYS, f"{case}: unknown keys {set(expected) - KNOWN_KEYS}"
        assert "exit" in expected and "description" in expected, case
        assert (expected["exit"] == 0) == ("message_contains" not in expected), case
        inputs = [p for p in (CASES_DIR / case).iterdir() if p.name != "expected.json"]
        assert inputs, f"{case}: no input file"


@pytest.mark.parametrize("case", CASES)
def test_bad_input_case(case, tmp_path, run_cli, monkeypatch):
    expected = json.loads((CASES_DIR / case / "expected.json").read_text(encoding="utf-8"))
    source = _copy_inputs(case, tmp_path / "in")
    _setup(expected.get("setup", []), source)
    for name, value in expected.get("env", {}).items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "out" / "warehouse.duckdb"

    code, out, err = run_cli("load", source, "--db", db, "--json", *expected.get("args", []))

    assert code == expected["exit"], f"{case}: exit {code}\nstdout: {out}\nstderr: {err}"
    for text in expected.get("message_excludes", []):
        assert text not in err and text not in out, f"{case}: {text!r} printed"
    if code != 0:
        answer = json.loads(out)  # --json answers in JSON on failure too
        assert answer["ok"] is False and answer["exit"] == code
        assert expected["message_contains"] in answer["error"]
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
        assert expected["message_contains"] in err
        assert not db.exists(), "a failed load must not write a warehouse"
        assert not list(tmp_path.rglob("*.building-*"))
        return

    summary = json.loads(out)
    assert summary["status"] == "succeeded"
    files = {f["file"]: f for f in summary["files"]}
    assert set(files) == set(expected["files"])
    for name, want in expected["files"].items():
        got = files[name]
        assert got["rows_in"] == got["loaded"] + got["rejected"], name
        assert {k: got[k] for k in want} == want, name
    for name, want in expected.get("ignored_columns", {}).items():
        assert files[name]["ignored_columns"] == want
    if "skipped_files" in expected:
        assert summary["skipped_files"] == expected["skipped_files"]

    con = duckdb.connect(str(db), read_only=True)
    try:
        reasons = [r for (r,) in con.execute("SELECT reason FROM rejected_rows").fetchall()]
        for text in expected.get("reasons", []):
            assert any(text in r for r in reasons), f"no rejection {text!r} in {reasons}"
        warns = [r for (r,) in con.execute("SELECT reason FROM load_warnings").fetchall()]
        for text in expected.get("warnings", []):
            assert any(text in w for w in warns), f"no warning {text!r} in {warns}"
        for table, key in (("rejected_rows", "rejected_lines"), ("load_warnings", "warning_lines")):
            for name, lines in expected.get(key, {}).items():
                got = con.execute(
                    f"SELECT DISTINCT line FROM {table} WHERE file = ? ORDER BY line",  # noqa: S608
                    [name],
                ).fetchall()
                assert [line for (line,) in got] == lines, f"{table} lines of {name}"
        # The warehouse's bookkeeping agrees with the printed summary.
        for name, f in files.items():
            row = con.execute(
                "SELECT rows_in, loaded, rejected, warnings, sha256 FROM etl_files WHERE file = ?",
                [name],
            ).fetchone()
            assert row == (f["rows_in"], f["loaded"], f["rejected"], f["warnings"], f["sha256"])
            n_rej = con.execute("SELECT count(*) FROM rejected_rows WHERE file = ?", [name])
            assert n_rej.fetchone()[0] == f["rejected"]
        for check in expected.get("sql", []):
            rows = json.loads(json.dumps(con.execute(check["query"]).fetchall()))
            assert rows == check["rows"], check["query"]
    finally:
        con.close()


def test_text_summary_is_readable(write_inputs, run_cli, tmp_path):
    source = write_inputs(
        {
            "partners.csv": [
                ["partner_id", "name", "status", "hq_country", "fields"],
                ["P1", "Alpha", "consultative", "FRA", "ED"],
                ["P2", "Beta", "consultative", "FRA", "Magic"],
            ],
            "notes.docx": b"not an input",
        }
    )
    code, out, err = run_cli("load", source, "--db", tmp_path / "w.duckdb")
    assert code == 0, err
    lines = out.splitlines()
    row = next(line for line in lines if line.startswith("partners.csv"))
    assert row.split() == ["partners.csv", "2", "1", "1", "0"]
    assert any("rejected 1 × unknown field of competence" in line for line in lines)
    assert next(line for line in lines if line.startswith("total")).split()[1:] == [
        "2",
        "1",
        "1",
        "0",
    ]
    assert "Not input files (skipped): notes.docx" in out
    assert "rejected_rows" in out


def test_missing_folder_is_one_line_error(run_cli, tmp_path):
    code, out, err = run_cli("load", tmp_path / "nope", "--db", tmp_path / "w.duckdb")
    assert code == 2
    assert out == ""
    assert err.strip().count("\n") == 0
    assert "is not a folder" in err and "previous warehouse is unchanged" in err


def test_unexpected_error_is_one_line_without_traceback(
    run_cli, write_inputs, tmp_path, monkeypatch
):
    import etl.__main__ as cli

    def boom(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "load_directory", boom)
    source = write_inputs({"partners.csv": [["partner_id", "name"], ["P1", "A"]]})
    code, out, err = run_cli("load", source, "--db", tmp_path / "w.duckdb")
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "RuntimeError: disk on fire" in err and "Traceback" not in err


def test_json_summary_shape(write_inputs, run_cli, tmp_path):
    source = write_inputs(
        {"partners.csv": [["partner_id", "name", "status"], ["P1", "A", "associate"]]}
    )
    code, out, _ = run_cli("load", source, "--db", tmp_path / "w.duckdb", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["totals"] == {"rows_in": 1, "loaded": 1, "rejected": 0, "warnings": 0}
    (f,) = summary["files"]
    assert {"file", "rows_in", "loaded", "rejected", "warnings"} <= set(f)
    assert f["file"] == "partners.csv" and f["kind"] == "partners" and len(f["sha256"]) == 64


# -- answers in JSON, update loads, exit statuses ------------------------------------------------


def test_json_success_says_ok_and_where_each_dataset_came_from(write_inputs, run_cli, tmp_path):
    db = tmp_path / "w.duckdb"
    full = write_inputs(
        {
            "partners.csv": [["partner_id", "name", "status"], ["P1", "A", "associate"]],
            "activities.csv": [
                ["activity_id", "partner_ids", "title", "field"],
                ["A1", "P1", "Workshop", "ED"],
            ],
        }
    )
    code, out, _ = run_cli("load", full, "--db", db, "--json")
    first = json.loads(out)
    assert code == 0 and first["ok"] is True and first["mode"] == "update"
    partners_only = write_inputs(
        {"partners.csv": [["partner_id", "name", "status"], ["P1", "A renamed", "associate"]]}
    )
    code, out, _ = run_cli("load", partners_only, "--db", db, "--json")
    second = json.loads(out)
    assert code == 0 and second["ok"] is True
    assert [
        (d["dataset"], d["action"], d["source_run_id"], d["rows"]) for d in second["datasets"]
    ] == [
        ("partners", "loaded", second["run_id"], 1),
        ("activities", "kept", first["run_id"], 1),
        ("participation", "none", None, 0),
        ("status_events", "none", None, 0),
        ("reports", "none", None, 0),
    ]
    code, out, _ = run_cli("load", partners_only, "--db", db)
    assert code == 0
    # Still the run whose files gave the activities, not the run that last kept them.
    assert f"activities             1 rows  kept from run {first['run_id']}" in out

    code, out, _ = run_cli("load", partners_only, "--db", db, "--json", "--replace-all")
    third = json.loads(out)
    assert third["mode"] == "replace_all" and third["datasets"][1]["action"] == "none"


def test_json_failure_answers_in_json(run_cli, tmp_path):
    code, out, err = run_cli("load", tmp_path / "nope", "--db", tmp_path / "w.duckdb", "--json")
    assert code == 2
    answer = json.loads(out)
    assert answer["ok"] is False and answer["exit"] == 2 and answer["error_code"] == "bad_input"
    assert "is not a folder" in answer["error"]
    assert len(err.strip().splitlines()) == 1


def test_json_usage_error_answers_in_json(run_cli, tmp_path):
    code, out, err = run_cli("load", "--json", "--no-such-option")
    assert code == 2
    answer = json.loads(out)
    assert answer["ok"] is False and answer["error_code"] == "usage"
    assert "--no-such-option" in answer["error"] or "required" in answer["error"]
    code, out, err = run_cli("load", "--no-such-option")
    assert code == 2 and out == "" and err.startswith("error: ")


def test_refused_empty_load_lists_its_files_in_json(write_inputs, run_cli, tmp_path):
    source = write_inputs({"partners.csv": [["partner_id", "name"], ["P1", ""], ["P2", ""]]})
    db = tmp_path / "w.duckdb"
    code, out, err = run_cli("load", source, "--db", db, "--json")
    assert code == 2 and not db.exists()
    answer = json.loads(out)
    assert answer["error_code"] == "empty_load" and "--allow-empty" in answer["error"]
    assert answer["files"][0]["rejected"] == 2
    assert answer["files"][0]["top_reasons"] == [{"reason": "name is required", "rows": 2}]
    code, out, _ = run_cli("load", source, "--db", db, "--json", "--allow-empty")
    assert code == 0 and json.loads(out)["totals"]["loaded"] == 0


def test_a_busy_warehouse_exits_3(write_inputs, run_cli, tmp_path):
    from etl.load import EXIT_BUSY, exclusive_load

    source = write_inputs(
        {"partners.csv": [["partner_id", "name", "status"], ["P1", "A", "associate"]]}
    )
    db = tmp_path / "w.duckdb"
    with exclusive_load(db):
        code, out, err = run_cli("load", source, "--db", db, "--json")
    assert code == EXIT_BUSY == 3
    assert json.loads(out)["error_code"] == "busy" and "another load" in err
