"""app.py: the first run builds the demo warehouse; an outdated warehouse is reported clearly."""

from __future__ import annotations

import shutil

import pytest

import app
from etl import load


def test_first_run_builds_the_demo_warehouse(tmp_path, monkeypatch):
    target = tmp_path / "fresh" / "warehouse.duckdb"
    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    app.ensure_warehouse()
    version, source = load.warehouse_version(target)
    assert version == load.ETL_VERSION
    assert source == str((app.ROOT / "data" / "demo").resolve())
    mtime = target.stat().st_mtime_ns
    app.ensure_warehouse()  # up to date: left alone
    assert target.stat().st_mtime_ns == mtime


def test_an_outdated_warehouse_of_real_data_is_refused_with_the_command(
    tmp_path, monkeypatch, small_warehouse
):
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(small_warehouse, target)
    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    monkeypatch.setattr(load, "ETL_VERSION", "999")
    with pytest.raises(
        RuntimeError, match=r"older version of the ETL .*python -m etl load .*small"
    ):
        app.ensure_warehouse()


def test_main_prints_one_line_not_a_traceback(tmp_path, monkeypatch, small_warehouse, capsys):
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(small_warehouse, target)
    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    monkeypatch.setattr(load, "ETL_VERSION", "999")
    assert app.main() == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and err.count("\n") == 1
