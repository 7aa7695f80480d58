"""A page's slowest filter combinations, on its bare DuckDB queries: `python -m bench.slowest`.

Draws new random combinations as `python -m bench` does (`bench.replay.FilterSource`), runs the
page's queries for each (`bench.inproc.page_queries`: what the floor runs) with the cache
cleared, and prints the median total and the slowest combinations with each query's time. To
compare two checkouts, run it once per checkout (`--root`) on the warehouse each one built.

    .venv/bin/python -m bench.slowest --db WAREHOUSE [--page overview] [--samples 40]
    .venv/bin/python -m bench.slowest --db OLD.duckdb --root /tmp/old-tree
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path


def measure(page: str, samples: int, seed: int) -> dict:
    """{median_ms, slowest: [{query, total_ms, per_query_ms}]} for a page's queries."""
    from bench import inproc
    from bench.replay import FilterSource, vocabularies
    from dashboards import cache
    from dashboards.queries import activities

    source = FilterSource(vocabularies(), activities.year_range(), seed=seed)
    queries = inproc.page_queries(page)
    names = [getattr(getattr(q, "func", q), "__name__", str(q)) for q in queries]
    rows = []
    for _ in range(samples):
        filters = source.new()
        cache.current().clear()
        times = []
        for query in queries:
            started = time.perf_counter()
            query(filters)
            times.append(round((time.perf_counter() - started) * 1000, 1))
        rows.append({"query": filters.to_query(), "total_ms": round(sum(times), 1), "ms": times})
    rows.sort(key=lambda r: -r["total_ms"])
    return {
        "page": page,
        "queries": names,
        "median_ms": round(statistics.median(r["total_ms"] for r in rows), 1),
        "slowest": rows[:8],
    }


def main(argv: list[str] | None = None) -> int:
    """Print a page's slowest combinations as JSON."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, required=True, help="the warehouse to query")
    p.add_argument("--page", default="overview")
    p.add_argument("--samples", type=int, default=40)
    p.add_argument("--seed", type=int, default=1_000_000, help="as `python -m bench` at 1M")
    p.add_argument("--root", type=Path, help="another checkout's dashboards/ to measure")
    args = p.parse_args(argv)
    if args.root:
        sys.path.insert(0, str(args.root.resolve()))
        for name in [m for m in sys.modules if m == "dashboards" or m.startswith("dashboards.")]:
            del sys.modules[name]
    os.environ["WAREHOUSE_PATH"] = str(args.db.resolve())
    print(json.dumps(measure(args.page, args.samples, args.seed), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
