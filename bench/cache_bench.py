"""The result cache (issue 14): single flight, and what a Redis hit costs beside a local one.

`python -m bench.cache_bench [--activities 100000] [--threads 8] [--rounds 10] [--out PATH]`

1. Identical concurrent cold requests: `--threads` threads ask at the same instant for one
   never-seen filter change of the Overview (its headlines and every chart's figure, what a
   filter change computes), against a cache without single flight (each miss computes: the
   cache before issue 14) and with it, alternating per round, each round a new filter
   combination. Reports computations per round and each request's latency (p50, p95).
2. The same across processes: `--processes` app processes (gunicorn workers, or hosts) with
   half the threads each, every process caching alone vs all sharing one Redis (total
   computations per round, latency).
3. Hit latency of the same values: a local hit (the process's LRU), a Redis hit (a fresh
   process-level cache in front of a warm Redis: GET + decode + store), the cold computation,
   and the value's encoded size, per kind of value (chart figure JSON, chart frame, headlines,
   the partner directory's frame).

Uses a real redis-server on a free loopback port (tests/redis_server.py) and a demo warehouse
of `--activities` built with the ETL (reused from `--work`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable, Hashable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import data  # noqa: E402
from bench.stats import ratio, summary  # noqa: E402


def log(msg: str) -> None:
    """Progress on stderr."""
    print(f"[cache-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _no_flight_lru():
    """An LRU whose misses all compute (the cache before single flight), for comparison."""
    from dashboards import cache

    class NoFlight(cache.LRU):
        def get_or_compute(self, key: Hashable, compute: Callable):
            with self._lock:
                if key in self._data:
                    self._data.move_to_end(key)
                    self.hits += 1
                    return self._data[key]
                self.misses += 1
            return self._fill(key, compute)

    return NoFlight()


def _cold_query(filter_source, warehouse) -> str:
    """A filter combination not drawn before (never the unfiltered view, which may be warm)."""
    from dashboards import db

    with db.pinned(warehouse):  # codes are checked against the measured warehouse
        while True:
            query = filter_source.new().to_query()
            if query:
                return query


def page_request(filters) -> None:
    """What one Overview filter change computes: headlines (both languages) and every figure."""
    from dashboards.charts import charts_for
    from dashboards.queries import overview

    overview.headlines(filters, "en")
    for chart in charts_for("overview"):
        chart.figure_json(filters, "en")


def concurrent_cold(warehouse, filter_source, threads: int, rounds: int) -> dict:
    """Identical concurrent cold requests, without and with single flight (alternating)."""
    from dashboards import cache, db
    from dashboards.filters import Filters

    out: dict = {v: {"computations": [], "latency_ms": []} for v in ("no_flight", "single_flight")}
    for r in range(rounds):
        for variant in (
            ("no_flight", "single_flight") if r % 2 == 0 else ("single_flight", "no_flight")
        ):
            with db.pinned(warehouse):
                filters, _ = Filters.from_query(_cold_query(filter_source, warehouse))
            lru = _no_flight_lru() if variant == "no_flight" else cache.LRU()
            barrier = threading.Barrier(threads)
            times: list[float] = []
            errors: list[BaseException] = []

            def run(lru=lru, filters=filters, barrier=barrier, times=times, errors=errors):
                token = cache.use(lru)
                try:
                    with db.pinned(warehouse):
                        barrier.wait()
                        start = time.perf_counter()
                        page_request(filters)
                        times.append((time.perf_counter() - start) * 1000)
                except BaseException as e:  # reported, never hidden
                    errors.append(e)
                finally:
                    cache.reset(token)

            workers = [threading.Thread(target=run) for _ in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            if errors:
                raise RuntimeError(f"{variant}: {errors[0]!r}")
            out[variant]["computations"].append(lru.computed)
            out[variant]["latency_ms"].extend(times)
    result = {}
    for variant, got in out.items():
        result[variant] = {
            "computations_per_round": statistics.median(got["computations"]),
            "latency_ms": summary(got["latency_ms"]),
        }
    result["computations_ratio"] = ratio(
        result["no_flight"]["computations_per_round"],
        result["single_flight"]["computations_per_round"],
    )
    result["p95_ratio"] = ratio(
        result["no_flight"]["latency_ms"]["p95"], result["single_flight"]["latency_ms"]["p95"]
    )
    return result


def child(db_path: str, redis_url: str, query: str, threads: int) -> None:
    """One app process of the cross-process measurement: ready → wait for "go" → answer."""
    from dashboards import cache, db
    from dashboards.filters import Filters
    from dashboards.redis_cache import RedisTier

    warehouse = db.Warehouse(Path(db_path))
    lru = cache.LRU(shared=RedisTier(redis_url) if redis_url else None)
    from dashboards.charts import charts_for
    from dashboards.queries import overview  # noqa: F401  (imported before the clock starts)

    with db.pinned(warehouse):  # codes are checked against this warehouse's vocabularies
        filters, notes = Filters.from_query(query)
        assert not notes and filters.cache_key() == query, (query, notes)
        db.query("SELECT count(*) FROM activity_facts")  # the warehouse opened and warm
        charts_for("overview")
    times: list[float] = []

    def run() -> None:
        token = cache.use(lru)
        try:
            with db.pinned(warehouse):
                start = time.perf_counter()
                page_request(filters)
                times.append((time.perf_counter() - start) * 1000)
        finally:
            cache.reset(token)

    print("ready", flush=True)
    sys.stdin.readline()
    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    keys = [k[1:4] for k in lru._data if isinstance(k, tuple) and len(k) > 1]
    print(json.dumps({"computed": lru.computed, "latency_ms": times, "keys": keys}), flush=True)


def cross_process(
    warehouse, db_path: Path, redis, filter_source, processes: int, threads: int, rounds: int
):
    """Identical cold requests in several processes at once: each alone vs sharing Redis."""
    import subprocess

    out: dict = {v: {"computations": [], "latency_ms": []} for v in ("per_process", "redis")}
    for r in range(rounds):
        for variant in ("per_process", "redis") if r % 2 == 0 else ("redis", "per_process"):
            query = _cold_query(filter_source, warehouse)
            url = redis.url if variant == "redis" else ""
            cmd = [sys.executable, "-m", "bench.cache_bench", "--child", str(db_path), url, query]
            procs = [
                subprocess.Popen(
                    [*cmd, str(threads)],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for _ in range(processes)
            ]
            for proc in procs:
                assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            for proc in procs:  # as close to together as a pipe write allows
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            computed = 0
            for proc in procs:
                line, _ = proc.communicate(timeout=300)
                got = json.loads(line.strip().splitlines()[-1])
                computed += got["computed"]
                log(f"{variant} {query}: computed {got['computed']}, holds {sorted(got['keys'])}")
                out[variant]["latency_ms"].extend(got["latency_ms"])
            out[variant]["computations"].append(computed)
    result = {
        v: {
            "computations_per_round": statistics.median(got["computations"]),
            "computations": got["computations"],
            "latency_ms": summary(got["latency_ms"]),
        }
        for v, got in out.items()
    }
    result["computations_ratio"] = ratio(
        result["per_process"]["computations_per_round"],
        result["redis"]["computations_per_round"],
    )
    return result


def _values(filters) -> dict[str, tuple[tuple, Callable[[], object]]]:
    """Representative cache entries: key (without the version) and how to compute it."""
    from dashboards.charts import charts_for
    from dashboards.queries import overview
    from dashboards.queries import partners as pq

    chart = max(charts_for("overview"), key=lambda c: len(c.key))  # any chart; stable choice
    return {
        "figure_json": (
            ("bench.figure", chart.key, filters.cache_key()),
            lambda: chart._screen_json(filters, "en", None),
        ),
        "chart_frame": (
            ("bench.frame", chart.key, filters.cache_key()),
            lambda: chart.query(filters),
        ),
        "headlines": (
            ("bench.headlines", filters.cache_key()),
            lambda: overview._headlines(filters, "en"),
        ),
        "partner_directory": (
            ("bench.directory", filters.cache_key()),
            lambda: pq.directory(filters, "en", include_inactive=True),
        ),
    }


def hit_latency(warehouse, redis_url: str, repeat: int) -> dict:
    """Local hit vs Redis hit vs cold computation, per kind of value (medians, ms)."""
    from dashboards import cache, codec, db
    from dashboards.filters import Filters
    from dashboards.redis_cache import RedisTier

    tier = RedisTier(redis_url)
    out: dict = {}
    with db.pinned(warehouse):
        version = db.version()
        for name, (key, compute) in _values(Filters()).items():
            full = (version, *key)
            cold, local, shared = [], [], []
            for _ in range(repeat):  # alternate the three, one of each per pass
                start = time.perf_counter()
                value = compute()
                cold.append(time.perf_counter() - start)
                warm = cache.LRU()
                warm.get_or_compute(full, lambda value=value: value)
                start = time.perf_counter()
                warm.get_or_compute(full, compute)
                local.append(time.perf_counter() - start)
                tier.client.delete(tier.name(full))
                cache.LRU(shared=tier).get_or_compute(full, lambda value=value: value)  # store
                fresh = cache.LRU(shared=tier)
                start = time.perf_counter()
                fresh.get_or_compute(full, compute)
                shared.append(time.perf_counter() - start)
                assert fresh.computed == 0, f"{name}: the Redis level missed"
            blob = codec.encode(value)
            ms = lambda xs: round(statistics.median(xs) * 1000, 3)  # noqa: E731
            out[name] = {
                "cold_ms": ms(cold),
                "local_hit_ms": ms(local),
                "redis_hit_ms": ms(shared),
                "redis_hit_vs_cold": ratio(statistics.median(shared), statistics.median(cold)),
                "encoded_bytes": len(blob),
            }
    return out


def main(argv=None) -> dict:
    """Run both measurements and print (and optionally write) the JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.cache_bench", description=__doc__)
    p.add_argument("--activities", type=int, default=100_000)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--repeat", type=int, default=15, help="passes of the hit-latency loop")
    p.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    p.add_argument("--processes", type=int, default=2, help="app processes (cross-process)")
    p.add_argument("--process-rounds", type=int, default=6)
    p.add_argument("--out", type=Path, help="write the JSON here too")
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        db_path, url, query, threads = args.child
        child(db_path, url, query, int(threads))
        return {}

    from tests.redis_server import RedisServer

    args.work.mkdir(parents=True, exist_ok=True)
    folder, _ = data.generate(args.work, args.activities)
    db_path = args.work / f"cache-bench-{args.activities}.duckdb"
    if not db_path.exists():
        log(f"loading {args.activities} activities")
        data.load(folder, db_path)

    from bench.replay import FilterSource, vocabularies
    from dashboards import db
    from dashboards.queries import activities

    warehouse = db.Warehouse(db_path)
    with db.pinned(warehouse):
        source = FilterSource(vocabularies(), activities.year_range(), seed=7)
    server = RedisServer(maxmemory="256mb")
    server.start()
    try:
        log(f"{args.threads} identical concurrent cold requests × {args.rounds} rounds")
        result = {
            "activities": args.activities,
            "threads": args.threads,
            "rounds": args.rounds,
            "concurrent_cold": concurrent_cold(warehouse, source, args.threads, args.rounds),
        }
        log(f"{args.processes} processes × {args.threads // 2} threads, alone vs sharing Redis")
        result["cross_process"] = cross_process(
            warehouse,
            db_path,
            server,
            source,
            args.processes,
            max(1, args.threads // 2),
            args.process_rounds,
        )
        log("hit latency: local, Redis, cold")
        result["hit_latency"] = hit_latency(warehouse, server.url, args.repeat)
    finally:
        server.stop()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return result


if __name__ == "__main__":
    main()
