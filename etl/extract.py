"""Extract: find input files, detect their encoding and layout, map headers to contract columns.

Narrow on purpose: this module turns a file into rows of strings with their line numbers and
nothing else. Checking values is `validate`'s job. What it does promise: every physical line of a
text file (every row of a sheet) is accounted for — a row, a rejected line with its reason, the
header, a blank line or the continuation of a really quoted cell — and no control character gets
past it (each removal is a note with line and column).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import json
import os
import re
import stat
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import python_calamine

from etl.reasons import Reason
from etl.reference import fold

KINDS = ("partners", "activities", "participation", "status_events", "reports")
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".ods", ".txt", ".tsv")

# How lifecycle files name the partner: its id, or its name (resolved like participation).
_PARTNER_ALIASES = (
    "partner",
    "partenaire",
    "id partenaire",
    "partner id",
    "ngo",
    "ong",
    "organisation",
    "organization",
    "partner name",
    "nom du partenaire",
    "name",
    "nom",
)

# Contract columns per kind, with the spellings accepted in headers (compared with `fold`).
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "partners": {
        "partner_id": ("id", "partner id", "identifiant", "id partenaire", "code partenaire"),
        "name": ("nom", "partner name", "nom du partenaire", "organisation", "organization"),
        "acronym": ("sigle", "acronyme", "abbreviation"),
        "partner_type": ("type", "type de partenaire", "partner type"),
        "status": ("statut", "status with unesco", "statut aupres de l'unesco"),
        "status_since": ("statut depuis", "status date", "date du statut", "since"),
        "previous_status": ("statut precedent", "statut anterieur", "former status"),
        "hq_city": ("city", "ville", "ville du siege", "headquarters city", "siege ville"),
        "hq_country": (
            "country",
            "pays",
            "pays du siege",
            "headquarters country",
            "headquarters",
            "siege",
            "hq",
        ),
        "relations_since": (
            "official relations since",
            "relations officielles depuis",
            "relations depuis",
            "year official relations began",
            "partner since",
        ),
        "fields": (
            "fields of competence",
            "field",
            "domaines",
            "domaines de competence",
            "domaine",
            "sectors",
            "secteurs",
        ),
        "scope": ("portee", "niveau", "level", "geographical scope"),
        "website": ("site", "site web", "site internet", "url", "web"),
    },
    "activities": {
        "activity_id": ("id", "activity id", "identifiant", "id activite", "project id"),
        "partner_ids": (
            "partner id",
            "partners",
            "partner",
            "partenaires",
            "partenaire",
            "id partenaires",
        ),
        "title": ("titre", "intitule", "activity title", "project title", "name", "nom"),
        "modality": ("modalite", "type of cooperation", "cooperation"),
        "field": ("field of competence", "domaine", "domaine de competence", "sector", "secteur"),
        "functional_areas": (
            "functional area",
            "areas",
            "domaines fonctionnels",
            "domaine fonctionnel",
            "axes",
        ),
        "countries": ("country", "pays", "location", "lieu", "region", "regions"),
        "start_date": ("start", "debut", "date de debut", "date debut", "from"),
        "end_date": ("end", "fin", "date de fin", "date fin", "to"),
        "status": ("statut", "etat", "activity status"),
        "budget_usd": ("budget", "budget usd", "budget (usd)", "montant", "amount usd", "amount"),
        "description": ("resume", "summary", "details"),
    },
    "participation": {
        "partner_id": ("partner", "id partenaire", "partenaire", "partner id", "ngo"),
        "mechanism": ("mecanisme", "body", "organe", "instance"),
        "event": ("evenement", "session", "term", "mandat"),
        "event_date": ("date", "date de l'evenement", "session date"),
        "role": ("fonction", "capacity", "qualite"),
    },
    # Partnership lifecycle (issue 12): status decisions, and the reports partners owe.
    "status_events": {
        "partner_id": _PARTNER_ALIASES,
        "event": ("evenement", "event type", "type d'evenement", "type", "nature", "action"),
        "status_after": (
            "status after",
            "new status",
            "resulting status",
            "statut apres",
            "nouveau statut",
            "statut",
            "status",
        ),
        "event_date": (
            "date",
            "decision date",
            "session date",
            "date de la decision",
            "date de l'evenement",
            "date de la session",
        ),
        "deciding_body": (
            "body",
            "deciding body",
            "decided by",
            "organe",
            "decide par",
            "organe de decision",
            "instance",
        ),
        "decision_ref": (
            "decision",
            "decision reference",
            "decision number",
            "reference",
            "ref",
            "reference de la decision",
            "numero de decision",
            "document",
        ),
    },
    "reports": {
        "partner_id": _PARTNER_ALIASES,
        "kind": ("type", "report", "rapport", "report type", "type de rapport", "nature"),
        "period": ("periode", "reporting period", "period covered", "periode couverte"),
        "period_start": ("period from", "periode du", "debut de periode", "from"),
        "period_end": ("period to", "periode au", "fin de periode", "to"),
        "due_date": ("due", "due date", "deadline", "echeance", "date d'echeance", "date limite"),
        "received_date": (
            "received",
            "received on",
            "date received",
            "submitted",
            "recu",
            "recu le",
            "date de reception",
            "soumis le",
        ),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "partners": ("name",),  # partner_id is derived when absent (etl.matching)
    "activities": ("activity_id", "partner_ids", "title", "field"),
    "participation": ("partner_id", "mechanism"),
    "status_events": ("partner_id", "event"),
    "reports": ("partner_id", "kind"),
}


# Header words that qualify a contract column without changing it ("relations_since_year",
# "hq_country_code", "code pays"), and the columns each may qualify: a year or a date only a
# date column, a code or a name only a coded column (so "partner_name" never becomes an id).
_DATE_COLUMNS = {"status_since", "relations_since", "start_date", "end_date", "event_date"}
_DATE_COLUMNS |= {"period", "period_start", "period_end", "due_date", "received_date"}
_CODED_COLUMNS = {
    "partner_type",
    "status",
    "previous_status",
    "hq_country",
    "hq_city",
    "fields",
    "scope",
    "modality",
    "field",
    "functional_areas",
    "countries",
    "mechanism",
    "role",
    "event",
    "status_after",
    "deciding_body",
    "kind",
}
_ID_COLUMNS = {"partner_id", "activity_id", "partner_ids"}
_QUALIFIERS: dict[str, set[str]] = {
    "year": _DATE_COLUMNS,
    "annee": _DATE_COLUMNS,
    "date": _DATE_COLUMNS,
    "code": _CODED_COLUMNS | _ID_COLUMNS,
    "codes": _CODED_COLUMNS | _ID_COLUMNS,
    "iso": _CODED_COLUMNS,
    "iso2": _CODED_COLUMNS,
    "iso3": _CODED_COLUMNS,
    "name": _CODED_COLUMNS,
    "names": _CODED_COLUMNS,
    "label": _CODED_COLUMNS,
    "nom": _CODED_COLUMNS,
    "libelle": _CODED_COLUMNS,
}
_LINKS = ("du", "de", "des", "d", "of")  # "nom du pays", "code of country"

# Control characters never reach the warehouse: C0 except tab, LF and CR; DEL; C1.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
# The five bytes Windows-1252 leaves undefined. While decoding, each becomes a private-use
# sentinel (U+E000 + byte) so that its line and column can be found after parsing; the sentinel
# is then replaced by U+FFFD and the byte named in a note.
CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"
_SENTINEL = re.compile("[\ue081\ue08d\ue08f\ue090\ue09d]")
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue081\ue08d\ue08f\ue090\ue09d]")
_GLOB = re.compile(r"[*?\[\]{}]")
_LINE_END = re.compile(r"\r\n|\n|\r")
# str.splitlines also breaks on these; CSV and editors do not.
_ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
RAW_CELL_CUT = 1024  # characters of an oversized cell kept in rejected_rows.raw


def _cp1252_undefined(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return "".join(chr(0xE000 + b) for b in bad), error.end


codecs.register_error("etl-cp1252-undefined", _cp1252_undefined)


@dataclass(frozen=True)
class Limits:
    """Bounds on what one input file may make the ETL do (environment variables, documented)."""

    max_cell_chars: int = 131_072
    max_sheet_rows: int = 1_048_576  # Excel's own limit
    max_sheet_columns: int = 1_000
    max_sheet_mb: int = 512  # uncompressed size of a spreadsheet

    @classmethod
    def from_env(cls) -> Limits:
        """Limits from ETL_MAX_CELL_CHARS, ETL_MAX_SHEET_ROWS, ETL_MAX_SHEET_COLUMNS, ETL_MAX_SHEET_MB."""
        values = {}
        for name in ("max_cell_chars", "max_sheet_rows", "max_sheet_columns", "max_sheet_mb"):
            env = f"ETL_{name.upper()}"
            text = os.environ.get(env, "").strip()
            if not text:
                continue
            if not re.fullmatch(r"[0-9]{1,12}", text) or int(text) < 1:
                raise ExtractError(f"{env} must be a positive whole number")
            values[name] = int(text)
        return cls(**values)


class ExtractError(Exception):
    """A file that cannot be read at all (the whole load stops, with this one-line reason)."""


# Physical line roles, for the accounting of every line of a text file.
UNACCOUNTED, RECORD, CONTINUATION, BLANK, HEADER, REJECTED_LINE = range(6)
ROLE_NAMES = {
    RECORD: "rows",
    CONTINUATION: "continuation",
    BLANK: "blank",
    HEADER: "header",
    REJECTED_LINE: "rejected_lines",
}


@dataclass
class RawTable:
    """The rows of one input file as strings, with the line each row started on."""

    path: Path
    kind: str
    sha256: str
    encoding: str
    # contract columns, all str ('' for empty), plus `_line` and `_extra` (JSON of the non-empty
    # cells outside the contract, or None); each row's `_raw` (JSON of the whole row as given,
    # keys = header cells) comes from `raws`
    frame: pd.DataFrame
    raw_columns: list[str]  # the header as written
    ignored_columns: list[str] = field(default_factory=list)  # outside the contract: in `_extra`
    # rows rejected before validation: (line, column, value, reason, raw JSON)
    broken: list[tuple[int, str | None, str | None, str, str]] = field(default_factory=list)
    # extract-level warnings: (line, column, value, reason); line 0 is the file as a whole
    notes: list[tuple[int, str | None, str | None, str]] = field(default_factory=list)
    # role of each physical line (text) or row (sheet), index 0 = line 1; see ROLE_NAMES
    line_roles: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint8))
    # `_raw` of rows on demand (only rejected rows need it); None for a table built by hand
    raw_rows: RawRows | None = field(default=None, repr=False, compare=False)

    def raws(self, positions: np.ndarray) -> np.ndarray:
        """`_raw` of the frame's rows at these positions: every cell as the source gave it."""
        if self.raw_rows is None:
            raise ValueError(f"{self.path.name}: no raw rows (a table built by hand)")
        return self.raw_rows.take(np.asarray(positions, dtype=np.int64))

    def release(self) -> None:
        """Free what `raws` reads from (the DuckDB reading path's grid); `raws` then refuses."""
        if self.raw_rows is not None:
            self.raw_rows.close()

    @property
    def rows_in(self) -> int:
        """Data rows read (blank lines are not rows)."""
        return len(self.frame) + len(self.broken)

    @property
    def line_counts(self) -> dict[str, int]:
        """How the file's physical lines were accounted for: rows, header, blank, ..."""
        counts = np.bincount(self.line_roles, minlength=len(ROLE_NAMES) + 1)
        out = {"physical": int(len(self.line_roles))}
        out.update({name: int(counts[role]) for role, name in ROLE_NAMES.items()})
        return out


