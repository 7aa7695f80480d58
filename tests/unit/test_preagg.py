"""Summary tables (issue 14): every chart's frame read from the summaries is the frame read
from the facts, over a grid of filter combinations, on the small hand-checked fixture, the
IATI fixture (budgets over their periods), the display fixture and the demo data."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboards import cache, vocab
from dashboards.charts import charts_for
from dashboards.filters import Filters
from dashboards.queries import activities, overview, summary

PAGES = ("overview", "fields", "functional_areas", "regions")
ROOT = Path(__file__).resolve().parents[2]
DIMS = ("fields", "areas", "regions", "statuses", "types", "modalities", "activity_statuses")


@pytest.fixture(scope="module")
def iati_warehouse(tmp_path_factory) -> Path:
    """A warehouse of tests/fixtures/iati/load (IATI activities with budget periods)."""
    from etl.load import load_directory

    db = tmp_path_factory.mktemp("iati-preagg") / "w.duckdb"
    load_directory(ROOT / "tests" / "fixtures" / "iati" / "load", db)
    return db


def _grid(seed: int, n_random: int) -> list[Filters]:
    """No filter, each dimension alone (one and two codes), years alone and with each
    dimension, flagged excluded, a country, and random 2–3-dimension combinations."""
    codes = {d: vocab.codes(_vocab(d)) for d in DIMS}
    lo, hi = activities.year_range()
    years = (lo, min(hi, lo + 3))
    grid = [Filters(), Filters(years=years), Filters(without_flagged=True)]
    for d in DIMS:
        if codes[d]:
            grid.append(Filters(**{d: tuple(codes[d][:1])}))
            grid.append(Filters(**{d: tuple(codes[d][-2:])}))
            grid.append(Filters(years=years, **{d: tuple(codes[d][:1])}))
    countries = vocab.codes("country")
    grid.append(Filters(countries=tuple(countries[:3])))
    rng = random.Random(seed)
    for _ in range(n_random):
        chosen = rng.sample(DIMS, rng.choice([2, 3]))
        kwargs: dict = {d: tuple(rng.sample(codes[d], min(2, len(codes[d])))) for d in chosen}
        if rng.random() < 0.3:
            kwargs["years"] = (lo, lo + rng.randint(0, max(0, hi - lo)))
        grid.append(Filters(**kwargs))
    return [Filters.from_query(f.to_query())[0] for f in grid]


def _vocab(dim: str) -> str:
    from dashboards import dimensions

    return dimensions.get(dim).vocabulary


def _frames(filters: Filters) -> dict[str, pd.DataFrame]:
    """Every chart query of the pages, and the headline totals, for the filters."""
    out: dict[str, pd.DataFrame] = {}
    for page in PAGES:
        for chart in charts_for(page):
            out[chart.key] = chart.query(filters)
    t = activities.totals(filters)
    out["totals.partners"] = t.pop("partners")
    out["totals"] = pd.DataFrame([t])
    now, before = overview.comparison_periods(filters)
    out["periods"] = pd.DataFrame(activities.period_totals(filters, {"now": now, "b": before}))
    out["flagged"] = pd.DataFrame([activities.flagged_budgets(filters)])
    return out


def _same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    """Same columns, dtypes, row order and values; sums of money to 1e-9 (floating additions
    in another order: DuckDB's parallel sums already vary in the last bits between runs)."""
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True),
        b.reset_index(drop=True),
        check_exact=False,
        rtol=1e-9,
        obj=what,
    )
    for column in a.columns:  # counts exactly
        if pd.api.types.is_integer_dtype(a[column]):
            assert a[column].tolist() == b[column].tolist(), (what, column)


def _compare(seed: int, n_random: int) -> int:
    """Compare both paths over the grid; the number of (filters, frame) pairs that read a
    summary (so the test cannot pass by never using one)."""
    used = 0
    for f in _grid(seed, n_random):
        with summary.base_only():
            cache.RESULTS.clear()
            base = _frames(f)
        cache.RESULTS.clear()
        fast = _frames(f)
        assert base.keys() == fast.keys()
        for key in base:
            _same(base[key], fast[key], f"{key} {f.cache_key()}")
        used += summary.pick("activity_facts", f) is not None
    return used


@pytest.mark.parametrize("name", ["small", "display", "iati"])
def test_summary_path_equals_facts_path_on_fixtures(
    name, small_warehouse, display_warehouse, iati_warehouse, use_warehouse
):
    use_warehouse(
        {"small": small_warehouse, "display": display_warehouse, "iati": iati_warehouse}[name]
    )
    assert _compare(seed=1, n_random=12) >= 10


def test_summary_path_equals_facts_path_on_demo(demo_warehouse, use_warehouse):
    use_warehouse(demo_warehouse)
    assert _compare(seed=2, n_random=14) >= 12


