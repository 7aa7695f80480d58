"""Demo data at a scale, the real ETL load, and a bare DuckDB load of the same files."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The bare load: DuckDB reading every CSV as text into a table, nothing else (all_varchar because
# the demo files contain deliberate bad rows that typed reading would reject).
_BARE = """
import sys, time, duckdb
from pathlib import Path
db, folder = sys.argv[1], Path(sys.argv[2])
started = time.perf_counter()
con = duckdb.connect(db)
con.execute("SET enable_progress_bar = false")
for i, f in enumerate(sorted(folder.glob("*.csv"))):
    con.execute(
        f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, all_varchar=true)", [str(f)]
    )
con.close()
print(time.perf_counter() - started)
"""


def run(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    """Run a command (wall time in seconds, completed process); raise with its stderr on failure."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
    return elapsed, proc


def generate(
    work: Path, scale: int, seed: int = 42, reuse: bool = True
) -> tuple[Path, float | None]:
    """Demo input files for `scale` activities (reused from an earlier run unless told not to)."""
    folder = work / f"demo-{scale}-{seed}"
    marker = folder / ".complete"
    if reuse and marker.exists():
        return folder, None
    cmd = [sys.executable, "-m", "etl", "demo", "--out", str(folder)]
    elapsed, _ = run(cmd + ["--seed", str(seed), "--activities", str(scale)])
    marker.write_text("ok")
    return folder, elapsed


def load(folder: Path, db: Path) -> tuple[float, dict]:
    """`python -m etl load` (wall time of the whole command, its JSON summary)."""
    db.unlink(missing_ok=True)
    elapsed, proc = run(
        [sys.executable, "-m", "etl", "load", str(folder), "--db", str(db), "--json"]
    )
    return elapsed, json.loads(proc.stdout)


def bare_load(folder: Path, db: Path) -> tuple[float, float]:
    """The bare DuckDB load of the same files: (command wall time, time inside DuckDB)."""
    db.unlink(missing_ok=True)
    elapsed, proc = run([sys.executable, "-c", _BARE, str(db), str(folder)])
    db.unlink(missing_ok=True)
    return elapsed, float(proc.stdout.strip().splitlines()[-1])


def input_bytes(folder: Path) -> int:
    """Total size of the input files."""
    return sum(f.stat().st_size for f in folder.glob("*.csv"))
