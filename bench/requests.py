"""Callback requests per filter change, per page, for this checkout and a baseline side by side.

    .venv/bin/python -m bench.requests --baseline /work/main [--rounds 3] [--out FILE]

Each checkout is served by gunicorn (bench.server) on the same demo warehouse (6,000 activities);
headless Chromium opens each page with a filter bar (and a partner profile), picks the first
field of competence and counts every POST to /_dash-update-component the change sends
(bench.browser.record_page). The rounds alternate the checkouts; the median count is reported.
`python -m bench` reports the same count as `requests_per_filter_change` per page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser import launch, record_page  # noqa: E402
from bench.server import Server  # noqa: E402


def pages(db: Path) -> list[dict]:
    """The pages with a filter bar (from the registry) and one partner profile."""
    import os

    import duckdb

    from bench.__main__ import discover_pages

    os.environ.setdefault("WAREHOUSE_PATH", str(db))  # the factory renders pages to check them
    found = discover_pages()
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT partner_id FROM partners ORDER BY partner_id LIMIT 1").fetchone()
    finally:
        con.close()
    if row:
        found.append({"key": "partner_profile", "path": f"/partners/{row[0]}", "charts": [1, 2]})
    return found


def count(browser, base: str, page_list: list[dict]) -> dict[str, dict]:
    """{page: {"requests": n, "outputs": [...]}} for one filter change on each page."""
    out: dict[str, dict] = {}
    for page in page_list:
        try:
            rec = record_page(browser, base, page["key"], page["path"], len(page["charts"]))
        except Exception as e:  # a page that cannot be driven: say so, go on
            out[page["key"]] = {"error": str(e)[:200]}
            continue
        out[page["key"]] = {"requests": rec.requests_per_filter_change, "outputs": rec.sent}
    return out


def main(argv=None) -> int:
    """Measure and print (or write) the JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.requests", description=__doc__)
    p.add_argument("--baseline", type=Path, help="another checkout to measure beside this one")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from etl.demo import write_demo
    from etl.load import load_directory

    roots = {"this": ROOT, **({"baseline": args.baseline} if args.baseline else {})}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_demo(work / "input", seed=42, n_activities=6000)
        db = work / "warehouse.duckdb"
        load_directory(work / "input", db)
        page_list = pages(db)
        runs: dict[str, list[dict]] = {name: [] for name in roots}
        with sync_playwright() as pw:
            browser = launch(pw)
            try:
                for _ in range(args.rounds):
                    for name, root in roots.items():  # alternated, round by round
                        server = Server(db, work / f"{name}.log", root=root).start()
                        try:
                            runs[name].append(count(browser, server.url, page_list))
                        finally:
                            server.stop()
            finally:
                browser.close()
    result: dict = {}
    for name, rounds in runs.items():
        result[name] = {}
        for page in page_list:
            key = page["key"]
            ns = [r[key]["requests"] for r in rounds if "requests" in r.get(key, {})]
            last = next((r[key] for r in reversed(rounds) if "requests" in r.get(key, {})), {})
            result[name][key] = {
                "path": page["path"],
                "requests_per_filter_change": statistics.median(ns) if ns else None,
                "rounds": ns,
                "outputs": [o[:90] for o in last.get("outputs", [])],
            }
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
