"""Screenshots of every page for the README: `python scripts/make_screenshots.py [--db PATH]`.

Builds the demo warehouse (or reuses `--db`), starts the app on a free loopback port, takes a
full-page 1400-px-wide screenshot of each page (plus one French page and one filtered view)
into docs/screenshots/<name>.png with headless Debian Chromium, and stops the app. Prints any
console error or failed request; exits 1 if there was one.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser import ARGS, CHROMIUM  # noqa: E402 - one set of Chromium flags

WIDTH = 1400

# (file name, path and query) in README order.
SHOTS: tuple[tuple[str, str], ...] = (
    ("overview", "/"),
    ("fields", "/fields"),
    ("functional-areas", "/functional-areas"),
    ("regions", "/regions"),
    ("partners", "/partners"),
    ("partner", "/partners/NGO-0001"),
    ("collective", "/collective"),
    ("data", "/data"),
    ("overview-fr", "/?lang=fr"),
    ("regions-fr", "/regions?lang=fr&years=2018-2024&region=AFR,ARB"),
    ("overview-filtered", "/?years=2018-2024&field=ED,CLT&region=AFR"),
    ("not-found", "/no-such-page"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_demo(db: Path) -> None:
    """The default demo warehouse (6,000 activities, seed 42) at `db`."""
    from etl.demo import write_demo
    from etl.load import load_directory

    with tempfile.TemporaryDirectory() as tmp:
        write_demo(Path(tmp) / "input", seed=42, n_activities=6000)
        load_directory(Path(tmp) / "input", db)


def start_app(db: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "WAREHOUSE_PATH": str(db), "PORT": str(port), "HOST": "127.0.0.1"}
    env.pop("DEBUG", None)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"app exited:\n{log.read_text()[-2000:]}") from None
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"app did not start:\n{log.read_text()[-2000:]}")


def settle(page, pending: list[int], last: list[float], quiet=0.5, timeout=30.0) -> None:
    """Wait until no Dash callback request has been in flight for `quiet` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if pending[0] == 0 and time.monotonic() - max(last[0], start) >= quiet:
            break
        page.wait_for_timeout(50)
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=15000
    )


def shoot(base: str, out: Path, shots=SHOTS) -> int:
    """Take the screenshots; return the number of problems seen."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    problems = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for name, path in shots:
            context = browser.new_context(
                viewport={"width": WIDTH, "height": 900}, device_scale_factor=1
            )
            page = context.new_page()
            errors: list[str] = []
            pending, last = [0], [time.monotonic()]

            def started(r, pending=pending, last=last):
                if "_dash-update-component" in r.url:
                    pending[0] += 1
                    last[0] = time.monotonic()

            def ended(r, pending=pending, last=last):
                if "_dash-update-component" in r.url:
                    pending[0] = max(0, pending[0] - 1)
                    last[0] = time.monotonic()

            page.on("request", started)
            page.on("requestfinished", ended)
            page.on("requestfailed", ended)
            page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda x, e=errors: e.append(str(x)))
            page.on(
                "response",
                lambda r, e=errors: (
                    e.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None
                ),
            )
            page.on(
                "request",
                lambda r, e=errors: (
                    e.append(f"off-machine request {r.url}")
                    if not r.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))
                    else None
                ),
            )
            page.goto(base + path, wait_until="networkidle")
            settle(page, pending, last)
            page.mouse.move(0, 0)  # no hover label in the picture
            page.wait_for_timeout(300)  # let Plotly finish its transitions
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            size = page.evaluate(
                "[document.documentElement.scrollWidth, document.body.scrollHeight]"
            )
            print(f"{path:<50} → {target.relative_to(ROOT)} {size[0]}×{size[1]} px")
            for e in errors:
                print(f"    problem: {e}")
            problems += len(errors)
            context.close()
        browser.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="warehouse to use (built with demo data if missing)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "warehouse.duckdb"
        if not db.exists():
            print(f"building the demo warehouse at {db} ...", flush=True)
            build_demo(db)
        port = free_port()
        proc = start_app(db, port, Path(tmp) / "app.log")
        try:
            problems = shoot(f"http://127.0.0.1:{port}", args.out)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    if problems:
        print(f"{problems} problem(s): see above", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
