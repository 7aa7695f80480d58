"""A real redis-server for tests and benchmarks: a free loopback port, no persistence, own pid."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

DEBIAN_BINARY = Path("/usr/bin/redis-server")


def redis_binary() -> str | None:
    """The redis-server binary (Debian's package `redis-server`), or None."""
    if DEBIAN_BINARY.exists():
        return str(DEBIAN_BINARY)
    return shutil.which("redis-server")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """One redis-server process; `stop()` kills it by its pid, `start()` brings it back."""

    def __init__(self, port: int | None = None, maxmemory: str = "64mb"):
        self.port = port or free_port()
        self.maxmemory = maxmemory
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's redis:// URL (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A client of this server."""
        return redis.Redis.from_url(self.url)

    def start(self) -> None:
        """Start the server on its port and wait until it answers."""
        binary = redis_binary()
        if binary is None:
            raise RuntimeError("redis-server not installed (apt-get install redis-server)")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--maxmemory", self.maxmemory,
                "--maxmemory-policy", "volatile-lru",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on {self.port}") from None
                time.sleep(0.02)

    def stop(self) -> None:
        """Kill the server (by its pid) and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None
