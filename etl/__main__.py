"""Command line: `python -m etl load DIR [--db PATH] [--reference DIR] [--replace-all]
[--allow-empty] [--json]`, `python -m etl demo --out DIR`; for the browser upload (issue 13)
`python -m etl stage DIR --out STAGED [--db PATH] ...` (the same load, its file kept aside)
and `python -m etl swap STAGED --based-on RUN [--db PATH]`. `load` writes a "load" event to
the audit log (AUDIT_LOG_PATH)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from etl import audit_log
from etl.extract import ExtractError
from etl.load import (
    DEFAULT_DB,
    EXIT_CANNOT_LOAD,
    EXIT_DISK_FULL,
    EXIT_UNEXPECTED,
    EmptyLoadRefused,
    LoadError,
    latest_run_id,
    load_directory,
    summary_json,
    summary_text,
    swap_staged,
)
from etl.reference import REFERENCE_DIR
from etl.reference_check import ReferenceInvalid

EXIT_INTERRUPTED = 130
UNCHANGED = "the previous warehouse is unchanged"


class _UsageError(Exception):
    """A command line argparse refused (reported as JSON too when --json is given)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage and exits; we answer like a failure
        raise _UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p_load = sub.add_parser("load", help="load a folder of input files into a new warehouse")
    p_load.add_argument("directory", type=Path)
    p_load.add_argument(
        "--db", type=Path, default=None, help=f"warehouse file (default {DEFAULT_DB})"
    )
    p_load.add_argument(
        "--reference",
        type=Path,
        default=None,
        help=f"reference data folder (default {REFERENCE_DIR}); validated before it is used",
    )
    p_load.add_argument(
        "--replace-all",
        action="store_true",
        help="start from nothing: datasets without a file in DIR are left empty, not kept",
    )
    p_load.add_argument(
        "--allow-empty",
        action="store_true",
        help="load even when a dataset would be left without a row (every row rejected)",
    )
    p_load.add_argument("--json", action="store_true", help="print the summary (or error) as JSON")
    p_stage = sub.add_parser(
        "stage", help="the same load, into a staged file beside the warehouse (not swapped in)"
    )
    p_stage.add_argument("directory", type=Path)
    p_stage.add_argument("--out", type=Path, required=True, help="the staged warehouse file")
    p_stage.add_argument("--db", type=Path, default=None)
    p_stage.add_argument("--reference", type=Path, default=None)
    p_stage.add_argument("--replace-all", action="store_true")
    p_stage.add_argument("--allow-empty", action="store_true")
    p_stage.add_argument("--json", action="store_true")
    p_swap = sub.add_parser(
        "swap", help="move a staged warehouse in, if the warehouse is unchanged"
    )
    p_swap.add_argument("staged", type=Path)
    p_swap.add_argument("--db", type=Path, default=None)
    p_swap.add_argument(
        "--based-on", default="", help="the run the staged file was built from ('' for none)"
    )
    p_swap.add_argument("--json", action="store_true")
    p_demo = sub.add_parser("demo", help="write demo input files")
    p_demo.add_argument("--out", type=Path, required=True)
    p_demo.add_argument("--seed", type=int, default=42)
    p_demo.add_argument("--activities", type=int, default=6000)
    return parser


_FAILURES: list[str] = []  # this run's failure message, for the audit event


def _fail(as_json: bool, code: int, error_code: str, message: str, **extra) -> int:
    """Report a failure: one line on stderr, and the same as JSON on stdout with --json."""
    print(f"error: {message}", file=sys.stderr)
    _FAILURES.append(message)
    if as_json:
        answer = {"ok": False, "error": message, "error_code": error_code, "exit": code, **extra}
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    as_json = "--json" in argv
    try:
        args = _parser().parse_args(argv)
    except _UsageError as e:
        return _fail(as_json, EXIT_CANNOT_LOAD, "usage", str(e))
    code = _run(args, as_json)
    if args.command == "load":
        _audit_cli_load(args, code)
    return code


