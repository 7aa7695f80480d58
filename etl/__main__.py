"""Command line: `python -m etl load DIR [--db PATH] [--json]`, `python -m etl demo --out DIR`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from etl.extract import ExtractError
from etl.load import DEFAULT_DB, LoadError, load_directory, summary_json, summary_text


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_load = sub.add_parser("load", help="load a folder of input files into a new warehouse")
    p_load.add_argument("directory", type=Path)
    p_load.add_argument(
        "--db", type=Path, default=None, help=f"warehouse file (default {DEFAULT_DB})"
    )
    p_load.add_argument("--json", action="store_true", help="print the summary as JSON")
    p_demo = sub.add_parser("demo", help="write demo input files")
    p_demo.add_argument("--out", type=Path, required=True)
    p_demo.add_argument("--seed", type=int, default=42)
    p_demo.add_argument("--activities", type=int, default=6000)
    args = parser.parse_args(argv)
    try:
        if args.command == "load":
            db = args.db or Path(os.environ.get("WAREHOUSE_PATH", str(DEFAULT_DB)))
            summary = load_directory(args.directory, db)
            print(summary_json(summary) if args.json else summary_text(summary))
            return 0
        from etl.demo import write_demo

        paths = write_demo(args.out, seed=args.seed, n_activities=args.activities)
        print("\n".join(f"wrote {p}" for p in paths.values()))
        return 0
    except (ExtractError, LoadError) as e:
        print(f"error: load failed, the previous warehouse is unchanged: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; the previous warehouse is unchanged", file=sys.stderr)
        return 130
    except Exception as e:  # the promise is one clear line, never a traceback
        if os.environ.get("ETL_DEBUG"):
            raise
        print(
            f"error: {type(e).__name__}: {e} (the previous warehouse is unchanged; "
            "set ETL_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
