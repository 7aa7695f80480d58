"""Tests for the demo data generator (etl/demo.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.demo import DELIBERATE_BAD_ROWS, write_demo
from etl.reference import get_reference

N = 3000
FILES = ("partners", "activities", "participation", "status_events", "reports")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _bad_keys(file: str) -> set[str]:
    return {b["key"] for b in DELIBERATE_BAD_ROWS if b["file"] == file}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    return write_demo(tmp_path_factory.mktemp("demo42"), seed=42, n_activities=N)


@pytest.fixture(scope="module")
def frames(demo) -> dict[str, pd.DataFrame]:
    return {name: _read(demo[name]) for name in FILES}


@pytest.fixture(scope="module")
def good(frames) -> dict[str, pd.DataFrame]:
    """The rows that are not deliberately bad (they are appended at the end of each file)."""
    n_bad = {f: sum(b["file"] == f"{f}.csv" for b in DELIBERATE_BAD_ROWS) for f in FILES}
    return {f: df.iloc[: len(df) - n_bad[f]] for f, df in frames.items()}


@pytest.fixture(scope="module")
def hq_region(good) -> dict[str, str | None]:
    ref = get_reference()
    p = good["partners"]
    return {
        pid: ref.region_of(ref.normalise("country", c) or "")
        for pid, c in zip(p.partner_id, p.hq_country, strict=True)
    }


def test_returns_the_five_paths(demo):
    assert set(demo) == set(FILES)
    for name, path in demo.items():
        assert path.name == f"{name}.csv" and path.stat().st_size > 0


def test_same_seed_same_bytes_other_seed_differs(demo, tmp_path):
    again = write_demo(tmp_path / "again", seed=42, n_activities=N)
    other = write_demo(tmp_path / "other", seed=7, n_activities=N)
    for name in FILES:
        assert again[name].read_bytes() == demo[name].read_bytes(), name
        assert other[name].read_bytes() != demo[name].read_bytes(), name


def test_partners_do_not_depend_on_activity_count(demo, tmp_path):
    small = write_demo(tmp_path, seed=42, n_activities=50)
    assert small["partners"].read_bytes() == demo["partners"].read_bytes()
    assert small["participation"].read_bytes() == demo["participation"].read_bytes()
    assert len(_read(small["activities"])) == 50 + len(_bad_keys("activities.csv"))


def test_columns_are_the_input_contract(frames):
    assert list(frames["partners"].columns) == [
        "partner_id", "name", "acronym", "partner_type", "status", "status_since",
        "previous_status", "hq_city", "hq_country", "relations_since", "fields", "scope",
        "website",
    ]  # fmt: skip
    assert list(frames["activities"].columns) == [
        "activity_id", "partner_ids", "title", "modality", "field", "functional_areas",
        "countries", "start_date", "end_date", "status", "budget_usd", "description",
    ]  # fmt: skip
    assert list(frames["participation"].columns) == [
        "partner_id", "mechanism", "event", "event_date", "role",
    ]  # fmt: skip


def test_row_counts_and_unique_ids(frames, good):
    p, a = frames["partners"], frames["activities"]
    assert len(good["partners"]) == 444
    assert (good["partners"].partner_type == "NGO").sum() == 420
    assert (good["partners"].partner_type == "foundation").sum() == 24
    assert len(a) == N + len(_bad_keys("activities.csv"))
    assert a.activity_id.is_unique
    dupes = p.partner_id[p.partner_id.duplicated()].tolist()
    assert dupes == ["NGO-0007"]
    assert good["partners"].partner_id.is_unique
    assert 1000 < len(frames["participation"]) < 3000


def test_deliberate_bad_rows_are_at_the_end(frames):
    assert 5 <= sum(b["severity"] == "error" for b in DELIBERATE_BAD_ROWS) <= 10
    for bad in DELIBERATE_BAD_ROWS:
        df = frames[bad["file"].removesuffix(".csv")]
        key = df.columns[0]
        tail = df.iloc[-sum(b["file"] == bad["file"] for b in DELIBERATE_BAD_ROWS) :]
        assert bad["key"] in set(tail[key]), bad
    a = frames["activities"].set_index("activity_id")
    assert a.loc["ACT-9900001", "partner_ids"] == "NGO-9999"
    assert a.loc["ACT-9900002", "countries"] == "Atlantis"
    assert a.loc["ACT-9900003", "start_date"] == "2019-13-45"
    assert float(a.loc["ACT-9900004", "budget_usd"]) < 0
    assert a.loc["ACT-9900005", "end_date"] < a.loc["ACT-9900005", "start_date"]
    assert float(a.loc["ACT-9900006", "budget_usd"]) == 60_000_000
    p = frames["partners"]
    assert p.loc[p.partner_id == "NGO-0998", "name"].tolist() == [""]
    assert "NGO-8888" in set(frames["participation"].partner_id)
    assert "NGO-8888" not in set(p.partner_id)


def test_partner_values_normalise(good):
    ref = get_reference()
    p = good["partners"]
    for vocabulary, column in [
        ("partner_type", "partner_type"),
        ("partner_status", "status"),
        ("scope", "scope"),
        ("country", "hq_country"),
    ]:
        unknown = {v for v in p[column] if ref.normalise(vocabulary, v) is None}
        assert not unknown, (column, unknown)
    fields = {f for v in p.fields for f in v.split(";")}
    assert {ref.normalise("field", f) for f in fields} == {"ED", "SC", "SHS", "CLT", "CI"}
    assert all(ref.normalise("partner_status", v) for v in p.previous_status if v)
    assert p.name.is_unique and (p.name != "").all()


def test_partner_distributions(good, hq_region):
    p = good["partners"]
    regions = pd.Series(hq_region)
    assert regions.notna().all()
    assert 0.50 <= (regions == "ENA").mean() <= 0.70
    assert set(regions) == {"AFR", "ARB", "APA", "ENA", "LAC"}
    ngo = p[p.partner_type == "NGO"]
    assert 0.55 <= (ngo.status == "consultative").mean() <= 0.75
    assert (p[p.partner_type == "foundation"].status == "official relations").all()
    assoc = ngo[ngo.status == "associate"]
    assert 0.2 <= (assoc.previous_status == "consultative").mean() <= 0.45
    assert (ngo.loc[ngo.status == "consultative", "previous_status"] == "").all()
    years = p.relations_since.astype(int)
    assert years.between(1947, 2024).all() and (years < 1980).mean() > 0.25
    since = pd.to_datetime(p.status_since, format="%Y-%m-%d")
    assert (since.dt.year >= years).all() and (since.dt.year <= 2025).all()
    # Hq spellings are a mix: ISO3 codes, French names and UN long forms all occur.
    hq = set(p.hq_country)
    assert any(len(c) == 3 and c.isupper() for c in hq)
    assert hq & {"Royaume-Uni", "Suisse", "Belgique", "Allemagne", "États-Unis", "Italie"}
    assert hq & {"United Kingdom of Great Britain and Northern Ireland", "Türkiye"}
    assert (p.website == "").mean() < 0.15
    assert (p.scope == "international").mean() > 0.5


def test_activity_values_normalise(good):
    ref = get_reference()
    a = good["activities"]
    for vocabulary, column in [
        ("modality", "modality"),
        ("field", "field"),
        ("activity_status", "status"),
    ]:
        unknown = {v for v in a[column] if ref.normalise(vocabulary, v) is None}
        assert not unknown, (column, unknown)
    areas = {x for v in a.functional_areas for x in v.split(";")}
    assert {ref.normalise("area", x) for x in areas} == set(ref.codes("area"))
    places = {x for v in a.countries for x in v.split(";")}
    bad = {
        x
        for x in places
        if x != "global"
        and ref.normalise("region", x) is None
        and ref.region_of(ref.normalise("country", x) or "") is None
    }
    assert not bad
    partners = set(good["partners"].partner_id)
    cited = {x for v in a.partner_ids for x in v.split(";")}
    assert cited <= partners


def test_activity_distributions(good):
    a = good["activities"]
    n_partners = a.partner_ids.str.count(";") + 1
    assert 0.70 <= (n_partners == 1).mean() <= 0.80 and n_partners.max() == 4
    assert 0.80 <= (a.modality == "bilateral").mean() <= 0.90
    fields = a.field.value_counts(normalize=True)
    assert fields.index[0] == "ED" and 0.25 <= fields["ED"] <= 0.45
    geo = a.countries
    assert 0.05 <= (geo == "global").mean() <= 0.11
    regional = geo.isin(["AFR", "ARB", "APA", "ENA", "LAC"])
    assert 0.08 <= regional.mean() <= 0.16
    multi = geo.str.contains(";")
    assert 0.15 <= multi.mean() <= 0.25 and (geo[multi].str.count(";") <= 5).all()
    ref = get_reference()
    country_regions = pd.Series(
        [ref.region_of(c) for v in geo[~regional & (geo != "global")] for c in v.split(";")]
    ).value_counts()
    assert country_regions.index[0] == "AFR"
    # Lead partners are skewed (Zipf-like) but no single partner dominates.
    leads = a.partner_ids.str.split(";").str[0].value_counts(normalize=True)
    assert 0.01 < leads.iloc[0] < 0.10 and leads.iloc[:44].sum() > 0.3


def test_activity_dates_status_and_budget(good):
    a = good["activities"]
    start = pd.to_datetime(a.start_date, format="%Y-%m-%d")
    end = pd.to_datetime(a.end_date, format="%Y-%m-%d")
    assert start.min() >= pd.Timestamp("2012-01-01")
    assert ((end - start).dt.days >= 28).all() and ((end - start).dt.days <= 36 * 31).all()
    per_year = start[start < pd.Timestamp("2026-01-01")].dt.year.value_counts()
    assert per_year[2025] > 1.5 * per_year[2012]
    assert per_year[2020] < per_year[2019] and per_year[2020] < per_year[2021]
    as_of = pd.Timestamp("2026-11-01")
    live = a.status != "cancelled"
    expected = pd.Series("ongoing", index=a.index)
    expected[end < as_of] = "completed"
    expected[start > as_of] = "planned"
    assert (a.status[live] == expected[live]).all()
    assert 0.01 <= (a.status == "cancelled").mean() <= 0.05
    assert (a.status == "planned").any() and (a.status == "ongoing").any()
    budget = pd.to_numeric(a.budget_usd.replace("", None))
    assert 0.06 <= budget.isna().mean() <= 0.14
    assert 15_000 <= budget.median() <= 40_000 and (budget.dropna() > 0).all()
    assert budget.max() > 1_000_000
    decimals = a.budget_usd.str.split(".").str[1].dropna()
    assert len(decimals) and (decimals.str.len() == 2).all()
    assert (a.title.str.len() > 20).all()


def test_conferences_and_liaison_committee(good, hq_region):
    e = good["participation"]
    p = good["partners"].set_index("partner_id")
    ref = get_reference()
    # The demo writes the four collective mechanisms (the reference also knows the General
    # Conference, the Executive Board and 'other', which real sources name).
    demo_mechanisms = {ref.normalise("mechanism", m) for m in e.mechanism}
    assert demo_mechanisms == {"conference", "liaison_committee", "committee_ngp", "forum"}
    assert all(ref.normalise("role", r) for r in e.role)
    conf = e[e.mechanism == "International Conference of NGOs"]
    assert sorted(conf.event.unique()) == ["2012", "2014", "2016", "2018", "2020", "2022", "2024"]
    for year, rows in conf.groupby("event"):
        assert 70 <= len(rows) <= 130, year
        assert rows.partner_id.is_unique
        assert (p.loc[rows.partner_id, "relations_since"].astype(int) <= int(year)).all()
        assert (rows.role == "chair").sum() == 1
    lc = e[e.mechanism == "Liaison Committee"]
    assert lc.event.nunique() == 7
    for term, rows in lc.groupby("event"):
        assert len(rows) == 10 and rows.partner_id.is_unique, term
        # Status on the election date: an associate whose status is later than the election
        # was still consultative then (previous_status).
        date = rows.event_date.iloc[0]
        members = p.loc[rows.partner_id]
        associate_then = (members.status == "associate") & (members.status_since <= date)
        assert associate_then.sum() == 4, term
        assert (
            (~associate_then)
            & ((members.status == "consultative") | (members.previous_status == "consultative"))
        ).sum() == 6, term
        assert {hq_region[x] for x in rows.partner_id} == {"AFR", "ARB", "APA", "ENA", "LAC"}
        assert sorted(rows.role.value_counts().to_dict().items()) == [
            ("chair", 1),
            ("elected member", 9),
        ]
        # The Committee is chaired by the Conference's chair, on the conference date.
        year = term.split("-")[0]
        chair = rows.loc[rows.role == "chair", "partner_id"].item()
        conf_chair = conf[(conf.event == year) & (conf.role == "chair")].partner_id.item()
        assert chair == conf_chair
        assert set(rows.event_date) == set(conf[conf.event == year].event_date)


def test_executive_board_committee_and_forums(good):
    e = good["participation"]
    ngp = e[e.mechanism == "Committee on Non-Governmental Partners"]
    sessions = ngp.groupby("event").size()
    assert len(sessions) == 26 and sessions.between(10, 40).all()
    assert sorted(sessions.index, key=lambda s: int(s.split()[1]))[0] == "EB 189"
    assert ngp.loc[ngp.event == "EB 189", "event_date"].iloc[0].startswith("2012-03")
    assert set(ngp.role) <= {"participant", "observer", "speaker"}
    q = e[e.event == "NGO Forum Querétaro 2016"]
    assert 30 <= len(q) <= 60 and set(q.event_date) == {"2016-11-03"}
    assert set(q.mechanism) == {"forum"}


def test_100k_activities_are_written(tmp_path):
    # How fast is measured by `python -m bench` (ETL section), not by a timed test.
    paths = write_demo(tmp_path, seed=1, n_activities=100_000)
    with open(paths["activities"], encoding="utf-8") as f:
        lines = sum(1 for _ in f)
    assert lines == 1 + 100_000 + len(_bad_keys("activities.csv"))
