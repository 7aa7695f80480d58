"""Memory of one app process over a long run of requests (in process, Flask test client).

`python -m bench.memory --db WAREHOUSE --requests 6000` sends a mix of real callback requests
(page renders, chart updates with random filters, the partner directory, language switches with
client-supplied language codes, Data-page grid blocks) and reports the process's RSS after a
warm-up and at the end, the growth of Python allocations by source line (tracemalloc), and the
size of the app's bounded structures. Used to find and check the leak of issue 9.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tracemalloc
from pathlib import Path

import psutil

from bench import dashclient

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/", "/fields", "/functional-areas", "/regions", "/partners", "/collective"]


def _body(output: str, outputs, inputs: list[dict], state: list | None = None) -> dict:
    changed = inputs[0]["id"]
    changed = (
        json.dumps(changed, sort_keys=True, separators=(",", ":"))
        if isinstance(changed, dict)
        else changed
    )
    return {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "changedPropIds": [f"{changed}.{inputs[0]['property']}"],
        "state": state or [],
    }


class Traffic:
    """Random but realistic callback requests against one app."""

    def __init__(self, seed: int = 11):
        from bench.replay import FilterSource, vocabularies
        from dashboards.charts import charts_for
        from dashboards.queries import activities

        self.rng = random.Random(seed)
        self.filters = FilterSource(vocabularies(), activities.year_range(), seed=seed)
        self.chart_keys = {
            p: [c.key for c in charts_for(p.strip("/").replace("-", "_") or "overview")]
            for p in PAGES
        }

    def search(self) -> str:
        f = self.filters.draw()
        lang = self.rng.choice(["en", "fr"])
        return f.to_query(lang if lang == "fr" else None) or ""

    def charts(self) -> dict:
        page = self.rng.choice(PAGES[:4])
        keys = self.chart_keys[page]
        return dashclient.charts_body(keys, self.search())

    def directory(self) -> dict:
        return dashclient.parts_body(
            self.search(),
            ["partners.count"],
            ["partners.rows"],
            {"partners.include_all": self.rng.choice([False, True])},
        )

    def language(self) -> dict:
        # the language store is client state: any string can arrive here
        lang = self.rng.choice(
            ["en", "fr", f"fr-{self.rng.randint(0, 10**9)}", f"x{self.rng.random()}"]
        )
        return _body(
            "..export-pack-format.options...export-pack-scope.options..",
            [
                {"id": "export-pack-format", "property": "options"},
                {"id": "export-pack-scope", "property": "options"},
            ],
            [{"id": "lang-store", "property": "data", "value": lang}],
        )

    def headlines(self) -> dict:
        return dashclient.parts_body(self.search(), ["overview.headlines"])

    def next(self) -> dict:
        return self.rng.choice(
            [self.charts, self.charts, self.directory, self.headlines, self.language]
        )()


def structures() -> dict:
    """Sizes of the app's bounded structures (entries and bytes where known)."""
    from dashboards import cache, i18n

    out = {"results_entries": len(cache.RESULTS._data)}
    if hasattr(cache.RESULTS, "bytes"):
        out["results_bytes"] = cache.RESULTS.bytes
    for name in ("translations", "_catalogue", "_locale", "_with_decimals"):
        fn = getattr(i18n, name, None)
        if fn is not None and hasattr(fn, "cache_info"):
            out[f"i18n.{name}"] = fn.cache_info().currsize
    return out


def run(db: Path, requests: int, warmup: int, top: int) -> dict:
    """Send `requests` callbacks after `warmup`; RSS and allocation growth."""
    os.environ["WAREHOUSE_PATH"] = str(db)
    os.environ.setdefault("BACKGROUND_CACHE_DIR", str(Path("/tmp") / f"bench-memory-{os.getpid()}"))
    sys.path.insert(0, str(ROOT))
    from app import create_app

    app = create_app()
    client = app.server.test_client()
    client.get("/")
    traffic = Traffic()
    proc = psutil.Process()
    statuses: dict[int, int] = {}

    def send(n: int) -> None:
        for _ in range(n):
            r = client.post("/_dash-update-component", json=traffic.next())
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    send(warmup)
    gc.collect()
    rss_start = proc.memory_info().rss
    tracemalloc.start(1)
    snap_start = tracemalloc.take_snapshot()
    send(requests)
    gc.collect()
    snap_end = tracemalloc.take_snapshot()
    rss_end = proc.memory_info().rss
    growth = [
        {"where": str(s.traceback[0]), "kb": round(s.size_diff / 1024, 1), "count": s.count_diff}
        for s in snap_end.compare_to(snap_start, "lineno")[:top]
    ]
    tracemalloc.stop()
    return {
        "requests": requests,
        "warmup": warmup,
        "statuses": statuses,
        "rss_start_mb": round(rss_start / 2**20, 1),
        "rss_end_mb": round(rss_end / 2**20, 1),
        "rss_growth_mb": round((rss_end - rss_start) / 2**20, 1),
        "python_growth_kb": round(
            sum(s.size_diff for s in snap_end.compare_to(snap_start, "filename")) / 1024, 1
        ),
        "structures": structures(),
        "top_growth": growth,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: print the measurement as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.db, args.requests, args.warmup, args.top), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
