"""`python -m bench.iati [--activities 100000]`: IATI load speed and memory (docs/performance.md).

Writes one generated IATI 2.03 file of N activities (shapes of tests/fixtures/iati: EN/FR
titles, 1–3 recipient countries with percentages or a region, DAC 5-digit and SDG sectors,
2–3 participating organisations, two budgets, a revised budget on some, 2–4 transactions) and
runs `python -m etl load` on it in a child process, measuring wall time, CPU time (the load's
own reading child included) and peak RSS (summed over the load's processes). Target (issue 10): >= 20,000 activities/s and peak RSS < 500 MB at 100,000 activities.
`--baseline DIR --repeat N` alternates loads by an old checkout and by this one on the same file
and reports both medians (the machine's load then weighs on both alike).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
COUNTRIES = ["KE", "TZ", "NG", "SN", "GH", "MX", "CO", "PE", "IN", "VN", "FR", "EG", "JO", "BR"]
SECTORS = ["11110", "11130", "11220", "11320", "16061", "41030", "43082", "22030", "15160"]
SDG = ["4", "5", "13", "14", "16"]
ORGS = [
    ('ref="XM-DAC-7" type="10"', "Netherlands"),
    ('ref="XM-DAC-918-3" type="40"', "European Union"),
    ('type="21"', "Education International"),
    ('type="22"', "Association nationale pour l'alphabétisation"),
    ('ref="XM-DAC-41304" type="40"', "UNESCO"),
]


def _activity(i: int, rnd: random.Random) -> str:
    year = rnd.randint(2015, 2025)
    n_c = rnd.choice((1, 1, 2, 3))
    if rnd.random() < 0.15:
        places = f'<recipient-region code="{rnd.choice(["289", "489", "679"])}" vocabulary="1" percentage="100"/>'
    else:
        codes = rnd.sample(COUNTRIES, n_c)
        pcts = [100 // n_c] * n_c
        pcts[0] += 100 - sum(pcts)
        places = "".join(
            f'<recipient-country code="{c}" percentage="{p}"/>'
            for c, p in zip(codes, pcts, strict=True)
        )
    s1, s2 = rnd.sample(SECTORS, 2)
    orgs = "".join(
        f'<participating-org role="{role}" {attrs}><narrative>{escape(name)}</narrative></participating-org>'
        for role, (attrs, name) in zip((1, 2, 4), rnd.sample(ORGS, 3), strict=True)
    )
    v1, v2 = rnd.randint(10, 900) * 1000, rnd.randint(10, 900) * 1000
    revised = (
        f'<budget type="2"><period-start iso-date="{year}-01-01"/><period-end iso-date="{year}-12-31"/>'
        f"<value>{v1 + 5000}</value></budget>"
        if rnd.random() < 0.2
        else ""
    )
    tx = "".join(
        f'<transaction><transaction-type code="{t}"/><transaction-date iso-date="{year}-0{m}-15"/>'
        f'<value value-date="{year}-0{m}-15">{rnd.randint(1, 100) * 1000}</value></transaction>'
        for t, m in zip(
            rnd.sample(("2", "3", "4", "11"), rnd.randint(2, 4)), (3, 5, 7, 9), strict=False
        )
    )
    return (
        f'<iati-activity xml:lang="en" default-currency="USD" hierarchy="1">'
        f"<iati-identifier>XM-DAC-41304-BENCH-{i:07d}</iati-identifier>"
        f'<reporting-org ref="XM-DAC-41304" type="40"><narrative>UNESCO</narrative></reporting-org>'
        f"<title><narrative>Activity {i} on education and culture</narrative>"
        f'<narrative xml:lang="fr">Activité {i} en éducation et culture</narrative></title>'
        f'<description type="1"><narrative>Generated activity number {i}.</narrative></description>'
        f"{orgs}"
        f'<activity-status code="{rnd.randint(1, 4)}"/>'
        f'<activity-date iso-date="{year}-01-01" type="1"/><activity-date iso-date="{year}-02-01" type="2"/>'
        f'<activity-date iso-date="{year + 1}-12-31" type="3"/>'
        f"{places}"
        f'<sector vocabulary="1" code="{s1}" percentage="60"/><sector vocabulary="1" code="{s2}" percentage="40"/>'
        f'<sector vocabulary="7" code="{rnd.choice(SDG)}" percentage="100"/>'
        f'<budget type="1"><period-start iso-date="{year}-01-01"/><period-end iso-date="{year}-12-31"/>'
        f"<value>{v1}</value></budget>"
        f'<budget type="1"><period-start iso-date="{year + 1}-01-01"/><period-end iso-date="{year + 1}-12-31"/>'
        f"<value>{v2}</value></budget>{revised}{tx}</iati-activity>\n"
    )


def generate(path: Path, n: int, seed: int = 7) -> int:
    """Write a generated IATI 2.03 file of n activities; return its size in bytes."""
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        for i in range(n):
            f.write(_activity(i, rnd))
        f.write("</iati-activities>\n")
    return path.stat().st_size


def parse_floor(path: Path) -> float:
    """CPU seconds of the bare hardened iterparse of the file (read and clear, nothing mapped)."""
    from lxml import etree

    from etl.iati import _PARSER_OPTIONS

    t0 = time.process_time()
    for _, elem in etree.iterparse(
        str(path), events=("end",), tag="iati-activity", **_PARSER_OPTIONS
    ):
        elem.clear(keep_tail=False)
        parent = elem.getparent()
        while elem.getprevious() is not None:
            del parent[0]
    return time.process_time() - t0


def _watch_tree(proc: subprocess.Popen) -> tuple[int, int]:
    """Peaks of the summed RSS of a process and its children and of its largest process
    (bytes), sampled every 20 ms.

    The load reads large files in two processes; the sum counts pages the forked child still
    shares with its parent twice, so it is an upper bound of the memory used.
    """
    import psutil

    peak = largest = 0
    try:
        root = psutil.Process(proc.pid)
    except psutil.NoSuchProcess:
        proc.wait()
        return 0, 0
    while proc.poll() is None:
        try:
            sizes = [root.memory_info().rss]
            for child in root.children(recursive=True):
                try:
                    sizes.append(child.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            break
        peak = max(peak, sum(sizes))
        largest = max(largest, *sizes)
        time.sleep(0.02)
    proc.wait()
    return peak, largest


def run_load(root: Path, src: Path, db: Path) -> dict:
    """One `python -m etl load` of `src` by the checkout at `root`: wall, CPU, peak RSS."""
    db.unlink(missing_ok=True)
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(src), "--db", str(db), "--json"],
        cwd=root,
        stdout=subprocess.DEVNULL,
    )
    tree_peak, largest = _watch_tree(proc)
    if proc.returncode != 0:
        raise SystemExit(f"the load by {root} failed with exit status {proc.returncode}")
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime - usage0.ru_utime) + (usage.ru_stime - usage0.ru_stime)
    return {
        "load_seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": tree_peak / 2**20,
        # Sampled, not getrusage's ru_maxrss: for RUSAGE_CHILDREN that is the largest of every
        # child this process ever waited for, so a second load could only repeat the first's.
        "largest_process_mb": largest / 2**20,
        "load_average_1min": os.getloadavg()[0],
    }


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> dict:
    """Generate, load in a child process (alternating with a baseline checkout), save medians."""
    p = argparse.ArgumentParser(prog="python -m bench.iati", description=__doc__)
    p.add_argument("--activities", type=int, default=100_000)
    p.add_argument("--work", type=Path, default=ROOT / "bench" / "work" / "iati")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "iati.json")
    p.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of the old code (e.g. a `git worktree` of main): its loads alternate "
        "with this checkout's on the same file, and both medians are reported",
    )
    p.add_argument("--repeat", type=int, default=1, help="loads per variant (medians reported)")
    args = p.parse_args(argv)
    src = args.work / "input"
    src.mkdir(parents=True, exist_ok=True)
    # One partner in official partnership, named as the generated organisations name it.
    (src / "partners.csv").write_text(
        "partner_id,name,acronym,partner_type,status\n"
        "EI,Education International,EI,NGO,associate\n",
        encoding="utf-8",
    )
    xml = src / "bench-activities.xml"
    size = generate(xml, args.activities)
    variants = {"new": ROOT}
    if args.baseline:
        variants = {"old": args.baseline.resolve(), "new": ROOT}
    runs: dict[str, list[dict]] = {k: [] for k in variants}
    floors = []
    for _ in range(args.repeat):
        for name, root in variants.items():  # alternated: both see the same machine load
            runs[name].append(run_load(root, src, args.work / f"bench-{name}.duckdb"))
            print(name, json.dumps(runs[name][-1]), file=sys.stderr, flush=True)
        floors.append(parse_floor(xml))
    n = args.activities
    summary = {}
    for name, rs in runs.items():
        wall = _median([r["load_seconds"] for r in rs])
        cpu = _median([r["cpu_seconds"] for r in rs])
        summary[name] = {
            "root": str(variants[name]),
            "load_seconds": round(wall, 2),
            "activities_per_second": round(n / wall),
            "cpu_seconds": round(cpu, 2),
            "activities_per_cpu_second": round(n / cpu),
            "peak_rss_mb": round(_median([r["peak_rss_mb"] for r in rs])),
            "peak_rss_largest_process_mb": round(_median([r["largest_process_mb"] for r in rs])),
            "runs": [{k: round(v, 2) for k, v in r.items()} for r in rs],
        }
    floor = _median(floors)
    new = summary["new"]
    result = {
        "activities": n,
        "file_mb": round(size / 1e6, 1),
        "repeat": args.repeat,
        **{k: v for k, v in new.items() if k not in ("root", "runs")},
        "parse_floor_cpu_seconds": round(floor, 2),
        "parse_floor_activities_per_cpu_second": round(n / floor),
        "variants": summary,
        "targets": {"activities_per_second": ">= 20000", "peak_rss_mb": "< 500"},
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "cpus": os.cpu_count(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    if "old" in summary:
        old = summary["old"]
        result["speedup_wall"] = round(old["load_seconds"] / new["load_seconds"], 2)
        result["speedup_cpu"] = round(old["cpu_seconds"] / new["cpu_seconds"], 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
