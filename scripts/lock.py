"""The locked dependency set: `requirements*.lock`, compiled from `requirements*.txt` with uv.

Usage:
  python scripts/lock.py            re-resolve both locks (after editing a requirements file)
  python scripts/lock.py --check    check, without resolving, that each lock pins exactly the
                                    versions its requirements file asks for (run by .ci/run)

The requirements files name what the project uses, pinned; the locks add every transitive
dependency, pinned, and are what the README's commands install (docs/deployment.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {"requirements.txt": "requirements.lock", "requirements-dev.txt": "requirements-dev.lock"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


def normalise(name: str) -> str:
    """A distribution name as packaging compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """{name: version} of a requirements or lock file, following `-r` includes."""
    out: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            out.update(pins(path.parent / line[3:].strip()))
            continue
        m = PIN.match(line)
        if not m:
            raise SystemExit(f"{path.name}: not an exact pin: {line!r}")
        out[normalise(m.group(1))] = m.group(3)
    return out


def check() -> int:
    """Exit status 1 when a lock is missing or disagrees with its requirements file."""
    problems = []
    for source, lock in LOCKS.items():
        lock_path = ROOT / lock
        if not lock_path.exists():
            problems.append(f"{lock} is missing: run python scripts/lock.py")
            continue
        wanted, locked = pins(ROOT / source), pins(lock_path)
        for name, version in sorted(wanted.items()):
            if locked.get(name) != version:
                problems.append(
                    f"{lock}: {name} is {locked.get(name, 'absent')}, {source} asks {version}"
                )
    for p in problems:
        print(p)
    print("locks match their requirements" if not problems else "run: python scripts/lock.py")
    return 1 if problems else 0


def compile_locks() -> int:
    """Re-resolve each lock with uv (needs the package index)."""
    for source, lock in LOCKS.items():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "uv",
                "pip",
                "compile",
                source,
                "--python-version",
                "3.11",
                "--quiet",
                "-o",
                lock,
            ],
            cwd=ROOT,
            check=True,
        )
        print(f"wrote {lock}")
    return check()


if __name__ == "__main__":
    raise SystemExit(check() if "--check" in sys.argv[1:] else compile_locks())
