"""Vulnerability audit of the locked dependency set (run by .ci/run).

Usage: python scripts/audit.py [LOCKFILE ...]   (default: requirements-dev.lock)

Runs pip-audit on the exact pins of the lock against each advisory source in turn (PyPI's
per-release JSON, then OSV). Exit 1 when a known vulnerability is found. When no source can be
reached (a machine that reaches only a package mirror), it says so loudly and exits 0: an audit
that could not run is reported, never passed off as a clean one (docs/deployment.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pypi", "osv")


def audit(lockfile: Path, source: str) -> tuple[dict | None, str]:
    """pip-audit's JSON report for one lock file and advisory source (None if it failed)."""
    cmd = [
        sys.executable,
        "-m",
        "pip_audit",
        "-r",
        str(lockfile),
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "-s",
        source,
        "-f",
        "json",
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(run.stdout), run.stderr
    except json.JSONDecodeError:
        lines = (run.stderr or run.stdout).strip().splitlines()
        return None, lines[-1] if lines else "no output"


def main(argv: list[str]) -> int:
    """Audit each lock file; return the exit status."""
    locks = [Path(a) for a in argv] or [ROOT / "requirements-dev.lock"]
    status = 0
    for lock in locks:
        done = False
        for source in SOURCES:
            report, err = audit(lock, source)
            if report is None:
                print(f"audit {lock.name} via {source}: source unreachable ({err})")
                continue
            deps = report.get("dependencies", [])
            audited = [d for d in deps if "skip_reason" not in d]
            if not audited:
                print(f"audit {lock.name} via {source}: no release could be looked up")
                continue
            vulnerable = [d for d in audited if d.get("vulns")]
            for d in vulnerable:
                ids = ", ".join(v["id"] for v in d["vulns"])
                print(f"VULNERABLE {d['name']}=={d['version']}: {ids}")
            skipped = len(deps) - len(audited)
            print(
                f"audit {lock.name} via {source}: {len(audited)} packages checked, "
                f"{len(vulnerable)} vulnerable, {skipped} not found at the source"
            )
            status = status or (1 if vulnerable else 0)
            done = True
            break
        if not done:
            print(
                f"NOT AUDITED: {lock.name}: no advisory source is reachable from this machine "
                f"(tried {', '.join(SOURCES)}); run scripts/audit.py where one is "
                "(docs/deployment.md, 'Vulnerability audit')."
            )
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
