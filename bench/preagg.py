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

Each page also reports the app's warm time (the same figures again, caches kept: what a second
user with the same filters gets), the p95 of every variant, and the ratios of issue 14 at p50
and p95 (`app_over_fair_floor`, `app_over_fair_floor_p95`, `warm_over_cold`). `--pages` picks
pages; `--warehouse` names a warehouse file for a single scale.

Before and after, side by side (`--before ROOT`): two worker processes, one importing the
dashboard from ROOT (e.g. a checkout of main), one from this checkout, run the fair floor, the
cold app and the warm app on the same filter combinations, alternating which goes first; each
worker's ratios are of its own medians (same process, same filters, same minute):

    .venv/bin/python -m bench.preagg --before /work/main --scales 1000000 \
        --warehouse /work/benchdata/warehouse-1000000.duckdb --samples 12 \
        --out bench/results/fast-figures.json

Warehouses come from `bench/work/warehouse-<scale>.duckdb` (made with `bench.data` if absent).
Writes `bench/results/preagg.json` unless `--out` says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import data, inproc
from bench.stats import summary as stats

PAGES = ("overview", "fields", "functional_areas", "regions", "collective")
VARIANTS = ("floor_facts", "floor_summaries", "app_facts", "app_summaries")
HERE = Path(__file__).resolve().parent.parent  # this checkout's root


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


def run_scale(db: Path, samples: int, seed: int, pages: tuple[str, ...] = PAGES) -> dict:
    """{page: {variant: {p50, p95, n}}, ratios} at one warehouse."""
    inproc.use_warehouse(db)
    from bench.replay import FilterSource, vocabularies
    from dashboards import cache
    from dashboards.queries import activities, summary

    cache.RESULTS.clear()
    source = FilterSource(vocabularies(), activities.year_range(), seed=seed)
    out: dict = {}
    for page in pages:
        queries = inproc.page_queries(page)
        times: dict[str, list[float]] = {v: [] for v in (*VARIANTS, "app_warm")}
        cpu: dict[str, list[float]] = {v: [] for v in (*VARIANTS, "app_warm")}
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
                    if variant == "app_summaries":  # the same again, caches kept: warm
                        started, cpu0 = time.perf_counter(), time.process_time()
                        _app(page, f)
                        times["app_warm"].append((time.perf_counter() - started) * 1000)
                        cpu["app_warm"].append((time.process_time() - cpu0) * 1000)
        page_out = {v: stats(t) for v, t in times.items()}
        page_out["cpu_ms"] = {v: stats(t) for v, t in cpu.items()}
        page_out["cpu_ratios"] = _ratios({v: statistics.median(t) for v, t in cpu.items()})
        page_out["ratios"] = _ratios({v: statistics.median(t) for v, t in times.items()})
        page_out["ratios"].update(_p95_ratios(times))
        page_out["cpu_ratios"].update(_p95_ratios(cpu))
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


def _p95_ratios(times: dict[str, list[float]]) -> dict[str, float | None]:
    """App ÷ fair floor at p95, and warm ÷ cold (medians)."""
    from bench.stats import percentile, ratio

    return {
        "app_over_fair_floor_p95": ratio(
            percentile(times["app_summaries"], 95), percentile(times["floor_summaries"], 95)
        ),
        "warm_over_cold": ratio(
            statistics.median(times["app_warm"]), statistics.median(times["app_summaries"]), 3
        ),
    }


# -- before and after, side by side --------------------------------------------------------------

SIDE_VARIANTS = ("floor", "app", "app_warm")


def worker() -> int:
    """`--worker`: read {"warehouse"} then {"page", "query"} lines on stdin; answer each with
    the wall and CPU ms of the fair floor, the cold app and the warm app, as one JSON line.

    Imports only what every version of the dashboard has, so ROOT may be an older checkout."""
    from dashboards import cache
    from dashboards.filters import Filters

    first = json.loads(sys.stdin.readline())
    inproc.use_warehouse(Path(first["warehouse"]))
    cache.RESULTS.clear()
    _prime()
    import dashboards

    print(json.dumps({"dashboards": dashboards.__file__}), flush=True)
    queries: dict[str, list] = {}
    for line in sys.stdin:
        ask = json.loads(line)
        page, filters = ask["page"], Filters.from_query(ask["query"])[0]
        if page not in queries:
            queries[page] = inproc.page_queries(page)
        out: dict[str, float] = {}
        for variant in SIDE_VARIANTS:
            if variant != "app_warm":
                cache.RESULTS.clear()
                _prime()
            started, cpu0 = time.perf_counter(), time.process_time()
            if variant == "floor":
                inproc.floor(queries[page], filters)
            else:
                _app(page, filters)
            out[variant] = (time.perf_counter() - started) * 1000
            out[f"{variant}_cpu"] = (time.process_time() - cpu0) * 1000
        print(json.dumps(out), flush=True)
    return 0


