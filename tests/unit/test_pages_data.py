"""The Data page says which load gave each dataset and lists the reference changes (EN/FR)."""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import pytest
from dash.development.base_component import Component


def _texts(node) -> list[str]:
    """Every string in a layout tree."""
    if isinstance(node, list | tuple):
        return [t for child in node for t in _texts(child)]
    if isinstance(node, Component):
        return _texts(getattr(node, "children", None))
    return [node] if isinstance(node, str) else []


@pytest.fixture(scope="module")
def updated_warehouse(tmp_path_factory) -> tuple[Path, str, str]:
    """A full load, then a partners-only load with Djibouti moved to Africa: (db, run1, run2)."""
    from etl.load import load_directory
    from etl.reference import REFERENCE_DIR

    base = tmp_path_factory.mktemp("data-page")
    ref = base / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    path = ref / "countries.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    for row in rows:
        if row[0] == "DJI":
            row[4] = "AFR"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    full, update = base / "full", base / "update"
    for folder in (full, update):
        folder.mkdir()
        (folder / "partners.csv").write_text(
            "partner_id,name,status,hq_country\nP1,Alpha,consultative,Djibouti\n"
            "P2,Beta,associate,France\n",
            encoding="utf-8",
        )
    (full / "activities.csv").write_text(
        "activity_id,partner_ids,title,field\nA1,P1,Workshop,ED\nA2,P404,Lost,ED\n",
        encoding="utf-8",
    )
    db = base / "warehouse.duckdb"
    first = load_directory(full, db)
    second = load_directory(update, db, reference_dir=ref)
    return db, first.run_id, second.run_id


@pytest.fixture
def data_page(updated_warehouse, use_warehouse):
    use_warehouse(updated_warehouse[0])
    if "dashboards.pages.data" not in sys.modules:
        from app import create_app

        create_app()
    from dashboards.pages import data

    return data


def test_datasets_and_reference_changes_in_english(data_page, updated_warehouse):
    _, run1, _ = updated_warehouse
    text = " ".join(_texts(data_page.layout("en")))
    assert "Datasets" in text and "This load" in text
    assert f"Kept from load {run1}" in text
    assert "Reference changes" in text
    assert "Djibouti (DJI)" in text and "ARB (Arab States)" in text and "AFR (Africa)" in text
    # The kept activities file and its rejected row are still shown.
    assert "activities.csv" in text


def test_datasets_and_reference_changes_in_french(data_page, updated_warehouse):
    _, run1, _ = updated_warehouse
    text = " ".join(_texts(data_page.layout("fr")))
    assert "Jeux de données" in text and f"Conservé du chargement {run1}" in text
    assert "Modifications des données de référence" in text and "AFR (Afrique)" in text


def test_rejected_rows_of_kept_files_are_listed(data_page, updated_warehouse):
    from dashboards.queries import data as q

    _, _, run2 = updated_warehouse
    rejected = q.rejected_rows(run2)
    assert list(rejected["file"]) == ["activities.csv"]
    assert set(q.files(run2)["file"]) == {"partners.csv", "activities.csv"}
