"""`python -m bench.instances [--scales 100000,1000000] [--seconds 12] [--rounds 2]`: concurrency
of the production server, and what a second instance behind nginx costs and buys.

For each scale (demo data, loaded by the real ETL; reused from bench/work/): record each page's
filter change in Chromium once, then replay it under load against several deployments, started
one after the other on the same warehouse, their order alternated between rounds:

- `prod`: gunicorn.conf.py as committed (the production configuration), asked directly;
- `threads` / `processes`: the same cores spent as 1 worker × 8 threads or 4 workers × 1 thread
  (`gthread`), to tell the GIL's share from the cores';
- `nginx-1`: one `prod` instance behind nginx (what the proxy costs);
- `nginx-2`: two `prod` instances behind nginx (deploy/nginx.conf.template), as deployed.

Each deployment gets three loads: 1 user and 50 users with no think time (filter changes/s,
p95; the ratio 50 ÷ 1 is issue 14's target), and 200 users pausing ~2 s after each answer.
Every level draws from the same pool of filter combinations, so the levels do equal work.
With `--redis` (default when redis-server is installed) each deployment has a Redis and
REDIS_URL, as the deployment has. The load generator runs on the same cores; its own CPU use is
reported (`client_cores`), and so is the servers' (`server_cores`: CPU seconds of every gunicorn
process of the deployment per second of the level; on 2 cores, 1 user's `server_cores` near 2
means DuckDB's parallel queries already fill the cores and more users cannot add much). Results: JSON on --out (default bench/work/instances.json), a table on
stdout. docs/performance.md ("scale-out") has the figures and how to read them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import data, replay, services  # noqa: E402
from bench.server import Server  # noqa: E402

# name → (instances, workers, threads, behind nginx)
VARIANTS: dict[str, tuple[int, int | None, int | None, bool]] = {
    "prod": (1, None, None, False),
    "threads": (1, 1, 8, False),
    "processes": (1, 4, 1, False),
    "nginx-1": (1, None, None, True),
    "nginx-2": (2, None, None, True),
}
LEVELS = (("1", 1, 0.0), ("50", 50, 0.0), ("200-think2s", 200, 2.0))
POOL = 400  # filter combinations every level draws from


def log(msg: str) -> None:
    """Progress on stderr."""
    print(f"[instances {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def record(db: Path, work: Path, only: list[str] | None = None) -> list:
    """Each filter page's recorded filter-change requests (Chromium against a 1-worker server)."""
    from playwright.sync_api import sync_playwright

    from bench.__main__ import discover_pages
    from bench.browser import launch, record_page

    os.environ["WAREHOUSE_PATH"] = str(db)  # the page registry is built from this warehouse
    pages = [p for p in discover_pages() if not only or p["key"] in only]
    recorded = []
    with Server(db, work / "record.log", workers=1, threads=8, wsgi="app:server") as server:
        with sync_playwright() as pw:
            browser = launch(pw)
            try:
                for page in pages:
                    try:
                        rec = record_page(
                            browser, server.url, page["key"], page["path"], len(page["charts"])
                        )
                    except Exception as e:  # a page being written: report it and go on
                        log(f"{page['key']}: recording failed: {e}")
                        continue
                    recorded.append(rec)
                    log(f"{page['key']}: {1 + len(rec.dependents)} requests per filter change")
            finally:
                browser.close()
    return recorded


class Deployment:
    """One variant: its gunicorn instance(s), nginx in front when asked, a Redis when asked."""

    def __init__(self, name: str, db: Path, folder: Path, redis: bool):
        self.name = name
        self.instances, self.workers, self.threads, self.proxied = VARIANTS[name]
        self.db = db
        self.folder = folder
        self.redis_wanted = redis
        self.started: list = []
        self.apps: list[Server] = []
        self.url = ""

    def __enter__(self) -> Deployment:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            env = {"ACCESS_MODE": "demo", "AUDIT_LOG_PATH": str(self.folder / "audit.jsonl")}
            if self.redis_wanted:
                redis = services.Redis(self.folder / "redis").start()
                self.started.append(redis)
                env["REDIS_URL"] = redis.url
                env["SECRET_KEY"] = os.urandom(32).hex()
            for i in range(self.instances):
                app = Server(
                    self.db,
                    self.folder / f"gunicorn-{i}.log",
                    workers=self.workers,
                    threads=self.threads,
                    env={**env, "BACKGROUND_CACHE_DIR": str(self.folder / f"cache-{i}")},
                    wsgi="app:server",
                )
                self.apps.append(app.start(timeout=300))
                self.started.append(app)
            self.url = self.apps[0].url
            if self.proxied:
                upstreams = [a.url.removeprefix("http://") for a in self.apps]
                nginx = services.Nginx(self.folder / "nginx", upstreams).start()
                self.started.append(nginx)
                self.url = nginx.url
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        """Stop everything started (reverse order); keep what the servers' memory reached."""
        self.memory = [proc.stop() for proc in reversed(self.started)]
        self.started.clear()


