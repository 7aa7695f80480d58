"""Page updates while 16 chart downloads run: does exporting stall everyone else?

`python -m bench.downloads --db WAREHOUSE [--root CHECKOUT]` serves the app under gunicorn (the
production configuration, 2 workers × 4 threads), measures page-update latency (the Overview's
charts for a filter change, through the real callback endpoint) while idle, then again while
16 clients keep downloading PNGs of different charts, and prints both as JSON. `--root` serves
another checkout (e.g. /work/main for the "before" figure). Downloads are driven through the
protocol the checkout speaks: a plain callback answer, or a background job and its polls.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench import dashclient
from bench.server import ROOT, Server
from bench.stats import percentile

FILTERS = ["", "?years=2018-2024", "?region=AFR", "?field=ED", "?field=CLT&years=2015-2024"]


def dependencies(base: str) -> list[dict]:
    """The app's callback list, as the renderer reads it."""
    with urllib.request.urlopen(base + "/_dash-dependencies", timeout=30) as r:
        return json.loads(r.read())


def _output_list(dep: dict) -> tuple[str, object]:
    """(output string, outputs spec) of a dependency whose outputs have no wildcard."""
    key = dep["output"]
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    outs = []
    for part in parts:
        cid, _, prop = part.rpartition(".")
        outs.append({"id": cid, "property": prop.split("@")[0]})
    return key, outs if len(outs) > 1 else outs[0]


def figure_download_body(dep: dict, chart_keys: list[str], key: str, search: str) -> dict:
    """The request of a click on 'Download → PNG' of one chart (all menus of the page listed)."""
    output, outputs = _output_list(dep)
    menus = [
        {"id": {"type": "chart-export", "key": k, "format": f}, "property": "n_clicks", "value": 0}
        for k in chart_keys
        for f in ("png", "svg", "pdf")
    ]
    clicked = {"type": "chart-export", "key": key, "format": "png"}
    for m in menus:
        if m["id"] == clicked:
            m["value"] = 1
    return {
        "output": output,
        "outputs": outputs,
        "inputs": [menus],
        "changedPropIds": [
            json.dumps(clicked, sort_keys=True, separators=(",", ":")) + ".n_clicks"
        ],
        "state": [{"id": "url", "property": "search", "value": search}, [], []],
    }


def _page_updates(session: dashclient.PageSession, keys: list[str], n: int) -> list[float]:
    times = []
    for i in range(n):
        started = time.perf_counter()
        status, _ = session.post(dashclient.charts_body(keys, FILTERS[i % len(FILTERS)]))
        assert status == 200, status
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.1)
    return times


def _stats(times: list[float]) -> dict:
    return {
        "n": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
    }


def run(db: Path, root: Path, downloaders: int, updates: int) -> dict:
    """Idle and busy page-update latency for one checkout."""
    sys.path.insert(0, str(root))
    from dashboards.charts import all_charts, charts_for

    every = [c.key for c in all_charts() if c.page != "collective"]
    overview = [c.key for c in charts_for("overview")]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"BACKGROUND_CACHE_DIR": str(Path(tmp) / "cache")}
        server = Server(db, Path(tmp) / "server.log", root=root, env=env).start()
        try:
            dep = next(
                d for d in dependencies(server.url) if "export-figure-download.data" in d["output"]
            )
            probe = dashclient.PageSession(server.url)
            _page_updates(probe, overview, 4 * len(FILTERS))  # warm both workers: figures cached
            idle = _page_updates(probe, overview, updates)
            stop = threading.Event()
            done: list[float] = []
            failed: list[int] = []

            def download(i: int) -> None:
                session = dashclient.PageSession(server.url)
                n = 0
                while not stop.is_set():
                    chart = every[(i + n) % len(every)]
                    page = [k for k in every if k.split(".")[0] == chart.split(".")[0]]
                    search = f"?years={2000 + (i * 7 + n) % 20}-2024"  # distinct per request
                    started = time.perf_counter()
                    out = session.background(
                        figure_download_body(dep, page, chart, search), interval=0.25
                    )
                    ok = out.status == 200 and out.body and "response" in out.body
                    (done if ok else failed).append(time.perf_counter() - started)
                    n += 1

            threads = [threading.Thread(target=download, args=(i,)) for i in range(downloaders)]
            for t in threads:
                t.start()
            time.sleep(3)  # every download client has a request in flight
            busy = _page_updates(probe, overview, updates)
            stop.set()
            for t in threads:
                t.join(timeout=300)
        finally:
            server.stop()
    return {
        "root": str(root),
        "downloaders": downloaders,
        "idle": _stats(idle),
        "busy": _stats(busy),
        "downloads_done": len(done),
        "downloads_failed": len(failed),
        "download_p50_s": round(percentile(done, 50), 2) if done else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: print idle and busy page-update latency as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--downloaders", type=int, default=16)
    parser.add_argument("--updates", type=int, default=20)
    args = parser.parse_args(argv)
    result = run(args.db, args.root.resolve(), args.downloaders, args.updates)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
