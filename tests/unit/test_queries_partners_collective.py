"""Queries of the Partners, partner profile, Collective cooperation and Data pages.

Numbers are checked by hand against tests/fixtures/small/README.md: P1 has A1, A2, A7; P2 has
A2, A3, A8; P3 has A4, A7; P4 has A5, A6. Participation: 2022 conference P1 speaker, P2
participant; Liaison Committee 2022-2024 P1; EB 215 P4.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dashboards.filters import Filters
from dashboards.queries import collective, data, partners

# The vocabularies (codes, names, order, bits) are those of the warehouse served.
pytestmark = pytest.mark.usefixtures("small")


def f(query: str = "") -> Filters:
    filters, notices = Filters.from_query(query)
    assert not notices, notices
    return filters


def counts(frame) -> dict[str, int]:
    return dict(zip(frame["partner_id"], frame["activities"].astype(int), strict=True))


# -- directory ---------------------------------------------------------------------------------


def test_directory_lists_every_partner_with_its_activities(small):
    frame = partners.directory(f())
    assert list(frame["partner_id"]) == ["P1", "P2", "P4", "P3"]  # most activities, then name
    assert counts(frame) == {"P1": 3, "P2": 3, "P3": 2, "P4": 2}
    p1 = frame.set_index("partner_id").loc["P1"]
    assert p1["name"] == "Alpha Education International"
    assert p1["status_name"] == "Associate"
    assert p1["type_name"] == "NGO"
    assert (p1["hq_city"], p1["hq_country"], p1["hq_region"]) == (
        "Paris",
        "France",
        "Europe and North America",
    )
    assert p1["fields"] == "Education; Culture"
    assert p1["relations_since"] == 2008


def test_directory_names_in_french(small):
    frame = partners.directory(f(), "fr").set_index("partner_id")
    assert frame.loc["P4", "hq_country"] == "Brésil"
    assert frame.loc["P1", "status_name"] == "Associé"
    assert frame.loc["P2", "hq_region"] == "Afrique"
    assert frame.loc["P1", "fields"] == "Éducation; Culture"


def test_directory_counts_follow_activity_filters(small):
    # 2022-2024: P1 A7; P2 A8; P3 A7 (A4 starts 2021); P4 A5, A6.
    assert counts(partners.directory(f("years=2022-2024"))) == {"P1": 1, "P2": 1, "P3": 1, "P4": 2}
    # Education: A1 (P1), A3 (P2), A6 (P4); P3 has none and is hidden...
    assert counts(partners.directory(f("field=ED"))) == {"P1": 1, "P2": 1, "P4": 1}
    # ... unless asked for.
    assert counts(partners.directory(f("field=ED"), include_inactive=True)) == {
        "P1": 1,
        "P2": 1,
        "P3": 0,
        "P4": 1,
    }
    # Region of the activity: AFR = A1, A2, A3, A8.
    assert counts(partners.directory(f("region=AFR"))) == {"P1": 2, "P2": 3}


def test_partner_filters_restrict_rows_not_counts(small):
    # Consultative partners are listed with all their activities (A2 also involves P1).
    assert counts(partners.directory(f("status=consultative"))) == {"P2": 3, "P4": 2}
    assert counts(partners.directory(f("type=foundation"))) == {"P3": 2}
    assert counts(partners.directory(f("status=associate&years=2019"))) == {"P1": 1}


def test_activity_filter_detection():
    assert not partners.has_activity_filter(f("status=associate&type=ngo"))
    assert partners.has_activity_filter(f("years=2020"))
    assert partners.has_activity_filter(f("status=associate&field=ED"))


def test_profile_href_keeps_filters_and_language():
    href = partners.profile_href("P 1/x", f("years=2020-2022&field=ED"), "fr")
    assert href == "/partners/P%201%2Fx?years=2020-2022&field=ED&lang=fr"
    assert partners.profile_href("P1", f()) == "/partners/P1"


# -- profile -----------------------------------------------------------------------------------


def test_profile_of_p1(small):
    p = partners.profile("P1")
    assert p["name"] == "Alpha Education International"
    assert p["acronym"] == "AEI"
    assert (p["partner_type"], p["status"]) == ("ngo", "associate")
    assert p["status_since"] == dt.date(2016, 6, 1)
    assert (p["hq_city"], p["hq_country"], p["hq_region"]) == (
        "Paris",
        "France",
        "Europe and North America",
    )
    assert p["relations_since"] == 2008
    assert p["website"] == "https://alpha.example.org"
    assert p["fields"] == ["Education", "Culture"]
    assert partners.profile("P3")["website"] is None
    assert partners.profile("P1", "fr")["fields"] == ["Éducation", "Culture"]


@pytest.mark.parametrize("unknown", ["NOPE", "", "p1", "P1' OR '1'='1"])
def test_unknown_partner_is_none(small, unknown):
    assert partners.profile(unknown) is None
    assert partners.activities(unknown, f()).empty
    assert partners.status_history(unknown).empty
    assert partners.participation(unknown).empty


def test_status_history_of_p1(small):
    h = partners.status_history("P1")
    assert list(h["status"]) == ["consultative", "associate"]
    assert h["valid_to"].iloc[0].date() == dt.date(2016, 6, 1)
    assert h["valid_to"].isna().iloc[1]


def test_profile_activities_of_p1(small):
    acts = partners.activities("P1", f())
    assert list(acts["activity_id"]) == ["A7", "A2", "A1"]  # newest first
    a2 = acts.set_index("activity_id").loc["A2"]
    assert a2["places"] == "Kenya; Tanzania"
    assert a2["field"] == "Natural Sciences"
    assert a2["areas"] == "Technical support"
    assert (a2["year"], a2["end_year"]) == (2019, 2020)
    assert a2["budget_usd"] == 2000
    assert acts["budget_usd"].sum() == 13000
    assert list(partners.activities("P1", f("years=2019-2020"))["activity_id"]) == ["A2"]
    assert list(partners.activities("P1", f("field=CLT"))["activity_id"]) == ["A7"]
    # P3's A4 is global (no country), P2's A3 regional (named by its region).
    assert partners.activities("P3", f("field=CI")).iloc[0]["geo_scope"] == "global"
    a3 = partners.activities("P2", f(), "fr").set_index("activity_id").loc["A3"]
    assert a3["places"] == "Afrique"


def test_profile_charts_of_p1(small):
    by_year = partners.activities_by_year("P1", f())
    assert [tuple(r) for r in by_year[["year", "code", "activities"]].itertuples(index=False)] == [
        (2018, "ED", 1),
        (2019, "SC", 1),
        (2023, "CLT", 1),
    ]
    assert dict(partners.activities_by_region("P1", f()).itertuples(index=False)) == {
        "AFR": 2,
        "ENA": 1,
    }
    assert dict(partners.activities_by_region("P3", f()).itertuples(index=False)) == {
        "ENA": 1,
        "GLOBAL": 1,
    }
    assert partners.activities_by_region("P1", f("years=2030")).empty
    reached = partners.countries_reached("P1", f())
    assert dict(zip(reached["iso3"], reached["activities"], strict=True)) == {
        "KEN": 2,
        "FRA": 1,
        "TZA": 1,
    }
    assert list(partners.countries_reached("P1", f("region=ENA"))["iso3"]) == ["FRA"]


def test_profile_participation_of_p1(small):
    part = partners.participation("P1")
    assert list(zip(part["mechanism"], part["role"], strict=True)) == [
        ("conference", "speaker"),
        ("liaison_committee", "elected_member"),
    ]
    assert list(partners.participation("P4", "fr")["mechanism_name"]) == [
        "Comité sur les partenaires non gouvernementaux"
    ]


# -- collective --------------------------------------------------------------------------------


def as_set(frame, *cols) -> set[tuple]:
    return {tuple(r) for r in frame[list(cols)].itertuples(index=False)}


def test_conference_by_region_and_status(small):
    assert as_set(collective.conference_by_region(f()), "year", "code", "partners") == {
        (2022, "AFR", 1),
        (2022, "ENA", 1),
    }
    assert as_set(collective.conference_by_status(f()), "year", "code", "partners") == {
        (2022, "associate", 1),
        (2022, "consultative", 1),
    }


def test_conference_filters(small):
    assert as_set(
        collective.conference_by_region(f("status=consultative")), "code", "partners"
    ) == {("AFR", 1)}
    assert as_set(collective.conference_by_status(f("region=ENA")), "code", "partners") == {
        ("associate", 1)
    }
    assert collective.conference_by_region(f("type=foundation")).empty
    assert collective.conference_by_region(f("years=2012-2020")).empty
    assert len(collective.conference_by_region(f("years=2022"))) == 2
    # Activity filters do not apply to participation.
    assert len(collective.conference_by_region(f("field=SC"))) == 2


def test_liaison_committee_and_committee_ngp(small):
    lc = collective.liaison_committee(f())
    assert [
        tuple(r)
        for r in lc[["term", "partner_id", "status", "region", "role"]].itertuples(index=False)
    ] == [("2022-2024", "P1", "associate", "ENA", "elected_member")]
    # Partner filters do not thin out a committee; years do.
    assert len(collective.liaison_committee(f("status=consultative"))) == 1
    assert collective.liaison_committee(f("years=2023-2024")).empty
    ngp = collective.committee_ngp(f())
    assert as_set(ngp, "event", "year", "code", "partners") == {("EB 215", 2022, "consultative", 1)}
    assert collective.committee_ngp(f("status=associate")).empty


def test_status_at_the_event_date(write_inputs, tmp_path, use_warehouse):
    """A partner that became associate in 2016 counts as consultative at the 2014 session."""
    from etl.load import load_directory

    folder = write_inputs(
        {
            "partners.csv": [
                ["partner_id", "name", "partner_type", "status", "status_since",
                 "previous_status", "hq_country", "relations_since"],
                ["P1", "Alpha", "NGO", "associate", "2016-06-01", "consultative", "France", "2008"],
            ],
            "participation.csv": [
                ["partner_id", "mechanism", "event", "event_date", "role"],
                ["P1", "International Conference of NGOs", "2014", "2014-12-15", "participant"],
                ["P1", "International Conference of NGOs", "2018", "2018-12-17", "speaker"],
            ],
        }
    )  # fmt: skip
    use_warehouse(tmp_path / "w.duckdb")
    load_directory(folder, tmp_path / "w.duckdb")
    assert as_set(collective.conference_by_status(f()), "year", "code") == {
        (2014, "consultative"),
        (2018, "associate"),
    }
    assert as_set(collective.conference_by_status(f("status=associate")), "year") == {(2018,)}


# -- data page ---------------------------------------------------------------------------------


def test_data_page_queries_on_the_small_warehouse(small):
    run = data.latest_run()
    assert run["status"] == "succeeded"
    assert (run["rows_in"], run["loaded"], run["rejected"], run["warnings"]) == (16, 16, 0, 0)
    files = data.files(run["run_id"])
    assert list(files["file"]) == ["partners.csv", "activities.csv", "participation.csv"]
    assert list(files["rows_in"]) == [4, 8, 4]
    assert all(len(s) == 64 for s in files["sha256"])
    assert data.rejected_rows(run["run_id"]).empty
    assert data.files("no-such-run").empty


def test_data_page_shows_rejected_rows_and_warnings(write_inputs, tmp_path, use_warehouse):
    from etl.load import load_directory

    folder = write_inputs(
        {
            "partners.csv": [
                ["partner_id", "name", "status"],
                ["P1", "Alpha", "consultative"],
                ["P2", "", "consultative"],
            ],
            "activities.csv": [
                ["activity_id", "partner_ids", "title", "modality", "field", "start_date", "end_date"],
                ["A1", "P1", "Good", "bilateral", "ED", "2020-05-01", "2020-01-01"],
            ],
        }
    )  # fmt: skip
    use_warehouse(tmp_path / "w.duckdb")
    summary = load_directory(folder, tmp_path / "w.duckdb")
    run = data.latest_run()
    assert run["run_id"] == summary.run_id
    assert (run["rows_in"], run["loaded"], run["rejected"]) == (3, 2, 1)
    rejected = data.rejected_rows(run["run_id"])
    assert len(rejected) == 1
    row = rejected.iloc[0]
    assert (row["file"], int(row["line"]), row["column_name"]) == ("partners.csv", 3, "name")
    assert "required" in row["reason"]
    assert '"P2"' in row["raw"]
    warnings = data.load_warnings(run["run_id"])
    assert list(warnings["column_name"]) == ["end_date"]
    assert int(data.files(run["run_id"]).set_index("file").loc["partners.csv", "rejected"]) == 1


def test_profile_activities_carry_what_the_load_flagged(demo_warehouse, use_warehouse):
    from dashboards.queries import partners as qp

    use_warehouse(demo_warehouse)
    acts = qp.activities("NGO-0001", Filters(), "en").set_index("activity_id")
    assert acts.loc["ACT-9900005", "warnings"] == "end date is before start date"
    assert "budget outlier" in acts.loc["ACT-9900006", "warnings"]
    assert acts["warnings"].notna().sum() == 2
