"""Load: build a new warehouse file from validated records and swap it in atomically.

The live warehouse is never written to. A load writes `<db>.building-<pid>` beside it, checks it,
and `os.replace`s it over the live file, so a running app sees either the old warehouse or the new
one, never half a load; a load that fails leaves the old file serving.

A folder may hold only some datasets (partners, activities, participation): the others are kept
from the current warehouse, and their rows are checked again against the merged result (an
activity whose partners are no longer loaded is rejected, with its file and line). `etl_datasets`
says which run gave each dataset.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import glob
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from etl import extract, iati, lifecycle, matching, reasons, validate
from etl.reasons import Reason
from etl.reference import REFERENCE_DIR, Reference, lifecycle_frames
from etl.reference_check import (
    Change,
    ReferenceInvalid,
    check_reference,
    problem_from_message,
    reference_changes,
)

# Bumped when the warehouse schema changes: the app refuses (or rebuilds the demo) an older file.
ETL_VERSION = "4"
SQL_DIR = Path(__file__).resolve().parent
DEFAULT_DB = Path(os.environ.get("WAREHOUSE_PATH", "data/warehouse.duckdb"))


# Exit statuses of `python -m etl load` (docs/data-contract.md, "Running a load").
EXIT_OK, EXIT_UNEXPECTED, EXIT_CANNOT_LOAD, EXIT_BUSY, EXIT_DISK_FULL = 0, 1, 2, 3, 4

# The datasets a folder may update one by one, and the tables each fills (its main table first).
# A branch adding a table filled from input rows lists it here, or a load that keeps the dataset
# from the current warehouse would leave that table empty.
DATASET_TABLES: dict[str, tuple[str, ...]] = {
    "partners": ("partners", "partner_status_history", "partner_fields", "possible_duplicates"),
    "activities": (
        "activities",
        "activity_partners",
        "activity_functional_areas",
        "activity_countries",
        "activity_regions",
        # IATI (etl/iati.py): what the activities contract has no room for.
        "iati_files",
        "iati_activities",
        "activity_narratives",
        "activity_participating_orgs",
        "activity_sectors",
        "activity_fields",
        "activity_recipients",
        "activity_budgets",
        "budget_years",
        "transactions",
        "activity_relations",
    ),
    "participation": ("participation",),
    # Partnership lifecycle (issue 12, etl/lifecycle.py).
    "status_events": ("status_events",),
    "reports": ("partner_reports",),
}
DATASETS = tuple(DATASET_TABLES)
# File kinds that fill a dataset of another name: IATI activity files (issue 10) fill activities,
# so a folder with only IATI files replaces the activities and keeps partners and participation.
KIND_DATASET: dict[str, str] = {"iati": "activities"}


def dataset_of(kind: str) -> str:
    """The dataset a file kind fills."""
    return KIND_DATASET.get(kind, kind)


def _kinds_of(datasets) -> list[str]:
    kinds = set(DATASETS) | set(KIND_DATASET)
    return sorted(k for k in kinds if dataset_of(k) in datasets)


class LoadError(Exception):
    """A load that could not be done (the previous warehouse keeps serving)."""

    exit_code = EXIT_CANNOT_LOAD
    error_code = "cannot_load"


class EmptyLoadRefused(LoadError):
    """The load would leave a dataset empty (every row rejected) and was not asked to."""

    error_code = "empty_load"

    def __init__(self, message: str, files: list[FileSummary] | None = None):
        super().__init__(message)
        self.files = files or []


class LoadBusy(LoadError):
    """Another load into the same warehouse is running."""

    exit_code = EXIT_BUSY
    error_code = "busy"


class DiskFull(LoadError):
    """The disk holding the warehouse is full; nothing was replaced."""

    exit_code = EXIT_DISK_FULL
    error_code = "disk_full"


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
    derived_ids: int = 0  # partners: rows loaded with a partner_id derived by the ETL
    merged: int = 0  # partners: rows merged into another row's partner (alias file, same id)
    possible_duplicates: int = 0  # partners: pairs whose second row is in this file
    unmapped_sectors: list[str] = field(default_factory=list)  # IATI: codes not in the crosswalk
    # how the file's physical lines were accounted for (RawTable.line_counts)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class DatasetSummary:
    """Where one dataset of the new warehouse came from: this run's files, or kept."""

    dataset: str
    action: str  # loaded (from this run's files) | kept (from the current warehouse) | none
    source_run_id: str | None
    rows: int
    rejected: int = 0  # kept rows rejected by this run (their partner is no longer loaded)
    warnings: int = 0  # kept rows warned about by this run

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return {
            "dataset": self.dataset,
            "action": self.action,
            "source_run_id": self.source_run_id,
            "rows": self.rows,
            "rejected": self.rejected,
            "warnings": self.warnings,
        }


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
    datasets: list[DatasetSummary] = field(default_factory=list)
    reference_dir: str = str(REFERENCE_DIR)
    reference_changes: list[Change] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)  # leftovers of a killed load
    mode: str = "update"  # update (datasets not given are kept) | replace_all
    based_on: str | None = None  # a staged build: the run of the warehouse it was built from

    @property
    def totals(self) -> dict[str, int]:
        """Summed counts over the files."""
        keys = ("rows_in", "loaded", "rejected", "warnings")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def to_json(self) -> dict:
        """A JSON-ready dict (the `--json` output)."""
        return {
            "ok": True,
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
                    "unmapped_sectors": f.unmapped_sectors,
                    **(
                        {
                            "derived_ids": f.derived_ids,
                            "merged": f.merged,
                            "possible_duplicates": f.possible_duplicates,
                        }
                        if f.kind == "partners"
                        else {}
                    ),
                }
                for f in self.files
            ],
            "skipped_files": self.skipped_files,
            "partners": {
                key: sum(getattr(f, key) for f in self.files if f.kind == "partners")
                for key in ("derived_ids", "merged", "possible_duplicates")
            },
            "mode": self.mode,
            "datasets": [d.to_json() for d in self.datasets],
            "reference": {
                "dir": self.reference_dir,
                "changes": [c.to_json() for c in self.reference_changes],
            },
            "removed_files": self.removed_files,
            "based_on": self.based_on,
        }


