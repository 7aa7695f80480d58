"""`python -m bench [--scales 10000,100000,1000000] [--quick] [--out PATH]`: see docs/performance.md."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import statistics
import sys
import time
import traceback
from collections import Counter
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import baseline, data, inproc, instances, replay, report, services  # noqa: E402
from bench.browser import first_render, launch, record_page  # noqa: E402
from bench.server import Server  # noqa: E402
from bench.stats import ratio, summary  # noqa: E402

DEFAULT_SCALES = (10_000, 100_000, 1_000_000)
RECORDED: dict = {}  # page key → its recorded filter-change requests (for the load test)


def log(msg: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--scales", help="activities per scale, comma-separated (default 10k,100k,1M)")
    p.add_argument("--quick", action="store_true", help="smallest scale, few samples (~1 minute)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    p.add_argument("--work", type=Path, default=ROOT / "bench" / "work", help="scratch folder")
    p.add_argument("--samples", type=int, help="random filter changes per page (default 20)")
    p.add_argument("--users-seconds", type=float, help="seconds per concurrency slice (default 8)")
    p.add_argument("--slices", type=int, help="alternated 1-user/50-user slices (default 3)")
    p.add_argument(
        "--no-redis",
        action="store_true",
        help="concurrency without the shared Redis cache (default: with it when redis-server exists)",
    )
    p.add_argument("--fresh", action="store_true", help="regenerate demo data even if present")
    p.add_argument("--keep", action="store_true", help="keep warehouses in the work folder")
    args = p.parse_args(argv)
    if args.scales:
        args.scales = [int(s.replace("_", "")) for s in args.scales.split(",") if s.strip()]
    else:
        args.scales = [DEFAULT_SCALES[0]] if args.quick else list(DEFAULT_SCALES)
    q = args.quick
    args.samples = args.samples or (6 if q else 20)
    args.page_budget_s = 6 if q else 25  # cold+warm sampling per page stops after this
    args.baseline_budget_s = 4 if q else 20
    args.renders = 1 if q else 3
    args.users_seconds = args.users_seconds or (4 if q else 8)
    args.slices = args.slices or (1 if q else 3)
    args.png_repeat = 3 if q else 7
    return args


def machine() -> dict:
    """What the numbers were measured on (and how busy it was)."""
    import psutil

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in ("dash", "plotly", "duckdb", "pandas", "kaleido", "gunicorn", "playwright"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def discover_pages() -> list[dict]:
    """Pages with the filter bar and a fixed path, from Dash's page registry (via the factory)."""
    import dash

    from app import create_app
    from dashboards.charts import charts_for

    create_app()
    pages = []
    for page in sorted(
        dash.page_registry.values(), key=lambda p: 99 if p.get("order") is None else p["order"]
    ):
        key = page["module"].rsplit(".", 1)[-1]
        if page.get("path_template") or not page.get("filters", True) or key == "not_found_404":
            continue
        pages.append({"key": key, "path": page["path"], "charts": [c.key for c in charts_for(key)]})
    return pages