_OUTCOMES = {
    0: "loaded",
    EXIT_UNEXPECTED: "failed",
    EXIT_INTERRUPTED: "failed",
    EXIT_DISK_FULL: "failed",
}


def _audit_cli_load(args: argparse.Namespace, code: int) -> None:
    """The CLI load's audit event (files with sha256, outcome, counts); never fails the load."""
    summary = getattr(args, "summary", None)
    db = args.db or Path(os.environ.get("WAREHOUSE_PATH", str(DEFAULT_DB)))
    try:
        kinds = {f["file"]: f["kind"] for f in (summary or {}).get("files", [])}
        files = [{**f, "kind": kinds.get(f["name"])} for f in audit_log.input_files(args.directory)]
        audit_log.record_load(
            audit_log.audit_path(),
            files=files,
            outcome=_OUTCOMES.get(code, "refused"),
            counts=audit_log.counts_of(summary or {}),
            reference_changes=audit_log.change_texts(summary or {}),
            message=_FAILURES[-1] if code and _FAILURES else None,
            warehouse_version=latest_run_id(db),
        )
    except Exception as e:  # an unwritable log is said, the load's outcome stands
        print(f"warning: audit log not written: {type(e).__name__}: {e}", file=sys.stderr)


def _run(args: argparse.Namespace, as_json: bool) -> int:
    """Run a parsed command; return the exit status (failures reported by `_fail`)."""
    try:
        if args.command in ("load", "stage"):
            db = args.db or Path(os.environ.get("WAREHOUSE_PATH", str(DEFAULT_DB)))
            summary = load_directory(
                args.directory,
                db,
                args.reference or REFERENCE_DIR,
                replace_all=args.replace_all,
                allow_empty=args.allow_empty,
                stage_to=args.out if args.command == "stage" else None,
            )
            args.summary = summary.to_json()
            print(summary_json(summary) if args.json else summary_text(summary))
            return 0
        if args.command == "swap":
            db = args.db or Path(os.environ.get("WAREHOUSE_PATH", str(DEFAULT_DB)))
            now = swap_staged(args.staged, db, args.based_on or None)
            answer = {"ok": True, "db": str(db), "run_id": now}
            print(json.dumps(answer) if args.json else f"swapped in {args.staged} (run {now})")
            return 0
        from etl.demo import write_demo

        paths = write_demo(args.out, seed=args.seed, n_activities=args.activities)
        print("\n".join(f"wrote {p}" for p in paths.values()))
        return 0
    except ReferenceInvalid as e:
        problems = [p.to_json() for p in e.problems]
        return _fail(
            as_json,
            EXIT_CANNOT_LOAD,
            "bad_reference",
            f"load failed, {UNCHANGED}: {e}",
            problems=problems,
        )
    except EmptyLoadRefused as e:
        files = [
            {
                "file": f.file,
                "kind": f.kind,
                "rows_in": f.rows_in,
                "loaded": f.loaded,
                "rejected": f.rejected,
                "top_reasons": [{"reason": r, "rows": n} for r, n in f.top_reasons],
            }
            for f in e.files
        ]
        return _fail(
            as_json, e.exit_code, e.error_code, f"load refused, {UNCHANGED}: {e}", files=files
        )
    except LoadError as e:
        return _fail(as_json, e.exit_code, e.error_code, f"load failed, {UNCHANGED}: {e}")
    except ExtractError as e:
        return _fail(as_json, EXIT_CANNOT_LOAD, "bad_input", f"load failed, {UNCHANGED}: {e}")
    except KeyboardInterrupt:
        return _fail(as_json, EXIT_INTERRUPTED, "interrupted", f"interrupted; {UNCHANGED}")
    except Exception as e:  # the promise is one clear line, never a traceback
        if os.environ.get("ETL_DEBUG"):
            raise
        return _fail(
            as_json,
            EXIT_UNEXPECTED,
            "unexpected",
            f"{type(e).__name__}: {e} ({UNCHANGED}; set ETL_DEBUG=1 for details)",
        )


if __name__ == "__main__":
    sys.exit(main())
