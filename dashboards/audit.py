"""The audit log: who signed in, and who downloaded row-level data, as JSON lines.

A file outside the warehouse (`AUDIT_LOG_PATH`, default `data/audit.jsonl`), so it is kept
across loads; appended under an exclusive lock, so the processes of one deployment (gunicorn
workers) never interleave lines; private to the app's user (0600). One JSON object per line:
`at` (UTC, ISO 8601), `event`, `user`, `role`, `request_id` and the event's own fields.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Any


def record(path: Path, event: str, **fields: Any) -> None:
    """Append one event to the audit log."""
    from flask import g, has_request_context

    line = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "event": event,
        **fields,
    }
    if has_request_context():
        user = g.get("user") or {}
        line.setdefault("user", user.get("name"))
        line.setdefault("role", user.get("role"))
        line["request_id"] = g.get("request_id")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            f.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read(path: Path) -> list[dict]:
    """Every event of the audit log, oldest first (none when there is no log yet)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]
