"""The deployment's other processes on loopback, for the scale-out test and benchmark: Redis,
nginx (deploy/nginx.conf.template) and a Celery worker. Debian's binaries; nothing as root, no
fixed port, every file (pid, logs, temp, data) in a given folder; each stopped by its own pid."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.server import ROOT, free_port

REDIS = "redis-server"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def missing_binaries() -> list[str]:
    """The Debian binaries the scale-out deployment needs that this machine lacks."""
    need = {"redis-server": shutil.which(REDIS), "nginx": NGINX if Path(NGINX).exists() else None}
    return [name for name, path in need.items() if not path]


def _stop(proc: subprocess.Popen | None, timeout: float = 20) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait(check, proc: subprocess.Popen, log: Path, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    _stop(proc)
    raise RuntimeError(f"{what} did not start: {log.read_text(errors='replace')[-3000:]}")


class Redis:
    """`redis-server` on a free loopback port, no persistence, its files in `folder`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Redis:
        """Start and wait until it answers PING."""
        self.folder.mkdir(parents=True, exist_ok=True)
        log = self.folder / "redis.log"
        cmd = [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(self.folder), "--logfile", str(log)]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        log.touch()

        def ping() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        _wait(ping, self.proc, log, "redis-server")
        return self

    def stop(self) -> None:
        """Stop it (TERM, then KILL)."""
        _stop(self.proc)


class Nginx:
    """nginx from deploy/nginx.conf.template in front of `upstreams` (host:port), on loopback."""

    def __init__(self, folder: Path, upstreams: list[str], worker_processes: str = "1"):
        self.folder = folder
        self.upstreams = upstreams
        self.workers = worker_processes
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    @property
    def access_log(self) -> Path:
        """nginx's access log (one line per request, with the instance that answered)."""
        return self.folder / "access.log"

    def start(self) -> Nginx:
        """Render the configuration, check it (`nginx -t`), start nginx, wait until it answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        conf = self.folder / "nginx.conf"
        render = [sys.executable, str(ROOT / "deploy" / "render_nginx.py"), *self.upstreams,
                  "--listen", f"127.0.0.1:{self.port}", "--runtime-dir", str(self.folder),
                  "--workers", self.workers, "--out", str(conf)]  # fmt: skip
        if os.geteuid() == 0:  # nginx's workers would be `nobody`, shut out of our folder
            render += ["--user", "root"]
        subprocess.run(render, check=True, capture_output=True, text=True)
        base = [
            NGINX,
            "-p",
            str(self.folder),
            "-c",
            str(conf),
            "-e",
            str(self.folder / "error.log"),
        ]
        test = subprocess.run([*base, "-t"], capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"nginx -t refused the rendered configuration: {test.stderr}")
        log = self.folder / "nginx.out"
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [*base, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT
            )
        _wait(
            lambda: urllib.request.urlopen(self.url + "/healthz", timeout=5).status == 200,
            self.proc,
            log,
            "nginx",
        )
        return self

    def stop(self) -> None:
        """Stop nginx (TERM: fast shutdown of the master and its workers)."""
        _stop(self.proc)


class CeleryWorker:
    """`celery -A app:celery_app worker` (packs and digests) with the app's environment."""

    def __init__(self, folder: Path, env: dict[str, str], concurrency: int = 1):
        self.folder = folder
        self.env = env
        self.concurrency = concurrency
        self.log = folder / "celery.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> CeleryWorker:
        """Start and wait until the worker says it is ready."""
        self.folder.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "celery", "-A", "app:celery_app", "worker",
               "--loglevel=INFO", f"--concurrency={self.concurrency}", "--without-gossip",
               "--without-mingle", "--without-heartbeat"]  # fmt: skip
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        _wait(lambda: " ready." in self.log.read_text(errors="replace"), self.proc, self.log,
              "celery worker", timeout)  # fmt: skip
        return self

    def stop(self) -> None:
        """Stop the worker (TERM: warm shutdown, running tasks finish)."""
        _stop(self.proc, timeout=60)


def publish(source: Path, *targets: Path) -> str:
    """Run deploy/publish-warehouse (copy beside each target, check, rename): its last line."""
    proc = subprocess.run(
        [str(ROOT / "deploy" / "publish-warehouse"), str(source), *map(str, targets)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"publish-warehouse failed: {proc.stderr.strip()}")
    return proc.stdout.strip()
