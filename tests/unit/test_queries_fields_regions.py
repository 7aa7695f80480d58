"""Queries of the Fields, Functional areas and Regions pages, on the hand-checked `small`
warehouse (totals in tests/fixtures/small/README.md)."""

from __future__ import annotations

import pytest

from dashboards import db
from dashboards.charts import charts_for
from dashboards.filters import Filters
from dashboards.queries import fields, functional_areas, regions

ALL = Filters()


def f(query: str) -> Filters:
    filters, notices = Filters.from_query(query)
    assert not notices
    return filters


def as_dict(frame, key="code", value="activities") -> dict:
    return {
        k: (int(v) if value != "budget_usd" else float(v))
        for k, v in zip(frame[key], frame[value], strict=True)
    }


# --- Fields --------------------------------------------------------------------------------


def test_partners_by_field_counts_distinct_partners_of_the_fields_activities(small):
    frame = fields.partners_by_field(ALL)
    # ED: A1 (P1), A3 (P2), A6 (P4); CLT: A5 (P4), A7 (P3, P1); SC: A2 (P1, P2); SHS: A8 (P2);
    # CI: A4 (P3).
    assert as_dict(frame, value="partners") == {"ED": 3, "CLT": 3, "SC": 2, "SHS": 1, "CI": 1}
    assert as_dict(frame) == {"ED": 3, "CLT": 2, "SC": 1, "SHS": 1, "CI": 1}
    assert list(frame["code"][:2]) == ["ED", "CLT"]  # most partners first


def test_partners_by_field_with_filters(small):
    # Africa: A1 (ED, P1), A2 (SC, P1 P2), A3 (ED, P2), A8 (SHS, P2); other fields are zero.
    frame = fields.partners_by_field(f("region=AFR"))
    assert as_dict(frame, value="partners") == {"ED": 2, "SC": 2, "SHS": 1, "CLT": 0, "CI": 0}
    # The partner status filter also restricts the partners counted: only P2 and P4 are
    # consultative (A7's P1 is associate, so CLT keeps P4 only).
    frame = fields.partners_by_field(f("status=consultative"))
    assert as_dict(frame, value="partners") == {"ED": 2, "SC": 1, "SHS": 1, "CLT": 1, "CI": 0}


# --- Functional areas ----------------------------------------------------------------------


def test_partners_by_area(small):
    frame = functional_areas.partners_by_area(ALL)
    assert as_dict(frame, value="partners") == {
        "capacity_building": 2,  # A1 P1; A3, A8 P2
        "advocacy": 2,  # A1 P1; A5 P4
        "technical_support": 2,  # A2 P1, P2
        "consultation": 2,  # A7 P3, P1
        "awareness_raising": 2,  # A7
        "standard_setting": 1,  # A4 P3
        "research": 1,  # A6 P4
    }
    assert as_dict(frame)["capacity_building"] == 3


def test_area_region_matrix(small):
    frame = functional_areas.area_region_matrix(ALL)
    cells = {
        (a, r): int(n)
        for a, r, n in frame[["area", "region", "activities"]].itertuples(index=False)
    }
    assert cells == {
        ("capacity_building", "AFR"): 3,  # A1, A3, A8
        ("advocacy", "AFR"): 1,  # A1
        ("advocacy", "LAC"): 1,  # A5
        ("advocacy", "ENA"): 1,  # A5
        ("technical_support", "AFR"): 1,  # A2
        ("research", "LAC"): 1,  # A6
        ("consultation", "ENA"): 1,  # A7
        ("awareness_raising", "ENA"): 1,  # A7
    }  # A4 (standard setting) is global: no region, no cell
    # The filter selects activities (A1, A5); they keep all their areas in the matrix.
    frame = functional_areas.area_region_matrix(f("area=advocacy"))
    cells = {
        (a, r): int(n)
        for a, r, n in frame[["area", "region", "activities"]].itertuples(index=False)
    }
    assert cells == {
        ("capacity_building", "AFR"): 1,
        ("advocacy", "AFR"): 1,
        ("advocacy", "LAC"): 1,
        ("advocacy", "ENA"): 1,
    }


