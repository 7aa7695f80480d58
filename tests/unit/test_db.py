"""The app's warehouse access: read-only, a cursor per query, and a new load picked up live."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from dashboards import db
from dashboards.filters import Filters
from dashboards.queries import activities


def test_a_new_warehouse_is_picked_up_without_restart(tmp_path, small_warehouse, use_warehouse):
    live = tmp_path / "warehouse.duckdb"
    shutil.copy(small_warehouse, live)
    use_warehouse(live)
    assert activities.totals(Filters())["activities"] == 8
    version = db.version()
    # A "load": build a new file beside it with one more activity and swap it in atomically.
    building = tmp_path / "building.duckdb"
    shutil.copy(small_warehouse, building)
    con = duckdb.connect(str(building))
    con.execute(
        "INSERT INTO activity_facts SELECT 'A9', 9999, 2024, 'ED', 'bilateral', 'planned', 'country', 0, 0, 0, 0, 0, [], false"
    )
    # ...and in the summary the totals read (derived.sql builds it from the facts at load).
    con.execute(
        "INSERT INTO activity_summary_small SELECT 2024, 'ED', 'bilateral', 'planned', 'country', false, 1, 0"
    )
    con.close()
    building.replace(live)
    assert db.version() != version
    assert activities.totals(Filters())["activities"] == 9


def test_the_app_cannot_write(small, tmp_path):
    cur = db.WAREHOUSE.cursor()
    with pytest.raises(duckdb.Error):
        cur.execute("DELETE FROM activities")


def test_missing_warehouse_is_a_clear_error(use_warehouse, tmp_path):
    use_warehouse(tmp_path / "nope.duckdb")
    with pytest.raises(db.WarehouseMissing, match="python -m etl load"):
        db.query("SELECT 1")