def _start_worker(root: Path, db: Path) -> subprocess.Popen:
    """A worker process importing `dashboards` (and `bench`) from `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    # This file run by path (ROOT's own bench.preagg may predate --worker), without its folder
    # on sys.path (bench/requests.py would shadow the library).
    script = f"import runpy, sys; sys.argv = ['preagg', '--worker']; runpy.run_path({str(Path(__file__).resolve())!r}, run_name='__main__')"
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(json.dumps({"warehouse": str(db)}) + "\n")
    proc.stdin.flush()
    ready = json.loads(proc.stdout.readline())
    print(f"worker for {root}: dashboards from {ready['dashboards']}", file=sys.stderr)
    return proc


def _ask(proc: subprocess.Popen, page: str, query: str) -> dict:
    assert proc.stdin and proc.stdout
    proc.stdin.write(json.dumps({"page": page, "query": query}) + "\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def side_by_side(
    before_root: Path, db: Path, samples: int, seed: int, pages: tuple[str, ...]
) -> dict:
    """{page: {before|after: {variant: {p50, p95, n}}, ratios}}, workers alternated."""
    inproc.use_warehouse(db)
    from bench.replay import FilterSource, vocabularies
    from dashboards.queries import activities

    source = FilterSource(vocabularies(), activities.year_range(), seed=seed)
    workers = {"before": _start_worker(before_root, db), "after": _start_worker(HERE, db)}
    out: dict = {}
    try:
        for page in pages:
            runs: dict[str, dict[str, list[float]]] = {w: {} for w in workers}
            for i in range(samples):
                query = source.new().to_query()
                for name in ("before", "after") if i % 2 == 0 else ("after", "before"):
                    for k, v in _ask(workers[name], page, query).items():
                        runs[name].setdefault(k, []).append(v)
            page_out: dict = {w: {k: stats(v) for k, v in r.items()} for w, r in runs.items()}
            page_out["ratios"] = {w: _side_ratios(r) for w, r in runs.items()}
            page_out["ratios"]["after_over_before_app_p50"] = _median_ratio(
                runs["after"]["app"], runs["before"]["app"]
            )
            page_out["ratios"]["after_over_before_app_cpu_p50"] = _median_ratio(
                runs["after"]["app_cpu"], runs["before"]["app_cpu"]
            )
            out[page] = page_out
            print(page, json.dumps(page_out["ratios"]), file=sys.stderr, flush=True)
    finally:
        for proc in workers.values():
            assert proc.stdin
            proc.stdin.close()
            proc.wait(timeout=60)
    return out


def _median_ratio(a: list[float], b: list[float]) -> float:
    return round(statistics.median(a) / statistics.median(b), 2)


def _side_ratios(r: dict[str, list[float]]) -> dict[str, float | None]:
    """App ÷ fair floor at p50 and p95 (wall and CPU), warm ÷ cold (wall)."""
    from bench.stats import percentile, ratio

    return {
        "app_over_floor_p50": _median_ratio(r["app"], r["floor"]),
        "app_over_floor_p95": ratio(percentile(r["app"], 95), percentile(r["floor"], 95)),
        "app_over_floor_cpu_p50": _median_ratio(r["app_cpu"], r["floor_cpu"]),
        "app_over_floor_cpu_p95": ratio(
            percentile(r["app_cpu"], 95), percentile(r["floor_cpu"], 95)
        ),
        # Per filter combination (floor and app ran on the same filters, one after the other):
        # the spread of app ÷ floor itself, less at the mercy of one slow floor sample.
        "per_sample_app_over_floor_p50": ratio(statistics.median(per := _per_sample(r)), 1),
        "per_sample_app_over_floor_p95": ratio(percentile(per, 95), 1),
        "per_sample_cpu_app_over_floor_p95": ratio(percentile(_per_sample(r, "_cpu"), 95), 1),
        "warm_over_cold": ratio(statistics.median(r["app_warm"]), statistics.median(r["app"]), 3),
    }


def _per_sample(r: dict[str, list[float]], suffix: str = "") -> list[float]:
    return [a / f for a, f in zip(r[f"app{suffix}"], r[f"floor{suffix}"], strict=True) if f]


def main(argv: list[str] | None = None) -> int:
    """Command line: `python -m bench.preagg`."""
    p = argparse.ArgumentParser(prog="python -m bench.preagg", description=__doc__)
    p.add_argument("--scales", default="100000,1000000")
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--work", default=str(data.ROOT / "bench" / "work"))
    p.add_argument("--out", default=str(data.ROOT / "bench" / "results" / "preagg.json"))
    p.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages")
    p.add_argument("--warehouse", help="a warehouse file to use (one scale)")
    p.add_argument("--before", help="a checkout to compare with, side by side (e.g. /work/main)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker()
    pages = tuple(x for x in args.pages.split(",") if x)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    result = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_start": os.getloadavg(),
        "samples": args.samples,
        "command": " ".join(
            ["python -m bench.preagg", *(argv if argv is not None else sys.argv[1:])]
        ),
        "scales": {},
    }
    for scale in (int(s) for s in args.scales.split(",")):
        print(f"scale {scale}", file=sys.stderr, flush=True)
        db = Path(args.warehouse) if args.warehouse else _warehouse(work, scale)
        if args.before:
            result["before_root"] = args.before
            result["scales"][str(scale)] = side_by_side(
                Path(args.before), db, args.samples, args.seed, pages
            )
        else:
            result["scales"][str(scale)] = run_scale(db, args.samples, args.seed, pages)
    result["load_average_end"] = os.getloadavg()
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
