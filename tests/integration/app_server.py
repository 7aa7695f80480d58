"""Start `python app.py` on a given warehouse (loopback, a free port) for one test module."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mark_as_demo(warehouse: Path) -> None:
    """Let the default ACCESS_MODE=demo serve a test warehouse (its fixtures are no one's data).

    The app serves only demo data without sign-in (dashboards/auth.py); tests of real-world
    shapes in the browser need everything visible, as in demo mode.

    In a process of its own, and written only when not marked yet: the test process may hold
    the file open read-only (an in-process app on the same session warehouse; DuckDB refuses a
    second, writable handle on it), and a running app (another test module on this worker)
    holds a read lock that a write would wait on.
    """
    subprocess.run([sys.executable, "-c", _MARK, str(warehouse)], check=True, timeout=120)


_MARK = """
import sys, duckdb
path = sys.argv[1]
sql = "SELECT value FROM warehouse_meta WHERE key = 'demo'"
con = duckdb.connect(path, read_only=True)
try:
    marked = con.execute(sql).fetchall() == [("true",)]
finally:
    con.close()
if not marked:
    con = duckdb.connect(path)
    try:
        con.execute("INSERT OR REPLACE INTO warehouse_meta VALUES ('demo', 'true')")
    finally:
        con.close()
"""


# The app's own files (dashboards/settings.py), each started app in folders of its own unless
# the test names them: two apps (or two pytest-xdist workers) never share an audit log, a
# signing key, accounts or a background-job cache.
OWN_FILES = {
    "AUDIT_LOG_PATH": "audit.jsonl",
    "SECRET_KEY_FILE": "secret_key",
    "ACCOUNTS_PATH": "accounts.json",
    "BACKGROUND_CACHE_DIR": "bg",
}
PORT_TAKEN = "Address already in use"


def start_app(
    warehouse: Path, log: Path, ready: str = "/", **settings: str
) -> tuple[subprocess.Popen, str]:
    """The app serving `warehouse`, once it answers: (process, base URL). Stop it with `stop`.

    `settings`: more environment variables (e.g. ACCESS_MODE="public"); without ACCESS_MODE the
    warehouse is marked as demo data, for the default demo mode. `ready`: the path that answers
    once the app serves (its URL prefix). The app's files go to a folder
    beside `log` unless `settings` names them. Without a PORT it takes a free one, and another
    if that one was taken before the app could bind it (parallel test workers).
    """
    if "ACCESS_MODE" not in settings:
        mark_as_demo(warehouse)
    own = Path(tempfile.mkdtemp(prefix="app-files-", dir=log.parent))
    files = {name: str(own / leaf) for name, leaf in OWN_FILES.items() if name not in settings}
    for attempt in range(5):
        port = int(settings.get("PORT") or free_port())
        env = {
            **os.environ,
            **files,
            "WAREHOUSE_PATH": str(warehouse),
            "PORT": str(port),
            "HOST": "127.0.0.1",
            **settings,
        }
        try:
            return _start(env, port, log, ready)
        except PortTaken:
            if "PORT" in settings or attempt == 4:
                raise
    raise AssertionError("unreachable")


class PortTaken(RuntimeError):
    """The app could not bind its port (another process took it first)."""


def _start(env: dict[str, str], port: int, log: Path, ready: str) -> tuple[subprocess.Popen, str]:
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + ready, timeout=2).read()
            if listens(proc, port):  # not another worker's app that took the port first
                return proc, url
            time.sleep(0.3)
        except OSError:
            if proc.poll() is not None:
                text = log.read_text()
                error = PortTaken if PORT_TAKEN in text else RuntimeError
                raise error(f"app exited: {text[-2000:]}") from None
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError(f"app did not start: {log.read_text()[-2000:]}")


def listens(proc: subprocess.Popen, port: int) -> bool:
    """Whether `proc` itself listens on `port` (the answer came from it, not from another)."""
    import psutil

    try:
        sockets = psutil.Process(proc.pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in sockets)


def stop(proc: subprocess.Popen) -> None:
    """Stop an app started by `start_app` (by its own process handle)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