def load_directory(
    source: Path,
    db: Path = DEFAULT_DB,
    reference_dir: Path = REFERENCE_DIR,
    *,
    replace_all: bool = False,
    allow_empty: bool = False,
    stage_to: Path | None = None,
) -> LoadSummary:
    """Extract, validate and load a folder's input files into a new warehouse at `db`.

    Datasets without a file in the folder are kept from the current warehouse at `db` (unless
    `replace_all`); a load that would leave a dataset empty is refused (unless `allow_empty`).
    With `stage_to` (the browser upload's preview, issue 13) the new file is moved there instead
    of over `db`, which keeps serving; `swap_staged` puts it in place later.
    """
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    source = Path(source)
    inputs = extract.find_inputs(source)
    # IATI hook (issue 10, etl/iati.py): IATI activity files are recognised by content.
    iati_paths = iati.find_iati_files(source)
    inputs = [(k, p) for k, p in inputs if p not in iati_paths]
    skipped = sorted(
        p.name
        for p in source.iterdir()
        if p.is_file()
        and extract.kind_of(p) is None
        and p not in iati_paths
        and not p.name.startswith(".")
    )
    if not inputs and not iati_paths:
        raise LoadError(
            f"no input file in {source} (expected names starting with partners, activities, "
            "participation, status_events or reports, as .csv or .xlsx, or an IATI activity "
            "file)"
        )
    reference_dir = Path(reference_dir)
    check_reference(reference_dir)  # raises ReferenceInvalid naming file, line and column
    changes = reference_changes(reference_dir)
    try:
        ref = Reference(reference_dir)
        lifecycle_frames(reference_dir)  # issue 12: an unusable sessions or rules file stops here
    except (ValueError, KeyError) as e:  # the reference's own checks of the files it reads
        raise ReferenceInvalid(reference_dir, [problem_from_message(str(e))]) from None
    tables = [extract.read_table(path, kind) for kind, path in inputs]  # fails fast, loads nothing
    iati_sources = iati.read_files(iati_paths, ref, reference_dir)  # IATI hook: may refuse a file
    given = {dataset_of(t.kind) for t in tables} | ({dataset_of("iati")} if iati_sources else set())
    keep = set() if replace_all else set(DATASETS) - given

    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_load(db):
        removed = _remove_stale(db)
        based_on = latest_run_id(db) if stage_to is not None else None  # read under the lock
        prev = _Previous.open(db) if keep and db.exists() else None
        try:
            if prev is not None:
                prev.check_can_keep(keep)
            summary = _load_locked(
                db,
                ref,
                tables,
                iati_sources,
                given,
                keep,
                prev,
                run_id,
                started,
                source,
                changes,
                allow_empty,
                reference_dir,
                stage_to,
            )
        finally:
            if prev is not None:
                prev.close()
        datasets, summaries, removed_now = summary
        removed += removed_now
    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return LoadSummary(
        run_id,
        str(db),
        str(source),
        started.isoformat(timespec="seconds"),
        finished.isoformat(timespec="seconds"),
        summaries,
        skipped,
        datasets=datasets,
        reference_dir=str(reference_dir),
        reference_changes=changes,
        removed_files=removed,
        mode="replace_all" if replace_all else "update",
        based_on=based_on,
    )


