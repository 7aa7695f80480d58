"""`python -m bench.audit_ui WAREHOUSE [--rounds N] [--events N]`: costs of branch audit-ui.

1. The shell built per request (a layout function, so menus and buttons follow the user's role)
   against the shell built once (the layout before): `/_dash-layout` answered by the test client
   of one app, the two variants alternated in one run, medians reported.
2. The audit log page on a log of N events: the first read (every line parsed), a page query
   once parsed (only appended bytes are read), and a full re-parse of the file (what a reader
   without the incremental cache would pay on every page view).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _ms(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def layout_cost(warehouse: Path, rounds: int) -> dict:
    """Median ms of /_dash-layout: a layout function (per user) vs a layout value (once)."""
    import app as app_module
    from dashboards.settings import load_settings

    folder = Path(tempfile.mkdtemp(prefix="bench-audit-ui-"))
    app = app_module.create_app(
        load_settings(warehouse_path=warehouse, background_cache_dir=folder / "bg")
    )
    client = app.server.test_client()
    function = app.layout
    with app.server.test_request_context("/"):
        value = function()
    per_user, once = [], []
    for _ in range(rounds):
        app.layout = function
        per_user += _ms(lambda: client.get("/_dash-layout").get_data(), 1)
        app.layout = value
        once += _ms(lambda: client.get("/_dash-layout").get_data(), 1)
    app.layout = function
    return {
        "layout_per_user_ms": round(statistics.median(per_user), 2),
        "layout_once_ms": round(statistics.median(once), 2),
        "ratio": round(statistics.median(per_user) / statistics.median(once), 2),
        "rounds": rounds,
    }


def log_cost(events: int) -> dict:
    """Reading a log of `events` lines: first parse, incremental page query, full re-parse."""
    from dashboards import audit

    folder = Path(tempfile.mkdtemp(prefix="bench-audit-log-"))
    log = folder / "audit.jsonl"
    line = {
        "at": "2026-12-02T03:15:46+00:00",
        "event": "row_level_download",
        "user": "ana",
        "role": "analyst",
        "request_id": "0" * 32,
        "what": ["data-download"],
        "search": "?years=2018-2024&field=ED",
    }
    with open(log, "w", encoding="utf-8") as f:
        for i in range(events):
            f.write(json.dumps({**line, "user": f"user{i % 40}"}) + "\n")
    first = _ms(lambda: audit.query(log, limit=50), 1)[0]
    again = statistics.median(_ms(lambda: audit.query(log, offset=500, limit=50), 5))
    audit.record(log, "sign_in", user="ada", role="admin", via="local")
    appended = statistics.median(_ms(lambda: audit.query(log, user="ada"), 5))
    full = statistics.median(_ms(lambda: [json.loads(x) for x in log.read_text().splitlines()], 3))
    return {
        "events": events,
        "first_read_ms": round(first, 1),
        "page_query_ms": round(again, 1),
        "after_append_filtered_ms": round(appended, 1),
        "full_reparse_ms": round(full, 1),
        "log_mb": round(log.stat().st_size / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Print both measurements as JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.audit_ui", description=__doc__)
    p.add_argument("warehouse", type=Path, help="a demo warehouse (python -m etl demo + load)")
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--events", type=int, default=100_000)
    args = p.parse_args(argv)
    print(json.dumps({"layout": layout_cost(args.warehouse, args.rounds)}, indent=1))
    print(json.dumps({"audit_log": log_cost(args.events)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