def year_range(db: Path) -> tuple[int, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        lo, hi = con.execute("SELECT min(year), max(year) FROM activity_facts").fetchone()
    finally:
        con.close()
    return int(lo), int(hi)


def measure_pages(args, server: Server, pages: list[dict], db: Path, source, years) -> dict:
    """Record each page's filter change, then replay it: cold, warm, floor, baseline, payload."""
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    frames = baseline.load(str(db))
    log(
        f"baseline frames loaded in {time.perf_counter() - t0:.1f} s ({frames.nbytes / 1e6:.0f} MB)"
    )
    out: dict = {}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            for page in pages:
                key = page["key"]
                try:
                    rec = record_page(browser, server.url, key, page["path"], len(page["charts"]))
                except Exception as e:  # a page being written: report and go on
                    log(f"{key}: recording failed: {e}")
                    out[key] = {"path": page["path"], "error": f"recording failed: {e}"[:300]}
                    continue
                RECORDED[key] = rec
                log(f"{key}: {rec.requests_per_filter_change} requests per filter change")
                out[key] = _replay_page(args, server, page, rec, frames, source, years)
                out[key]["requests"] = rec.describe()
                out[key]["requests_per_filter_change"] = rec.requests_per_filter_change
            for page in pages:
                if out.get(page["key"], {}).get("error"):
                    continue
                times = []
                for _ in range(args.renders):
                    f = source.new()
                    try:
                        times.append(
                            first_render(
                                browser,
                                server.url,
                                page["path"] + f.to_query(),
                                len(page["charts"]),
                            )
                        )
                    except Exception as e:
                        log(f"{page['key']}: first render failed: {e}")
                out[page["key"]]["first_render_s"] = (
                    round(statistics.median(times), 3) if times else None
                )
                log(f"{page['key']}: first render {out[page['key']]['first_render_s']} s")
        finally:
            browser.close()
    return out


def _replay_page(args, server, page, rec, frames, source, years) -> dict:
    key = page["key"]
    client = replay.Client(server.url)
    updater = replay.Updater(client)
    queries = inproc.page_queries(key) if page["charts"] or key == "overview" else []
    has_baseline = baseline.covers(page["charts"])
    cold, warm, charts_cold, charts_warm, floors, bases = [], [], [], [], [], []
    floors_facts: list[float] = []  # the same queries on the facts tables only (preagg)
    payloads: dict[str, int] = {}
    errors = 0
    failures: Counter = Counter()
    try:
        # Warm-up (not recorded): imports, first plotly express call, DuckDB buffers.
        f = source.new()
        updater.update(rec, "", f, years)
        if queries:
            inproc.floor(queries, f)
        if has_baseline:
            baseline.page_update(frames, page["charts"], f)
        previous = ""
        started = time.perf_counter()
        base_spent = 0.0
        for i in range(args.samples):
            if i >= 5 and time.perf_counter() - started > args.page_budget_s:
                break
            f = source.new()
            c = updater.update(rec, previous, f, years)  # a combination the server never saw
            w = updater.update(rec, previous, f, years)  # the same requests again
            previous = c.search
            errors += c.errors + w.errors
            failures.update(c.failed + w.failed)
            cold.append(c.ms)
            warm.append(w.ms)
            if c.charts_ms is not None:
                charts_cold.append(c.charts_ms)
                charts_warm.append(w.charts_ms)
            for output, _, nbytes in c.requests:
                payloads[output] = max(payloads.get(output, 0), nbytes)
            if queries:
                floors.append(inproc.floor(queries, f))
                floors_facts.append(inproc.floor_facts(queries, f))
            if has_baseline and (i < 3 or base_spent < args.baseline_budget_s):
                ms, _ = baseline.page_update(frames, page["charts"], f)
                bases.append(ms)
                base_spent += ms / 1000
    finally:
        updater.close()
    res = {
        "path": page["path"],
        "charts": page["charts"],
        "page_update_ms": {"cold": summary(cold, 1), "warm": summary(warm, 1)},
        "charts_callback_ms": {"cold": summary(charts_cold, 1), "warm": summary(charts_warm, 1)},
        "floor_ms": summary(floors, 1) if floors else None,
        "floor_facts_ms": summary(floors_facts, 1) if floors_facts else None,
        "baseline_ms": summary(bases, 1) if bases else None,
        "max_payload_bytes": max(payloads.values(), default=0),
        "payload_bytes": payloads,
        "errors": errors,
        "error_detail": dict(failures.most_common(5)),
        "_samples": {
            "cold": cold,
            "warm": warm,
            "charts_cold": charts_cold,
            "charts_warm": charts_warm,
            "floor": floors,
            "floor_facts": floors_facts,
            "baseline": bases,
        },
    }
    res["vs_baseline"] = ratio(
        (res["baseline_ms"] or {}).get("p50"), res["page_update_ms"]["cold"]["p50"]
    )
    res["vs_baseline_charts_only"] = ratio(
        (res["baseline_ms"] or {}).get("p50"), res["charts_callback_ms"]["cold"]["p50"]
    )
    res["vs_floor"] = ratio(
        res["page_update_ms"]["cold"]["p50"], (res["floor_ms"] or {}).get("p50")
    )
    res["vs_floor_p95"] = ratio(
        res["page_update_ms"]["cold"]["p95"], (res["floor_ms"] or {}).get("p95")
    )
    res["warm_over_cold"] = ratio(
        res["page_update_ms"]["warm"]["p50"], res["page_update_ms"]["cold"]["p50"], 3
    )
    log(
        f"{key}: cold {res['page_update_ms']['cold']['p50']} ms, warm {res['page_update_ms']['warm']['p50']} ms, "
        f"floor {(res['floor_ms'] or {}).get('p50')} ms, baseline {(res['baseline_ms'] or {}).get('p50')} ms "
        f"({len(cold)} samples, {errors} errors)"
    )
    return res


def pooled(pages: dict) -> dict:
    """Page-level samples pooled across pages."""
    acc: dict[str, list] = {}
    for p in pages.values():
        for name, values in p.get("_samples", {}).items():
            acc.setdefault(name, []).extend(values)
        p.pop("_samples", None)
    return {name: values for name, values in acc.items()}


def run_scale(args, scale: int, pages_cache: dict) -> dict:
    """Every measurement at one scale."""
    work = args.work
    res: dict = {"activities": scale}
    log(f"scale {scale:,}: generating demo data")
    folder, gen_s = data.generate(work, scale, reuse=not args.fresh)
    res["gen_s"] = round(gen_s, 2) if gen_s is not None else None
    res["input_mb"] = round(data.input_bytes(folder) / 1e6, 1)
    db = work / f"warehouse-{scale}.duckdb"
    log(f"scale {scale:,}: ETL load ({res['input_mb']} MB of CSV)")
    etl_s, summary_json = data.load(folder, db)
    bare_s, bare_inner = data.bare_load(folder, work / f"bare-{scale}.duckdb")
    res.update(
        etl_s=round(etl_s, 2),
        etl_bare_s=round(bare_s, 2),
        etl_bare_duckdb_s=round(bare_inner, 2),
        etl_ratio=ratio(etl_s, bare_s),
        etl_rows_loaded=summary_json.get("totals", {}).get("loaded"),
    )
    log(f"scale {scale:,}: ETL {etl_s:.1f} s, bare {bare_s:.1f} s")

    inproc.use_warehouse(db)
    years = year_range(db)
    if "pages" not in pages_cache:
        pages_cache["pages"] = discover_pages()
    pages = pages_cache["pages"]
    source = replay.FilterSource(replay.vocabularies(), years, seed=scale)

    log(f"scale {scale:,}: app under gunicorn, 1 worker (latency)")
    server = Server(db, work / f"gunicorn-{scale}-latency.log", workers=1, threads=8).start()
    try:
        res["pages"] = measure_pages(args, server, pages, db, source, years)
    finally:
        rss_latency = server.stop()
    samples = pooled(res["pages"])
    ok = {k: p for k, p in res["pages"].items() if not p.get("error")}
    res["page_update_ms"] = {
        "cold": summary(samples.get("cold", []), 1),
        "warm": summary(samples.get("warm", []), 1),
    }
    res["charts_callback_ms"] = {
        "cold": summary(samples.get("charts_cold", []), 1),
        "warm": summary(samples.get("charts_warm", []), 1),
    }
    res["baseline_ms"] = summary(samples.get("baseline", []), 1)
    res["floor_ms"] = summary(samples.get("floor", []), 1)
    res["floor_facts_ms"] = summary(samples.get("floor_facts", []), 1)
    res["max_payload_bytes"] = max((p["max_payload_bytes"] for p in ok.values()), default=0)
    vs_base = [p["vs_baseline"] for p in ok.values() if p.get("vs_baseline") is not None]
    vs_floor = [p["vs_floor"] for p in ok.values() if p.get("vs_floor") is not None]
    vs_floor95 = [p["vs_floor_p95"] for p in ok.values() if p.get("vs_floor_p95") is not None]
    warm_cold = [p["warm_over_cold"] for p in ok.values() if p.get("warm_over_cold") is not None]
    res["ratios"] = {
        "baseline_over_app_min": min(vs_base, default=None),
        "baseline_over_app_pooled": ratio(
            res["baseline_ms"]["p50"], res["page_update_ms"]["cold"]["p50"]
        ),
        "app_over_floor_max": max(vs_floor, default=None),
        "app_over_floor_p95_max": max(vs_floor95, default=None),
        "warm_over_cold_max": max(warm_cold, default=None),
        "app_over_floor_pooled": ratio(
            res["page_update_ms"]["cold"]["p50"], res["floor_ms"]["p50"]
        ),
        "app_over_floor_facts_pooled": ratio(
            res["page_update_ms"]["cold"]["p50"], res["floor_facts_ms"]["p50"]
        ),
    }
    renders = {k: p.get("first_render_s") for k, p in ok.items()}
    known = [v for v in renders.values() if v is not None]
    res["first_render_s"] = {
        "max": max(known, default=None),
        "p50": round(statistics.median(known), 3) if known else None,
        "by_page": renders,
    }

    log(f"scale {scale:,}: exports (in-process, kaleido)")
    f = source.new()
    png = inproc.png_export("overview.activities_by_year", f, repeat=args.png_repeat)
    res["png_export_ms"] = png.get("ms")
    res["png_export"] = png
    pdf = inproc.briefing_pdf(f)
    res["briefing_pdf_s"] = pdf.get("s")
    res["briefing_pdf"] = pdf

    log(f"scale {scale:,}: concurrency, production config (gunicorn.conf.py, Redis)")
    recorded = [RECORDED[p["key"]] for p in pages if p["key"] in RECORDED]
    redis = not args.no_redis and not services.missing_binaries()
    # The production deployment of docs/deployment.md on this machine: gunicorn.conf.py as
    # committed, app:server, a Redis for the shared cache when redis-server is installed. The
    # same pool of filter combinations at every level (equal work); 1 and 50 users alternated.
    with instances.Deployment("prod", db, work / f"prod-{scale}", redis=redis) as dep:
        res["concurrency"] = instances.measure(
            dep, recorded, source, years, args.users_seconds, args.slices
        )
        res["concurrency_config"] = {
            "workers": len(dep.apps[0].worker_pids()),
            "redis": redis,
            "pool": instances.POOL,
            "slice_s": args.users_seconds,
            "slices": args.slices,
        }
    one = res["concurrency"]["1"]["updates_per_s"]
    fifty = res["concurrency"]["50"]["updates_per_s"]
    res["concurrency"]["ratio_50_over_1"] = ratio(fifty, one)
    slices = res["concurrency"]["ratio_slices"]
    res["concurrency"]["ratio_50_over_1_slices_median"] = (
        round(statistics.median(slices), 2) if slices else None
    )
    rss_load = next((m for m in dep.memory if isinstance(m, dict) and m), {})
    res["rss"] = {
        "latency_server_1_worker": rss_latency,
        "production_config": rss_load,
        "peak_total_mb": rss_load.get("peak_total_mb"),
    }
    res["rss_mb"] = max(rss_latency.get("peak_worker_mb", 0), rss_load.get("peak_worker_mb", 0))
    if not args.keep:
        db.unlink(missing_ok=True)
    return res


def main(argv=None) -> int:
    # SIGTERM unwinds like Ctrl-C, so every server started is stopped by its `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "quick": args.quick,
        "machine": machine(),
        "notes": [
            "Times are medians (p50) and 95th percentiles over random filter combinations.",
            "Server-side time = HTTP round trip on loopback to gunicorn (client on the same machine).",
            "Cold = a filter combination the server never saw; warm = the same requests repeated.",
        ],
        "scales": {},
    }
    pages_cache: dict = {}
    for scale in args.scales:
        try:
            results["scales"][str(scale)] = run_scale(args, scale, pages_cache)
        except Exception:
            log(f"scale {scale:,} failed:\n{traceback.format_exc()}")
            raise
    largest = results["scales"][str(max(args.scales))]
    results["targets"] = {"scale": max(args.scales), "checks": report.check_targets(largest)}
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["duration_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(report.table(results))
    print()
    print(f"Per page at {max(args.scales):,} activities:")
    print(report.page_table(largest))
    print()
    print(f"Targets at {max(args.scales):,} activities:")
    print(report.targets_table(results["targets"]["checks"]))
    print(f"\nwrote {args.out} in {results['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