def _server_cpu_s(dep: Deployment) -> float:
    """CPU seconds used so far by the deployment's gunicorn processes (masters and workers)."""
    import psutil

    total = 0.0
    for app in dep.apps:
        if app.proc is None:
            continue
        try:
            root = psutil.Process(app.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for proc in procs:
            try:
                t = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += t.user + t.system
    return total


def _level(dep: Deployment, recorded, source, years, label, users, think, seconds) -> dict:
    cpu0, server0 = _cpu_s(), _server_cpu_s(dep)
    r = replay.concurrency(
        dep.url, recorded, source, years, users, seconds, think_s=think, pool=POOL
    )
    r["client_cores"] = round((_cpu_s() - cpu0) / r["seconds"], 2) if r["seconds"] else None
    server = _server_cpu_s(dep) - server0
    r["server_cores"] = round(server / r["seconds"], 2) if r["seconds"] else None
    log(
        f"{dep.name}: {label}: {r['updates_per_s']}/s p95 {r['p95_ms']} ms errors {r['errors']} "
        f"server cores {r['server_cores']}"
    )
    return r


def measure(dep: Deployment, recorded: list, source, years, seconds: float, slices: int) -> dict:
    """The loads against one running deployment: 1 and 50 users alternated in `slices` slices
    of `seconds` each (the machine's other load drifts; alternating keeps the ratio fair), then
    200 users with think time for 2 × `seconds`."""
    runs: dict[str, list[dict]] = {"1": [], "50": []}
    for i in range(slices):
        order = [("1", 1), ("50", 50)] if i % 2 == 0 else [("50", 50), ("1", 1)]
        for label, users in order:
            runs[label].append(_level(dep, recorded, source, years, label, users, 0.0, seconds))
    out: dict = {}
    for label, slices_run in runs.items():
        merged = {
            k: _median([r[k] for r in slices_run])
            for k in ("updates_per_s", "p50_ms", "p95_ms", "client_cores", "server_cores")
        }
        merged["errors"] = sum(r["errors"] for r in slices_run)
        merged["updates"] = sum(r["updates"] for r in slices_run)
        merged["slices"] = slices_run
        out[label] = merged
    ratios = [
        b["updates_per_s"] / a["updates_per_s"]
        for a, b in zip(runs["1"], runs["50"], strict=True)
        if a["updates_per_s"]
    ]
    out["ratio_slices"] = [round(x, 2) for x in ratios]
    out["200-think2s"] = _level(dep, recorded, source, years, "200-think2s", 200, 2.0, 2 * seconds)
    return out


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def summarise(rounds: list[dict]) -> dict:
    """Medians over rounds, per variant and level, and the ratios the issue asks for."""
    out: dict = {}
    for name in VARIANTS:
        runs = [r[name] for r in rounds if name in r]
        if not runs:
            continue
        v: dict = {}
        for label, _, _ in LEVELS:
            v[label] = {
                k: _median([run[label][k] for run in runs])
                for k in ("updates_per_s", "p50_ms", "p95_ms", "client_cores", "server_cores")
            }
            v[label]["errors"] = sum(run[label]["errors"] for run in runs)
        one, fifty = v["1"]["updates_per_s"], v["50"]["updates_per_s"]
        v["ratio_50_over_1"] = round(fifty / one, 2) if one and fifty else None
        # The median of the per-slice ratios (each 50-user slice beside its 1-user slice).
        v["ratio_50_over_1_slices"] = _median([x for run in runs for x in run["ratio_slices"]])
        v["rss_mb"] = max((run.get("rss_mb", 0) for run in runs), default=0)
        out[name] = v
    return out


def table(scales: dict) -> str:
    """A Markdown table of the medians."""
    head = (
        "| scale | variant | 1 user /s | 50 users /s | 50 ÷ 1 (slices) | 50 users p95 ms | errors "
        "| 200 users (2 s think) /s | p95 ms | peak RSS MB | server cores 1 / 50 |"
    )
    lines = [head, "|" + "---|" * 11]
    for scale, res in scales.items():
        for name, v in res["summary"].items():
            t = v["200-think2s"]
            lines.append(
                f"| {int(scale):,} | {name} | {v['1']['updates_per_s']} | "
                f"{v['50']['updates_per_s']} | {v['ratio_50_over_1']} ({v['ratio_50_over_1_slices']}) | "
                f"{v['50']['p95_ms']} | "
                f"{v['1']['errors'] + v['50']['errors'] + t['errors']} | {t['updates_per_s']} | "
                f"{t['p95_ms']} | {v['rss_mb']} | "
                f"{v['1'].get('server_cores')} / {v['50'].get('server_cores')} |"
            )
    return "\n".join(lines)


def run_scale(args, scale: int) -> dict:
    """Every variant at one scale, `args.rounds` times, order alternated."""
    folder, _ = data.generate(args.work, scale)
    db = args.work / f"warehouse-{scale}.duckdb"
    if not db.exists():
        log(f"{scale:,}: loading with the ETL")
        data.load(folder, db)
    from bench.__main__ import year_range

    years = year_range(db)
    recorded = record(db, args.work, args.pages)
    if not recorded:
        raise RuntimeError("no page could be recorded")
    rounds = []
    names = [n for n in VARIANTS if n in args.variants]
    for i in range(args.rounds):
        order = names if i % 2 == 0 else list(reversed(names))
        results: dict = {}
        for name in order:
            source = replay.FilterSource(replay.vocabularies(), years, seed=scale + i)
            log(f"{scale:,}: round {i + 1}: {name}")
            with Deployment(name, db, args.work / f"inst-{scale}-{name}", args.redis) as dep:
                results[name] = measure(dep, recorded, source, years, args.seconds, args.slices)
            mem = [m for m in dep.memory if isinstance(m, dict)]
            results[name]["rss_mb"] = round(sum(m.get("peak_total_mb", 0) for m in mem), 1)
        rounds.append(results)
    return {"activities": scale, "rounds": rounds, "summary": summarise(rounds)}


def main(argv: list[str] | None = None) -> int:
    """Run the measurement; write the JSON and print the table."""
    p = argparse.ArgumentParser(prog="python -m bench.instances", description=__doc__)
    p.add_argument("--scales", default="100000,1000000")
    p.add_argument("--seconds", type=float, default=12, help="seconds per load level")
    p.add_argument("--rounds", type=int, default=1, help="times each variant is started")
    p.add_argument("--slices", type=int, default=3, help="1-user / 50-user slices per variant")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "work" / "instances.json")
    p.add_argument("--pages", help="page keys to replay, comma-separated (default: all)")
    p.add_argument("--no-redis", dest="redis", action="store_false")
    args = p.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so every process started is stopped by its `__exit__`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.pages = [k.strip() for k in args.pages.split(",")] if args.pages else None
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if args.redis and services.missing_binaries():
        log(f"no {', '.join(services.missing_binaries())}: without Redis")
        args.redis = False
    if any(VARIANTS[v][3] for v in args.variants) and "nginx" in services.missing_binaries():
        raise SystemExit("nginx is not installed (apt-get install nginx)")
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    scales = {}
    for s in args.scales.split(","):
        scale = int(s.replace("_", ""))
        scales[str(scale)] = run_scale(args, scale)
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "command": "python -m bench.instances " + " ".join(argv or sys.argv[1:]),
        "cores": os.cpu_count(),
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "redis": args.redis,
        "duration_s": round(time.perf_counter() - started, 1),
        "scales": scales,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(table(scales))
    print(f"\nwrote {args.out} in {result['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
