"""Load: build a new warehouse file from validated records and swap it in atomically.

The live warehouse is never written to. A load writes `<db>.building-<pid>` beside it, checks it,
and `os.replace`s it over the live file, so a running app sees either the old warehouse or the new
one, never half a load; a load that fails leaves the old file serving.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from etl import extract, validate
from etl.reference import REFERENCE_DIR, Reference

# Bumped when the warehouse schema changes: the app refuses (or rebuilds the demo) an older file.
ETL_VERSION = "2"
SQL_DIR = Path(__file__).resolve().parent
DEFAULT_DB = Path(os.environ.get("WAREHOUSE_PATH", "data/warehouse.duckdb"))


class LoadError(Exception):
    """A load that could not be done (the previous warehouse keeps serving)."""


@dataclass
class FileSummary:
    """Counts for one input file: rows_in = loaded + rejected."""

    file: str
    kind: str
    sha256: str
    encoding: str
    rows_in: int
    loaded: int
    rejected: int
    warnings: int
    ignored_columns: list[str] = field(default_factory=list)
    top_reasons: list[tuple[str, int]] = field(default_factory=list)
    # how the file's physical lines were accounted for (RawTable.line_counts)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class LoadSummary:
    """The outcome of a load."""

    run_id: str
    db: str
    source_dir: str
    started_at: str
    finished_at: str
    files: list[FileSummary]
    skipped_files: list[str]

    @property
    def totals(self) -> dict[str, int]:
        """Summed counts over the files."""
        keys = ("rows_in", "loaded", "rejected", "warnings")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def to_json(self) -> dict:
        """A JSON-ready dict (the `--json` output)."""
        return {
            "run_id": self.run_id,
            "db": self.db,
            "source_dir": self.source_dir,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": "succeeded",
            "totals": self.totals,
            "files": [
                {
                    "file": f.file,
                    "kind": f.kind,
                    "rows_in": f.rows_in,
                    "loaded": f.loaded,
                    "rejected": f.rejected,
                    "warnings": f.warnings,
                    "encoding": f.encoding,
                    "sha256": f.sha256,
                    "ignored_columns": f.ignored_columns,
                    "extra_columns": f.ignored_columns,
                    "lines": f.lines,
                    "top_reasons": [{"reason": r, "rows": n} for r, n in f.top_reasons],
                }
                for f in self.files
            ],
            "skipped_files": self.skipped_files,
        }


def load_directory(
    source: Path, db: Path = DEFAULT_DB, reference_dir: Path = REFERENCE_DIR
) -> LoadSummary:
    """Extract, validate and load every input file of a folder into a new warehouse at `db`."""
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    source = Path(source)
    inputs = extract.find_inputs(source)
    skipped = sorted(
        p.name
        for p in source.iterdir()
        if p.is_file() and extract.kind_of(p) is None and not p.name.startswith(".")
    )
    if not inputs:
        raise LoadError(
            f"no input file in {source} (expected names starting with partners, activities "
            "or participation, as .csv or .xlsx)"
        )
    ref = Reference(reference_dir)
    tables = [extract.read_table(path, kind) for kind, path in inputs]  # fails fast, loads nothing

    partner_seen: dict[str, str] = {}
    activity_seen: dict[str, str] = {}
    results: list[validate.Validated] = []
    for t in (t for t in tables if t.kind == "partners"):
        results.append(validate.validate_partners(t, ref, partner_seen))
    # Partners actually loaded: `partner_seen` also holds ids of rows rejected by a later check.
    known = {pid for r in results for pid in r.records["partner_id"]}
    for t in (t for t in tables if t.kind == "activities"):
        results.append(validate.validate_activities(t, ref, activity_seen, known))
    for t in (t for t in tables if t.kind == "participation"):
        results.append(validate.validate_participation(t, ref, known))

    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    building = db.with_name(f"{db.name}.building-{os.getpid()}")
    _remove(building)
    try:
        summaries = _build(building, ref, results, run_id, started, source)
        os.replace(building, db)  # atomic on POSIX: readers keep the old inode open
    finally:
        _remove(building)
    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return LoadSummary(
        run_id,
        str(db),
        str(source),
        started.isoformat(timespec="seconds"),
        finished.isoformat(timespec="seconds"),
        summaries,
        skipped,
    )


def warehouse_version(path: Path) -> tuple[str | None, str | None]:
    """(ETL version, source folder) of the latest successful load of a warehouse file."""
    try:
        con = duckdb.connect(":memory:")
        con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS w (READ_ONLY)")
        row = con.execute(
            "SELECT etl_version, source_dir FROM w.etl_runs WHERE status = 'succeeded' "
            "ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
        con.close()
    except duckdb.Error:
        return None, None
    return (row[0], row[1]) if row else (None, None)


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append a DataFrame to a table, matching columns by name (one statement, vectorised)."""
    if frame.empty:
        return
    frame = _scan_friendly(frame)
    con.register("_frame", frame)
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _frame")  # noqa: S608 - names are ours
    con.unregister("_frame")


