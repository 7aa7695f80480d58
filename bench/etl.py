"""ETL against the bare DuckDB load, side by side (issue 14): `python -m bench.etl`.

For each size, the demo input files (`bench.data.generate`, reused between runs) are loaded
alternately by the real ETL (`python -m etl load DIR --json`) and by the bare load of
`bench.data` (`CREATE TABLE AS SELECT * FROM read_csv(f, all_varchar=true)` per file), each in a
fresh process, `--repeat` times; medians and their ratio are reported, with the peak RSS of
the ETL process (psutil, sampled every 50 ms). 10,000,000 activities is opt-in
(`--sizes 10000000`): about 2.2 GB of CSV, no ratio target, the run reports time and memory.
Results go to `bench/results/etl.json` (`--out`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from bench import data

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (100_000, 1_000_000)


class OverMemory(RuntimeError):
    """The measured process went over the RSS cap and was stopped."""


def _timed(
    cmd: list[str], cwd: Path = ROOT, cap_mb: float | None = None
) -> tuple[float, float, str]:
    """Run a command: (wall seconds, peak RSS MB of the process and its children, stdout).

    Over `cap_mb` the process is killed (a shared machine must not run out of memory) and
    OverMemory says when and at how much."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    over: list[float] = []

    def sample() -> None:
        try:
            p = psutil.Process(proc.pid)
            while proc.poll() is None:
                rss = p.memory_info().rss + sum(
                    c.memory_info().rss for c in p.children(recursive=True)
                )
                peak[0] = max(peak[0], rss)
                if cap_mb is not None and rss > cap_mb * 2**20:
                    over.append(time.perf_counter() - started)
                    proc.kill()
                    return
                time.sleep(0.05)
        except psutil.Error:
            pass

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    watcher.join(timeout=1)
    if over:
        raise OverMemory(f"stopped after {over[0]:.0f} s at {peak[0] / 2**20:,.0f} MB RSS")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {err[-2000:]}")
    return elapsed, peak[0] / 2**20, out


def measure(
    size: int, work: Path, repeat: int, other: Path | None = None, cap_mb: float | None = None
) -> dict:
    """ETL and bare load of one size, alternated `repeat` times: medians, ratio, memory.

    `other`: a second source tree (e.g. `git archive` of an earlier commit) whose ETL is run
    in the same rotation, so the two versions are compared under the same load."""
    folder, gen_s = data.generate(work, size)
    folder = folder.resolve()
    db, bare_db = (work / f"etl-{size}.duckdb").resolve(), work / f"etl-bare-{size}.duckdb"
    etl_s, bare_s, etl_rss, bare_rss, other_s = [], [], [], [], []
    loaded = None
    load_cmd = [sys.executable, "-m", "etl", "load", str(folder), "--db", str(db), "--json"]
    for _ in range(repeat):
        db.unlink(missing_ok=True)
        try:
            t, rss, out = _timed(load_cmd, cap_mb=cap_mb)
        except OverMemory as e:
            db.unlink(missing_ok=True)
            return {"activities": size, "etl_stopped": str(e), "etl_cap_mb": cap_mb}
        etl_s.append(t)
        etl_rss.append(rss)
        loaded = json.loads(out).get("totals", {}).get("loaded")
        db.unlink(missing_ok=True)
        if other is not None:
            other_s.append(_timed(load_cmd, cwd=other, cap_mb=cap_mb)[0])
            db.unlink(missing_ok=True)
        bare_db.unlink(missing_ok=True)
        t, rss, _ = _timed([sys.executable, "-c", data._BARE, str(bare_db), str(folder)])
        bare_s.append(t)
        bare_rss.append(rss)
        bare_db.unlink(missing_ok=True)
    etl_med, bare_med = statistics.median(etl_s), statistics.median(bare_s)
    return {
        "activities": size,
        "input_mb": round(data.input_bytes(folder) / 2**20, 1),
        "generated_s": None if gen_s is None else round(gen_s, 1),
        "rows_loaded": loaded,
        "etl_s": [round(x, 2) for x in etl_s],
        "bare_s": [round(x, 2) for x in bare_s],
        "etl_median_s": round(etl_med, 2),
        "bare_median_s": round(bare_med, 2),
        "etl_over_bare": round(etl_med / bare_med, 2),
        "etl_peak_rss_mb": round(max(etl_rss)),
        "bare_peak_rss_mb": round(max(bare_rss)),
        **(
            {
                "other_tree": str(other),
                "other_etl_s": [round(x, 2) for x in other_s],
                "other_etl_median_s": round(statistics.median(other_s), 2),
                "other_over_bare": round(statistics.median(other_s) / bare_med, 2),
            }
            if other_s
            else {}
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: measure each size, print and write the JSON."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", help="activities per size, comma-separated (default 100k,1M)")
    p.add_argument("--repeat", type=int, default=3, help="runs of each variant per size")
    p.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "etl.json")
    p.add_argument("--other", type=Path, help="another source tree whose ETL runs in rotation")
    p.add_argument(
        "--max-rss-mb", type=float, default=8000, help="stop the ETL above this RSS (MB)"
    )
    args = p.parse_args(argv)
    sizes = (
        [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
        if args.sizes
        else list(DEFAULT_SIZES)
    )
    args.work.mkdir(parents=True, exist_ok=True)
    results = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "sizes": {},
    }
    for size in sizes:
        r = measure(size, args.work, args.repeat, args.other, args.max_rss_mb)
        results["sizes"][str(size)] = r
        print(f"{size:>11,}: {json.dumps(r)}", file=sys.stderr)
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