def kind_of(path: Path) -> str | None:
    """The kind of an input file from its name prefix, or None if it is not an input file."""
    name = path.name.lower()
    if path.suffix.lower() not in SUFFIXES or name.startswith(("~$", ".")):
        return None
    return next((k for k in KINDS if name.startswith(k)), None)


def _entry_problem(path: Path, root: Path) -> str | None:
    """Why a folder entry named like an input file cannot be read as one, or None."""
    try:
        st = os.lstat(path)
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    if stat.S_ISLNK(st.st_mode):
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a symbolic link to nothing (broken link)"
        if not target.is_relative_to(root.resolve()):
            return "a symbolic link to a file outside the load folder; not followed"
        st = os.stat(target)
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    )
    for test, what in kinds:
        if test(st.st_mode):
            return f"not a regular file ({what})"
    return None


def find_inputs(directory: Path) -> list[tuple[str, Path]]:
    """Input files of a folder as (kind, path), partners first (activities refer to them).

    Every entry named like an input file must be a regular file inside the folder: a folder, a
    FIFO, a device or a link out of the folder stops the load with its name and why.
    """
    if not directory.is_dir():
        raise ExtractError(f"{directory} is not a folder")
    found = [(k, p) for p in sorted(directory.iterdir()) if (k := kind_of(p))]
    for _, p in found:
        if problem := _entry_problem(p, directory):
            raise ExtractError(f"{p.name}: {problem}")
    return sorted(found, key=lambda kp: (KINDS.index(kp[0]), kp[1].name))


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes, detecting UTF-8 (with or without BOM), UTF-16 (BOM) or Windows-1252.

    Strict UTF-8 is tried first: text that is not UTF-8 fails to decode almost surely, while
    statistical detectors misname short Latin-1 files. Windows-1252 is the usual non-UTF-8
    export of Excel, and a superset of Latin-1's printable characters: a byte it leaves
    undefined (0x81 0x8D 0x8F 0x90 0x9D) is decoded as U+FFFD, never as a C1 control, and the
    rest of the file keeps its curly quotes and dashes. `decode_text` also says where.
    """
    text, encoding, _ = decode_text(data)
    return _SENTINEL.sub("\ufffd", text), encoding


def decode_text(data: bytes) -> tuple[str, str, list[tuple[int, str]]]:
    """(text, encoding, notes): like `decode`, undefined cp1252 bytes kept as sentinels.

    A file that is UTF-8 except for some lines (two exports pasted together) is read line by
    line: each line as UTF-8 when it is, else as Windows-1252, with a note per such line.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", []
        except UnicodeDecodeError:
            return _decode_mixed(data[3:], "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    return _decode_mixed(data, "windows-1252")


def _decode_mixed(data: bytes, default: str) -> tuple[str, str, list[tuple[int, str]]]:
    lines = data.split(b"\n")
    utf8, other = 0, []
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            other.append(i)
    if not utf8:
        return data.decode("cp1252", errors="etl-cp1252-undefined"), "windows-1252", []
    bad = set(other)
    text = "\n".join(
        ln.decode("cp1252", errors="etl-cp1252-undefined") if i in bad else ln.decode("utf-8")
        for i, ln in enumerate(lines)
    )
    notes: list[tuple[int, str]] = [
        (i + 1, Reason("line is not UTF-8 like the rest of the file; read as Windows-1252"))
        for i in other
    ]
    return text, "utf-8+windows-1252" if default == "windows-1252" else default, notes


def _sniff_delimiter(text: str, kind: str) -> str:
    """The delimiter that makes one of the first lines a header of this kind of file.

    French Excel writes `;`; a title line above the header has no delimiter at all, so the
    first line alone cannot tell. Falls back to the most frequent candidate of the first line.
    """
    head = [ln for ln in text[:65536].splitlines()[:15] if ln.strip()]
    for delimiter in (",", ";", "\t", "|"):
        try:
            for row in csv.reader(io.StringIO("\n".join(head)), delimiter=delimiter):
                if not _missing_required(kind, match_header(kind, row)[0]):
                    return delimiter
        except csv.Error:
            continue
    first = head[0] if head else ""
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _lookup(kind: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column, aliases in COLUMNS[kind].items():
        for spelling in (column, *aliases):
            lookup.setdefault(fold(spelling), column)
    return lookup


def _qualified(lookup: dict[str, str], key: str) -> str | None:
    """The contract column a header names with a qualifier ("relations_since_year"), or None."""
    for word, allowed in _QUALIFIERS.items():
        for rest in (
            key[: -len(word)] if key.endswith(word) else "",
            key[len(word) :] if key.startswith(word) else "",
        ):
            candidates = [rest] + [rest[len(x) :] for x in _LINKS if rest.startswith(x)]
            for candidate in candidates:
                column = lookup.get(candidate) if candidate else None
                if column in allowed:
                    return column
    return None


def match_header(kind: str, header: list[str]) -> tuple[dict[int, str], list[str]]:
    """Map header cells to contract columns: ({cell index: column}, cells outside the contract).

    Exact names and aliases win; then a name with a qualifier (`relations_since_year`,
    `hq_country_code`, `code pays`) maps to its column when that column is still free. A
    second header for a taken column stays outside the contract (kept in `_extra`).
    """
    lookup = _lookup(kind)
    keys = [fold(cell) for cell in header]
    mapping: dict[int, str] = {}
    for i, key in enumerate(keys):
        column = lookup.get(key)
        if column is not None and column not in mapping.values():
            mapping[i] = column
    for i, key in enumerate(keys):
        if i in mapping or key in lookup:
            continue
        column = _qualified(lookup, key)
        if column is not None and column not in mapping.values():
            mapping[i] = column
    ignored = [str(c).strip() for i, c in enumerate(header) if i not in mapping and str(c).strip()]
    return mapping, ignored


def _missing_required(kind: str, mapping: dict[int, str]) -> list[str]:
    return [c for c in REQUIRED[kind] if c not in mapping.values()]


def _read_input(path: Path) -> tuple[bytes, tuple[int, int, int, int]]:
    """The bytes of an input file and its identity (device, inode, size, mtime); never follows a
    link out of its folder, never blocks."""
    if problem := _entry_problem(path, path.parent):
        raise ExtractError(f"{path.name}: {problem}")
    try:
        fd = os.open(path.resolve(), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise ExtractError(f"{path.name}: cannot be read ({e.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):  # swapped since the check
            raise ExtractError(f"{path.name}: not a regular file")
        data = f.read()
    return data, _identity(st)


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def read_table(path: Path, kind: str, limits: Limits | None = None) -> RawTable:
    """Read one input file into a `RawTable`; raise `ExtractError` when it cannot be used."""
    limits = limits or Limits.from_env()
    data, identity = _read_input(path)
    digest = hashlib.sha256(data).hexdigest()
    notes: list[tuple[int, str | None, str | None, str]] = []
    issues: list[_Issue] = []
    clean = False
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        rows, sheet_notes = _read_spreadsheet(path, data, limits)
        notes += sheet_notes
        grid, lines, encoding = _grid(rows), np.arange(1, len(rows) + 1), "xlsx"
        roles = np.full(len(rows), RECORD, dtype=np.uint8)
    else:
        text_read = _read_text(path, data, kind, limits, identity)
        grid, lines, encoding, roles = (
            text_read.grid,
            text_read.lines,
            text_read.encoding,
            text_read.roles,
        )
        if text_read.sql is not None:
            return _table_from_sql(path, kind, digest, text_read, limits)
        notes += text_read.notes
        issues += text_read.issues
        clean = text_read.clean
    if grid.empty:
        raise ExtractError(f"{path.name}: the file is empty (no header row)")
    # A text file already scanned whole (bytes) skips the per-cell scan: the fast path stays fast.
    events = {} if clean else _clean(grid)
    # The header is the first row that names the required columns (a title may stand above it).
    top = grid.iloc[:15].to_numpy().tolist()
    h = next(
        (i for i, row in enumerate(top) if not _missing_required(kind, match_header(kind, row)[0])),
        None,
    )
    if h is None:
        mapping, _ = match_header(kind, top[0])
        missing = ", ".join(_missing_required(kind, mapping))
        found = ", ".join(mapping.values()) or "none"
        # Only contract names: the file's own text is never echoed (it may not be ours to show).
        raise ExtractError(
            f"{path.name}: required column(s) missing: {missing} "
            f"(contract columns found in the first row: {found}; {len(top[0])} cells)"
        )
    header = [str(c).strip() for c in top[h]]
    while header and not header[-1]:
        header.pop()
    mapping, ignored = match_header(kind, header)
    width = len(header)
    keys = _keys(header, grid.shape[1])
    header_line = int(lines[h])
    roles[: header_line - 1][roles[: header_line - 1] == RECORD] = HEADER
    roles[header_line - 1] = HEADER
    notes += _header_notes(kind, header, mapping, header_line)

    body = grid.iloc[h + 1 :]
    body_lines = np.asarray(lines[h + 1 :])
    filled = np.zeros(len(body), dtype=bool)
    overflow = np.zeros(len(body), dtype=bool)
    stripped: dict[int, pd.Series] = {}
    for i in body.columns:
        cells = body[i].str.strip()
        stripped[i] = cells
        nonempty = (cells != "").to_numpy()
        filled |= nonempty
        if i >= width:
            overflow |= nonempty
    nul_rows = {r - (h + 1): c for (r, c), ev in events.items() if ev.nul and r > h}
    nul = np.zeros(len(body), dtype=bool)
    nul[list(nul_rows)] = True

    def original_cells(pos: int) -> list[str]:
        r = pos + h + 1
        return [
            events[(r, c)].original if (r, c) in events else v
            for c, v in enumerate(body.iloc[pos].tolist())
        ]

    for pos in map(int, np.flatnonzero(filled & ~nul & overflow)):
        issues.append(
            _Issue(
                int(body_lines[pos]),
                None,
                None,
                Reason("row has more cells than the header (%(width)s)", width=width),
                original_cells(pos),
            )
        )
    for pos in map(int, np.flatnonzero(nul)):  # a line of NULs alone is damage, not blank
        col = nul_rows[pos]
        issues.append(
            _Issue(
                int(body_lines[pos]),
                col,
                _escape(events[(pos + h + 1, col)].original),
                Reason("NUL byte in the row (a damaged file?)"),
                original_cells(pos),
            )
        )
    keep = filled & ~overflow & ~nul
    # Lines of rows that are blank (every cell empty once stripped) are blank lines.
    blank_lines = body_lines[~filled & ~nul]
    roles[blank_lines - 1] = np.where(
        roles[blank_lines - 1] == RECORD, BLANK, roles[blank_lines - 1]
    )
    notes += _event_notes(events, lines, keys, h, grid)

    frame = pd.DataFrame(
        {mapping[i]: stripped[i].to_numpy()[keep] for i in sorted(mapping)}, dtype=object
    )
    for column in COLUMNS[kind]:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame[list(COLUMNS[kind])].copy()
    frame["_line"] = body_lines[keep]
    originals = {(r - (h + 1), c): ev.original for (r, c), ev in events.items() if r > h}
    raw_rows = RawRows(_raw_json(body, keep, keys[:width], originals, clean))
    extra_cols = [i for i in range(width) if i not in mapping]
    frame["_extra"] = _extra_json(stripped, keep, extra_cols, keys)
    broken = [
        (
            issue.line,
            None if issue.column is None else _key_at(keys, issue.column),
            issue.value,
            issue.reason,
            _row_json(issue.cells, keys, width, limits.max_cell_chars),
        )
        for issue in sorted(issues, key=lambda x: x.line)
    ]
    lost = np.flatnonzero(roles == UNACCOUNTED) + 1
    for line in lost:  # never expected: a line no reader accounted for is still reported
        broken.append((int(line), None, None, Reason("line not read by the CSV parser"), "{}"))
        roles[line - 1] = REJECTED_LINE
    return RawTable(
        path,
        kind,
        digest,
        encoding,
        frame,
        header,
        ignored,
        broken,
        sorted(notes, key=lambda n: n[0]),
        roles,
        raw_rows,
    )


class RawRows:
    """Each kept row's `_raw` JSON, already built (the Python readers)."""

    def __init__(self, values: np.ndarray):
        self._values: np.ndarray | None = values

    def take(self, positions: np.ndarray) -> np.ndarray:
        """`_raw` of the rows at these positions of the table's frame."""
        if self._values is None:
            raise ValueError("the raw rows were released")
        return self._values[positions]

    def close(self) -> None:
        """Drop the values."""
        self._values = None


class _GridRawRows(RawRows):
    """`_raw` built in SQL on demand from the DuckDB reading path's grid, which stays in its
    in-memory database until closed: building it for every row and bringing a million JSON
    strings into Python cost a third of reading an activities file, for the few rows that are
    rejected (issue 14)."""

    def __init__(self, con, sql: str, params: dict, lines: np.ndarray):
        super().__init__(np.empty(0, dtype=object))
        self._con, self._sql, self._params, self._lines = con, sql, params, lines

    def take(self, positions: np.ndarray) -> np.ndarray:
        """`_raw` of the rows at these positions, in their order."""
        if self._con is None:
            raise ValueError("the raw rows were released")
        out = np.empty(len(positions), dtype=object)
        if not len(positions):
            return out
        wanted = self._lines[positions]
        found = dict(
            self._con.execute(
                self._sql, {**self._params, "lines": [int(x) for x in np.unique(wanted)]}
            ).fetchall()
        )
        for i, line in enumerate(wanted):
            out[i] = found[int(line)]
        return out

    def close(self) -> None:
        """Close the in-memory database holding the grid."""
        if self._con is not None:
            self._con.close()
            self._con = None


@dataclass
class _Issue:
    """A line or row rejected before validation, with the cells it was read as."""

    line: int
    column: int | None  # cell index, named from the header by read_table
    value: str | None
    reason: str
    cells: list[str]
    standalone: bool = False  # a line rejected on its own (not a parsed record)


@dataclass
class _Event:
    """What cleaning did to one cell."""

    original: str
    controls: list[str]
    undefined: list[int]
    nul: bool


def _clean(grid: pd.DataFrame) -> dict[tuple[int, int], _Event]:
    """Remove control characters, turn cp1252 sentinels into U+FFFD, in place; say where."""
    events: dict[tuple[int, int], _Event] = {}
    for c in grid.columns:
        col = grid[c]
        hit = col.str.contains(_SPECIAL, regex=True).to_numpy()
        if not hit.any():
            continue
        for r in np.flatnonzero(hit):
            value = col.iat[r]
            controls = sorted(set(CONTROL.findall(value)) - {"\x00"})
            undefined = [ord(ch) - 0xE000 for ch in _SENTINEL.findall(value)]
            events[(int(r), int(c))] = _Event(value, controls, undefined, "\x00" in value)
            grid.iat[r, c] = _SENTINEL.sub("\ufffd", CONTROL.sub("", value))
    return events


def _escape(value: str) -> str:
    """A value with its control characters written as visible escapes (\\u0007)."""
    value = _SENTINEL.sub("\ufffd", value)
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def _event_notes(events, lines, keys, h, grid) -> list[tuple[int, str | None, str | None, str]]:
    notes: list[tuple[int, str | None, str | None, str]] = []
    for (r, c), ev in sorted(events.items()):
        if ev.nul and r > h:
            continue  # the row is rejected for it
        line, column = int(lines[r]), keys[c]
        kept = grid.iat[r, c]
        if ev.undefined:
            hexes = ", ".join(f"0x{b:02X}" for b in ev.undefined)
            why = (
                Reason("byte %(bytes)s is undefined in Windows-1252; kept as U+FFFD", bytes=hexes)
                if len(ev.undefined) == 1
                else Reason(
                    "bytes %(bytes)s are undefined in Windows-1252; kept as U+FFFD", bytes=hexes
                )
            )
            notes.append((line, column, kept, why))
        controls = ev.controls + (["\x00"] if ev.nul else [])
        if controls:
            names = ", ".join(f"U+{ord(ch):04X}" for ch in controls)
            why = (
                Reason("control character %(names)s removed", names=names)
                if len(controls) == 1
                else Reason("control characters %(names)s removed", names=names)
            )
            notes.append((line, column, _escape(ev.original), why))
    return notes


def _header_notes(kind: str, header: list[str], mapping: dict[int, str], line: int):
    """Notes on header cells that name a column already taken (kept outside the contract)."""
    lookup = _lookup(kind)
    notes = []
    for i, cell in enumerate(header):
        if i in mapping or not cell:
            continue
        key = fold(cell)
        column = lookup.get(key) or _qualified(lookup, key)
        if column:
            first = header[next(j for j, c in mapping.items() if c == column)]
            notes.append(
                (
                    line,
                    cell,
                    cell,
                    Reason(
                        "header also names %(column)s, already read from '%(first)s'; kept in "
                        "extra",
                        column=column,
                        first=first,
                    ),
                )
            )
    return notes


def _key_at(keys: list[str], i: int) -> str:
    """The JSON key of cell position i; 'column N' past the grid (a ragged row's extra cell)."""
    return keys[i] if i < len(keys) else f"column {i + 1}"


def _keys(header: list[str], n: int) -> list[str]:
    """JSON keys for every cell position: the header as written, unique, 'column N' if empty."""
    keys: list[str] = []
    for i in range(n):
        base = header[i] if i < len(header) and header[i] else f"column {i + 1}"
        key, k = base, 2
        while key in keys:
            key, k = f"{base} ({k})", k + 1
        keys.append(key)
    return keys


def _json_escapes(text: str) -> str:
    """JSON text with C1/DEL escaped (json.dumps escapes C0) and each byte cp1252 leaves
    undefined written as the escape of its value (0x81 → \\u0081): no control character is
    stored, and the original bytes stay recoverable."""
    text = CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return _SENTINEL.sub(lambda m: f"\\u{ord(m.group()) - 0xE000:04x}", text)


def _cell(column, row: int) -> str:
    """One cell of a column of cells (an absent column reads as empty)."""
    return "" if column is None else column[row]


def _json_string(value: str) -> str:
    return _json_escapes(json.dumps(value, ensure_ascii=False))


# What JSON cannot hold between two quotes as it is: a quote, a backslash, a control.
_JSON_SPECIAL = re.compile('["\\\\\x00-\x1f\x7f-\x9f\ue081\ue08d\ue08f\ue090\ue09d]')


def _json_values(values: np.ndarray, prefix: str, clean: bool = False) -> np.ndarray:
    """`prefix` + each string as JSON text. A column with nothing to escape (the usual case)
    is quoted in one vectorised step; otherwise each distinct value is encoded once. `clean`:
    the text is known to hold no control character, so only quotes and backslashes count."""
    if not len(values):
        return np.full(0, "", dtype=object)
    joined = "".join(values)
    if not ('"' in joined or "\\" in joined if clean else _JSON_SPECIAL.search(joined)):
        return (prefix + '"') + values + '"'
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    encoded = np.array(
        [
            prefix + ('"' + u + '"' if not _JSON_SPECIAL.search(u) else _json_string(u))
            for u in uniques
        ],
        dtype=object,
    )
    return encoded[codes]


def _raw_json(
    body: pd.DataFrame, keep: np.ndarray, keys: list[str], originals: dict, clean: bool = False
) -> np.ndarray:
    """`_raw` per kept row: every column as the source gave it (vectorised, see _json_values).

    Built in chunks of rows, so that the per-column pieces of a million rows never all live
    at once (they would cost about a gigabyte)."""
    rows = np.flatnonzero(keep)
    out = np.full(len(rows), "{}", dtype=object)
    if not keys:
        return out
    prefixes = [("{" if c == 0 else ", ") + _json_string(key) + ": " for c, key in enumerate(keys)]
    columns = [
        body[c].to_numpy(dtype=object) if c in body.columns else None for c in range(len(keys))
    ]
    for lo in range(0, len(rows), _RAW_CHUNK):
        idx = rows[lo : lo + _RAW_CHUNK]
        parts = [
            _json_values(
                col[idx] if col is not None else np.full(len(idx), "", dtype=object), prefix, clean
            )
            for col, prefix in zip(columns, prefixes, strict=True)
        ]
        parts[-1] = parts[-1] + "}"
        out[lo : lo + len(idx)] = ["".join(row) for row in zip(*parts, strict=True)]
    if originals:
        where = {int(r): i for i, r in enumerate(rows)}
        touched: dict[int, dict[int, str]] = {}
        for (r, c), original in originals.items():
            if r in where and c < len(keys):
                touched.setdefault(where[r], {})[c] = original
        for i, cells in touched.items():
            r = int(rows[i])
            values = [cells.get(c, _cell(columns[c], r)) for c in range(len(keys))]
            out[i] = (
                "".join(p + _json_string(v) for p, v in zip(prefixes, values, strict=True)) + "}"
            )
    return out


_RAW_CHUNK = 100_000


def _extra_json(stripped: dict[int, pd.Series], keep: np.ndarray, cols: list[int], keys: list[str]):
    """`_extra` per kept row: JSON of its non-empty cells outside the contract, or None."""
    n = int(keep.sum())
    out = np.full(n, None, dtype=object)
    if not cols:
        return out
    values = [stripped[c].to_numpy(dtype=object)[keep] for c in cols]
    any_filled = np.zeros(n, dtype=bool)
    for v in values:
        any_filled |= v != ""
    for r in np.flatnonzero(any_filled):
        obj = {keys[c]: v[r] for c, v in zip(cols, values, strict=True) if v[r] != ""}
        out[r] = _json_string_obj(obj)
    return out


def _json_string_obj(obj: dict[str, str]) -> str:
    return _json_escapes(json.dumps(obj, ensure_ascii=False))


def _row_json(cells: list[str], keys: list[str], width: int, max_chars: int) -> str:
    """rejected_rows.raw of a row rejected before validation (oversized cells cut, and said so)."""
    obj = {}
    for i, cell in enumerate(cells):
        key = keys[i] if i < len(keys) else f"column {i + 1}"
        cell = str(cell)
        if len(cell) > max_chars:
            cell = f"{cell[:RAW_CELL_CUT]}… [cut: {len(cell):,} characters in all]"
        if cell or i < width:
            obj[key] = cell
    return _json_string_obj(obj)


def _join(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([c for c in row])
    return out.getvalue().rstrip("\r\n").rstrip(",")


def _grid(rows: list[list[str]]) -> pd.DataFrame:
    """Rows of unequal length as a frame of strings ('' where a row is short)."""
    if not rows:
        return pd.DataFrame()
    width = max(max(len(r) for r in rows), 1)
    padded = [list(r) + [""] * (width - len(r)) for r in rows]
    return pd.DataFrame(padded, dtype=object).fillna("").astype(str)


@dataclass
class _TextRead:
    grid: pd.DataFrame
    lines: np.ndarray  # line each grid row starts on
    encoding: str
    roles: np.ndarray
    notes: list[tuple[int, str | None, str | None, str]]
    issues: list[_Issue]
    clean: bool = False  # known to hold no control character or sentinel (cleaning skipped)
    sql: _SqlGrid | None = None  # the fast path: the cells in a DuckDB table, not in `grid`


def _count_lines(text: str) -> int:
    """Physical lines as an editor numbers them (LF, CR LF or a bare CR end a line)."""
    if not text:
        return 0
    if "\r" in text:
        n = len(_LINE_END.findall(text))
    else:
        n = text.count("\n")
    return n + (0 if text.endswith(("\n", "\r")) else 1)


def _read_text(
    path: Path, data: bytes, kind: str, limits: Limits, identity: tuple | None = None
) -> _TextRead:
    head = data[:4096]
    if (
        not data.startswith((b"\xff\xfe", b"\xfe\xff"))
        and head.count(0)
        and sum(head.count(b) for b in _CONTROL_BYTES) > len(head) // 20
    ):
        # UTF-16 without a BOM, or a binary file: NUL and control bytes everywhere.
        raise ExtractError(f"{path.name}: is not a text file (binary content)")
    try:
        text, encoding, decode_notes = decode_text(data)
    except UnicodeDecodeError as e:
        raise ExtractError(f"{path.name}: cannot be decoded as text ({e.reason})") from None
    notes: list[tuple[int, str | None, str | None, str]] = [
        (line, None, None, reason) for line, reason in decode_notes
    ]
    n_lines = _count_lines(text)
    roles = np.zeros(n_lines, dtype=np.uint8)
    altered = False
    if text.endswith("\x1a"):
        # MS-DOS's end-of-file marker: not data.
        kept = text.rstrip("\x1a")
        line = _count_lines(kept + "x")
        notes.append(
            (line, None, None, Reason("trailing Ctrl-Z (0x1A, an old end-of-file marker) ignored"))
        )
        if line > _count_lines(kept):
            roles[line - 1] = BLANK
        text, altered = kept, True
    if not text.strip():
        return _TextRead(pd.DataFrame(), np.arange(0), encoding, roles, notes, [])
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text, kind)
    simple = (
        not altered
        and not ("\r" in text and re.search(r"\r(?!\n)", text))
        and (
            len(data) == len(data.translate(None, _CONTROL_BYTES))
            if encoding.startswith("utf-8")
            else not _SPECIAL.search(text)
        )
        and (b"\xc2" not in data or not re.search(rb"\xc2[\x80-\x9f]", data))
    )
    known_clean = simple and encoding != "utf-8+windows-1252"
    n_text = _count_lines(text)
    if simple and encoding in ("utf-8", "utf-8-sig"):
        sql = _read_csv_duckdb(path, data, delimiter, n_text, limits, identity)
        if sql is not None:
            roles[:n_text] = RECORD
            return _TextRead(pd.DataFrame(), sql.lines, encoding, roles, notes, [], True, sql)
    if simple:
        fast = _read_text_fast(text, delimiter, limits)
        if fast is not None:
            roles[:n_text] = RECORD
            return _TextRead(fast[0], fast[1], encoding, roles, notes, [], known_clean)
    grid, lines, issues = _read_text_exact(path, text, delimiter, kind, limits, roles)
    return _TextRead(grid, lines, encoding, roles, notes, issues, known_clean)


def _read_csv_duckdb(
    path: Path,
    data: bytes,
    delimiter: str,
    n_lines: int,
    limits: Limits | None = None,
    identity: tuple | None = None,
) -> _SqlGrid | None:
    """DuckDB's parallel CSV reader, for UTF-8 files whose records are one line each.

    Ten times faster than the Python paths at a million rows. Line numbers stay exact only when
    DuckDB returns one row per physical line; blank lines (which it skips), quoted line breaks,
    a line longer than the cell limit (`max_line_size`: then no cell can be over it) or a row it
    cannot split make the counts differ or raise,
    and the callers then fall back. DuckDB reads the bytes already read (a file descriptor, not
    the name: `read_csv` takes names as glob patterns, and `partners[12].csv` is a name).
    The cells stay in an in-memory DuckDB table (`grid`, in file order: rowid = line - 1);
    `_table_from_sql` strips them and writes each row's JSON there, in SQL.
    """
    import duckdb  # here: extraction is otherwise pandas-only

    limits = limits or Limits()
    fd = _same_file(path, identity) if identity else None
    if fd is None and hasattr(os, "memfd_create"):
        fd = os.memfd_create("etl-input")  # a copy of the bytes read, in memory
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    if fd is None:
        if _GLOB.search(str(path)):
            return None  # no safe way to name it to DuckDB; the Python readers take it
        source = str(path)
    else:
        source = f"/proc/self/fd/{fd}"
        if not os.path.exists(source):
            os.close(fd)
            return None
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")  # no bar on the terminal of a long read
        con.execute(
            "CREATE TABLE grid AS SELECT * FROM read_csv(?, header = false, all_varchar = true, "
            "delim = ?, quote = '\"', escape = '\"', null_padding = true, max_line_size = ?)",
            [source, delimiter, limits.max_cell_chars],
        ).fetchall()
        n = (con.execute("SELECT count(*) FROM grid").fetchone() or (0,))[0]
        names = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'grid' "
                "ORDER BY column_index"
            ).fetchall()
        ]
    except duckdb.Error:
        con.close()
        return None
    finally:
        if fd is not None:
            os.close(fd)
    if n != n_lines:
        con.close()
        return None
    return _SqlGrid(con, names, np.arange(1, n_lines + 1))


@dataclass
class _SqlGrid:
    """The cells of a text file in an in-memory DuckDB table `grid` (columns `names`)."""

    con: Any  # duckdb.DuckDBPyConnection (imported lazily)
    names: list[str]
    lines: np.ndarray

    def cell(self, i: int) -> str:
        """SQL of cell i as text ('' where the row is short)."""
        return f"coalesce(\"{self.names[i]}\", '')"

    def stripped(self, i: int) -> str:
        """SQL of cell i stripped as Python's str.strip() strips (every Unicode space)."""
        cell = self.cell(i)
        # trim() with a set of characters is slow: only cells that start or end with a space
        # (a few) take it.
        return (
            f"CASE WHEN regexp_matches({cell}, '{_WHITESPACE_EDGE}') "
            f"THEN trim({cell}, $ws) ELSE {cell} END"
        )


# Python's str.isspace() characters: what str.strip() removes (DuckDB's trim() alone removes
# spaces only, and the readers must strip alike whatever the file's encoding).
_WHITESPACE = "".join(chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace())
_WHITESPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE) + "]"
_WHITESPACE_EDGE = f"^{_WHITESPACE_CLASS}|{_WHITESPACE_CLASS}$"  # RE2: a space at either end


def _json_text_sql(expr: str) -> str:
    """SQL of a text as the inside of a JSON string, for the text the DuckDB path reads: no
    control character but the tab (escaped, as JSON requires), quotes and backslashes escaped,
    everything else as given (a private-use character in a UTF-8 file is the source's own, not
    an undefined cp1252 byte)."""
    return f"replace(replace(replace({expr}, '\\', '\\\\'), '\"', '\\\"'), chr(9), '\\t')"


def _table_from_sql(
    path: Path,
    kind: str,
    digest: str,
    text_read: _TextRead,
    limits: Limits,
) -> RawTable:
    """`read_table` for a file DuckDB read (`_read_csv_duckdb`): the same RawTable, with the
    per-cell work (strip, blank and over-wide rows, `_raw` and `_extra` JSON) done in SQL."""
    sql = text_read.sql
    assert sql is not None
    con, names = sql.con, sql.names
    params = {"ws": _WHITESPACE}
    kept_open = False
    try:
        cells = ", ".join(sql.cell(i) for i in range(len(names)))
        top = [
            list(r)
            for r in con.execute(
                f"SELECT {cells} FROM grid WHERE rowid < 15 ORDER BY rowid"  # noqa: S608 - ours
            ).fetchall()
        ]
        if not top:
            raise ExtractError(f"{path.name}: the file is empty (no header row)")
        h = next(
            (
                i
                for i, row in enumerate(top)
                if not _missing_required(kind, match_header(kind, row)[0])
            ),
            None,
        )
        if h is None:
            mapping, _ = match_header(kind, top[0])
            missing = ", ".join(_missing_required(kind, mapping))
            found = ", ".join(mapping.values()) or "none"
            raise ExtractError(
                f"{path.name}: required column(s) missing: {missing} "
                f"(contract columns found in the first row: {found}; {len(top[0])} cells)"
            )
        header = [str(c).strip() for c in top[h]]
        while header and not header[-1]:
            header.pop()
        mapping, ignored = match_header(kind, header)
        width = len(header)
        keys = _keys(header, len(names))
        roles = text_read.roles
        header_line = h + 1
        roles[: header_line - 1][roles[: header_line - 1] == RECORD] = HEADER
        roles[header_line - 1] = HEADER
        notes = list(text_read.notes) + _header_notes(kind, header, mapping, header_line)

        # One pass: each cell stripped once (the inner projection), then the outer one decides
        # blank and over-wide rows and writes `_raw` (cells as given) and `_extra` (stripped).
        n_cols = len(names)
        inner = ", ".join(
            [f"{sql.cell(i)} AS c{i}" for i in range(min(width, n_cols))]
            + [f"{sql.stripped(i)} AS s{i}" for i in range(n_cols)]
        )
        select = {
            "_line": "r + 1",
            "_filled": " OR ".join(f"s{i} <> ''" for i in range(n_cols)) or "false",
            "_overflow": " OR ".join(f"s{i} <> ''" for i in range(width, n_cols)) or "false",
        }
        for i in sorted(mapping):
            select[mapping[i]] = f"s{i}"
        # `_raw` is not built here but on demand, for the rows that need it (_GridRawRows).
        raw_params: dict[str, str] = {}
        raw_parts = []
        for c in range(width):
            raw_params[f"raw{c}"] = ("{" if c == 0 else ", ") + _json_string(keys[c]) + ": "
            value = _json_text_sql(f"c{c}") if c < n_cols else "''"
            raw_parts.append(f"$raw{c} || '\"' || {value} || '\"'")
        raw_expr = " || ".join(raw_parts) + " || '}'" if raw_parts else "'{}'"
        raw_cells = "".join(f", {sql.cell(i)} AS c{i}" for i in range(min(width, n_cols)))
        raw_sql = (
            f"SELECT r + 1, {raw_expr} FROM (SELECT rowid AS r{raw_cells} FROM grid "  # noqa: S608 - ours
            "WHERE rowid + 1 IN (SELECT unnest($lines)))"
        )
        extra_cols = [i for i in range(width) if i not in mapping]
        if extra_cols:
            params.update({f"key{i}": _json_string(keys[i]) + ": " for i in extra_cols})
            pieces = ", ".join(
                f"CASE WHEN s{i} <> '' THEN $key{i} || '\"' || {_json_text_sql(f's{i}')} || '\"' END"
                for i in extra_cols
            )
            any_extra = " OR ".join(f"s{i} <> ''" for i in extra_cols)
            select["_extra"] = (
                f"CASE WHEN {any_extra} THEN '{{' || concat_ws(', ', {pieces}) || '}}' END"
            )
        columns = ", ".join(f'{expr} AS "{i}"' for i, expr in enumerate(select.values()))
        got = con.execute(
            f"SELECT {columns} FROM (SELECT rowid AS r, {inner} FROM grid "  # noqa: S608 - ours
            f"WHERE rowid > {h})",
            params,
        ).fetchnumpy()
        arrays = dict(zip(select, (got[str(i)] for i in range(len(select))), strict=True))
        lines = np.asarray(arrays["_line"], dtype=np.int64)
        order = None
        if len(lines) > 1 and not (np.diff(lines) > 0).all():
            order = np.argsort(lines, kind="stable")  # a scan in file order is not promised
        filled = np.asarray(arrays["_filled"], dtype=bool)
        overflow = np.asarray(arrays["_overflow"], dtype=bool)
        keep = filled & ~overflow
        if order is not None:
            keep_rows = order[keep[order]]
        else:
            keep_rows = np.flatnonzero(keep)
        blank = lines[~filled]
        roles[blank - 1] = np.where(roles[blank - 1] == RECORD, BLANK, roles[blank - 1])
        broken: list[tuple[int, str | None, str | None, str, str]] = []
        wide = np.sort(lines[filled & overflow])
        if len(wide):
            rows = con.execute(
                f"SELECT rowid + 1, {cells} FROM grid WHERE rowid + 1 IN "  # noqa: S608 - ours
                "(SELECT unnest($lines)) ORDER BY rowid",
                {"lines": [int(x) for x in wide]},
            ).fetchall()
            for line, *row in rows:
                reason = Reason("row has more cells than the header (%(width)s)", width=width)
                broken.append(
                    (line, None, None, reason, _row_json(row, keys, width, limits.max_cell_chars))
                )
        n = len(keep_rows)
        raw_rows = _GridRawRows(con, raw_sql, raw_params, lines[keep_rows])
        kept_open = True
    finally:
        if not kept_open:
            con.close()

    def column_of(name: str) -> np.ndarray:
        values = arrays[name]
        data = np.asarray(np.ma.getdata(values), dtype=object)[keep_rows]
        if np.ma.is_masked(values):
            data[np.ma.getmaskarray(values)[keep_rows]] = None
        return data

    frame = pd.DataFrame(
        {mapping[i]: column_of(mapping[i]) for i in sorted(mapping)}, dtype=object, index=range(n)
    )
    for column in COLUMNS[kind]:
        if column not in frame.columns:
            frame[column] = ""  # as read_table does: these columns have pandas' str dtype
    frame = frame[list(COLUMNS[kind])].copy()
    frame["_line"] = lines[keep_rows]
    frame["_extra"] = column_of("_extra") if "_extra" in arrays else np.full(n, None, dtype=object)
    return RawTable(
        path,
        kind,
        digest,
        text_read.encoding,
        frame,
        header,
        ignored,
        broken,
        sorted(notes, key=lambda note: note[0]),
        roles,
        raw_rows,
    )


def _same_file(path: Path, identity: tuple) -> int | None:
    """A descriptor on the file read earlier, if it is still the same (identity), else None.

    DuckDB reads `/proc/self/fd/N` of it: the name is never a pattern, a link swapped in since
    is not followed, and no copy of a large file is made."""
    try:
        fd = os.open(path.resolve(), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    if _identity(os.fstat(fd)) != identity:
        os.close(fd)
        return None
    return fd


def _read_text_fast(
    text: str, delimiter: str, limits: Limits | None = None
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """pandas' C parser, when every record is one physical line (then line = row number).

    Returns None when that does not hold (quoted line breaks, rows wider than the first ones,
    bare CR line ends, a cell over the limit): the exact reader then numbers the lines itself.
    """
    limits = limits or Limits()
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    first = "\n".join(text[:65536].splitlines()[:50])
    try:
        head = list(csv.reader(io.StringIO(first), delimiter=delimiter))
    except csv.Error:
        return None
    width = max((len(r) for r in head), default=1)
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=range(width),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError):
        return None
    if len(grid) != n_lines:
        return None
    if len(text) > limits.max_cell_chars and any(
        grid[c].str.len().max() > limits.max_cell_chars for c in grid.columns
    ):
        return None
    return grid.astype(str), np.arange(1, n_lines + 1)


def _physical_lines(text: str) -> list[str]:
    """The text's lines with their line ends, split where an editor splits them."""
    if _ODD_BREAKS.search(text):
        return re.findall(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$", text)
    return text.splitlines(keepends=True)


class _Feed:
    """Lines from a start index, counting how many the csv reader took."""

    def __init__(self, lines: list[str], start: int):
        self.lines, self.next = lines, start

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.next >= len(self.lines):
            raise StopIteration
        self.next += 1
        return self.lines[self.next - 1]


def _header_width(lines: list[str], delimiter: str, kind: str) -> int | None:
    for line in lines[:15]:
        try:
            row = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            continue
        if not _missing_required(kind, match_header(kind, row)[0]):
            while row and not row[-1].strip():
                row.pop()
            return len(row)
    return None


def _read_text_exact(
    path: Path, text: str, delimiter: str, kind: str, limits: Limits, roles: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, list[_Issue]]:
    """The csv module over physical lines, checking every record that spans lines.

    A record spanning lines is a quoted multi-line cell only when it is well formed: its quote
    closes before the end of the file and is followed by a delimiter or the line end, and no
    line inside the quoted cell (quote-free, neither its first nor its last) reads by itself as
    a whole row of the header's width. Otherwise the quote is unclosed: its first line is rejected and reading resumes on
    the next line, so a stray quote never swallows the rows after it.
    """
    lines = _physical_lines(text)
    width = _header_width(lines, delimiter, kind)
    rows: list[list[str]] = []
    starts: list[int] = []
    issues: list[_Issue] = []
    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)  # cells over the limit are rejected below, by row
    try:
        i = 0
        while i < len(lines):
            feed = _Feed(lines, i)
            reader = csv.reader(feed, delimiter=delimiter)
            restart = None
            while True:
                start = feed.next
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as e:  # only with NUL bytes in older Pythons
                    why = Reason("not valid CSV (%(error)s)", error=str(e))
                    issues.append(_standalone(lines, start, delimiter, why))
                    restart = start + 1
                    break
                end = feed.next  # lines[start:end] make this record
                if end - start > 1 and not _well_quoted(lines, start, end, delimiter, width):
                    col = _opened_column(row)
                    issues.append(
                        _standalone(
                            lines,
                            start,
                            delimiter,
                            Reason(
                                "unclosed quote: the quote opened on this line does not close "
                                "a cell; the lines after it are read as rows"
                            ),
                            col,
                        )
                    )
                    restart = start + 1
                    break
                roles[start] = RECORD
                roles[start + 1 : end] = CONTINUATION
                if not row:
                    roles[start] = BLANK
                    continue
                big = [c for c, cell in enumerate(row) if len(cell) > limits.max_cell_chars]
                if big:
                    c = big[0]
                    issues.append(
                        _Issue(
                            start + 1,
                            c,
                            _escape(row[c][:100]) + "…",
                            Reason(
                                "cell over %(limit)s characters (%(length)s; limit "
                                "ETL_MAX_CELL_CHARS)",
                                limit=f"{limits.max_cell_chars:,}",
                                length=f"{len(row[c]):,}",
                            ),
                            row,
                        )
                    )
                    continue
                rows.append(row)
                starts.append(start + 1)
            if restart is None:
                break
            roles[restart - 1] = REJECTED_LINE
            i = restart
    finally:
        csv.field_size_limit(limit)
    return _grid(rows), np.asarray(starts, dtype=np.int64), issues


def _standalone(
    lines: list[str], index: int, delimiter: str, reason: str, column: int | None = None
) -> _Issue:
    """A line rejected on its own, with its cells as that line alone reads."""
    line = lines[index].rstrip("\r\n")
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        cells = [line]
    return _Issue(index + 1, column, _escape(line[:200]), reason, cells, True)


def _opened_column(row: list[str]) -> int:
    """Index of the cell a quote held open over line ends (the first with a line break)."""
    return next((i for i, c in enumerate(row) if "\n" in c or "\r" in c), max(len(row) - 1, 0))


def _well_quoted(lines: list[str], start: int, end: int, delimiter: str, width: int | None) -> bool:
    """Whether lines[start:end] are one well-formed record with a quoted multi-line cell."""
    try:
        records = list(csv.reader(lines[start:end], delimiter=delimiter, strict=True))
    except csv.Error:
        return False  # the quote never closes, or closes before other text
    if len(records) != 1:
        return False
    if width is not None and width >= 3:
        for inner in lines[start + 1 : end - 1]:
            if '"' in inner:
                continue
            alone = next(csv.reader([inner.rstrip("\r\n")], delimiter=delimiter), [])
            if len(alone) == width:
                return False  # a whole row swallowed by the quote
    return True


_EXCEL_CELL = re.compile(r"^(-?\d+)\.0$")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _check_sheet_size(path: Path, data: bytes, limits: Limits) -> None:
    """Refuse a spreadsheet over the size, row or column limits before it is unpacked."""
    max_bytes = limits.max_sheet_mb * (1 << 20)
    if not data.startswith(b"PK"):  # .xls (OLE2): its size on disk bounds it
        if len(data) > max_bytes:
            raise ExtractError(
                f"{path.name}: over the limit of {limits.max_sheet_mb} MB (ETL_MAX_SHEET_MB)"
            )
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > max_bytes:
                raise ExtractError(
                    f"{path.name}: {total / (1 << 20):,.0f} MB uncompressed, over the limit of "
                    f"{limits.max_sheet_mb} MB (ETL_MAX_SHEET_MB)"
                )
            sheets = sorted(
                (i for i in infos if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", i.filename)),
                key=lambda i: int(re.sub(r"\D", "", i.filename)),
            )
            if not sheets:
                return
            # Cell references of the first sheet: calamine allocates the whole used range, so
            # one cell at XFD1048576 would cost billions of cells before any check could run.
            xml = z.read(sheets[0])
    except zipfile.BadZipFile:
        return  # calamine names the problem
    rows = cols = 0
    for m in _CELL_REF.finditer(xml):
        cols = max(cols, _col_number(m.group(1)))
        rows = max(rows, int(m.group(2)))
    _check_dimensions(path, rows, cols, limits)


def _check_dimensions(path: Path, rows: int, cols: int, limits: Limits) -> None:
    if rows > limits.max_sheet_rows:
        raise ExtractError(
            f"{path.name}: {rows:,} rows, over the limit of {limits.max_sheet_rows:,} "
            "(ETL_MAX_SHEET_ROWS)"
        )
    if cols > limits.max_sheet_columns:
        raise ExtractError(
            f"{path.name}: {cols:,} columns, over the limit of {limits.max_sheet_columns:,} "
            "(ETL_MAX_SHEET_COLUMNS)"
        )


def _read_spreadsheet(path: Path, data: bytes, limits: Limits):
    """Rows of the first sheet as strings, and notes (other sheets are named, not read)."""
    # python-calamine directly (what pandas' "calamine" engine wraps), keeping the empty rows
    # above the data so that row numbers are the ones Excel shows.
    _check_sheet_size(path, data, limits)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        sheet = book.get_sheet_by_index(0)
        end = sheet.end
        if end is not None:
            _check_dimensions(path, end[0] + 1, end[1] + 1, limits)
        values = sheet.to_python(skip_empty_area=False)
    except ExtractError:
        raise
    except Exception as e:  # calamine raises its own error types for corrupt files
        # Its messages can quote the file; only the error's type is shown.
        raise ExtractError(
            f"{path.name}: not a readable spreadsheet ({type(e).__name__})"
        ) from None
    notes = []
    if len(names) > 1:
        others = ", ".join(repr(n) for n in names[1:])
        notes.append(
            (
                0,
                None,
                None,
                Reason(
                    "only the first sheet (%(first)r) is read; not read: %(others)s",
                    first=names[0],
                    others=others,
                ),
            )
        )
    return [[_cell_text(v) for v in row] for row in values], notes


def _cell_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    m = _EXCEL_CELL.match(text)  # Excel stores every number as a float: 2012.0 → 2012
    return m.group(1) if m else text
