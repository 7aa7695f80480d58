"""The real app under gunicorn on a free loopback port, and a memory sampler for its processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
WSGI = "bench.wsgi:server"  # `app:server` once app.py defines a module-level `server`


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`gunicorn -c gunicorn.conf.py bench.wsgi:server` with overrides, started and stopped."""

    def __init__(
        self,
        warehouse: Path,
        log: Path,
        workers: int | None = None,
        threads: int | None = None,
        root: Path | None = None,
        env: dict[str, str] | None = None,
        wsgi: str = WSGI,
    ):
        self.port = free_port()
        self.wsgi = wsgi  # e.g. "app:server", the production entry point
        self.root = Path(root or ROOT)  # the code checkout to serve (e.g. main, for a baseline)
        self.env = dict(env or {})
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.workers = workers
        self.threads = threads
        self.warehouse = warehouse
        self.proc: subprocess.Popen | None = None
        self.sampler: RssSampler | None = None

    def start(self, timeout: float = 90) -> Server:
        """Start and wait until the home page answers (and every worker has booted)."""
        env = {
            **os.environ,
            "WAREHOUSE_PATH": str(self.warehouse),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "PYTHONUNBUFFERED": "1",
            # No control socket: gunicorn's default path (~/.gunicorn/gunicorn.ctl) is one per
            # user, and servers started side by side (parallel test workers) would take it in turn.
            "GUNICORN_CMD_ARGS": "--no-control-socket",
            **self.env,
        }
        if self.workers:
            env["GUNICORN_WORKERS"] = str(self.workers)
        if self.threads:
            env["GUNICORN_THREADS"] = str(self.threads)
        conf = str(self.root / "gunicorn.conf.py")
        cmd = [sys.executable, "-m", "gunicorn", "-c", conf, self.wsgi]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=self.root, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=5).read()
                if len(self.worker_pids()) >= (self.workers or 1):
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-3000:]}")
        # Every worker has served a page (the layout, year range and vocabularies are loaded).
        for _ in range(4 * (self.workers or 1)):
            urllib.request.urlopen(self.url + "/", timeout=30).read()
        self.sampler = RssSampler(self.proc.pid)
        self.sampler.start()
        return self

    def worker_pids(self) -> list[int]:
        """PIDs of the gunicorn workers (children of the master)."""
        try:
            return [c.pid for c in psutil.Process(self.proc.pid).children()]
        except psutil.Error:
            return []

    def stop(self) -> dict:
        """Stop the server (TERM, then KILL); return the memory it reached."""
        mem = {}
        try:
            mem = self.sampler.stop() if self.sampler else {}
        finally:
            self._terminate()
        return mem

    def _terminate(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class RssSampler(threading.Thread):
    """Samples the RSS of a process tree every `interval` s: peak per process and peak sum."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_process = 0
        self.peak_total = 0
        self._halt = threading.Event()

    def sample(self) -> None:
        """Take one sample now."""
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0
        for p in procs:
            try:
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            if p.pid != self.pid:  # workers (and their browsers), not the idle master
                self.peak_process = max(self.peak_process, rss)
        self.peak_total = max(self.peak_total, total)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> dict:
        """Stop sampling: {'peak_worker_mb', 'peak_total_mb'}."""
        self.sample()
        self._halt.set()
        self.join(timeout=2)
        mb = 1024 * 1024
        return {
            "peak_worker_mb": round(self.peak_process / mb, 1),
            "peak_total_mb": round(self.peak_total / mb, 1),
        }
