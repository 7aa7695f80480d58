"""Command line: `python -m etl load DIR [--db PATH] [--reference DIR] [--replace-all]
[--allow-empty] [--json]`, `python -m etl demo --out DIR`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from etl.extract import ExtractError
from etl.load import (
    DEFAULT_DB,
    EXIT_CANNOT_LOAD,
    EXIT_UNEXPECTED,
    EmptyLoadRefused,
    LoadError,
    load_directory,
    summary_json,
    summary_text,
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
    p_demo = sub.add_parser("demo", help="write demo input files")
    p_demo.add_argument("--out", type=Path, required=True)
    p_demo.add_argument("--seed", type=int, default=42)
    p_demo.add_argument("--activities", type=int, default=6000)
    return parser


def _fail(as_json: bool, code: int, error_code: str, message: str, **extra) -> int:
    """Report a failure: one line on stderr, and the same as JSON on stdout with --json."""
    print(f"error: {message}", file=sys.stderr)
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
    try:
        if args.command == "load":
            db = args.db or Path(os.environ.get("WAREHOUSE_PATH", str(DEFAULT_DB)))
            summary = load_directory(
                args.directory,
                db,
                args.reference or REFERENCE_DIR,
                replace_all=args.replace_all,
                allow_empty=args.allow_empty,
            )
            print(summary_json(summary) if args.json else summary_text(summary))
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
