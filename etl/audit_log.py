"""The "load" event of the audit log, written by the command line (`python -m etl load`).

The same JSON-lines file and line shape as `dashboards.audit.record` (the web layer and the ETL
do not import each other: the file's format is their contract, docs/loading.md): appended
under an exclusive flock, created 0600, one object per line with `at`, `event`, `user`, `role`
and the event's fields (CONTRACTS: files, outcome, counts, reference_changes, via, message,
warehouse_version).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def audit_path() -> Path:
    """Where the audit log is: `AUDIT_LOG_PATH`, else the app's default `data/audit.jsonl`."""
    given = os.environ.get("AUDIT_LOG_PATH", "").strip()
    return Path(given) if given else ROOT / "data" / "audit.jsonl"


def os_user() -> str:
    """The operating-system user running the command."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def record_load(path: Path, **fields: Any) -> None:
    """Append one "load" event (user = the OS user, via = "cli" unless given)."""
    line = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "event": "load",
        "user": os_user(),
        "role": None,
        "via": "cli",
        **fields,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            f.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def input_files(directory: Path) -> list[dict]:
    """Name, sha256 and size of each file of an input folder (hidden files left out)."""
    import hashlib

    files = []
    for p in sorted(Path(directory).iterdir()) if Path(directory).is_dir() else []:
        if p.is_file() and not p.name.startswith("."):
            digest = hashlib.sha256()
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            files.append({"name": p.name, "sha256": digest.hexdigest(), "bytes": p.stat().st_size})
    return files


def counts_of(summary_json: dict) -> dict:
    """The event's `counts` from a load summary's JSON (`LoadSummary.to_json`)."""
    loaded = {
        d["dataset"]: int(d.get("rows", 0))
        for d in summary_json.get("datasets", [])
        if d.get("action") == "loaded"
    }
    totals = summary_json.get("totals", {})
    return {
        "loaded": loaded,
        "rejected": int(totals.get("rejected", 0)),
        "warnings": int(totals.get("warnings", 0)),
        "duplicates": int(summary_json.get("partners", {}).get("possible_duplicates", 0)),
    }


def change_texts(summary_json: dict) -> list[str]:
    """The reference changes of a load summary as short lines (file key field: old → new)."""
    return [
        f"{c.get('file')} {c.get('key')} {c.get('field')}: {c.get('old')} → {c.get('new')}"
        for c in summary_json.get("reference", {}).get("changes", [])
    ]
