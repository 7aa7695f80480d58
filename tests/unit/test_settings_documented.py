"""Every environment variable the code reads is documented in the README (datasette's habit)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sources = [ROOT / "app.py", *ROOT.glob("dashboards/**/*.py"), *ROOT.glob("etl/**/*.py")]
    names = set()
    for path in sources:
        names |= set(
            re.findall(r"os\.environ(?:\.get)?[\[(]\s*[\"']([A-Z_]+)[\"']", path.read_text())
        )
    internal = {"ETL_DEBUG", "EXPORT_DEBUG"}  # developer switches for tracebacks
    assert names, "the scan found no setting at all"
    missing = sorted(n for n in names - internal if f"`{n}`" not in readme)
    assert not missing, f"undocumented settings: {missing}"
