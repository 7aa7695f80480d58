"""The running app (`python app.py`, one process) follows a reference edit + load without a
restart: counts, names and order come from the warehouse it serves, not from CSVs it read at
start-up. Asked over HTTP exactly as the browser asks (Dash's callback endpoint)."""

from __future__ import annotations

import csv
import json
import shutil
import urllib.request
from pathlib import Path

import duckdb
import pytest
from app_server import start_app, stop

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SHIPPED_REFERENCE = ROOT / "data" / "reference"


@pytest.fixture
def serve(tmp_path):
    """Start `python app.py` on a warehouse; stop it after the test."""
    started = []

    def start(warehouse: Path) -> str:
        proc, url = start_app(warehouse, tmp_path / f"app-{len(started)}.log")
        started.append(proc)
        return url

    yield start
    for proc in started:
        stop(proc)


def _directory(url: str, search: str) -> tuple[dict[str, int], str]:
    """The directory's parts as the browser asks for them: {partner_id: activities}, count."""
    from bench.dashclient import parts_body
    from dashboards.parts import unpack

    body = parts_body(
        search, ["partners.count"], ["partners.rows"], {"partners.include_all": False}
    )
    request = urllib.request.Request(
        url + "/_dash-update-component",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    answer = json.loads(urllib.request.urlopen(request, timeout=30).read())["response"]

    def key(kind: str, part: str) -> str:  # a pattern id as Dash's answer names it
        return json.dumps({"key": part, "type": kind}, sort_keys=True, separators=(",", ":"))

    count = answer[key("page-part", "partners.count")]["children"]
    rows = unpack(answer[key("page-data", "partners.rows")]["data"])
    return {r["partner_id"]: r["activities"] for r in rows}, count


def _truth(db: Path, area: str) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(
            con.execute(
                "SELECT ap.partner_id, count(DISTINCT ap.activity_id) FROM activity_partners ap "
                "JOIN activity_functional_areas afa USING (activity_id) "
                "WHERE afa.area_code = ? GROUP BY 1",
                [area],
            ).fetchall()
        )
    finally:
        con.close()


def _swap(reference: Path, a: str, b: str) -> None:
    path = reference / "functional_areas.csv"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    order = {r["code"]: r["sort_order"] for r in rows}
    for r in rows:
        r["sort_order"] = {a: order[b], b: order[a]}.get(r["code"], r["sort_order"])
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: int(r["sort_order"])))


def test_running_app_counts_right_after_areas_are_reordered_and_loaded(tmp_path, serve):
    from etl.load import load_directory

    reference = tmp_path / "reference"
    shutil.copytree(SHIPPED_REFERENCE, reference)
    db = tmp_path / "warehouse.duckdb"
    load_directory(FIXTURES / "small", db, reference_dir=reference)
    url = serve(db)

    before, _ = _directory(url, "?area=advocacy")
    assert before == _truth(db, "advocacy") == {"P1": 1, "P4": 1}

    # The administrator reorders two areas (their bits swap) and loads, while the app runs.
    _swap(reference, "capacity_building", "advocacy")
    load_directory(FIXTURES / "small", db, reference_dir=reference)

    after, count = _directory(url, "?area=advocacy")
    assert after == _truth(db, "advocacy") == {"P1": 1, "P4": 1}
    cb, _ = _directory(url, "?area=capacity_building")
    assert cb == _truth(db, "capacity_building") == {"P1": 1, "P2": 2}
    assert count.startswith("2 partners")