def _load_locked(
    db: Path,
    ref: Reference,
    tables: list[extract.RawTable],
    iati_sources: list,
    given: set[str],
    keep: set[str],
    prev: _Previous | None,
    run_id: str,
    started: dt.datetime,
    source: Path,
    changes: list[Change],
    allow_empty: bool,
    reference_dir: Path,
    stage_to: Path | None = None,
) -> tuple[list[DatasetSummary], list[FileSummary], list[str]]:
    """Validate, build and swap in (holding the load lock): (datasets, files, files removed)."""
    removed: list[str] = []
    partner_seen: dict[str, str] = {}
    activity_seen: dict[str, str] = {}
    results: list[validate.Validated] = []
    for t in (t for t in tables if t.kind == "partners"):
        results.append(validate.validate_partners(t, ref, partner_seen))
    # Merges (alias file, shared derived ids) and possible duplicates (etl/matching.py).
    try:
        duplicates, id_map = matching.finish_partners(results, ref.directory)
    except matching.AliasFileError as e:
        raise LoadError(str(e)) from None
    names: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    # Partners loaded: `partner_seen` also holds ids of rows rejected by a later check.
    if "partners" in given:
        known = {pid for r in results for pid in r.records["partner_id"]}
        loaded = [r.records for r in results if len(r.records)]
        if loaded:  # activities and participation may name a partner instead of its id
            names, ambiguous = matching.resolve_partner_names(tables, pd.concat(loaded), id_map)
    else:
        known = prev.partner_ids() if prev is not None and "partners" in keep else set()
        if known and prev is not None:  # lifecycle files name partners: resolve against kept
            names, ambiguous = matching.resolve_partner_names(tables, prev.partners(), id_map)
    known |= {alias for alias, target in id_map.items() if target in known} | names.keys()
    for t in (t for t in tables if t.kind == "activities"):
        results.append(validate.validate_activities(t, ref, activity_seen, known))
    for t in (t for t in tables if t.kind == "participation"):
        results.append(validate.validate_participation(t, ref, known))
    for t in (t for t in tables if t.kind == "status_events"):
        results.append(lifecycle.validate_status_events(t, ref, known))
    for t in (t for t in tables if t.kind == "reports"):
        results.append(lifecycle.validate_reports(t, ref, known))
    matching.name_reference_warnings(results, names)
    matching.explain_ambiguous_names(results, ambiguous)
    matching.remap_partner_references(results, id_map | names)
    # IATI hook: activities after the CSV ones (ids unique across both), partners matched
    # against the partners of this load, else those kept from the current warehouse.
    if iati_sources:
        partner_records = [r.records for r in results if r.table.kind == "partners"]
        if "partners" not in given and prev is not None and "partners" in keep:
            partner_records = [prev.partners()]
        results += iati.validate_files(
            iati_sources, ref, partner_records, activity_seen, reference_dir
        )
    summaries = [_file_summary(v) for v in results]
    for s in summaries:
        if s.kind == "partners":
            s.possible_duplicates = int((duplicates["file_b"] == s.file).sum())
    if not allow_empty:
        _refuse_empty_given(given, summaries)

    building = db.with_name(f"{db.name}.building-{os.getpid()}")
    _remove(building)
    try:
        datasets = _build(
            building,
            ref,
            results,
            summaries,
            run_id,
            started,
            source,
            prev,
            keep,
            changes,
            duplicates,
        )
        if not allow_empty:
            _refuse_emptied_kept(datasets, prev)
        # Nothing writes the live file, so a WAL beside it is a leftover of a writer that died;
        # it cannot belong to the new file (DuckDB ignores a WAL of another database): tidy it.
        stale_wal = db.with_name(db.name + ".wal")
        if stale_wal.exists():
            stale_wal.unlink()
            removed.append(stale_wal.name)
        # atomic on POSIX: readers keep the old inode open (a staged build waits for its swap)
        os.replace(building, stage_to or db)
    except (OSError, duckdb.Error) as e:
        if _is_disk_full(e):
            raise DiskFull(_disk_full_message(db)) from e
        raise
    finally:
        _remove(building)
    return datasets, summaries, removed


# -- one load at a time; leftovers of killed loads; a full disk ---------------------------------


@contextlib.contextmanager
def exclusive_load(db: Path) -> Iterator[None]:
    """Hold `<db>.lock` for the duration of a load; raise LoadBusy if another load holds it.

    The lock is an flock, so it is released when its holder dies, however it dies.
    """
    lock = db.with_name(f"{db.name}.lock")
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise LoadBusy(
                f"another load into {db} is running (pid {holder}); wait for it to finish"
            ) from None
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file its previous holder removed while we waited for it
            break
        os.close(fd)
    try:
        with contextlib.suppress(OSError):  # the pid is for the busy message; a full disk
            os.ftruncate(fd, 0)  # must still get its own error from the build
            os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        os.close(fd)


class StagedChanged(LoadError):
    """The warehouse is no longer the one a staged build was made from (another load came)."""

    error_code = "stale_stage"


def latest_run_id(path: Path) -> str | None:
    """The run that built a warehouse file (its latest succeeded run), None without a file."""
    if not Path(path).exists():
        return None
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH {_quote(Path(path))} AS w (READ_ONLY)")
        row = con.execute(
            "SELECT run_id FROM w.etl_runs WHERE status = 'succeeded' "
            "ORDER BY finished_at DESC, run_id DESC LIMIT 1"
        ).fetchall()
    finally:
        con.close()
    return row[0][0] if row else None


def swap_staged(staged: Path, db: Path, based_on: str | None) -> str | None:
    """Move a staged warehouse over `db` if `db` is still the file it was built from.

    Holds the load lock, so it never interleaves with a load or another swap; raises
    StagedChanged (nothing replaced, the staged file kept) when another load came in between.
    Returns the run id now serving.
    """
    staged, db = Path(staged), Path(db)
    if not staged.is_file():
        raise LoadError(f"no staged warehouse at {staged}")
    with exclusive_load(db):
        now = latest_run_id(db)
        if now != based_on:
            raise StagedChanged(
                f"the warehouse changed since the preview (it was built from run {based_on}, "
                f"{db} now holds run {now})"
            )
        stale_wal = db.with_name(db.name + ".wal")
        if stale_wal.exists():
            stale_wal.unlink()
        os.replace(staged, db)
    return latest_run_id(db)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(db: Path) -> list[str]:
    """Remove the building files (and WAL, temp folder) of loads whose process is gone."""
    removed = []
    pattern = re.compile(re.escape(db.name) + r"\.building-(\d+)(\.wal|\.tmp)?")
    for path in sorted(db.parent.glob(glob.escape(db.name) + ".building-*")):
        m = pattern.fullmatch(path.name)
        if not m:
            continue
        pid = int(m.group(1))
        if pid != os.getpid() and _pid_alive(pid):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(path.name)
    return removed


def _is_disk_full(e: BaseException) -> bool:
    if isinstance(e, OSError):
        return e.errno in (errno.ENOSPC, errno.EDQUOT)
    text = str(e)
    return "No space left on device" in text or "Disk quota exceeded" in text


