"""Scripted exports, the same code path as the web page, no web server needed.

    python -m dashboards.exports briefing --page regions --filters "region=AFR&years=2020-2024" \\
        --format pdf --lang fr --out briefing.pdf
    python -m dashboards.exports briefing --page all --format pptx --out board.pptx
    python -m dashboards.exports figure --page regions --list
    python -m dashboards.exports figure --page regions --chart NAME --format svg --out fig.svg
    python -m dashboards.exports data --filters "field=ED" --format xlsx --out data.xlsx
    python -m dashboards.exports digest --month 2026-11 --lang fr --out digest/ [--send]

Filter values that are not recognised are reported as notices on stderr and ignored (as on the
web page); `--strict` makes them an error. Exit codes: 0 done, 1 the export failed (no warehouse,
no browser...), 2 a usage error (unknown page or chart, bad format, strict notices).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from dashboards.charts import PAGES

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A one-line problem with the command (exit code 2)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboards.exports",
        description="Export the dashboard's figures, briefing packs and data as files.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--filters",
        default="",
        help='filters as in the page address, e.g. "region=AFR,ARB&field=ED&years=2018-2024"',
    )
    common.add_argument("--lang", default="en", choices=("en", "fr"))
    common.add_argument("--out", help="output file (default: a dated name in this folder)")
    common.add_argument("--db", help="warehouse file (default: $WAREHOUSE_PATH or data/)")
    common.add_argument("--strict", action="store_true", help="fail on unrecognised filter values")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("briefing", parents=[common], help="a briefing pack (PDF or PowerPoint)")
    b.add_argument("--page", required=True, help=f"one of {', '.join(PAGES)}, or all")
    b.add_argument("--format", default="pdf", choices=("pdf", "pptx"))

    f = sub.add_parser("figure", parents=[common], help="one chart as PNG, SVG or PDF")
    f.add_argument("--page", required=True, help=f"one of {', '.join(PAGES)}")
    f.add_argument("--chart", help="the chart's name (see --list)")
    f.add_argument("--list", action="store_true", help="print the page's chart names and exit")
    f.add_argument("--format", default="png", choices=("png", "svg", "pdf"))

    d = sub.add_parser("data", parents=[common], help="activities and partners as CSV or XLSX")
    d.add_argument("--format", default="xlsx", choices=("csv", "xlsx"))

    g = sub.add_parser(
        "digest",
        parents=[common],
        help="the monthly digest for partners: digest.html, digest.pdf, digest.xlsx in --out",
    )
    g.add_argument("--month", required=True, help="YYYY-MM")
    g.add_argument(
        "--send", action="store_true", help="also mail it (SMTP_* and DIGEST_* settings)"
    )
    return parser


def _page(name: str, allow_all: bool) -> str:
    page = name.strip().lower().replace("-", "_")
    if page == "all" and allow_all:
        return page
    if page not in PAGES:
        choices = ", ".join(PAGES) + (", all" if allow_all else "")
        raise UsageError(f"unknown page {name!r}; choose from {choices}")
    return page


def _filters(args):
    from dashboards.filters import Filters

    filters, notices = Filters.from_query(args.filters)
    for n in notices:
        print(f"notice: {n.key}={n.value} is {n.reason} and was ignored", file=sys.stderr)
    if notices and args.strict:
        raise UsageError(f"{len(notices)} filter value(s) not recognised (--strict)")
    return filters, notices


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def run(args) -> int:
    """Run one parsed command."""
    if args.db:
        os.environ["WAREHOUSE_PATH"] = args.db
    started = time.perf_counter()
    if args.command == "digest":
        return _digest(args, started)
    if args.command == "figure":
        from dashboards.charts import charts_for

        page = _page(args.page, allow_all=False)
        charts = charts_for(page)
        if args.list:
            for chart in charts:
                print(chart.name)
            return EXIT_OK
        if not args.chart:
            raise UsageError("give --chart NAME (or --list to see the page's charts)")
        by_name = {c.name: c for c in charts}
        if args.chart not in by_name:
            names = ", ".join(by_name) or "none yet"
            raise UsageError(f"no chart {args.chart!r} on page {page!r}; its charts: {names}")
        filters, _ = _filters(args)
        from dashboards.exports import figures

        chart = by_name[args.chart]
        data = figures.figure_bytes(chart, filters, args.format, args.lang)
        out = Path(args.out or figures.filename(chart, args.format, args.lang))
    elif args.command == "briefing":
        from dashboards.exports import pack

        page = _page(args.page, allow_all=True)
        if not pack.pack_charts(page):
            raise UsageError(f"page {page!r} has no charts to brief on")
        filters, notices = _filters(args)
        data = pack.build_pack(args.format, page, filters, args.lang, notices=notices)
        out = Path(args.out or pack.pack_filename(args.format, page, args.lang))
    else:
        from dashboards.exports import data as tables

        filters, _ = _filters(args)
        data = (tables.to_csv_zip if args.format == "csv" else tables.to_xlsx)(filters, args.lang)
        out = Path(args.out or tables.filename(args.format, args.lang))
    _write(out, data)
    print(f"wrote {out} ({len(data):,} bytes, {time.perf_counter() - started:.1f} s)")
    return EXIT_OK


def _digest(args, started: float) -> int:
    """Write (and with --send, mail) the digest of a month."""
    from dashboards.charts.lifecycle import today
    from dashboards.exports import digest
    from dashboards.settings import load_settings

    try:
        year, month = digest.parse_month(args.month)
    except ValueError as e:
        raise UsageError(f"--month {args.month!r}: {e}") from None
    settings = load_settings()
    filters, _ = _filters(args)
    made = digest.build(year, month, args.lang, today(), filters)
    out = Path(args.out or f"digest-{year:04d}-{month:02d}-{args.lang}")
    for path in digest.write(made, out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    if args.send:
        try:
            recipients = digest.send(made, settings)
        except digest.NotConfigured as e:
            raise UsageError(str(e)) from None
        print(f"sent to {len(recipients)} recipient(s) through {settings.smtp_host}")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run, and turn failures into one line and an exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as e:  # one line, not a traceback (EXPORT_DEBUG=1 shows it)
        if os.environ.get("EXPORT_DEBUG"):
            raise
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"error: {first}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
