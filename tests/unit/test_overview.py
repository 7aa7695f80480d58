"""Overview headlines on the small warehouse (totals in tests/fixtures/small/README.md)."""

from __future__ import annotations

import datetime as dt

from dashboards.components.headlines import headline_cards
from dashboards.filters import Filters
from dashboards.queries import overview


def test_headline_totals(small):
    h = overview.headlines(Filters())
    assert (h["activities"], h["budget_usd"], h["countries"], h["partners"]) == (8, 20500, 4, 4)
    assert dict(h["partners_by_status"]) == {
        "Consultative": 2,
        "Associate": 1,
        "Official relations": 1,
    }


def test_periods_with_a_year_filter_compare_the_same_length_before(small):
    f = Filters(years=(2022, 2023))
    assert overview.comparison_periods(f) == ((2022, 2023), (2020, 2021))
    h = overview.headlines(f)
    # 2022–2023: A5, A6, A7; 2020–2021: A3, A4.
    assert (h["activities_now"], h["activities_before"]) == (3, 2)
    assert (h["budget_now"], h["budget_before"]) == (10500, 7000)
    assert h["previous_label"] == "2020–2021"


def test_without_years_the_latest_complete_year_is_compared(small):
    now, before = overview.comparison_periods(Filters(), today=dt.date(2025, 3, 1))
    assert (now, before) == ((2024, 2024), (2023, 2023))


def test_no_previous_period_before_the_data_starts(small):
    h = overview.headlines(Filters(years=(2018, 2020)), "fr")
    assert h["activities_before"] is None and h["previous_label"] == ""
    cards = headline_cards(h, "fr")
    assert "Pas de période antérieure" in str(cards)


def test_headlines_follow_filters(small):
    h = overview.headlines(Filters.from_query("region=AFR")[0])
    assert (h["activities"], h["countries"]) == (4, 2)  # A1, A2, A3, A8; KEN, TZA


def _card_texts(cards) -> str:
    """Every text of the cards, in order (a plain walk of the component tree)."""
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str | int | float):
            out.append(str(node))
        elif isinstance(node, list | tuple):
            for n in node:
                walk(n)
        elif node is not None:
            walk(getattr(node, "children", None))

    walk(cards)
    return " | ".join(out)


def test_cards_state_the_total_period_and_both_compared_periods(small, monkeypatch):
    monkeypatch.setenv("DASHBOARD_TODAY", "2026-06-30")
    h = overview.headlines(Filters(years=(2022, 2023)))
    text = _card_texts(headline_cards(h, "en"))
    # The total covers the years chosen, and says so; the change names both periods' values.
    assert "2022–2023" in text
    assert "2022–2023: 3 vs 2 in 2020–2021" in text
    assert "2022–2023: US$10.5K vs US$7K in 2020–2021" in text
    fr = _card_texts(headline_cards(overview.headlines(Filters(), "fr"), "fr"))
    assert "Toutes les années (2018–2024)" in fr


def test_an_incomplete_year_is_not_compared(small, monkeypatch):
    monkeypatch.setenv("DASHBOARD_TODAY", "2023-05-01")
    # 2022–2024 reaches into 2023 (not over): compared up to 2022, and said.
    f = Filters(years=(2022, 2024))
    assert overview.comparison_periods(f) == ((2022, 2022), (2021, 2021))
    h = overview.headlines(f)
    assert "Years after 2022 are not over" in h["period_note"]
    assert (h["activities_now"], h["activities_before"]) == (2, 1)  # A5, A6; A4
    # Only incomplete years chosen: nothing compared.
    h = overview.headlines(Filters(years=(2023, 2024)))
    assert h["activities_before"] is None
    assert "not over" in h["period_note"]
    # No year filter: the last complete year against the one before.
    assert overview.comparison_periods(Filters()) == ((2022, 2022), (2021, 2021))
