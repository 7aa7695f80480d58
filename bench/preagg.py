"""Summary tables against the facts, side by side (issue 14, branch preagg).

For each scale and page, on the same never-seen filter combinations (drawn as `python -m bench`
draws them), alternating which variant runs first, in-process:

- `floor_facts`: the page's bare DuckDB queries (`bench.inproc.page_queries`) reading the facts
  tables only (`summary.base_only()`): the floor of issue 14 as it was measured before;
- `floor_summaries`: the same queries as the app now runs them (summary tables where the filters
  allow): the fair floor, the same SQL on the same tables as the app;
- `app_facts` / `app_summaries`: what the charts callback computes for the page, cache cleared
  first: every chart's screen figure as JSON (`Chart.figure_json`: query, frame, figure, theme)
  serialised with plotly's encoder as Dash does, plus the Overview headlines; one thread.

    .venv/bin/python -m bench.preagg --scales 100000,1000000 --samples 20

Warehouses come from `bench/work/warehouse-<scale>.duckdb` (made with `bench.data` if absent).
Writes `bench/results/preagg.json` unless `--out` says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench import data, inproc
from bench.stats import summary as stats

PAGES = ("overview", "fields", "functional_areas", "regions", "collective")
VARIANTS = ("floor_facts", "floor_summaries", "app_facts", "app_summaries")


def _warehouse(work: Path, scale: int) -> Path:
    db = work / f"warehouse-{scale}.duckdb"
    if not db.exists():
        folder, _ = data.generate(work, scale)
        data.load(folder, db)
    return db


def _app(page: str, filters) -> None:
    """The charts callback's work for a page, cold: figures as JSON, headlines."""
    import plotly.io.json as pjson

    from dashboards.charts import charts_for
    from dashboards.queries import overview

    out = [c.figure_json(filters, "en") for c in charts_for(page)]
    pjson.to_json_plotly(out)
    if page == "overview":
        overview.headlines(filters, "en")


def _prime() -> None:
    """The small per-warehouse answers a running app already holds (year range, table list)."""
    from dashboards.queries import activities, summary

    summary._present()
    activities.year_range()


def run_scale(db: Path, samples: int, seed: int) -> dict:
    """{page: {variant: {p50, p95, n}}, ratios} at one warehouse."""
    inproc.use_warehouse(db)
    from bench.replay import FilterSource, vocabularies
    from dashboards import cache
    from dashboards.queries import activities, summary

    cache.RESULTS.clear()
    source = FilterSource(vocabularies(), activities.year_range(), seed=seed)
    out: dict = {}
    for page in PAGES:
        queries = inproc.page_queries(page)
        times: dict[str, list[float]] = {v: [] for v in VARIANTS}
        cpu: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for i in range(samples):
            f = source.new()
            order = VARIANTS if i % 2 == 0 else tuple(reversed(VARIANTS))
            for variant in order:
                cache.RESULTS.clear()
                _prime()
                base = variant.endswith("_facts")
                with summary.base_only() if base else contextlib.nullcontext():
                    started, cpu0 = time.perf_counter(), time.process_time()
                    if variant.startswith("floor"):
                        inproc.floor(queries, f)
                    else:
                        _app(page, f)
                    times[variant].append((time.perf_counter() - started) * 1000)
                    cpu[variant].append((time.process_time() - cpu0) * 1000)
        page_out = {v: stats(t) for v, t in times.items()}
        page_out["cpu_ms"] = {v: stats(t) for v, t in cpu.items()}
        page_out["cpu_ratios"] = _ratios({v: statistics.median(t) for v, t in cpu.items()})
        page_out["ratios"] = _ratios({v: statistics.median(t) for v, t in times.items()})
        out[page] = page_out
        print(page, json.dumps(page_out), file=sys.stderr, flush=True)
    return out


def _ratios(med: dict[str, float]) -> dict[str, float]:
    """The ratios of issue 14 between the variants' medians."""
    return {
        "facts_over_summaries_floor": round(med["floor_facts"] / med["floor_summaries"], 2),
        "facts_over_summaries_app": round(med["app_facts"] / med["app_summaries"], 2),
        "app_over_fair_floor": round(med["app_summaries"] / med["floor_summaries"], 2),
        "app_over_facts_floor": round(med["app_summaries"] / med["floor_facts"], 2),
        "before_app_over_floor": round(med["app_facts"] / med["floor_facts"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: `python -m bench.preagg`."""
    p = argparse.ArgumentParser(prog="python -m bench.preagg", description=__doc__)
    p.add_argument("--scales", default="100000,1000000")
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--work", default=str(data.ROOT / "bench" / "work"))
    p.add_argument("--out", default=str(data.ROOT / "bench" / "results" / "preagg.json"))
    args = p.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    result = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_start": os.getloadavg(),
        "samples": args.samples,
        "scales": {},
    }
    for scale in (int(s) for s in args.scales.split(",")):
        print(f"scale {scale}", file=sys.stderr, flush=True)
        result["scales"][str(scale)] = run_scale(_warehouse(work, scale), args.samples, args.seed)
    result["load_average_end"] = os.getloadavg()
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