def _disk_full_message(db: Path) -> str:
    """One line naming the full disk: its mount point, device and free space."""
    mount = db.parent.resolve()
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    device = fstype = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[1] == str(mount):
                device, fstype = parts[0], parts[2]
    st = os.statvfs(mount)
    free, total = st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize
    return (
        f"no space left on the disk holding {db} (mounted at {mount}, {device} {fstype}, "
        f"{_size(free)} free of {_size(total)}); free some space and load again"
    )


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


# -- empty datasets -----------------------------------------------------------------------------


def _refuse_empty_given(given: set[str], summaries: list[FileSummary]) -> None:
    """Refuse a load whose files would leave one of their datasets without a row."""
    empty = []
    for dataset in sorted(given):
        files = [s for s in summaries if dataset_of(s.kind) == dataset]
        if sum(s.loaded for s in files):
            continue
        rows_in = sum(s.rows_in for s in files)
        reasons: dict[str, int] = {}
        for s in files:
            for r, n in s.top_reasons:
                reasons[r] = reasons.get(r, 0) + n
        why = ", ".join(f"{n} × {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1]))
        names = ", ".join(s.file for s in files)
        empty.append(
            f"{dataset} ({names}): {rows_in} rows read, all rejected: {why}"
            if rows_in
            else f"{dataset} ({names}): no rows"
        )
    if empty:
        raise EmptyLoadRefused(
            "the load would leave a dataset empty: "
            + "; ".join(empty)
            + " (rerun with --allow-empty to load it anyway)",
            summaries,
        )


def _refuse_emptied_kept(datasets: list[DatasetSummary], prev: _Previous | None) -> None:
    """Refuse a load after which a kept dataset that had rows has none (all now rejected)."""
    for d in datasets:
        if d.action == "kept" and d.rows == 0 and d.rejected:
            raise EmptyLoadRefused(
                f"the load would leave {d.dataset} empty: its {d.rejected} rows kept from run "
                f"{d.source_run_id} refer only to partners no longer loaded "
                "(rerun with --allow-empty to load it anyway)"
            )


# -- the current warehouse, for the datasets a load keeps --------------------------------------


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class _Previous:
    """The current warehouse, opened read-only to keep the datasets a load does not replace."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection):
        self.path = path
        self.con = con

    @classmethod
    def open(cls, path: Path) -> _Previous:
        """Open the warehouse at `path` read-only (LoadError if it is not a readable warehouse)."""
        # ":memory:" + ATTACH: `duckdb.connect(path)` may return an instance this process already
        # holds on an older file of that name.
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"ATTACH {_quote(path)} AS prev (READ_ONLY)")
        except duckdb.Error as e:
            con.close()
            raise LoadError(
                f"the current warehouse {path} cannot be read ({e}); load every dataset with "
                "--replace-all to start from nothing"
            ) from None
        return cls(path, con)

    def tables(self) -> set[str]:
        """Table names of the warehouse."""
        rows = self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'prev'"
        ).fetchall()
        return {t for (t,) in rows}

    def latest_run(self) -> tuple[str | None, str | None]:
        """(run_id, etl_version) of the run that built the file."""
        if "etl_runs" not in self.tables():
            return None, None
        row = self.con.execute(
            "SELECT run_id, etl_version FROM prev.etl_runs WHERE status = 'succeeded' "
            "ORDER BY finished_at DESC LIMIT 1"
        ).fetchall()
        return (row[0][0], row[0][1]) if row else (None, None)

    def check_can_keep(self, keep: set[str]) -> None:
        """Refuse to keep data from a warehouse of another ETL version (its tables differ)."""
        _, version = self.latest_run()
        if version != ETL_VERSION:
            names = ", ".join(sorted(keep))
            raise LoadError(
                f"the current warehouse {self.path} was built by ETL version {version} (this is "
                f"{ETL_VERSION}), so its {names} cannot be kept: give every dataset's files, or "
                "load with --replace-all to start from nothing"
            )

    def partners(self) -> pd.DataFrame:
        """The partners table of the warehouse (IATI organisations are matched against it)."""
        return self.con.execute("SELECT * FROM prev.partners").df()

    def partner_ids(self) -> set[str]:
        """Ids of the partners in the warehouse."""
        return {p for (p,) in self.con.execute("SELECT partner_id FROM prev.partners").fetchall()}

    def source_of(self, dataset: str) -> str | None:
        """The run that loaded a dataset's rows (None if the warehouse has none)."""
        if "etl_datasets" in self.tables():
            row = self.con.execute(
                "SELECT source_run_id FROM prev.etl_datasets WHERE dataset = ?", [dataset]
            ).fetchall()
            return row[0][0] if row else None
        row = self.con.execute(
            "SELECT run_id FROM prev.etl_files WHERE kind IN (SELECT unnest(?)) LIMIT 1",
            [_kinds_of({dataset})],
        ).fetchall()
        return row[0][0] if row else self.latest_run()[0]

    def close(self) -> None:
        """Close the connection."""
        self.con.close()


def warehouse_version(path: Path) -> tuple[str | None, str | None]:
    """(ETL version, source folder) of the latest successful load of a warehouse file."""
    try:
        con = duckdb.connect(":memory:")
        con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS w (READ_ONLY)")
        row = con.execute(
            "SELECT etl_version, source_dir FROM w.etl_runs WHERE status = 'succeeded' "
            "ORDER BY finished_at DESC LIMIT 1"
        ).fetchall()
        con.close()
    except duckdb.Error:
        return None, None
    return (row[0][0], row[0][1]) if row else (None, None)


def _remove(path: Path) -> None:
    """Remove a building file, its WAL and DuckDB's temporary folder beside it."""
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()
    spill = path.with_name(path.name + ".tmp")
    if spill.is_dir() and not spill.is_symlink():
        shutil.rmtree(spill, ignore_errors=True)


def _exec(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> None:
    """Run a statement to completion (DuckDB 2 refuses new work while a result is unread)."""
    con.execute(sql, list(params) if params is not None else None).fetchall()


def _with_reason_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `reason_template` and `reason_args` (etl/reasons.py) beside the English `reason`."""
    templates, args = reasons.columns(frame["reason"])
    return frame.assign(reason_template=templates, reason_args=args)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append a DataFrame to a table, matching columns by name (one statement, vectorised)."""
    if frame.empty:
        return
    frame = _scan_friendly(frame)
    con.register("_frame", frame)
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    _exec(con, f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _frame")  # noqa: S608 - names are ours
    con.unregister("_frame")


def _scan_friendly(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed columns DuckDB scans fast: dates as datetime64, text as pandas strings.

    Object columns of dates make DuckDB call back into Python for every cell. A column's type
    is told from its first value (looked for in its first rows before the whole column: a full
    pass per column cost a second at 1M activities).
    """
    out = {}
    for name, col in frame.items():
        if col.dtype == object:
            first = _first_value(col)
            if isinstance(first, dt.date):
                col = pd.to_datetime(col).astype("datetime64[ms]")
            elif isinstance(first, str):
                col = col.astype("str")  # None and NaN become missing
        out[name] = col
    return pd.DataFrame(out, index=frame.index)


def _first_value(col: pd.Series) -> object:
    """The column's first value that is not missing, else None."""
    for part in (col.iloc[:1000], col):
        present = part.dropna()
        if len(present):
            return present.iloc[0]
    return None


def _file_summary(v: validate.Validated) -> FileSummary:
    """Counts and top rejection reasons of one validated file."""
    # Group reasons without their specifics ("unknown country: 'X'" → "unknown country").
    reasons = (
        v.rejected["reason"].str.replace(r"\s*\(.*\)|:.*$", "", regex=True).value_counts().head(5)
    )
    s = FileSummary(
        v.table.path.name,
        v.table.kind,
        v.table.sha256,
        v.table.encoding,
        v.table.rows_in,
        v.loaded,
        len(v.rejected),
        len(v.warnings),
        v.table.ignored_columns,
        [(str(r), int(n)) for r, n in reasons.items()],
        v.derived_ids,
        v.merged,
    )
    assert s.rows_in == s.loaded + s.rejected, f"{s.file}: rows lost between extract and load"
    if v.table.kind == "iati":  # IATI hook: sector codes the crosswalk does not map
        s.unmapped_sectors = iati.unmapped_sectors(v)
    s.lines = dict(getattr(v.table, "line_counts", None) or {})
    return s


def _build(
    path, ref, results, summaries, run_id, started, source, prev, keep, changes, duplicates=None
) -> list[DatasetSummary]:
    con = duckdb.connect(str(path))
    try:
        con.execute((SQL_DIR / "schema.sql").read_text())
        _load_reference(con, ref)
        for name, frame in iati.reference_frames(ref.directory).items():  # IATI hook
            _insert(con, name, frame)
        participation_id = 0
        for v in results:
            table = DATASET_TABLES[dataset_of(v.table.kind)][0]  # the dataset's main table
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
            free = v.table.kind == "iati"  # IATI hook: a large file's frames freed once inserted
            if free:
                v.records = records = records.iloc[:0]
            for name in list(v.bridges):
                _insert(con, name, v.bridges.pop(name) if free else v.bridges[name])
                if free:
                    iati.release_freed_memory()
            name = v.table.path.name
            rej = v.rejected.assign(run_id=run_id, file=name)
            _insert(
                con,
                "rejected_rows",
                _with_reason_columns(
                    rej[["run_id", "file", "line", "column_name", "value", "reason", "raw"]]
                ),
            )
            warn = v.warnings.assign(run_id=run_id, file=name)
            _insert(
                con,
                "load_warnings",
                _with_reason_columns(
                    warn[["run_id", "file", "line", "column_name", "value", "reason"]]
                ),
            )
        if duplicates is not None and len(duplicates):  # partners of this run (etl/matching.py)
            _insert(con, "possible_duplicates", duplicates.assign(run_id=run_id))
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
        sources: dict[str, str | None] = {}
        checked: dict[str, tuple[int, int]] = {}
        if prev is not None and keep:
            sources = {d: prev.source_of(d) for d in keep}
            _exec(con, f"ATTACH {_quote(prev.path)} AS prev (READ_ONLY)")
            _copy_kept(con, keep)
            if "partners" not in keep:
                checked = _check_kept_against_partners(con, keep, run_id)
            for dataset, warned in _check_kept_codes(con, keep, run_id).items():
                rejected, before = checked.get(dataset, (0, 0))
                checked[dataset] = (rejected, before + warned)
            _exec(con, "DETACH prev")
        # Every activity is in (loaded and kept): the key's index is built once.
        _exec(con, "ALTER TABLE activities ADD PRIMARY KEY (activity_id)")
        _refresh_regions(con, keep)
        history_warned = lifecycle.rebuild_status_history(con, run_id)  # follows the events
        for s in summaries:
            s.warnings += history_warned.get(s.file, 0)
        con.execute((SQL_DIR / "derived.sql").read_text())
        totals = {
            k: sum(getattr(s, k) for s in summaries)
            for k in ("rows_in", "loaded", "rejected", "warnings")
        }
        _exec(
            con,
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
        datasets = []
        given = {dataset_of(s.kind) for s in summaries}
        for dataset, tables in DATASET_TABLES.items():
            n = con.execute(f"SELECT count(*) FROM {tables[0]}").fetchall()[0][0]  # noqa: S608 - ours
            rejected, warned = checked.get(dataset, (0, 0))
            if dataset in given:
                d = DatasetSummary(dataset, "loaded", run_id, n)
            elif dataset in keep and sources.get(dataset):
                d = DatasetSummary(dataset, "kept", sources[dataset], n, rejected, warned)
            else:
                d = DatasetSummary(dataset, "none", None, n)
            datasets.append(d)
        _insert(
            con,
            "etl_datasets",
            pd.DataFrame(
                [
                    (run_id, d.dataset, d.action, d.source_run_id, d.rows, d.rejected, d.warnings)
                    for d in datasets
                ],
                columns=[
                    "run_id",
                    "dataset",
                    "action",
                    "source_run_id",
                    "rows",
                    "rejected",
                    "warnings",
                ],
            ),
        )
        # Demo data: the folder `etl/demo.py` wrote, loaded whole (no kept dataset, no IATI
        # file). ACCESS_MODE=demo serves only such a warehouse (dashboards/auth.py).
        demo = (
            (source / ".demo-data").is_file()
            and all(d.action != "kept" for d in datasets)
            and not any(s.kind == "iati" for s in summaries)
        )
        _exec(con, "INSERT INTO warehouse_meta VALUES ('demo', ?)", ["true" if demo else "false"])
        if changes:
            _insert(
                con,
                "reference_changes",
                pd.DataFrame(
                    [(run_id, c.file, c.key, c.field, c.old, c.new) for c in changes],
                    columns=["run_id", "file", "key", "field", "old", "new"],
                ),
            )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return datasets


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' "
        "AND table_name = ? ORDER BY column_index",
        [database, table],
    ).fetchall()
    return [c for (c,) in rows]


def _copy_table(con: duckdb.DuckDBPyConnection, table: str, where: str = "", params=()) -> None:
    """Copy rows of prev.<table> into <table>, by column name (columns both files have)."""
    here = con.execute("SELECT current_database()").fetchall()[0][0]
    old = set(_columns(con, "prev", table))
    cols = ", ".join(f'"{c}"' for c in _columns(con, here, table) if c in old)
    if not old or not cols:
        return
    _exec(
        con,
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM prev.{table} t {where}",  # noqa: S608 - names are ours
        list(params),
    )


def _copy_kept(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    """Copy the kept datasets' rows and their bookkeeping (files, rejections, warnings, runs)."""
    for dataset in sorted(keep):
        for table in DATASET_TABLES[dataset]:
            _copy_table(con, table)
    _copy_table(con, "etl_files", "WHERE kind IN (SELECT unnest(?))", [_kinds_of(keep)])
    kept_files = (
        "WHERE EXISTS (SELECT 1 FROM etl_files f WHERE f.run_id = t.run_id AND f.file = t.file "
        "AND f.kind IN (SELECT unnest(?)))"
    )
    for table in ("rejected_rows", "load_warnings"):
        _copy_table(con, table, kept_files, [_kinds_of(keep)])
    _copy_table(con, "etl_runs", "WHERE run_id IN (SELECT run_id FROM etl_files)")


def _check_kept_against_partners(
    con: duckdb.DuckDBPyConnection, keep: set[str], run_id: str
) -> dict[str, tuple[int, int]]:
    """Reject or warn kept rows whose partners are no longer loaded; {dataset: (rejected, warned)}.

    Rejections and warnings are filed under the run and file the row came from, so that per file
    `rows_in = loaded + rejected` still holds; the reason names the run that rejected them.
    """
    out: dict[str, tuple[int, int]] = {}
    after = Reason("no longer loaded after the partners update of run %(run)s", run=run_id)
    if "activities" in keep:
        lost = con.execute(
            """
            SELECT ap.activity_id, ap.partner_id, ap.is_lead, a.source_file, a.source_line,
                   NOT EXISTS (SELECT 1 FROM activity_partners k JOIN partners p USING (partner_id)
                               WHERE k.activity_id = ap.activity_id) AS gone,
                   to_json(a)::VARCHAR AS raw
            FROM activity_partners ap JOIN activities a USING (activity_id)
            WHERE ap.partner_id NOT IN (SELECT partner_id FROM partners)
            ORDER BY a.source_file, a.source_line, ap.partner_id
            """
        ).df()
        gone = lost[lost["gone"]]
        rejected = (
            gone.groupby(["activity_id", "source_file", "source_line", "raw"], sort=False)[
                "partner_id"
            ]
            .agg(list)
            .reset_index()
        )
        rej_rows = [
            (
                r.source_file,
                r.source_line,
                "partner_ids",
                ";".join(r.partner_id),
                Reason(
                    "unknown partner id (no known partner): %(ids)s (%(after)s)",
                    ids=", ".join(map(repr, r.partner_id)),
                    after=after,
                ),
                r.raw,
            )
            for r in rejected.itertuples()
        ]
        warn_rows = [
            (
                r.source_file,
                r.source_line,
                "partner_ids",
                r.partner_id,
                Reason(
                    "lead partner %(id)r %(after)s; the activity has no lead partner",
                    id=r.partner_id,
                    after=after,
                )
                if r.is_lead
                else Reason(
                    "unknown partner id ignored: %(id)r (%(after)s)", id=r.partner_id, after=after
                ),
            )
            for r in lost[~lost["gone"]].itertuples()
        ]
        _file_kept_outcomes(con, "activities", rej_rows, warn_rows)
        ids = list(rejected["activity_id"])
        for table in DATASET_TABLES["activities"]:
            if "activity_id" in _columns(
                con, con.execute("SELECT current_database()").fetchall()[0][0], table
            ):
                _exec(con, f"DELETE FROM {table} WHERE activity_id IN (SELECT unnest(?))", [ids])  # noqa: S608
        _exec(
            con,
            "DELETE FROM activity_partners WHERE partner_id NOT IN (SELECT partner_id FROM partners)",
        )
        _exec(
            con,
            "UPDATE activities SET lead_partner_id = NULL "
            "WHERE lead_partner_id NOT IN (SELECT partner_id FROM partners)",
        )
        out["activities"] = (len(rej_rows), len(warn_rows))
    if "participation" in keep:
        lost = con.execute(
            """
            SELECT participation_id, partner_id, source_file, source_line, to_json(t)::VARCHAR AS raw
            FROM participation t WHERE partner_id NOT IN (SELECT partner_id FROM partners)
            ORDER BY source_file, source_line
            """
        ).fetchall()
        rej_rows = [
            (
                file,
                line,
                "partner_id",
                pid,
                Reason("unknown partner id (%(after)s)", after=after),
                raw,
            )
            for _, pid, file, line, raw in lost
        ]
        _file_kept_outcomes(con, "participation", rej_rows, [])
        _exec(
            con,
            "DELETE FROM participation WHERE participation_id IN (SELECT unnest(?))",
            [[r[0] for r in lost]],
        )
        out["participation"] = (len(rej_rows), 0)
    for dataset in sorted(keep & {"status_events", "reports"}):  # lifecycle rows, as participation
        table = DATASET_TABLES[dataset][0]
        lost = con.execute(
            f"""
            SELECT partner_id, source_file, source_line, to_json(t)::VARCHAR AS raw
            FROM {table} t WHERE partner_id NOT IN (SELECT partner_id FROM partners)
            ORDER BY source_file, source_line
            """  # noqa: S608 - table names are ours
        ).fetchall()
        rej_rows = [
            (
                file,
                line,
                "partner_id",
                pid,
                Reason("unknown partner (%(after)s)", after=after),
                raw,
            )
            for pid, file, line, raw in lost
        ]
        _file_kept_outcomes(con, dataset, rej_rows, [])
        _exec(con, f"DELETE FROM {table} WHERE partner_id NOT IN (SELECT partner_id FROM partners)")  # noqa: S608
        out[dataset] = (len(rej_rows), 0)
    return out


# Coded columns of kept rows, checked against this load's reference data:
# (dataset, table, column, reference table, vocabulary or None, owner table holding the source
# line, join key). Codes are stored, so a reference edit may leave a kept row with a code the
# reference no longer has: it is kept (nothing lost) and warned about.
KEPT_CODES: tuple[tuple[str, str, str, str, str | None, str, str], ...] = (
    ("partners", "partners", "partner_type", "vocabularies", "partner_type", "", ""),
    ("partners", "partners", "status", "vocabularies", "partner_status", "", ""),
    ("partners", "partners", "scope", "vocabularies", "scope", "", ""),
    ("partners", "partners", "hq_country_iso3", "countries", None, "", ""),
    (
        "partners",
        "partner_fields",
        "field_code",
        "fields_of_competence",
        None,
        "partners",
        "partner_id",
    ),
    ("activities", "activities", "field_code", "fields_of_competence", None, "", ""),
    ("activities", "activities", "modality", "vocabularies", "modality", "", ""),
    ("activities", "activities", "status", "vocabularies", "activity_status", "", ""),
    (
        "activities",
        "activity_functional_areas",
        "area_code",
        "functional_areas",
        None,
        "activities",
        "activity_id",
    ),
    ("activities", "activity_countries", "iso3", "countries", None, "activities", "activity_id"),
    ("activities", "activity_regions", "region_code", "regions", None, "activities", "activity_id"),
    ("participation", "participation", "mechanism", "vocabularies", "mechanism", "", ""),
    ("participation", "participation", "role", "vocabularies", "role", "", ""),
    ("status_events", "status_events", "event", "vocabularies", "status_event", "", ""),
    ("status_events", "status_events", "status_after", "vocabularies", "partner_status", "", ""),
    ("status_events", "status_events", "deciding_body", "vocabularies", "deciding_body", "", ""),
    ("reports", "partner_reports", "kind", "vocabularies", "report_kind", "", ""),
)


def _check_kept_codes(
    con: duckdb.DuckDBPyConnection, keep: set[str], run_id: str
) -> dict[str, int]:
    """Warn about kept rows whose codes this load's reference no longer has; {dataset: warned}."""
    here = con.execute("SELECT current_database()").fetchall()[0][0]
    out: dict[str, int] = {}
    for dataset, table, column, ref, vocabulary, owner, key in KEPT_CODES:
        if dataset not in keep or column not in _columns(con, here, table):
            continue
        codes = "iso3" if ref == "countries" else "code"
        where = "WHERE vocabulary = ?" if vocabulary else ""
        source = f"{table} t JOIN {owner} o USING ({key})" if owner else f"{table} t"
        cols = "o.source_file, o.source_line" if owner else "t.source_file, t.source_line"
        rows = con.execute(
            f"SELECT DISTINCT {cols}, t.{column} FROM {source} "  # noqa: S608 - names are ours
            f"WHERE t.{column} IS NOT NULL AND t.{column} NOT IN (SELECT {codes} FROM {ref} {where}) "
            "ORDER BY 1, 2, 3",
            [vocabulary] if vocabulary else [],
        ).fetchall()
        what = f"{ref}, {vocabulary}" if vocabulary else ref
        warned = [
            (
                file,
                line,
                column,
                code,
                Reason(
                    "code %(code)r is not in this load's reference data (%(what)s); kept as "
                    "loaded (checked by run %(run)s): load this dataset again to check its rows",
                    code=code,
                    what=what,
                    run=run_id,
                ),
            )
            for file, line, code in rows
        ]
        if warned:
            _file_kept_outcomes(con, dataset, [], warned)
            out[dataset] = out.get(dataset, 0) + len(warned)
    return out


def _file_kept_outcomes(con, dataset: str, rejected: list[tuple], warned: list[tuple]) -> None:
    """Store rejections/warnings of kept rows under their file's run and update its counts."""
    kinds = _kinds_of({dataset})
    files = dict(
        con.execute(
            "SELECT file, run_id FROM etl_files WHERE kind IN (SELECT unnest(?))", [kinds]
        ).fetchall()
    )
    for table, rows, cols in (
        ("rejected_rows", rejected, ["file", "line", "column_name", "value", "reason", "raw"]),
        ("load_warnings", warned, ["file", "line", "column_name", "value", "reason"]),
    ):
        if rows:
            frame = pd.DataFrame(rows, columns=cols)
            frame.insert(0, "run_id", frame["file"].map(files))
            _insert(con, table, _with_reason_columns(frame))
    for file, run in files.items():
        n_rej = sum(1 for r in rejected if r[0] == file)
        n_warn = sum(1 for r in warned if r[0] == file)
        if n_rej or n_warn:
            _exec(
                con,
                "UPDATE etl_files SET loaded = loaded - ?, rejected = rejected + ?, "
                "warnings = warnings + ? WHERE run_id = ? AND file = ?",
                [n_rej, n_rej, n_warn, run, file],
            )


def _refresh_regions(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    """Kept rows take this load's country → region table (an administrator may have moved one)."""
    if "activities" in keep:
        _exec(
            con,
            "UPDATE activity_countries SET region_code = "
            "(SELECT c.region_code FROM countries c WHERE c.iso3 = activity_countries.iso3)",
        )
        _exec(con, "DELETE FROM activity_regions WHERE via = 'country'")
        _exec(
            con,
            """
            INSERT INTO activity_regions (activity_id, region_code, via, share, budget_share_usd)
            SELECT activity_id, region_code, 'country', sum(share), sum(budget_share_usd)
            FROM activity_countries WHERE region_code IS NOT NULL
            GROUP BY activity_id, region_code
            """,
        )
    if "partners" in keep:
        _exec(
            con,
            "UPDATE partners SET hq_region_code = "
            "(SELECT c.region_code FROM countries c WHERE c.iso3 = partners.hq_country_iso3)",
        )


def _load_reference(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    for table, rows in lifecycle_frames(ref.directory).items():  # issue 12: sessions, rules
        if rows:
            _insert(con, table, pd.DataFrame(rows))
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
        if f.unmapped_sectors:
            codes = ", ".join(f.unmapped_sectors)
            lines.append(f"{'':<{width}}    sector codes not in the crosswalk: {codes}")
        for n, what in (
            (f.derived_ids, "partner ids derived (no partner_id given)"),
            (f.merged, "rows merged into another row's partner"),
            (f.possible_duplicates, "possible duplicates (table possible_duplicates)"),
        ):
            if n:
                lines.append(f"{'':<{width}}    {n:,} {what}")
    t = summary.totals
    lines.append(
        f"{'total':<{width}}  {t['rows_in']:>9,}  {t['loaded']:>9,}  {t['rejected']:>8,}  {t['warnings']:>8,}"
    )
    if summary.skipped_files:
        lines.append(f"\nNot input files (skipped): {', '.join(summary.skipped_files)}")
    if summary.datasets:
        lines.append("\nDatasets:")
        for d in summary.datasets:
            if d.action == "loaded":
                how = "loaded from this run's files"
            elif d.action == "kept":
                how = f"kept from run {d.source_run_id} (no file for it in the folder)"
                if d.rejected or d.warnings:
                    how += (
                        f"; checked against the new partners: {d.rejected:,} rejected, "
                        f"{d.warnings:,} warned"
                    )
            else:
                how = "empty" + (" (--replace-all)" if summary.mode == "replace_all" else "")
            lines.append(f"  {d.dataset:<14} {d.rows:>9,} rows  {how}")
    if summary.reference_changes:
        lines.append(
            f"\nReference changes (reference {summary.reference_dir}, against the shipped one):"
        )
        for c in summary.reference_changes:
            old = "(not shipped)" if c.old is None else (c.old or "(none)")
            new = "(removed)" if c.new is None else (c.new or "(none)")
            lines.append(f"  {c.file} {c.key} {c.field}: {old} → {new}")
    if summary.removed_files:
        lines.append(
            f"\nRemoved leftovers of an interrupted load: {', '.join(summary.removed_files)}"
        )
    if t["rejected"]:
        lines.append(
            "\nRejected rows, with line and reason, are in the rejected_rows table "
            f"of {summary.db} and on the Data page."
        )
    return "\n".join(lines)


def summary_json(summary: LoadSummary) -> str:
    """The summary as JSON."""
    return json.dumps(summary.to_json(), indent=2, ensure_ascii=False)
