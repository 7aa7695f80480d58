#!/usr/bin/env python3
"""Render deploy/nginx.conf.template: `python deploy/render_nginx.py --listen 8080 --runtime-dir
/run/unesco-nginx 127.0.0.1:8051 127.0.0.1:8052 > /run/unesco-nginx/nginx.conf`.

Only the template's own placeholders are replaced (string.Template.safe_substitute), so nginx's
variables ($host, $request_id, ...) stay as they are; the folders nginx writes to are created.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.template")
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def render(
    upstreams: list[str],
    listen: str,
    runtime_dir: Path,
    worker_processes: str = "auto",
    user: str | None = None,
) -> str:
    """The nginx.conf for these gunicorn addresses (host:port), listening on `listen`."""
    if not upstreams:
        raise ValueError("at least one upstream host:port is needed")
    servers = "\n".join(
        f"        server {address} max_fails=2 fail_timeout=10s;" for address in upstreams
    )
    return Template(TEMPLATE.read_text()).safe_substitute(
        RUNTIME_DIR=str(runtime_dir),
        LISTEN=listen,
        UPSTREAM_SERVERS=servers,
        WORKER_PROCESSES=worker_processes,
        # Started as root, nginx runs its workers as `nobody`, which cannot write request
        # bodies into a runtime folder private to another user: name the folder's owner.
        USER_DIRECTIVE=f"user {user};" if user else "",
    )


def prepare(runtime_dir: Path) -> None:
    """Create the runtime folder and the temp folders nginx writes request bodies to."""
    for name in TEMP_DIRS:
        (runtime_dir / name).mkdir(parents=True, exist_ok=True, mode=0o700)


def main(argv: list[str] | None = None) -> int:
    """Write the rendered configuration to stdout (or --out)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("upstreams", nargs="+", help="gunicorn addresses, host:port")
    p.add_argument("--listen", default="80", help="nginx `listen` value (default 80)")
    p.add_argument("--runtime-dir", type=Path, required=True, help="pid, logs and temp files")
    p.add_argument("--workers", default="auto", help="nginx worker_processes (default auto)")
    p.add_argument(
        "--user",
        help="nginx `user` of the workers when started as root (the runtime folder's owner)",
    )
    p.add_argument("--out", type=Path, help="write here instead of stdout")
    args = p.parse_args(argv)
    prepare(args.runtime_dir)
    text = render(args.upstreams, args.listen, args.runtime_dir.resolve(), args.workers, args.user)
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
