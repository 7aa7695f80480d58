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


def test_every_setting_is_in_the_readme_configuration_table():
    from dashboards.settings import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip().strip("`")
        for line in table.splitlines()
        if line.startswith("| `")
    }
    fields = {name.upper() for name in Settings.model_fields}
    assert len(fields) >= 10
    assert fields - rows == set(), f"settings missing from the README table: {fields - rows}"
    assert rows - fields == set(), f"README table rows that are no setting: {rows - fields}"
