"""What a load makes of a fixture folder, as plain JSON: the golden outputs of the ETL.

`python -m tests.etl_golden` (re)writes `tests/fixtures/etl_golden/*.json` from the current
code; `tests/unit/test_etl_golden.py` loads every fixture folder again and compares. The
snapshot holds every table a load fills from input rows (DATASET_TABLES), the rejected rows,
the warnings and the per-file bookkeeping, row for row; it leaves out what changes from run
to run (run ids, timestamps, the warehouse path) and the derived tables (etl/derived.sql,
rebuilt from these). A failed load is its exception's class and message.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = FIXTURES / "etl_golden"
_VOLATILE = {"run_id", "source_run_id"}


def cases() -> dict[str, Path]:
    """Every fixture folder of input files the ETL reads (name → folder)."""
    out = {
        name: FIXTURES / name for name in ("small", "display", "realworld", "realworld_lifecycle")
    }
    for p in sorted((FIXTURES / "bad").iterdir()):
        if p.is_dir():
            out[f"bad-{p.name}"] = p
    return out


def _prepare(case: Path, work: Path) -> tuple[Path, dict, list[str]]:
    """The case's inputs copied to `work/in` with its setup made (as tests/unit/test_cli.py)."""
    expected_file = case / "expected.json"
    expected = json.loads(expected_file.read_text("utf-8")) if expected_file.exists() else {}
    source = work / "in"
    source.mkdir(parents=True)
    for p in case.iterdir():
        if p.is_file() and p.name not in ("expected.json", "README.md", "make_fixtures.py"):
            shutil.copyfile(p, source / p.name)
    for entry in expected.get("setup", []):
        if "fifo" in entry:
            os.mkfifo(source / entry["fifo"])
        elif "dir" in entry:
            (source / entry["dir"]).mkdir()
            (source / entry["dir"] / "inside.csv").write_text("partner_id,name\nX1,Inside\n")
        elif "symlink" in entry:
            target = work / "outside" / "target.csv"
            target.parent.mkdir(exist_ok=True)
            target.write_text(entry["outside"], encoding="utf-8")
            (source / entry["symlink"]).symlink_to(target)
    return source, expected.get("env", {}), expected.get("args", [])


def _plain(value: object) -> object:
    """A cell as JSON can hold it, the same for equal values."""
    if isinstance(value, float):
        return None if math.isnan(value) else repr(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def _tables(db: Path) -> dict[str, list]:
    from etl.load import DATASET_TABLES

    names = [t for tables in DATASET_TABLES.values() for t in tables]
    names += ["rejected_rows", "load_warnings", "etl_files", "etl_datasets"]
    con = duckdb.connect(str(db), read_only=True)
    out: dict[str, list] = {}
    try:
        for table in names:
            cols = [
                c
                for c, kind in con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() "
                    "WHERE table_name = ? ORDER BY column_index",
                    [table],
                ).fetchall()
                if c not in _VOLATILE and not kind.startswith("TIMESTAMP")
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f"SELECT {select} FROM {table}").fetchall()  # noqa: S608 - ours
            plain = [[_plain(v) for v in r] for r in rows]
            plain.sort(key=lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True))
            out[table] = {"columns": cols, "rows": plain}
    finally:
        con.close()
    return out


def snapshot(case: Path, work: Path) -> dict:
    """Load one fixture folder into a fresh warehouse under `work`; its tables as JSON."""
    from etl.load import load_directory

    source, env, args = _prepare(case, work)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        summary = load_directory(
            source,
            work / "warehouse.duckdb",
            allow_empty="--allow-empty" in args,
            replace_all="--replace-all" in args,
        )
    except Exception as e:  # the refusal is the outcome to compare
        return {"error": type(e).__name__, "message": str(e).replace(str(work), "<work>")}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {
        "skipped_files": summary.skipped_files,
        "tables": _tables(work / "warehouse.duckdb"),
    }


def dump(data: dict) -> str:
    """The snapshot as stable text."""
    return json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def main() -> int:
    """Rewrite every golden file from the current code."""
    import tempfile

    GOLDEN.mkdir(exist_ok=True)
    for name, case in cases().items():
        with tempfile.TemporaryDirectory() as tmp:
            (GOLDEN / f"{name}.json").write_text(dump(snapshot(case, Path(tmp))), "utf-8")
        print(name, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
