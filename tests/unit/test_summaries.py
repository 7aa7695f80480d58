"""Generated summaries tell the truth about their own chart: its measure, what its total counts,
and no comparison of a complete year with an incomplete one (issue 11)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from dashboards import clock
from dashboards.charts import REGISTRY, Chart, all_charts
from dashboards.exports import summary
from dashboards.filters import Filters
from dashboards.i18n import count_text, format_money

all_charts()  # fill the registry before parametrising over it
KEYS = sorted(REGISTRY)
TODAY = dt.date(2023, 5, 1)  # the small warehouse's years run 2018–2024: 2023 on is not over


@pytest.fixture(scope="module")
def iati_warehouse(tmp_path_factory) -> Path:
    """A warehouse of tests/fixtures/iati/load: the only fixture with IATI budgets/transactions."""
    from etl.load import load_directory

    db = tmp_path_factory.mktemp("iati") / "warehouse.duckdb"
    load_directory(Path(__file__).resolve().parents[1] / "fixtures" / "iati" / "load", db)
    return db


@pytest.fixture
def frame_of(
    request, small_warehouse, iati_warehouse, lifecycle_warehouse, use_warehouse, monkeypatch
):
    """`frame_of(chart)`: its frame from the fixture warehouse that has data for it."""
    # The lifecycle fixture's rows are hand-checked as of this day (tests/unit/test_lifecycle.py).
    monkeypatch.setenv(clock.ENV, "2026-11-15")
    warehouses = {"spending": iati_warehouse, "lifecycle": lifecycle_warehouse}

    def get(chart: Chart) -> pd.DataFrame:
        use_warehouse(warehouses.get(chart.page, small_warehouse))
        return chart.frame(Filters())

    return get


def test_every_registered_chart_states_its_measure():
    missing = [c.key for c in all_charts() if not c.measure]
    assert missing == []


def _expected_items(chart: Chart, frame: pd.DataFrame, lang: str) -> list[str]:
    """The top-3 values (and the sum) of the chart's measure over its categories, in words."""
    measure = chart.measure
    assert measure is not None
    columns = (
        ["code"]
        if "code" in frame.columns
        else [c for c in ("field", "area", "region") if c in frame.columns]
    )
    if not columns:
        return []
    totals = frame.groupby(columns)[measure].sum()
    totals = totals[totals > 0].sort_values(ascending=False)
    return [summary.amount(measure, v, lang) for v in [*totals.head(3), totals.sum()]]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("key", KEYS)
def test_summary_numbers_are_the_charts_own(key, lang, frame_of):
    chart = REGISTRY[key]
    frame = frame_of(chart)
    text = summary.summarise(chart, frame, lang, today=TODAY)
    if chart.measure not in frame.columns:  # no summary-able shape: no sentence, not a wrong one
        assert text == ""
        return
    assert not frame.empty, f"{key}: the fixture gives no data, the test would prove nothing"
    for words in _expected_items(chart, frame, lang):
        assert words in text, (key, words, text)
    counted = {"activities": "activit", "partners": "partenaire" if lang == "fr" else "partner"}
    for measure, stem in counted.items():
        if chart.measure != measure:
            assert not re.search(r"\d\s*" + stem, text.lower()), (key, text)
    if chart.measure in summary.MONEY:
        assert "$" in text, text
    else:
        assert "$" not in text, text


@pytest.mark.parametrize("key", KEYS)
def test_overlapping_categories_are_not_called_a_total(key, frame_of):
    chart = REGISTRY[key]
    text = summary.summarise(chart, frame_of(chart), "en", today=TODAY)
    if chart.overlap and "the largest of" in text:
        assert "not a count of distinct ones" in text
        assert "In all" not in text
        assert "%" not in text.split("Added up")[0]  # no shares of a double-counting sum
    elif "the largest of" in text:
        assert "In all: " in text


def test_budget_summary_is_in_money_not_activities(small):
    chart = REGISTRY["fields.budget_by_field"]
    text = summary.summarise(chart, chart.frame(Filters()), "en", today=TODAY)
    # the small warehouse: CLT 10,000 of 20,500; ED 4,500 (hand-checked in its README)
    assert "Culture (US$10K, 49%)" in text
    assert "In all: US$20.5K." in text
    assert not re.search(r"\d activit", text)


def test_countries_are_named_countries(small):
    chart = REGISTRY["regions.map"]
    text = summary.summarise(chart, chart.frame(Filters()), "en", today=TODAY)
    assert text.startswith("Countries, the largest of 4: Kenya (3 activities)")
    assert "categories" not in text


def test_incomplete_years_are_not_compared():
    frame = pd.DataFrame(
        {"year": [2021, 2022, 2023, 2024], "code": ["ED"] * 4, "activities": [200, 229, 102, 5]}
    )
    chart = REGISTRY["overview.top_fields"]
    text = summary.summarise(chart, frame, "en", today=dt.date(2023, 9, 30))
    assert "From 2021 to 2022" in text
    assert count_text("activity", 229, "en") in text
    assert "102" not in text.split("2023 and later")[0]
    assert "2023 and later years are not over" in text
    # A year later 2023 is complete and compared.
    later = summary.summarise(chart, frame, "en", today=dt.date(2024, 1, 1))
    assert "From 2021 to 2023" in later and "2024 and later years" in later


def test_today_is_injectable_from_the_environment(monkeypatch):
    monkeypatch.setenv(clock.ENV, "2030-02-01")
    assert clock.today() == dt.date(2030, 2, 1)
    assert clock.first_incomplete_year() == 2030
    monkeypatch.setenv(clock.ENV, "not a date")
    with pytest.raises(ValueError, match=clock.ENV):
        clock.today()


def test_money_of_spending_in_french(frame_of):
    chart = REGISTRY["spending.by_field"]
    text = summary.summarise(chart, frame_of(chart), "fr", today=TODAY)
    assert format_money(1_000_000, "fr") in text  # SC's IATI budget (tests/fixtures/iati)
    assert "Sciences exactes et naturelles" in text