def _scan_friendly(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed columns DuckDB scans fast: dates as datetime64, text as pandas strings.

    Object columns make DuckDB call back into Python for every cell.
    """
    out = {}
    for name, col in frame.items():
        if col.dtype == object:
            sample = col.dropna()
            first = sample.iloc[0] if len(sample) else None
            if isinstance(first, dt.date):
                col = pd.to_datetime(col).astype("datetime64[ms]")
            elif isinstance(first, str) or first is None:
                col = col.astype("str").where(col.notna(), None) if first is not None else col
        out[name] = col
    return pd.DataFrame(out, index=frame.index)


def _build(path, ref, results, run_id, started, source) -> list[FileSummary]:
    con = duckdb.connect(str(path))
    try:
        con.execute((SQL_DIR / "schema.sql").read_text())
        _load_reference(con, ref)
        summaries: list[FileSummary] = []
        participation_id = 0
        for v in results:
            table = {"partners": "partners", "activities": "activities"}.get(v.table.kind)
            records = v.records
            if v.table.kind == "participation":
                records = records.copy()
                records.insert(
                    0,
                    "participation_id",
                    range(participation_id + 1, participation_id + 1 + len(records)),
                )
                participation_id += len(records)
                table = "participation"
            _insert(con, table, records)
            for name, frame in v.bridges.items():
                _insert(con, name, frame)
            name = v.table.path.name
            rej = v.rejected.assign(run_id=run_id, file=name)
            _insert(
                con,
                "rejected_rows",
                rej[["run_id", "file", "line", "column_name", "value", "reason", "raw"]],
            )
            warn = v.warnings.assign(run_id=run_id, file=name)
            _insert(
                con,
                "load_warnings",
                warn[["run_id", "file", "line", "column_name", "value", "reason"]],
            )
            # Group reasons without their specifics ("unknown country: 'X'" → "unknown country").
            reasons = (
                v.rejected["reason"]
                .str.replace(r"\s*\(.*\)|:.*$", "", regex=True)
                .value_counts()
                .head(5)
            )
            s = FileSummary(
                name,
                v.table.kind,
                v.table.sha256,
                v.table.encoding,
                v.table.rows_in,
                v.loaded,
                len(v.rejected),
                len(v.warnings),
                v.table.ignored_columns,
                [(str(r), int(n)) for r, n in reasons.items()],
                v.table.line_counts,
            )
            assert s.rows_in == s.loaded + s.rejected, f"{name}: rows lost between extract and load"
            summaries.append(s)
        con.execute((SQL_DIR / "derived.sql").read_text())
        _insert(
            con,
            "etl_files",
            pd.DataFrame(
                [
                    {
                        "run_id": run_id,
                        "file": s.file,
                        "kind": s.kind,
                        "sha256": s.sha256,
                        "encoding": s.encoding,
                        "rows_in": s.rows_in,
                        "loaded": s.loaded,
                        "rejected": s.rejected,
                        "warnings": s.warnings,
                    }
                    for s in summaries
                ]
            ),
        )
        totals = {
            k: sum(getattr(s, k) for s in summaries)
            for k in ("rows_in", "loaded", "rejected", "warnings")
        }
        con.execute(
            "INSERT INTO etl_runs VALUES (?, ?, ?, ?, 'succeeded', ?, ?, ?, ?, ?)",
            [
                run_id,
                started,
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                str(source.resolve()),
                totals["rows_in"],
                totals["loaded"],
                totals["rejected"],
                totals["warnings"],
                ETL_VERSION,
            ],
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return summaries


def _load_reference(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    for vocabulary, table in (
        ("field", "fields_of_competence"),
        ("area", "functional_areas"),
        ("region", "regions"),
    ):
        _insert(
            con,
            table,
            pd.DataFrame(
                [
                    (t.code, t.name_en, t.name_fr, t.sort_order, t.bit)
                    for t in ref.terms[vocabulary]
                ],
                columns=["code", "name_en", "name_fr", "sort_order", "bit"],
            ),
        )
    _insert(
        con,
        "vocabularies",
        pd.DataFrame(
            [
                (vocabulary, t.code, t.name_en, t.name_fr, t.sort_order, t.bit)
                for vocabulary, terms in ref.terms.items()
                if vocabulary not in ("field", "area", "region")
                for t in terms
            ],
            columns=["vocabulary", "code", "name_en", "name_fr", "sort_order", "bit"],
        ),
    )
    _insert(
        con,
        "countries",
        pd.DataFrame(
            [
                (c.iso3, c.iso2, c.name_en, c.name_fr, c.region_code, c.region_source)
                for c in ref.countries
            ],
            columns=["iso3", "iso2", "name_en", "name_fr", "region_code", "region_source"],
        ),
    )


def summary_text(summary: LoadSummary) -> str:
    """A readable per-file summary for the terminal."""
    lines = [f"Loaded {summary.source_dir} into {summary.db} (run {summary.run_id})", ""]
    width = max([len(f.file) for f in summary.files] + [4])
    lines.append(f"{'file':<{width}}  {'rows':>9}  {'loaded':>9}  {'rejected':>8}  {'warnings':>8}")
    for f in summary.files:
        lines.append(
            f"{f.file:<{width}}  {f.rows_in:>9,}  {f.loaded:>9,}  {f.rejected:>8,}  {f.warnings:>8,}"
        )
        for reason, n in f.top_reasons:
            lines.append(f"{'':<{width}}    rejected {n:,} × {reason}")
        if f.ignored_columns:
            lines.append(
                f"{'':<{width}}    outside the contract, kept in `extra`: "
                + ", ".join(f.ignored_columns)
            )
    t = summary.totals
    lines.append(
        f"{'total':<{width}}  {t['rows_in']:>9,}  {t['loaded']:>9,}  {t['rejected']:>8,}  {t['warnings']:>8,}"
    )
    if summary.skipped_files:
        lines.append(f"\nNot input files (skipped): {', '.join(summary.skipped_files)}")
    if t["rejected"]:
        lines.append(
            "\nRejected rows, with line and reason, are in the rejected_rows table "
            f"of {summary.db} and on the Data page."
        )
    return "\n".join(lines)


def summary_json(summary: LoadSummary) -> str:
    """The summary as JSON."""
    return json.dumps(summary.to_json(), indent=2, ensure_ascii=False)