def test_summary_counts_add_up_to_the_facts(demo_warehouse):
    """Each summary holds every activity once (region_summary: once per region reached)."""
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        n = con.execute("SELECT count(*), sum(budget_usd) FROM activity_facts").fetchone()
        for s in summary.SUMMARIES:
            if s.source != "activity_facts":
                continue
            got = con.execute(f"SELECT sum(activities), sum(budget_usd) FROM {s.table}").fetchone()  # noqa: S608
            assert got[0] == n[0] and got[1] == pytest.approx(n[1], rel=1e-12), s.table
            rows = con.execute(f"SELECT count(*) FROM {s.table}").fetchone()[0]  # noqa: S608
            assert rows < n[0], s.table  # a summary, not a copy
        pairs = con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT activity_id, region_code FROM region_facts)"
        ).fetchone()[0]
        assert con.execute("SELECT sum(activities) FROM region_summary").fetchone()[0] == pairs
        for table, key, facts in (
            ("country_summary", "iso3", "country_facts"),
            ("partner_summary", "partner_id", "partner_facts"),
        ):
            sql = f"SELECT count(DISTINCT {key}), count(*) FROM {{}}"  # noqa: S608 - fixed names
            distinct, rows = con.execute(sql.format(table)).fetchone()
            assert distinct == con.execute(sql.format(facts)).fetchone()[0] and distinct > 0
            assert rows < con.execute(sql.format(facts)).fetchone()[1], table
    finally:
        con.close()


def test_pick_chooses_the_smallest_summary_that_can_answer(demo_warehouse, use_warehouse):
    use_warehouse(demo_warehouse)
    pick = summary.pick
    assert pick("activity_facts", Filters()) == "activity_summary_small"
    assert pick("activity_facts", Filters(modalities=("bilateral",))) == "activity_summary_small"
    assert pick("activity_facts", Filters(), ("area_mask",)) == "activity_summary"
    area = Filters.from_query("?area=advocacy")[0]
    assert pick("activity_facts", area) == "activity_summary"
    status = Filters(statuses=tuple(vocab.codes("partner_status")[:1]))
    assert pick("activity_facts", status) == "activity_summary_partners"
    assert pick("region_facts", Filters(), ("year",)) == "region_summary"
    assert pick("region_facts", status) is None  # no partner masks in region_summary
    assert summary.distinct_source("partner_facts", Filters()) == "partner_summary"
    assert summary.distinct_source("partner_facts", area) == "partner_facts"
    assert summary.distinct_source("country_facts", Filters(), ("year",)) == "country_summary"
    kenya = Filters(countries=("KEN",))
    assert pick("activity_facts", kenya) is None  # countries: the facts only
    assert pick("activity_facts", replace(kenya, countries=())) == "activity_summary_small"
    with summary.base_only():
        assert pick("activity_facts", Filters()) is None


def test_preagg_off_in_the_environment_reads_the_facts(demo_warehouse, use_warehouse, monkeypatch):
    use_warehouse(demo_warehouse)
    monkeypatch.setenv("PREAGG", "off")
    assert summary.pick("activity_facts", Filters()) is None
    monkeypatch.setenv("PREAGG", "on")
    assert summary.pick("activity_facts", Filters()) == "activity_summary_small"


def test_a_warehouse_without_summaries_reads_the_facts(small_warehouse, tmp_path, use_warehouse):
    """A file built before the summaries existed still answers (from the facts)."""
    import shutil

    db = tmp_path / "old.duckdb"
    shutil.copy(small_warehouse, db)
    con = duckdb.connect(str(db))
    for s in summary.SUMMARIES:
        con.execute(f"DROP TABLE {s.table}")
    con.close()
    use_warehouse(db)
    assert summary.pick("activity_facts", Filters()) is None
    assert activities.totals(Filters())["activities"] == 8  # the small fixture's README


def test_summaries_are_served_publicly_without_money(small_warehouse, monkeypatch, use_warehouse):
    """Public mode: the summaries exist as views (money NULL) and the path still answers."""
    from dashboards import db as dbmod

    use_warehouse(small_warehouse)
    wh = dbmod.Warehouse(small_warehouse, public=True)
    with dbmod.pinned(wh):
        cache.RESULTS.clear()
        assert summary.pick("activity_facts", Filters()) == "activity_summary_small"
        totals = activities.totals(Filters())
        assert totals["activities"] == 8 and "budget_usd" not in totals
        frame = activities.by_masked(Filters(), "area")
        assert frame["activities"].sum() == 10 and "budget_usd" not in frame.columns
    cache.RESULTS.clear()


def test_grid_covers_summaries_and_facts(small_warehouse, use_warehouse):
    """The grid holds combinations of both kinds (the comparison is not one-sided)."""
    use_warehouse(small_warehouse)
    kinds = {summary.pick("activity_facts", f) for f in _grid(3, 10)}
    assert None in kinds and len(kinds - {None}) >= 2
