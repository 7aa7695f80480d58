"""Rows flagged at load (a budget outlier) are visible on the charts they move and can be left
out with one control, stated in the filter description of exports (issue 11)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dashboards.charts import get_chart
from dashboards.exports import describe
from dashboards.filters import Filters
from dashboards.queries import activities as q

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "small"


@pytest.fixture(scope="module")
def outlier_warehouse(tmp_path_factory) -> Path:
    """The small fixture with A7's budget typed as 60,000,000 (a typo of 10,000's kind)."""
    from etl.load import load_directory

    src = tmp_path_factory.mktemp("outlier") / "input"
    shutil.copytree(SMALL, src)
    path = src / "activities.csv"
    text = path.read_text(encoding="utf-8")
    row = "2023-01-01,2023-06-30,completed,10000,"
    assert text.count(row) == 1
    path.write_text(text.replace(row, "2023-01-01,2023-06-30,completed,60000000,"), "utf-8")
    db = src.parent / "warehouse.duckdb"
    load_directory(src, db)
    return db


@pytest.fixture
def outlier(outlier_warehouse, use_warehouse) -> Path:
    """The outlier warehouse, in use by the dashboard."""
    return use_warehouse(outlier_warehouse)


def test_the_load_flags_the_outlier_activity(outlier_warehouse):
    con = duckdb.connect(str(outlier_warehouse), read_only=True)
    try:
        flagged = con.execute("SELECT activity_id FROM activity_facts WHERE flagged").fetchall()
        in_regions = con.execute("SELECT count(*) FROM region_facts WHERE flagged").fetchone()
    finally:
        con.close()
    assert flagged == [("A7",)]
    assert in_regions == (1,)  # the bridge facts carry the flag (one predicate for all)


def test_flagged_in_the_url_round_trips(small):
    filters, notices = Filters.from_query("?field=CLT&flagged=exclude")
    assert filters.without_flagged and notices == []
    assert filters.to_query() == "?field=CLT&flagged=exclude"
    assert ("flagged", None) in filters.active()
    assert not filters.without("flagged").without_flagged
    _, notices = Filters.from_query("?flagged=maybe")
    assert [(n.key, n.value) for n in notices] == [("flagged", "maybe")]
    where, params = filters.where("f")
    assert "NOT f.flagged" in where


def test_leaving_flagged_rows_out_changes_the_numbers(outlier):
    everything = q.by_field(Filters()).set_index("code")
    without = q.by_field(Filters(without_flagged=True)).set_index("code")
    assert everything.loc["CLT", "budget_usd"] == 60_000_000
    assert (everything.loc["CLT", "activities"], without.loc["CLT", "activities"]) == (2, 1)
    assert without.loc["CLT", "budget_usd"] == 0  # A5 has no budget
    assert q.flagged_budgets(Filters()) == (1, 60_000_000.0)
    assert q.flagged_budgets(Filters(fields=("ED",))) == (0, 0.0)


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "Includes 1 budget flagged at load (US$60M)"), ("fr", "60 M $US")]
)
def test_budget_charts_say_what_is_flagged(outlier, lang, words):
    chart = get_chart("fields", "budget_by_field")
    notes = [a.text for a in chart.build(Filters(), lang).layout.annotations]
    assert any(words in t.replace("\u00a0", " ") for t in notes), notes
    # Left out: nothing to say. A count chart is not moved by a budget: no note either.
    assert not chart.build(Filters(without_flagged=True), lang).layout.annotations
    counts = get_chart("overview", "top_fields").build(Filters(), lang)
    assert not counts.layout.annotations


def test_the_filter_line_of_exports_states_it(small):
    assert describe.filters_text(Filters(without_flagged=True), "en") == (
        "budgets flagged at load left out"
    )
    fr = describe.filters_text(Filters(fields=("ED",), without_flagged=True), "fr")
    assert fr.endswith("budgets signalés au chargement exclus")
