"""The running app takes its vocabularies from the warehouse it serves, not from CSV files.

An administrator edits `data/reference/` (here: swaps the order of two functional areas, which
swaps their bits) and loads; the same process, without a restart, must then count, name and
order by the new warehouse. Ground truth is computed straight from the bridge tables, which do
not depend on any bit.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHIPPED_REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"


def _swap_areas(reference: Path, a: str, b: str) -> None:
    """Swap the sort_order of two functional areas in a reference folder (as an admin would)."""
    path = reference / "functional_areas.csv"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = list(reader)
    order = {r["code"]: r["sort_order"] for r in rows}
    for r in rows:
        if r["code"] == a:
            r["sort_order"] = order[b]
        elif r["code"] == b:
            r["sort_order"] = order[a]
    # Also move the lines, so the file reads in its new order.
    rows.sort(key=lambda r: int(r["sort_order"]))
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _truth(db: Path, area: str) -> dict[str, int]:
    """Activities per partner having a functional area, from the bridge tables (no bits)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            """
            SELECT ap.partner_id, count(DISTINCT ap.activity_id)
            FROM activity_partners ap JOIN activity_functional_areas afa USING (activity_id)
            WHERE afa.area_code = ? GROUP BY 1
            """,
            [area],
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def _bits(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT code, bit FROM functional_areas").fetchall())
    finally:
        con.close()


@pytest.fixture
def reference_copy(tmp_path) -> Path:
    """A copy of the shipped reference folder that a test may edit."""
    target = tmp_path / "reference"
    shutil.copytree(SHIPPED_REFERENCE, target)
    return target


def test_reordered_areas_count_name_and_order_right_after_a_load(
    tmp_path, reference_copy, use_warehouse
):
    from dashboards import layout
    from dashboards.filters import Filters
    from dashboards.queries import activities as aq
    from dashboards.queries import partners as pq
    from etl.load import load_directory

    db = tmp_path / "warehouse.duckdb"
    load_directory(FIXTURES / "small", db, reference_dir=reference_copy)
    use_warehouse(db)

    def counts(area: str) -> dict[str, int]:
        filters, notices = Filters.from_query(f"area={area}")
        assert notices == []
        frame = pq.directory(filters, "en")
        return {r.partner_id: int(r.activities) for r in frame.itertuples() if r.activities}

    def area_total(area: str) -> int:
        filters, _ = Filters.from_query(f"area={area}")
        return aq.totals(filters)["activities"]

    # Before: the shipped order (capacity building first).
    assert counts("advocacy") == _truth(db, "advocacy")
    assert area_total("advocacy") == 2
    options = [o["value"] for o in layout.localised_controls("en")["options"]["areas"]]
    assert options[:2] == ["capacity_building", "advocacy"]

    # The administrator swaps the two areas and loads again, into the same path (atomic swap).
    _swap_areas(reference_copy, "capacity_building", "advocacy")
    load_directory(FIXTURES / "small", db, reference_dir=reference_copy)
    assert _bits(db)["advocacy"] == 1  # the warehouse's bits did move

    # Same process, no restart, no cache cleared by hand: counts, order and labels follow.
    assert counts("advocacy") == _truth(db, "advocacy") == {"P1": 1, "P4": 1}
    assert counts("capacity_building") == _truth(db, "capacity_building")
    assert area_total("advocacy") == 2
    assert area_total("capacity_building") == 3
    controls = layout.localised_controls("fr")["options"]["areas"]
    assert [o["value"] for o in controls[:2]] == ["advocacy", "capacity_building"]
    assert controls[0]["label"] == "Plaidoyer"
    assert Filters.from_query("area=capacity_building,advocacy")[0].areas == (
        "advocacy",
        "capacity_building",
    )


def test_a_renamed_area_is_named_by_the_new_warehouse(tmp_path, reference_copy, use_warehouse):
    """A label edited in the reference reaches chips, options and summaries after a load."""
    from dashboards import layout
    from dashboards.exports import describe
    from dashboards.filters import Filters
    from etl.load import load_directory

    db = tmp_path / "warehouse.duckdb"
    load_directory(FIXTURES / "small", db, reference_dir=reference_copy)
    use_warehouse(db)
    filters = Filters(areas=("advocacy",))
    assert describe.filters_text(filters, "en") == "functional areas: Advocacy"

    path = reference_copy / "functional_areas.csv"
    text = path.read_text(encoding="utf-8").replace(
        "advocacy,Advocacy,", "advocacy,Policy advocacy,"
    )
    path.write_text(text, encoding="utf-8")
    load_directory(FIXTURES / "small", db, reference_dir=reference_copy)

    assert describe.filters_text(filters, "en") == "functional areas: Policy advocacy"
    labels = {o["value"]: o["label"] for o in layout.localised_controls("en")["options"]["areas"]}
    assert labels["advocacy"] == "Policy advocacy"
    # The old name is no longer a valid URL value; the new one is.
    assert Filters.from_query("area=Policy advocacy")[0].areas == ("advocacy",)


def test_one_answer_reads_one_vocabulary_even_across_a_load(
    tmp_path, reference_copy, use_warehouse
):
    """Inside `vocab.pinned()` (a figure, a table) the lists stay those the answer began with."""
    from dashboards import vocab
    from etl.load import load_directory

    db = tmp_path / "warehouse.duckdb"
    load_directory(FIXTURES / "small", db, reference_dir=reference_copy)
    use_warehouse(db)
    with vocab.pinned() as snapshot:
        _swap_areas(reference_copy, "capacity_building", "advocacy")
        load_directory(FIXTURES / "small", db, reference_dir=reference_copy)
        assert vocab.codes("area")[:2] == ["capacity_building", "advocacy"]
        assert vocab.current() is snapshot
    assert vocab.codes("area")[:2] == ["advocacy", "capacity_building"]