def test_areas_by_year_fills_missing_years_with_zero(small):
    frame = functional_areas.by_year(ALL)
    assert frame["year"].min() == 2018 and frame["year"].max() == 2024
    assert len(frame) == 7 * 7  # every (year, area) pair between the first and last year
    cb = frame[frame["code"] == "capacity_building"].set_index("year")["activities"]
    assert cb.to_dict() == {2018: 1, 2019: 0, 2020: 1, 2021: 0, 2022: 0, 2023: 0, 2024: 1}
    budget = frame[frame["code"] == "capacity_building"].set_index("year")["budget_usd"]
    assert budget[2020] == 3000  # A3's whole budget


# --- Regions -------------------------------------------------------------------------------


def test_by_country_splits_budgets_between_countries(small):
    frame = regions.by_country(ALL)
    assert as_dict(frame) == {"KEN": 3, "BRA": 2, "FRA": 2, "TZA": 1}
    budget = as_dict(frame, value="budget_usd")
    assert budget["KEN"] == 2000  # A1 1,000 + half of A2's 2,000 + A8 0
    assert budget["TZA"] == 1000  # the other half of A2
    assert budget["FRA"] == 10000  # A7 (A5 has no budget)
    assert dict(zip(frame["code"], frame["region_code"], strict=True))["BRA"] == "LAC"


def test_by_country_with_a_region_filter(small):
    frame = regions.by_country(f("region=ENA"))  # A5 (BRA, FRA) and A7 (FRA)
    assert as_dict(frame) == {"FRA": 2, "BRA": 1}


def test_beyond_countries_regional_and_global(small):
    frame = regions.beyond_countries(ALL)
    assert as_dict(frame) == {"AFR": 1, "ARB": 0, "APA": 0, "ENA": 0, "LAC": 0, "GLOBAL": 1}
    assert as_dict(frame, value="budget_usd")["AFR"] == 3000  # A3
    assert as_dict(frame, value="budget_usd")["GLOBAL"] == 4000  # A4
    filtered = regions.beyond_countries(f("region=AFR"))
    assert as_dict(filtered)["GLOBAL"] == 0 and as_dict(filtered)["AFR"] == 1
    assert as_dict(regions.beyond_countries(f("field=ED")))["AFR"] == 1
    assert as_dict(regions.beyond_countries(f("field=CI")))["AFR"] == 0


def test_by_region_year_counts_and_totals(small):
    frame = regions.by_region_year(ALL)
    totals = frame.groupby("code")["activities"].sum().to_dict()
    assert totals == {"AFR": 4, "LAC": 2, "ENA": 2, "GLOBAL": 1}
    afr = frame[frame["code"] == "AFR"].set_index("year")["activities"].to_dict()
    assert afr == {2018: 1, 2019: 1, 2020: 1, 2021: 0, 2022: 0, 2023: 0, 2024: 1}
    filtered = regions.by_region_year(f("region=AFR")).groupby("code")["activities"].sum()
    assert filtered.to_dict() == {"AFR": 4}


def test_budget_shares_sum_to_the_total_budget(small):
    total = db.scalar("SELECT sum(budget_usd) FROM activity_facts")
    assert total == 20500
    # Regions (through countries or as regional activities) plus global activities.
    assert regions.by_region_year(ALL)["budget_usd"].sum() == pytest.approx(total)
    # Countries, plus the activities with no single country.
    beyond = regions.beyond_countries(ALL)["budget_usd"].sum()
    assert regions.by_country(ALL)["budget_usd"].sum() + beyond == pytest.approx(total)


def test_budget_shares_sum_to_the_filtered_total(small):
    filters = f("field=ED,SC")  # A1 1,000 + A2 2,000 + A3 3,000 + A6 500
    assert regions.by_region_year(filters)["budget_usd"].sum() == pytest.approx(6500)
    countries = regions.by_country(filters)["budget_usd"].sum()
    assert countries + regions.beyond_countries(filters)["budget_usd"].sum() == pytest.approx(6500)


# --- The registered charts run end to end ---------------------------------------------------


@pytest.mark.parametrize("page", ["fields", "functional_areas", "regions"])
@pytest.mark.parametrize("query", ["", "region=AFR", "years=2030-2031"])
def test_every_chart_of_the_pages_builds(small, page, query):
    charts = charts_for(page)
    assert len(charts) >= 4
    for chart in charts:
        frame = chart.frame(f(query))
        assert len(frame) <= 250
        figure = chart.figure_json(f(query), "fr")
        assert figure["data"] or figure["layout"]["meta"]["empty"]
        assert chart.table is None or chart.table(frame, "fr") is not None
        for name, _ in chart.variants:
            assert chart.figure_json(f(query), "en", name)
