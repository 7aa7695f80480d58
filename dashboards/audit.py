"""The audit log: who signed in, and who downloaded row-level data, as JSON lines.

A file outside the warehouse (`AUDIT_LOG_PATH`, default `data/audit.jsonl`), so it is kept
across loads; appended under an exclusive lock, so the processes of one deployment (gunicorn
workers) never interleave lines; private to the app's user (0600). One JSON object per line:
`at` (UTC, ISO 8601), `event`, `user`, `role`, `request_id` and the event's own fields.

Why a file of lines, not a table: appends from every worker need no server and no schema
migration, a line written is never rewritten (an auditor can `tail` and ship it), and a load
that swaps the warehouse cannot touch it. The admin page (`/admin/audit`) reads it through
`query`: newest first, filtered, paged; the file is parsed once and then only its new bytes.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
from dataclasses import dataclass, field
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
    """Every event of the audit log, oldest first (none when there is no log yet).

    A line that is not a JSON object (a disk filled mid-line, a hand edit) is kept as an event
    "unreadable" with its line number and text, never dropped and never fatal for the page.
    """
    return list(_entries(Path(path)))


# Parsed lines per log file, extended with the bytes appended since (the log only grows; a
# file replaced or shortened, e.g. rotated, is parsed again). Keyed by path: apps of one process
# with different logs keep theirs.
@dataclass
class _Parsed:
    inode: int
    offset: int = 0  # bytes read
    lines: int = 0  # lines read
    entries: list[dict] = field(default_factory=list)
    events: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)


_PARSED: dict[str, _Parsed] = {}
_PARSED_LOCK = threading.Lock()


def _parse(raw: bytes, first_line: int) -> list[dict]:
    """The events of whole lines; `first_line` is the number of the first one."""
    out = []
    for n, text in enumerate(raw.decode("utf-8", "replace").split("\n"), start=first_line):
        if not text.strip():
            continue
        try:
            entry = json.loads(text)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            entry = {"event": "unreadable", "line": n, "text": text[:2000]}
        out.append(entry)
    return out


def _parsed(path: Path) -> _Parsed:
    """Every event, oldest first, parsing only what was appended since the last call."""
    try:
        f = open(path, "rb")  # closed by the `with` below
    except FileNotFoundError:
        return _Parsed(inode=0)
    with f:
        stat = os.fstat(f.fileno())
        key = str(Path(path).resolve())
        with _PARSED_LOCK:
            known = _PARSED.get(key)
            if known is None or known.inode != stat.st_ino or stat.st_size < known.offset:
                known = _Parsed(inode=stat.st_ino)
            f.seek(known.offset)
            raw = f.read(max(0, stat.st_size - known.offset))
            end = raw.rfind(b"\n") + 1  # a line still being written waits for its end
            if end:
                new = _parse(raw[: end - 1], known.lines + 1)
                known = _Parsed(  # a new value: readers holding the old one keep theirs
                    inode=known.inode,
                    offset=known.offset + end,
                    lines=known.lines + raw[:end].count(b"\n"),
                    entries=known.entries + new,
                    events=known.events | {str(e.get("event")) for e in new},
                    users=known.users | {u for u in map(_user, new) if u},
                )
            _PARSED[key] = known
            return known


def _entries(path: Path) -> list[dict]:
    return _parsed(path).entries


@dataclass(frozen=True)
class Page:
    """One page of the audit log: its events (newest first) and what the filters can choose."""

    events: list[dict]
    total: int  # events matching the filters
    offset: int
    event_types: list[str]  # every event name in the log, sorted
    users: list[str]  # every user name in the log, sorted


def query(
    path: Path,
    event: str | None = None,
    user: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page:
    """Events newest first, of one type and/or one user, `limit` from `offset` (clamped)."""
    parsed = _parsed(Path(path))
    found = _matching(parsed.entries, event, user)
    limit = max(1, min(int(limit), 1000))
    last_page_start = max(0, (len(found) - 1) // limit * limit)
    offset = min(max(0, int(offset)), last_page_start)
    return Page(
        events=found[offset : offset + limit],
        total=len(found),
        offset=offset,
        event_types=sorted(parsed.events),
        users=sorted(parsed.users),
    )


def matching(path: Path, event: str | None = None, user: str | None = None) -> list[dict]:
    """Every event of one type and/or one user, newest first (the CSV of a selection)."""
    return _matching(_entries(Path(path)), event, user)


def _matching(entries: list[dict], event: str | None, user: str | None) -> list[dict]:
    if event is None and user is None:
        return entries[::-1]
    return [
        e
        for e in reversed(entries)
        if (event is None or e.get("event") == event) and (user is None or _user(e) == user)
    ]


def _user(entry: dict) -> str:
    value = entry.get("user")
    return "" if value is None else str(value)
