"""Axis ticks and tables in the UI language's number format; incomplete years marked (issue 11)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboards import clock
from dashboards.figures import common, spending
from dashboards.i18n import format_money


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2012, 2013, 2024, 2025],
            "code": ["ED", "ED", "ED", "ED"],
            "activities": [1, 3, 2, 1],
            "budget_usd": [60e6, 195.8e6, 10e6, 0.0],
        }
    )


def test_nice_ticks_cover_the_top():
    ticks = common.nice_ticks(195.8e6)
    assert ticks[0] == 0 and ticks[-1] >= 195.8e6
    assert len(ticks) <= 7
    assert common.nice_ticks(0) == [0.0]


@pytest.mark.parametrize(("lang", "unit"), [("en", "US$"), ("fr", "$US")])
def test_money_axis_speaks_the_language(small, lang, unit):
    fig = common.stacked_by_year(_frame(), lang, "field", measure="budget_usd")
    text = list(fig.layout.yaxis.ticktext)
    assert all(unit in t for t in text[1:]), text
    assert format_money(fig.layout.yaxis.tickvals[1], lang) == text[1]
    if lang == "fr":
        assert "50\xa0M\xa0$US" in text, text  # as in summaries ("195,8 M $US")


def test_spending_axes_use_money_words(small):
    frame = pd.DataFrame(
        {"code": ["ED", "SC"], "budget": [2e6, 5e5], "disbursed": [1e6, 0], "spent": [0, 0]}
    )
    fig = spending.by_code(frame, "fr", dimension="field")
    assert all("$US" in t for t in fig.layout.xaxis.ticktext[1:])


def test_small_counts_get_whole_ticks(small):
    fig = common.ranked_bars(
        pd.DataFrame({"code": ["ED", "SC"], "activities": [1, 3]}), "en", "field"
    )
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tickformat == "d"
    fig = common.stacked_by_year(_frame(), "en", "field")
    assert fig.layout.yaxis.dtick == 1


def test_table_prints_years_as_years(small):
    table = common.table_frame(_frame(), "en", dimension="field")
    assert list(table["Year"]) == ["2012", "2013", "2024", "2025"]
    frame = pd.DataFrame(
        {"year": [2012], "budget": [1.0], "disbursed": [0.0], "spent": [0.0], "not_in_usd": [0]}
    )
    assert list(spending.table(frame, "fr")["Année"]) == ["2012"]


def test_incomplete_years_are_shaded_and_named(small, monkeypatch):
    monkeypatch.setenv(clock.ENV, "2024-03-31")
    fig = common.stacked_by_year(_frame(), "fr", "field")
    assert fig.layout.meta["incomplete_from"] == 2024
    (shape,) = fig.layout.shapes
    assert (shape.x0, shape.x1) == (2023.5, 2025.5)
    assert any("partielles ou prévues" in a.text for a in fig.layout.annotations)
    monkeypatch.setenv(clock.ENV, "2026-01-01")  # every year drawn is over: nothing marked
    fig = common.lines_by_year(_frame(), "en", "field")
    assert not fig.layout.shapes
