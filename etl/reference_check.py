"""Validate the reference folder before a load uses it, and list how it differs from the shipped one.

Reference files are data an administrator may edit (`data/reference/*.csv`, or `--reference DIR`).
A mistake there (a region written as a name instead of its code, a stray space, a code twice, a
missing column, a sort order that breaks the filter bits) would silently mis-file every activity
of a country, so the load stops with every problem named by file, line and column, and the
previous warehouse keeps serving. A valid edit that moves a country to another UNESCO region than
the shipped reference is allowed but reported (summary and table `reference_changes`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from etl.reference import REFERENCE_DIR, fold

# The shipped country → region table the changes are measured against: the committed source
# table (region names), read from the shipped folder whatever `--reference` says.
BASELINE_FILE = "unesco_regions_source.csv"
MAX_SORT_ORDER = 31  # bit = 1 << (sort_order - 1) must fit the warehouse's INTEGER masks
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ISO = {"iso3": re.compile(r"[A-Z]{3}"), "iso2": re.compile(r"[A-Z]{2}")}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a reference file (line 1 is the header; None: the whole file)."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        col = f" column {self.column}" if self.column else ""
        value = f" {self.value!r}" if self.value not in (None, "") else ""
        return f"{where}{col}{value}: {self.reason}"

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Change:
    """A difference from the shipped reference (old/new: None = absent, '' = empty)."""

    file: str
    key: str
    field: str
    old: str | None
    new: str | None

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {
            "file": self.file,
            "key": self.key,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }


class ReferenceInvalid(Exception):
    """The reference folder has problems; the load must not use it."""

    def __init__(self, directory: Path, problems: list[Problem]):
        self.directory = directory
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        n = len(problems)
        super().__init__(
            f"reference data in {directory} is invalid ({n} problem{'s' * (n != 1)}): {shown}{more}"
        )


@dataclass(frozen=True)
class _Spec:
    """What one reference file must hold."""

    required: tuple[str, ...]
    key: tuple[str, ...]  # unique together
    unique: tuple[str, ...] = ()  # further columns unique on their own
    codes: tuple[str, ...] = ()  # columns holding identifiers (letters, digits, _)
    names: tuple[str, ...] = ()  # columns that may not be empty
    sort_order: bool = False  # has sort_order, unique within the group
    group: str | None = None  # column grouping keys, sort orders and spellings (vocabularies)
    spellings: tuple[str, ...] = ()  # columns whose spellings must not name two keys


_VOCAB = _Spec(
    required=("code", "name_en", "name_fr", "sort_order"),
    key=("code",),
    codes=("code",),
    names=("code", "name_en", "name_fr"),
    sort_order=True,
    spellings=("code", "name_en", "name_fr", "aliases"),
)
# Files a load reads, and what each must hold. A branch adding a reference file the ETL depends
# on adds its line here; other *.csv files only get the generic checks (UTF-8, cells ≤ header).
SPECS: dict[str, _Spec] = {
    "fields_of_competence.csv": _VOCAB,
    "functional_areas.csv": _VOCAB,
    "regions.csv": _VOCAB,
    "partner_statuses.csv": _VOCAB,
    "partner_types.csv": _VOCAB,
    "vocabularies.csv": _Spec(
        required=("vocabulary", "code", "name_en", "name_fr", "sort_order"),
        key=("vocabulary", "code"),
        codes=("vocabulary", "code"),
        names=("vocabulary", "code", "name_en", "name_fr"),
        sort_order=True,
        group="vocabulary",
        spellings=("code", "name_en", "name_fr", "aliases"),
    ),
    "countries.csv": _Spec(
        required=("iso3", "iso2", "name_en", "name_fr", "region_code", "region_source"),
        key=("iso3",),
        unique=("iso2",),
        names=("iso3", "iso2", "name_en", "name_fr"),
    ),
    # Statuses as sources word them, and the administrator's aliases (etl/partner_status.py,
    # etl/matching.py); the alias file may be absent (no merges).
    "partner_status_wordings.csv": _Spec(
        required=("wording", "lang", "status_code", "source", "interpretation"),
        key=("wording",),
        codes=("status_code",),
        names=("wording", "status_code", "interpretation"),
    ),
    "partner_aliases.csv": _Spec(
        required=("alias", "canonical_id"), key=("alias",), names=("alias", "canonical_id")
    ),
    # Lifecycle reference data (issue 12; etl/reference.py `lifecycle_frames`); optional.
    "governing_sessions.csv": _Spec(
        required=("body", "session", "start_date", "status", "source"),
        key=("body", "session"),
        codes=("body", "status"),
        names=("body", "session", "status", "source"),
    ),
    "lifecycle_rules.csv": _Spec(
        required=("rule", "value", "source"),
        key=("rule",),
        codes=("rule",),
        names=("rule", "value", "source"),
    ),
    BASELINE_FILE: _Spec(
        required=("iso3", "iso2", "name_en", "unesco_region", "source"),
        key=("iso3",),
        names=("iso3", "name_en"),
    ),
}
_OPTIONAL = (BASELINE_FILE, "partner_aliases.csv", "governing_sessions.csv", "lifecycle_rules.csv")
REQUIRED_FILES = tuple(name for name in SPECS if name not in _OPTIONAL)


def check_reference(directory: Path = REFERENCE_DIR) -> None:
    """Raise ReferenceInvalid listing every problem of the reference folder; return if none."""
    directory = Path(directory)
    problems: list[Problem] = []
    if not directory.is_dir():
        raise ReferenceInvalid(
            directory, [Problem(str(directory), None, None, None, "not a folder")]
        )
    tables: dict[str, tuple[list[str], list[tuple[int, dict[str, str]]]]] = {}
    for name in REQUIRED_FILES:
        if not (directory / name).is_file():
            problems.append(Problem(name, None, None, None, "file missing"))
    for path in sorted(directory.glob("*.csv")):
        table = _read(path, problems)
        if table is not None:
            tables[path.name] = table
    region_codes = _region_spellings(tables.get("regions.csv"))
    for name, (header, rows) in tables.items():
        spec = SPECS.get(name)
        if spec is None:
            continue
        missing = [c for c in spec.required if c not in header]
        if missing and len(header) == 1 and ";" in header[0]:
            problems.append(
                Problem(
                    name,
                    1,
                    None,
                    None,
                    "the file is separated by ';' (as Excel saves CSV in some languages): "
                    'save it as "CSV UTF-8 (comma delimited)"',
                )
            )
            continue
        for c in missing:
            problems.append(
                Problem(name, 1, c, None, f"missing column (header read: {', '.join(header)})")
            )
        if missing:
            continue
        problems += _check_rows(name, spec, rows)
    # Countries are checked against regions.csv only when it is sound: a broken region row would
    # otherwise bury its one cause under a problem per country of that region.
    if any(p.file == "regions.csv" for p in problems):
        region_codes = {}
    for name, (_, rows) in tables.items():
        if not region_codes or any(p.file == name and p.line == 1 for p in problems):
            continue
        if name == "countries.csv":
            problems += _check_regions(name, rows, "region_code", region_codes, as_code=True)
        elif name == BASELINE_FILE:
            problems += _check_regions(name, rows, "unesco_region", region_codes, as_code=False)
    if problems:
        problems.sort(key=lambda p: (p.file, p.line or 0))
        raise ReferenceInvalid(directory, problems)


def reference_changes(
    directory: Path = REFERENCE_DIR, shipped: Path = REFERENCE_DIR
) -> list[Change]:
    """Countries whose UNESCO region differs from the shipped source table (moved, added, removed)."""
    baseline = _shipped_regions(Path(shipped))
    if baseline is None:
        return []
    with open(Path(directory) / "countries.csv", encoding="utf-8-sig", newline="") as f:
        current = {r["iso3"]: r["region_code"] for r in csv.DictReader(f)}
    changes = []
    for iso3 in sorted(set(baseline) | set(current)):
        old, new = baseline.get(iso3), current.get(iso3)
        if old != new:
            changes.append(Change("countries.csv", iso3, "region_code", old, new))
    return changes


def problem_from_message(message: str) -> Problem:
    """A Problem from a `file:line: [column C:] reason` message (the reference loader's own checks)."""
    m = re.match(r"^(?P<file>[^:\s]+\.csv):(?P<line>\d+)?:?\s*(?P<rest>.*)$", message)
    if not m:
        return Problem("reference", None, None, None, message)
    rest = m.group("rest")
    col = re.match(r"^column (?P<column>\w+)[: ]\s*(?P<reason>.*)$", rest)
    line = int(m.group("line")) if m.group("line") else None
    if col:
        return Problem(m.group("file"), line, col.group("column"), None, col.group("reason"))
    return Problem(m.group("file"), line, None, None, rest)


# -- reading --------------------------------------------------------------------------------------


def _read(path: Path, problems: list[Problem]):
    """(header, [(line, row)]) of a CSV file, or None when it cannot be read as UTF-8 CSV."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(
            Problem(
                path.name,
                line,
                None,
                None,
                f"not UTF-8 (byte 0x{data[e.start]:02X}); save it as UTF-8",
            )
        )
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(path.name, None, None, None, "empty file (no header)"))
        return None
    for c in header:
        if c != c.strip():
            problems.append(Problem(path.name, 1, c.strip(), c, "stray whitespace in the header"))
    header = [c.strip() for c in header]
    seen: set[str] = set()
    for c in header:
        if c in seen:
            problems.append(Problem(path.name, 1, c, None, "column given twice in the header"))
        seen.add(c)
    rows = []
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            problems.append(
                Problem(
                    path.name,
                    line,
                    None,
                    None,
                    f"row has more cells than the header ({len(header)})",
                )
            )
            continue
        rows.append(
            (line, dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True)))
        )
    return header, rows


# -- checks ---------------------------------------------------------------------------------------


def _check_rows(name: str, spec: _Spec, rows) -> list[Problem]:
    problems: list[Problem] = []
    keys: dict[tuple, int] = {}
    uniques: dict[tuple[str, str], int] = {}
    orders: dict[tuple[str, int], tuple[str, int]] = {}
    spellings: dict[tuple[str, str], tuple[str, int]] = {}
    for line, row in rows:
        bad = False
        for column, value in row.items():
            if value != value.strip():
                problems.append(
                    Problem(name, line, column, value, "stray whitespace around the value")
                )
                bad = True
        if bad:
            continue
        for column in spec.names:
            if not row[column]:
                problems.append(Problem(name, line, column, "", "empty; a value is required"))
                bad = True
        for column in spec.codes:
            if row[column] and not _CODE.fullmatch(row[column]):
                problems.append(
                    Problem(
                        name, line, column, row[column], "not a code (letters, digits and _ only)"
                    )
                )
                bad = True
        for column, pattern in _ISO.items():
            if column in spec.required and row[column] and not pattern.fullmatch(row[column]):
                problems.append(
                    Problem(name, line, column, row[column], f"not an ISO 3166-1 {column} code")
                )
                bad = True
        if bad:
            continue
        group = row[spec.group] if spec.group else ""
        key = tuple(row[c] for c in spec.key)
        if key in keys:
            problems.append(
                Problem(
                    name, line, spec.key[-1], key[-1], f"duplicate key (first at line {keys[key]})"
                )
            )
            continue
        keys[key] = line
        for column in spec.unique:
            seen = uniques.setdefault((column, row[column]), line)
            if seen != line:
                problems.append(
                    Problem(
                        name,
                        line,
                        column,
                        row[column],
                        f"duplicate {column} (first at line {seen})",
                    )
                )
        code = key[-1]
        if spec.sort_order:
            problems += _check_sort_order(name, line, row["sort_order"], group, code, orders)
        for column in spec.spellings:
            parts = row.get(column) or ""
            for spelling in parts.split(";") if column == "aliases" else [parts]:
                folded = fold(spelling)
                if not folded:
                    continue
                other = spellings.setdefault((group, folded), (code, line))
                if other[0] != code:
                    problems.append(
                        Problem(
                            name,
                            line,
                            column,
                            spelling.strip(),
                            f"{spelling.strip()!r} already names {other[0]} (line {other[1]}); "
                            "a spelling may name one code only",
                        )
                    )
    return problems


def _check_sort_order(name, line, value, group, code, orders) -> list[Problem]:
    if not (value.isascii() and value.isdigit()):
        return [Problem(name, line, "sort_order", value, "not a whole number")]
    order = int(value)
    if not 1 <= order <= MAX_SORT_ORDER:
        return [
            Problem(
                name,
                line,
                "sort_order",
                value,
                f"must be between 1 and {MAX_SORT_ORDER} (it gives the code's filter bit)",
            )
        ]
    other = orders.setdefault((group, order), (code, line))
    if other[0] != code:
        return [
            Problem(
                name,
                line,
                "sort_order",
                value,
                f"same sort_order as {other[0]} (line {other[1]}): each code needs its own bit",
            )
        ]
    return []


def _region_spellings(regions) -> dict[str, str]:
    """Folded code, names and aliases of each region → its code."""
    out: dict[str, str] = {}
    if regions is None:
        return out
    for _, row in regions[1]:
        code = row.get("code", "").strip()
        for spelling in (
            code,
            row.get("name_en", ""),
            row.get("name_fr", ""),
            *(row.get("aliases") or "").split(";"),
        ):
            if fold(spelling):
                out.setdefault(fold(spelling), code)
    return out


def _check_regions(name, rows, column, spellings: dict[str, str], as_code: bool) -> list[Problem]:
    codes = sorted(set(spellings.values()))
    problems = []
    for line, row in rows:
        value = row.get(column, "")
        if not value or value != value.strip():
            continue  # empty: no region (Antarctica); whitespace is reported already
        if as_code and value in codes:
            continue
        match = spellings.get(fold(value))
        if not as_code and match:
            continue
        if as_code and match:
            reason = f"not a region code: write {match} (the code of {value!r} in regions.csv)"
        else:
            expected = ", ".join(codes)
            reason = f"unknown region {'code' if as_code else 'name'} (regions.csv has {expected})"
        problems.append(Problem(name, line, column, value, reason))
    return problems


def _shipped_regions(shipped: Path) -> dict[str, str] | None:
    """iso3 → region code of the shipped source table ('' for no region), or None if absent."""
    path = shipped / BASELINE_FILE
    if not path.is_file():
        return None
    problems: list[Problem] = []
    regions = _read(shipped / "regions.csv", problems)
    spellings = _region_spellings(regions)
    table = _read(path, problems)
    if table is None:
        return None
    return {
        row["iso3"]: spellings.get(fold(row["unesco_region"]), row["unesco_region"])
        for _, row in table[1]
    }
