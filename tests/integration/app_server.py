"""Start `python app.py` on a given warehouse (loopback, a free port) for one test module."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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
    """
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute("INSERT OR REPLACE INTO warehouse_meta VALUES ('demo', 'true')")
    finally:
        con.close()


def start_app(warehouse: Path, log: Path, **settings: str) -> tuple[subprocess.Popen, str]:
    """The app serving `warehouse`, once it answers: (process, base URL). Stop it with `stop`.

    `settings`: more environment variables (e.g. ACCESS_MODE="public"); without ACCESS_MODE the
    warehouse is marked as demo data, for the default demo mode.
    """
    port = int(settings.get("PORT") or free_port())
    if "ACCESS_MODE" not in settings:
        mark_as_demo(warehouse)
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        **settings,
    }
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"app exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError(f"app did not start: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stop an app started by `start_app` (by its own process handle)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
