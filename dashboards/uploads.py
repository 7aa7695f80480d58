"""Loading from the browser (issue 13): stage the files, preview the load, confirm or cancel.

The web layer does not import `etl/` (pyproject's import contracts): it runs the very command
line an operator runs, in a child process, so a browser load is the CLI's load:

1. **Receive.** `receive()` writes the dropped files (names sanitised, only .csv/.xlsx/.xml,
   at most `UPLOAD_MAX_MB` together) into a private folder `UPLOAD_DIR/<token>/in/` (0700, files
   0600). Nothing there is ever executed or served.
2. **Preview.** `python -m etl stage DIR --out <warehouse>.staged-<token>` does the whole load
   (same validation, same merge with the current warehouse, under the same load lock) into a
   staged file beside the warehouse; the serving warehouse is not touched. `build_preview()`
   reads the staged file and the serving one (read-only) for per-file counts, rejected rows
   with file, line and reason, warnings, possible duplicates and what the load would change.
3. **Confirm.** `python -m etl swap STAGED --based-on RUN` takes the load lock and moves the
   staged file over the warehouse only if the warehouse still holds the run the preview was
   built from; if another load came in between, nothing is replaced and the preview is made
   again on the new warehouse. Two admins therefore never interleave: the lock makes them wait
   their turn ("another load is running"), and a preview made before someone else's load can
   never be swapped in over it. A failed build or swap leaves the previous warehouse serving.
4. **Cancel** deletes the staged warehouse and the uploaded files.

Work runs in a thread of the web process (the page polls `state()`); the state lives in
`UPLOAD_DIR/<token>/state.json`, so any worker of a deployment can answer the polls. Every
confirm, cancel, refusal and failure writes a "load" audit event (CONTRACTS: files with their
sha256, outcome, counts, reference changes, via="upload").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import duckdb

from dashboards import audit

ROOT = Path(__file__).resolve().parents[1]
EXTENSIONS = (".csv", ".xlsx", ".xml")
TOKEN = re.compile(r"^[0-9a-f]{32}$")
STAGE_TIMEOUT_S = 3600  # a real load takes seconds to minutes; a hung child is stopped
PREVIEW_ROWS = 200  # rejected rows and warnings shown (the counts say how many there are)
PREVIEW_PAIRS = 100  # possible duplicates, added/removed partners, status changes shown
# The datasets and their main tables, as the warehouse contract documents them
# (docs/data-model.md, etl_datasets): counted before and after.
DATASET_TABLES = {
    "partners": "partners",
    "activities": "activities",
    "participation": "participation",
    "status_events": "status_events",
    "reports": "partner_reports",
}
_LOCKS: dict[str, threading.Lock] = {}  # per token: one action at a time within a process
_LOCKS_GUARD = threading.Lock()


class UploadError(ValueError):
    """Files that cannot be taken (the message is for the user)."""


# -- where things are ------------------------------------------------------------------------


def upload_root(settings: Any) -> Path:
    """The private staging folder: `UPLOAD_DIR`, else `uploads/` beside the warehouse."""
    given = getattr(settings, "upload_dir", None)
    return Path(given) if given else Path(settings.warehouse_path).resolve().parent / "uploads"


def max_bytes(settings: Any) -> int:
    """The most bytes one upload (all its files together) may have."""
    return int(getattr(settings, "upload_max_mb", 50)) * 1024 * 1024


def staged_path(settings: Any, token: str) -> Path:
    """The staged warehouse of an upload: beside the warehouse, so the swap is one rename."""
    db = Path(settings.warehouse_path).resolve()
    return db.with_name(f"{db.name}.staged-{token}")


def _folder(settings: Any, token: str) -> Path:
    if not TOKEN.match(token or ""):
        raise UploadError("unknown upload")
    return upload_root(settings) / token


def sanitise(name: str) -> str | None:
    """A safe file name for an uploaded file (its kind prefix kept), None when not accepted.

    Only the last path component is kept; characters other than letters, digits, `.`, `_` and
    `-` become `_`; a leading dot is dropped (no hidden files); the extension must be one of
    .csv, .xlsx, .xml (the ETL recognises a file's kind by its name or, for IATI, content).
    """
    base = re.split(r"[\\/]", str(name or ""))[-1].strip()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._")[:120]
    if not safe or not safe.lower().endswith(EXTENSIONS):
        return None
    return safe


# -- state -----------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write_state(folder: Path, state: dict) -> None:
    tmp = folder / f".state-{os.getpid()}-{threading.get_ident()}.json"
    tmp.write_text(json.dumps(state, ensure_ascii=False, default=str), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, folder / "state.json")


def state(settings: Any, token: str) -> dict | None:
    """An upload's state (status, files, preview or message), None when there is none."""
    try:
        folder = _folder(settings, token)
        data = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (UploadError, OSError, ValueError):
        return None
    # The web process whose thread does the work; if it died (a worker restarted), say so.
    pid = data.get("worker")
    if data.get("status") in ("staging", "confirming") and pid and not _alive(int(pid)):
        data = {**data, "status": "failed", "message": "the load was interrupted"}
    return data


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock(token: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(token, threading.Lock())


# -- 1. receive ------------------------------------------------------------------------------


def receive(settings: Any, files: Iterable[tuple[str, IO[bytes]]], user: dict) -> dict:
    """Write uploaded files to a new private folder; its state (token, files, refused names).

    `files` are (name as sent, stream). Raises UploadError when no file can be taken or the
    files are larger than `UPLOAD_MAX_MB` together (nothing is kept then).
    """
    token = secrets.token_hex(16)
    folder = upload_root(settings) / token
    inputs = folder / "in"
    inputs.mkdir(parents=True, mode=0o700)
    os.chmod(upload_root(settings), 0o700)
    os.chmod(folder, 0o700)
    limit, total = max_bytes(settings), 0
    taken: list[dict] = []
    refused: list[dict] = []
    try:
        for given, stream in files:
            safe = sanitise(given)
            if safe is None:
                refused.append({"name": str(given)[:200], "reason": "not a CSV, XLSX or XML file"})
                continue
            stem, ext = os.path.splitext(safe)
            n = 2
            while (inputs / safe).exists():
                safe, n = f"{stem}-{n}{ext}", n + 1
            digest, size = hashlib.sha256(), 0
            fd = os.open(inputs / safe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                for block in iter(functools.partial(stream.read, 1 << 20), b""):
                    size += len(block)
                    total += len(block)
                    if total > limit:
                        raise UploadError(f"too large: at most {limit // (1024 * 1024)} MB")
                    digest.update(block)
                    out.write(block)
            taken.append(
                {
                    "name": safe,
                    "given": str(given)[:200],
                    "sha256": digest.hexdigest(),
                    "bytes": size,
                }
            )
        if not taken:
            raise UploadError("no CSV, XLSX or XML file")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    info = {
        "token": token,
        "status": "received",
        "user": user.get("name"),
        "role": user.get("role"),
        "created": _now(),
        "files": taken,
        "refused": refused,
    }
    _write_state(folder, info)
    return info


# -- 2. preview ------------------------------------------------------------------------------


def _etl(args: list[str], settings: Any, folder: Path, state_now: dict) -> dict:
    """Run `python -m etl ARGS --json` in a child process; its JSON answer (ok or error)."""
    env = {**os.environ, "WAREHOUSE_PATH": str(settings.warehouse_path)}
    env.pop("ETL_DEBUG", None)  # the answer is one JSON object, never a traceback
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", *args, "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _write_state(folder, {**state_now, "worker": os.getpid(), "child": proc.pid})
    try:
        out, err = proc.communicate(timeout=STAGE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"ok": False, "error_code": "timeout", "error": "the load took too long"}
    try:
        answer = json.loads(out)
    except ValueError:
        last = (err.strip().splitlines() or ["no answer"])[-1]
        return {"ok": False, "error_code": "unexpected", "error": last[:500]}
    return answer if isinstance(answer, dict) else {"ok": False, "error": "no answer"}


def start_preview(settings: Any, token: str) -> threading.Thread:
    """Build the staged warehouse and the preview off the request thread."""
    thread = threading.Thread(target=preview, args=(settings, token), daemon=True)
    thread.start()
    return thread


def preview(settings: Any, token: str, message: str | None = None) -> dict:
    """Stage the upload's files and write the preview into its state; the new state."""
    folder = _folder(settings, token)
    with _lock(token):
        info = state(settings, token) or {}
        staged = staged_path(settings, token)
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        info = {**info, "status": "staging", "started": _now(), "message": message}
        info.pop("preview", None)
        _write_state(folder, info)
        try:
            answer = _etl(
                [
                    "stage",
                    str(folder / "in"),
                    "--out",
                    str(staged),
                    "--db",
                    str(settings.warehouse_path),
                ],
                settings,
                folder,
                info,
            )
            if answer.get("ok"):
                info["preview"] = build_preview(Path(settings.warehouse_path), staged, answer)
                info["status"] = "ready"
                info["based_on"] = answer.get("based_on")
        except Exception as e:  # the page says one sentence; the previous warehouse serves
            answer = {"ok": False, "error_code": "unexpected", "error": f"{type(e).__name__}: {e}"}
            info.pop("preview", None)
        if not answer.get("ok"):
            with contextlib.suppress(FileNotFoundError):
                staged.unlink()
            info.update(status=_failed_status(answer), message=answer.get("error"))
            info["error_code"] = answer.get("error_code")
            info["refusal"] = answer.get("files") or answer.get("problems")
            outcome = "failed" if info["status"] == "failed" else "refused"  # busy: refused
            _audit(settings, info, outcome, message=info["message"])
        info.pop("worker", None)
        info.pop("child", None)
        info["finished"] = _now()
        _write_state(folder, info)
        return info


def _failed_status(answer: dict) -> str:
    """'busy' (another load holds the lock), 'refused' (the ETL refused) or 'failed'."""
    code = answer.get("error_code")
    if code == "busy":
        return "busy"
    return "failed" if code in ("unexpected", "timeout", "disk_full", "interrupted") else "refused"


def _attach(con: duckdb.DuckDBPyConnection, path: Path, alias: str) -> None:
    literal = "'" + str(path).replace("'", "''") + "'"  # our own path, never a user's text
    con.execute(f"ATTACH {literal} AS {alias} (READ_ONLY)")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[list]:
    return [list(r) for r in con.execute(sql, params or []).fetchall()]


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row else 0


def _tables(con: duckdb.DuckDBPyConnection, alias: str) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [alias]
    ).fetchall()
    return {r[0] for r in rows}


def build_preview(serving: Path, staged: Path, summary: dict) -> dict:
    """What the load would do: files, rejected rows, warnings, duplicates, changes vs serving.

    Read from the staged warehouse the ETL built (its run's rows only) and the serving one.
    """
    run = summary["run_id"]
    con = duckdb.connect(":memory:")
    try:
        _attach(con, staged, "s")
        has_old = serving.exists()
        if has_old:
            _attach(con, serving, "w")
        new_tables = _tables(con, "s")
        old_tables = _tables(con, "w") if has_old else set()
        issue_cols = "file, line, column_name, value, reason, reason_template, reason_args"
        issues: dict[str, Any] = {}
        for key, table in (("rejected", "rejected_rows"), ("warnings", "load_warnings")):
            # identifiers from the tuple above; the run id as a parameter
            issues[key] = _rows(
                con,
                f"SELECT {issue_cols} FROM s.{table} WHERE run_id = ? "  # noqa: S608 - fixed names
                "ORDER BY file, line LIMIT ?",
                [run, PREVIEW_ROWS],
            )
            issues[key + "_total"] = _count(
                con,
                f"SELECT count(*) FROM s.{table} WHERE run_id = ?",  # noqa: S608 - fixed names
                [run],
            )
        duplicates = _rows(
            con,
            "SELECT file_a, line_a, name_a, file_b, line_b, name_b, reason, score "
            "FROM s.possible_duplicates WHERE run_id = ? ORDER BY file_b, line_b LIMIT ?",
            [run, PREVIEW_PAIRS],
        )
        duplicates_total = _count(
            con, "SELECT count(*) FROM s.possible_duplicates WHERE run_id = ?", [run]
        )
        counts = []
        for dataset, table in DATASET_TABLES.items():
            after = (
                _count(con, f"SELECT count(*) FROM s.{table}")  # noqa: S608
                if table in new_tables
                else 0
            )
            before = (
                _count(con, f"SELECT count(*) FROM w.{table}")  # noqa: S608
                if table in old_tables
                else 0
            )
            counts.append([dataset, int(before), int(after)])
        changes: dict[str, Any] = {"added": [], "removed": [], "status": []}
        totals = {"added": 0, "removed": 0, "status": 0}
        if "partners" in old_tables:
            queries = {
                "added": "SELECT n.partner_id, n.name FROM s.partners n ANTI JOIN w.partners o "
                "USING (partner_id)",
                "removed": "SELECT o.partner_id, o.name FROM w.partners o ANTI JOIN s.partners n "
                "USING (partner_id)",
                "status": "SELECT n.partner_id, n.name, o.status, n.status FROM s.partners n "
                "JOIN w.partners o USING (partner_id) WHERE o.status IS DISTINCT FROM n.status",
            }
        else:
            queries = {"added": "SELECT partner_id, name FROM s.partners"}
        for key, sql in queries.items():
            changes[key] = _rows(con, f"{sql} ORDER BY 1 LIMIT ?", [PREVIEW_PAIRS])
            totals[key] = _count(con, f"SELECT count(*) FROM ({sql})")  # noqa: S608
    finally:
        con.close()
    return {
        "run_id": run,
        "files": [
            {k: f.get(k) for k in ("file", "kind", "rows_in", "loaded", "rejected", "warnings")}
            | {"sha256": f.get("sha256"), "possible_duplicates": f.get("possible_duplicates", 0)}
            for f in summary.get("files", [])
        ],
        "skipped_files": summary.get("skipped_files", []),
        "totals": summary.get("totals", {}),
        "datasets": summary.get("datasets", []),
        **issues,
        "duplicates": duplicates,
        "duplicates_total": int(duplicates_total),
        "counts": counts,
        "partner_changes": changes,
        "partner_change_totals": {k: int(v) for k, v in totals.items()},
        "reference_changes": [
            f"{c.get('file')} {c.get('key')} {c.get('field')}: {c.get('old')} → {c.get('new')}"
            for c in summary.get("reference", {}).get("changes", [])
        ],
    }


# -- 3. confirm, 4. cancel -------------------------------------------------------------------


def start_confirm(settings: Any, token: str, user: dict) -> threading.Thread:
    """Swap the staged warehouse in, off the request thread."""
    thread = threading.Thread(target=confirm, args=(settings, token, user), daemon=True)
    thread.start()
    return thread


def confirm(settings: Any, token: str, user: dict) -> dict:
    """Swap the previewed warehouse in if the warehouse is unchanged; else preview again."""
    folder = _folder(settings, token)
    with _lock(token):
        info = state(settings, token)
        if info is None or info.get("status") != "ready":
            return info or {}
        info = {**info, "status": "confirming", "confirmed_by": user.get("name")}
        _write_state(folder, info)
        swap = ["swap", str(staged_path(settings, token)), "--db", str(settings.warehouse_path)]
        try:
            answer = _etl([*swap, "--based-on", info.get("based_on") or ""], settings, folder, info)
        except Exception as e:  # e.g. no process could be started: nothing was swapped
            answer = {"ok": False, "error_code": "unexpected", "error": f"{type(e).__name__}: {e}"}
        info.pop("worker", None)
        info.pop("child", None)
        if answer.get("ok"):
            info.update(status="loaded", warehouse_version=answer.get("run_id"), finished=_now())
            _audit(settings, info, "loaded", user=user)
            shutil.rmtree(folder / "in", ignore_errors=True)  # loaded: the files are not kept
            _write_state(folder, info)
            return info
        if answer.get("error_code") == "busy":  # the preview stays; the admin may try again
            info.update(status="ready", message=answer.get("error"), busy=True)
            _write_state(folder, info)
            return info
        stale = answer.get("error_code") == "stale_stage"
        _audit(
            settings, info, "refused" if stale else "failed", user=user, message=answer.get("error")
        )
        if not stale:
            info.update(status="failed", message=answer.get("error"))
            _write_state(folder, info)
            return info
        _write_state(folder, {**info, "status": "staging"})
    # Another load came after the preview: the preview is made again on the new warehouse.
    return preview(settings, token, message="changed")


def cancel(settings: Any, token: str, user: dict) -> dict:
    """Delete an upload's staged warehouse and files (the warehouse is unchanged)."""
    folder = _folder(settings, token)
    with _lock(token):
        info = state(settings, token)
        if info is None or info.get("status") in ("loaded", "cancelled", "confirming", "staging"):
            return info or {}
        staged = staged_path(settings, token)
        for p in (staged, staged.with_name(staged.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        shutil.rmtree(folder / "in", ignore_errors=True)
        info = {**info, "status": "cancelled", "finished": _now()}
        _audit(settings, info, "cancelled", user=user)
        info.pop("preview", None)
        _write_state(folder, info)
        return info


def cleanup(settings: Any, older_than_s: float = 24 * 3600) -> list[str]:
    """Remove uploads (and staged warehouses) left for longer than a day; their tokens."""
    removed: list[str] = []
    root = upload_root(settings)
    if not root.is_dir():
        return removed
    limit = time.time() - older_than_s
    for folder in root.iterdir():
        if TOKEN.match(folder.name) and folder.is_dir() and folder.stat().st_mtime < limit:
            info = state(settings, folder.name) or {}
            if info.get("status") in ("staging", "confirming"):
                continue
            with contextlib.suppress(FileNotFoundError):
                staged_path(settings, folder.name).unlink()
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def serving_run(path: Path) -> str | None:
    """The run that built the warehouse file at `path` (etl_runs), None without one."""
    if not path.exists():
        return None
    con = duckdb.connect(":memory:")
    try:
        _attach(con, path, "w")
        row = con.execute(
            "SELECT run_id FROM w.etl_runs WHERE status = 'succeeded' "
            "ORDER BY finished_at DESC, run_id DESC LIMIT 1"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return row[0] if row else None


# -- audit -----------------------------------------------------------------------------------


def _audit(
    settings: Any, info: dict, outcome: str, user: dict | None = None, message: str | None = None
) -> None:
    """The "load" audit event of an upload (CONTRACTS.md)."""
    who = user or {"name": info.get("user"), "role": info.get("role")}
    prev = info.get("preview") or {}
    kinds = {f.get("file"): f.get("kind") for f in prev.get("files", [])}
    loaded = {
        d["dataset"]: int(d.get("rows", 0))
        for d in prev.get("datasets", [])
        if d.get("action") == "loaded"
    }
    totals = prev.get("totals", {})
    audit.record(
        settings.audit_log_path,
        "load",
        user=who.get("name"),
        role=who.get("role"),
        files=[
            {
                "name": f["name"],
                "sha256": f["sha256"],
                "bytes": f["bytes"],
                "kind": kinds.get(f["name"]),
            }
            for f in info.get("files", [])
        ],
        outcome=outcome,
        counts={
            "loaded": loaded,
            "rejected": int(totals.get("rejected", 0)),
            "warnings": int(totals.get("warnings", 0)),
            "duplicates": int(prev.get("duplicates_total", 0)),
        },
        reference_changes=_change_lines(prev),
        via="upload",
        message=message,
        warehouse_version=serving_run(Path(settings.warehouse_path)),
        upload=info.get("token"),
    )


def _change_lines(prev: dict) -> list[str]:
    """The load's changes as short lines: partners added/removed, statuses, reference files."""
    lines = []
    ch = prev.get("partner_changes", {})
    for pid, name in ch.get("added", []):
        lines.append(f"partner added: {pid} {name}")
    for pid, name in ch.get("removed", []):
        lines.append(f"partner removed: {pid} {name}")
    for pid, name, old, new in ch.get("status", []):
        lines.append(f"status: {pid} {name}: {old} → {new}")
    return lines + list(prev.get("reference_changes", []))


# -- the upload route ------------------------------------------------------------------------

ROUTE = "admin/upload/files"  # POST multipart/form-data, field "files" (several)


def install(app: Any, settings: Any) -> None:
    """The upload route on the app's server: admins only, size-limited, files kept private.

    In internal mode the request gate (dashboards/auth.py) has already checked the session,
    the CSRF token and PATH_ROLES; the route checks the role again (demo and public mode).
    """
    from flask import current_app, jsonify, request
    from werkzeug.exceptions import RequestEntityTooLarge

    from dashboards import auth

    server = app.server
    prefix = app.config.routes_pathname_prefix
    cleanup(settings)

    def upload_files():
        if settings.access_mode == "public" or not auth.has_role("admin"):
            return jsonify({"error_code": "forbidden", "error": "needs the admin role"}), 403
        # The whole body, files and multipart framing, under the limit (413 past it).
        request.max_content_length = max_bytes(settings) + 64 * 1024
        try:
            given = request.files.getlist("files")
            user = auth.current_user() or {"name": "demo", "role": auth.current_role()}
            info = receive(settings, [(f.filename or "", f.stream) for f in given], user)
        except RequestEntityTooLarge:
            return jsonify({"error_code": "too_large", "error": "too large"}), 413
        except UploadError as e:
            code = "too_large" if str(e).startswith("too large") else "no_file"
            return jsonify(
                {"error_code": code, "error": str(e)}
            ), 413 if code == "too_large" else 400
        current_app.logger.info("upload %s: %d files", info["token"], len(info["files"]))
        start_preview(settings, info["token"])
        return jsonify({"token": info["token"], "refused": info["refused"]})

    server.add_url_rule(prefix + ROUTE, "upload_files", upload_files, methods=["POST"])
