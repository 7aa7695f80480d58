"""Validate: value parsers, per-row reasons, warnings and the records and bridges built."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math

import pandas as pd
import pytest

from etl.extract import read_table
from etl.validate import (
    validate_activities,
    validate_participation,
    validate_partners,
)

# -- helpers -----------------------------------------------------------------------------------


def _table(tmp_path, kind, rows, name=None):
    path = tmp_path / (name or f"{kind}.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return read_table(path, kind)


def _rejected(v):
    """{line: (column, value, reason)} of a Validated."""
    return {
        int(r.line): (r.column_name, r.value, r.reason) for r in v.rejected.itertuples(index=False)
    }


def _warned(v):
    return sorted(
        (int(r.line), r.column_name, r.reason) for r in v.warnings.itertuples(index=False)
    )


PARTNER_HEADER = [
    "partner_id",
    "name",
    "partner_type",
    "status",
    "status_since",
    "previous_status",
    "hq_country",
    "relations_since",
    "fields",
    "scope",
    "website",
]


def _partners(tmp_path, reference, *rows, seen=None):
    t = _table(tmp_path, "partners", [PARTNER_HEADER, *rows])
    return validate_partners(t, reference, {} if seen is None else seen)


# -- partners ----------------------------------------------------------------------------------


def test_partner_rejection_reasons(tmp_path, reference):
    v = _partners(
        tmp_path,
        reference,
        ["P1", "Good", "", "consultative", "", "", "FRA", "", "ED", "", ""],
        ["", "No id", "", "consultative", "", "", "", "", "", "", ""],
        ["P3", "", "", "consultative", "", "", "", "", "", "", ""],
        ["P4", "Bad status", "", "observer", "", "", "", "", "", "", ""],
        ["P5", "Bad type", "club", "consultative", "", "", "", "", "", "", ""],
        ["P6", "NGO without status", "ngo", "", "", "", "", "", "", "", ""],
        ["P7", "Bad previous", "", "associate", "", "member", "", "", "", "", ""],
        ["P8", "Bad since", "", "associate", "2020-02-30", "", "", "", "", "", ""],
        ["P9", "Bad country", "", "associate", "", "", "Atlantis", "", "", "", ""],
        ["P10", "Bad relations", "", "associate", "", "", "", "19x5", "", "", ""],
        ["P11", "Bad field", "", "associate", "", "", "", "", "ED;Magic", "", ""],
        ["P12", "Bad scope", "", "associate", "", "", "", "", "", "galactic", ""],
        ["P1", "Duplicate", "", "associate", "", "", "", "", "", "", ""],
    )
    got = _rejected(v)
    # Line 3 (no id) loads with a derived id; line 7 (no status) loads as 'not stated'.
    assert got[4] == ("name", "", "name is required")
    assert got[5][:2] == ("status", "observer") and got[5][2].startswith("unknown status")
    assert got[6][:2] == ("partner_type", "club")
    assert got[8] == ("previous_status", "member", "unknown previous status")
    assert got[9][:2] == ("status_since", "2020-02-30") and "malformed date" in got[9][2]
    assert 10 not in got  # an unknown country loads without one (warned), never a rejection
    assert got[11][:2] == ("relations_since", "19x5") and "malformed date" in got[11][2]
    assert got[12] == ("fields", "ED;Magic", "unknown field of competence: 'Magic'")
    assert got[13][:2] == ("scope", "galactic")
    assert got[14] == ("partner_id", "P1", "duplicate partner_id (first seen at partners.csv:2)")
    assert set(got) == set(range(4, 15)) - {7, 10}
    r = v.records.set_index("source_line")
    assert r.loc[3, "partner_id"].startswith("auto-no-id-") and v.derived_ids == 1
    assert r.loc[7, ["partner_id", "status", "partner_type"]].tolist() == [
        "P6",
        "not_stated",
        "ngo",
    ]
    assert v.loaded == 4
    p9 = v.records.set_index("partner_id").loc["P9"]
    assert p9["hq_country_iso3"] is None and p9["hq_country_as_given"] == "Atlantis"
    assert (10, "hq_country", "Atlantis") in [
        (int(w.line), w.column_name, w.value) for w in v.warnings.itertuples()
    ]
    assert v.table.rows_in == v.loaded + len(v.rejected)


def test_rejected_raw_row_keeps_the_input(tmp_path, reference):
    v = _partners(
        tmp_path, reference, ["P1", "Ünïcode <b>", "", "bogus", "", "", "", "", "", "", ""]
    )
    raw = json.loads(v.rejected.loc[0, "raw"])
    assert raw["partner_id"] == "P1" and raw["name"] == "Ünïcode <b>" and raw["status"] == "bogus"


def test_a_row_is_rejected_for_its_first_problem_only(tmp_path, reference):
    v = _partners(tmp_path, reference, ["P1", "", "", "bogus", "", "", "Atlantis", "", "", "", ""])
    assert len(v.rejected) == 1
    assert v.rejected.loc[0, "reason"] == "name is required"


def test_duplicates_across_files_use_seen(tmp_path, reference):
    seen = {"P1": "partners_a.csv:7"}
    v = _partners(
        tmp_path,
        reference,
        ["P1", "Again", "", "associate", "", "", "", "", "", "", ""],
        ["P2", "New", "", "associate", "", "", "", "", "", "", ""],
        seen=seen,
    )
    assert _rejected(v)[2][2] == "duplicate partner_id (first seen at partners_a.csv:7)"
    assert seen == {"P1": "partners_a.csv:7", "P2": "partners.csv:3"}


def test_partner_records_are_normalised(tmp_path, reference):
    v = _partners(
        tmp_path,
        reference,
        [
            "P1",
            "Alpha",
            "ONG",
            "Statut consultatif",
            "01/06/2018",
            "",
            "Sénégal",
            "1995",
            "Éducation|CI",
            "Locale",
            "https://a.example",
        ],
        ["P2", "Beta", "Fondation", "", "", "", "", "2010-05-01", "", "", ""],
    )
    r = v.records.set_index("partner_id")
    assert r.loc[
        "P1", ["partner_type", "status", "hq_country_iso3", "hq_region_code", "scope"]
    ].tolist() == [
        "ngo",
        "consultative",
        "SEN",
        "AFR",
        "local",
    ]
    assert r.loc["P1", "status_since"] == dt.date(2018, 6, 1)
    assert r.loc["P1", "relations_since"] == 1995
    # A foundation without a status is 'not stated': a type never implies a status.
    assert r.loc["P2", ["partner_type", "status"]].tolist() == ["foundation", "not_stated"]
    assert r.loc["P2", "relations_since"] == 2010
    assert pd.isna(r.loc["P2", "acronym"]) and pd.isna(r.loc["P2", "website"])
    fields = v.bridges["partner_fields"]
    assert sorted(map(tuple, fields.to_numpy().tolist())) == [("P1", "CI"), ("P1", "ED")]


def test_partner_warnings(tmp_path, reference):
    v = _partners(
        tmp_path,
        reference,
        ["P1", "No scheme", "", "associate", "", "", "", "", "", "", "www.example.org"],
        ["P2", "Good site", "", "associate", "", "", "", "", "", "", "HTTPS://ok.example/x"],
        ["P3", "Early status", "", "associate", "2001-01-01", "", "", "2005", "", "", ""],
        ["P4", "Rejected", "", "bogus", "", "", "", "", "", "", "mailto:x@example.org"],
    )
    assert _warned(v) == [
        (2, "website", "website is not an http(s) address; shown as text, not as a link"),
        (4, "status_since", "status date is before official relations began"),
    ]  # P4 is rejected: a rejected row carries no warning
    assert v.loaded == 3


def test_status_history_with_previous_status(tmp_path, reference):
    v = _partners(
        tmp_path,
        reference,
        ["P1", "Upgraded", "", "consultative", "2015-03-01", "associate", "", "2001", "", "", ""],
        ["P2", "Same status forever", "", "associate", "", "", "", "1999", "", "", ""],
        ["P3", "No dates", "", "associate", "", "", "", "", "", "", ""],
    )
    h = v.bridges["partner_status_history"]
    rows = sorted(
        (r.partner_id, r.status, r.valid_from, r.valid_to) for r in h.itertuples(index=False)
    )
    # The relations year (2001, 1999) is not the date of any status: no period is dated by it.
    assert rows == [
        ("P1", "associate", None, dt.date(2015, 3, 1)),
        ("P1", "consultative", dt.date(2015, 3, 1), None),
        ("P2", "associate", None, None),
        ("P3", "associate", None, None),
    ]


# -- activities --------------------------------------------------------------------------------

ACTIVITY_HEADER = [
    "activity_id",
    "partner_ids",
    "title",
    "modality",
    "field",
    "functional_areas",
    "countries",
    "start_date",
    "end_date",
    "status",
    "budget_usd",
]


def _activities(tmp_path, reference, *rows, partners=("P1", "P2", "P3")):
    t = _table(tmp_path, "activities", [ACTIVITY_HEADER, *rows])
    return validate_activities(t, reference, {}, set(partners))


def _row(activity_id, **values):
    row = dict.fromkeys(ACTIVITY_HEADER, "")
    row.update(
        activity_id=activity_id, partner_ids="P1", title="T", modality="bilateral", field="ED"
    )
    row.update(values)
    return [row[c] for c in ACTIVITY_HEADER]


def test_activity_rejection_reasons(tmp_path, reference):
    v = _activities(
        tmp_path,
        reference,
        _row("A1"),
        _row("", title="no id"),
        _row("A3", title=""),
        _row("A4", partner_ids=""),
        _row("A5", partner_ids="PX"),
        _row("A6", field=""),
        _row("A7", field="Magic"),
        _row("A8", modality="trilateral"),
        _row("A9", functional_areas="advocacy;juggling"),
        _row("A10", countries="FRA;Atlantis"),
        _row("A11", start_date="2020-02-31"),
        _row("A12", end_date="soon"),
        _row("A13", status="paused"),
        _row("A14", budget_usd="lots"),
        _row("A15", budget_usd="-1"),
        _row("A1", title="duplicate"),
    )
    got = _rejected(v)
    assert {line: column for line, (column, _, _) in got.items()} == {
        3: "activity_id",
        4: "title",
        5: "partner_ids",
        6: "partner_ids",
        7: "field",
        8: "field",
        9: "modality",
        10: "functional_areas",
        11: "countries",
        12: "start_date",
        13: "end_date",
        14: "status",
        15: "budget_usd",
        16: "budget_usd",
        17: "activity_id",
    }
    assert got[5][2] == "at least one partner id is required"
    assert got[6][2] == "unknown partner id (no known partner): 'PX'"
    assert got[7][2] == "field of competence is required"
    assert got[10][2] == "unknown functional area: 'juggling'"
    assert got[11][2] == "unknown country or region: 'Atlantis'"
    assert got[15][2] == "budget is not a number"
    assert got[16][2] == "budget is negative"
    assert got[17][2] == "duplicate activity_id (first seen at activities.csv:2)"
    assert v.records["activity_id"].tolist() == ["A1"]


def test_activity_warnings_only_for_loaded_rows(tmp_path, reference):
    v = _activities(
        tmp_path,
        reference,
        _row("A1", start_date="2021-06-01", end_date="2021-01-01"),
        _row("A2", budget_usd="50000001"),
        _row("A3", budget_usd="50000000"),
        _row("A4", modality=""),
        _row("A5", partner_ids="P1;PX"),
        _row("A6", modality="", start_date="2021-06-01", end_date="2021-01-01", budget_usd="-5"),
    )
    assert _warned(v) == [
        (2, "end_date", "end date is before start date"),
        (3, "budget_usd", "budget outlier (over US$50 million)"),
        (5, "modality", "no modality given; taken as bilateral"),
        (6, "partner_ids", "unknown partner id ignored: 'PX'"),
    ]
    assert v.loaded == 5 and list(_rejected(v)) == [7]
    assert v.records.set_index("activity_id").loc["A4", "modality"] == "bilateral"


def test_activity_partners_lead_and_order(tmp_path, reference):
    v = _activities(tmp_path, reference, _row("A1", partner_ids="P2;P1;P2;PX"))
    ap = v.bridges["activity_partners"]
    assert list(map(tuple, ap[["partner_id", "is_lead"]].to_numpy().tolist())) == [
        ("P2", True),
        ("P1", False),
    ]
    assert v.records.loc[0, "lead_partner_id"] == "P2"


def _shares(v, bridge, key):
    frame = v.bridges[bridge]
    return {
        (r.activity_id, getattr(r, key)): (round(r.share, 6), r.budget_share_usd)
        for r in frame.itertuples(index=False)
    }


def test_budget_shares_in_activity_countries_sum_to_the_budget(tmp_path, reference):
    v = _activities(
        tmp_path,
        reference,
        _row("A1", countries="FRA;KEN;BRA", budget_usd="900"),
        _row("A2", countries="Sénégal", budget_usd="100"),
        _row("A3", countries="FRA|FR|France", budget_usd="50"),  # one country, three spellings
        _row("A4", countries="DEU;ITA", budget_usd=""),
    )
    ac = v.bridges["activity_countries"]
    sums = ac.groupby("activity_id")["budget_share_usd"].sum(min_count=1)
    assert sums["A1"] == pytest.approx(900) and sums["A2"] == 100 and sums["A3"] == 50
    assert math.isnan(sums["A4"])  # no budget, no budget share
    assert ac.groupby("activity_id")["share"].sum().round(9).tolist() == [1.0] * 4
    shares = _shares(v, "activity_countries", "iso3")
    assert shares[("A1", "KEN")] == (round(1 / 3, 6), pytest.approx(300))
    assert dict(zip(ac["iso3"], ac["region_code"], strict=False))["KEN"] == "AFR"
    assert len(ac[ac["activity_id"] == "A3"]) == 1


def test_activity_regions_for_regional_and_country_activities(tmp_path, reference):
    v = _activities(
        tmp_path,
        reference,
        _row("A1", countries="Afrique", budget_usd="100"),
        _row("A2", countries="Africa;Arab States", budget_usd="100"),
        _row("A3", countries="FRA;DEU;KEN", budget_usd="300"),
        _row("A4", countries="Africa;FRA", budget_usd="100"),
        _row("A5", countries="Global", budget_usd="100"),
        _row("A6", countries="", budget_usd="100"),
    )
    ar = v.bridges["activity_regions"]
    got = {
        (r.activity_id, r.region_code, r.via): (round(r.share, 6), r.budget_share_usd)
        for r in ar.itertuples(index=False)
    }
    assert got == {
        ("A1", "AFR", "regional"): (1.0, 100.0),
        ("A2", "AFR", "regional"): (0.5, 50.0),
        ("A2", "ARB", "regional"): (0.5, 50.0),
        ("A3", "ENA", "country"): (round(2 / 3, 6), pytest.approx(200.0)),
        ("A3", "AFR", "country"): (round(1 / 3, 6), pytest.approx(100.0)),
        ("A4", "AFR", "regional"): (0.5, 50.0),
        ("A4", "ENA", "country"): (0.5, 50.0),
    }
    # Over activity_regions every activity with a located budget sums to its budget once.
    assert ar.groupby("activity_id")["budget_share_usd"].sum().round(6).to_dict() == {
        "A1": 100.0,
        "A2": 100.0,
        "A3": 300.0,
        "A4": 100.0,
    }
    scopes = v.records.set_index("activity_id")["geo_scope"].to_dict()
    assert scopes == {
        "A1": "regional",
        "A2": "regional",
        "A3": "multi_country",
        "A4": "multi_country",
        "A5": "global",
        "A6": "unspecified",
    }


def test_activity_year_and_areas(tmp_path, reference):
    v = _activities(
        tmp_path,
        reference,
        _row("A1", start_date="15/03/2019", functional_areas="Plaidoyer, Recherche"),
        _row("A2", end_date="2020-12-31"),
        _row("A3"),
    )
    assert v.records["year"].tolist()[:2] == [2019, 2020]
    assert v.records["year"].isna().tolist() == [False, False, True]
    afa = v.bridges["activity_functional_areas"]
    assert sorted(afa["area_code"]) == ["advocacy", "research"]


# -- participation -----------------------------------------------------------------------------


def test_participation_reasons_and_year(tmp_path, reference):
    t = _table(
        tmp_path,
        "participation",
        [
            ["partner_id", "mechanism", "event", "event_date", "role"],
            ["P1", "forum", "NGO Forum 2019", "", ""],
            ["P1", "conference", "", "2022-12-13", "chair"],
            ["", "forum", "", "", ""],
            ["PX", "forum", "", "", ""],
            ["P1", "", "", "", ""],
            ["P1", "tea", "", "", ""],
            ["P1", "forum", "", "2022-13-13", ""],
            ["P1", "forum", "", "", "emperor"],
        ],
    )
    v = validate_participation(t, reference, {"P1"})
    assert {k: c for k, (c, _, _) in _rejected(v).items()} == {
        4: "partner_id",
        5: "partner_id",
        6: "mechanism",
        8: "event_date",
    }
    # Wording the reference does not know loads as 'other', keeping the text, with a warning.
    assert v.records[["mechanism", "role"]].values.tolist() == [
        ["forum", "participant"],
        ["conference", "chair"],
        ["other", "participant"],
        ["forum", "other"],
    ]
    assert v.records["year"].tolist()[:2] == [2019, 2022] and v.records["year"][2:].isna().all()
    assert v.records["mechanism_as_given"].tolist()[2] == "tea"
    assert v.records["role_as_given"].tolist()[3] == "emperor"
    assert _warned(v) == sorted(
        [
            (
                7,
                "mechanism",
                "collective mechanism not in the reference: loaded as 'other', text kept",
            ),
            (9, "role", "role not in the reference: loaded as 'other', text kept"),
        ]
    )


# -- dates keep their precision ----------------------------------------------------------------


def test_activity_dates_keep_precision_and_ranges_fill_the_other_end(tmp_path, reference):
    v = _activities(
        tmp_path,
        reference,
        _row("A1", start_date="2015", end_date="Oct 2016"),
        _row("A2", start_date="12–14 December 2016"),
        _row("A3", start_date="2016-12-12 to 2016-12-14", end_date="2017-01-31"),
        _row("A4", end_date="2015-2016"),
        _row("A5", start_date="2015-06-01", end_date="2015"),  # ends within 2015: not "before"
        _row("A6", start_date="2020-01-01 garbage"),
        _row("A7", start_date="2020-01-01T25:00"),
    )
    rec = v.records.set_index("activity_id")
    assert rec.loc["A1", ["start_date", "start_date_precision"]].tolist() == [
        dt.date(2015, 1, 1),
        "year",
    ]
    assert rec.loc["A1", ["end_date", "end_date_precision", "year"]].tolist() == [
        dt.date(2016, 10, 1),
        "month",
        2015,
    ]
    assert rec.loc["A2", ["start_date", "end_date", "end_date_precision"]].tolist() == [
        dt.date(2016, 12, 12),
        dt.date(2016, 12, 14),
        "day",
    ]
    assert rec.loc["A3", "end_date"] == dt.date(2017, 1, 31)  # the explicit end is kept
    assert rec.loc["A4", ["start_date", "end_date", "start_date_precision"]].tolist() == [
        dt.date(2015, 1, 1),
        dt.date(2016, 1, 1),
        "year",
    ]
    warned = _warned(v)
    assert (3, "start_date", "start_date holds a range: its end is taken as the end date") in warned
    assert (4, "start_date", "start_date holds a range: end_date is kept") in warned
    assert (5, "end_date", "end_date holds a range: its start is taken as the start date") in warned
    assert not [w for w in warned if w[0] == 6]  # 2015-06-01 to "2015" is not end-before-start
    got = _rejected(v)
    assert got[7][0] == "start_date" and got[7][2].startswith("malformed date: not a date")
    assert got[8][0] == "start_date" and "no such time of day" in got[8][2]


def test_partner_dates_keep_precision_and_never_invent_a_day(tmp_path, reference):
    v = _partners(
        tmp_path,
        reference,
        ["P1", "A", "", "associate", "Oct 2006", "", "", "1998", "", "", ""],
        ["P2", "B", "", "associate", "2011", "", "", "12/05/1998", "", "", ""],
        ["P3", "C", "", "associate", "2015-16", "", "", "", "", "", ""],
    )
    rec = v.records.set_index("partner_id")
    assert rec.loc["P1", ["status_since", "status_since_precision"]].tolist() == [
        dt.date(2006, 10, 1),
        "month",
    ]
    assert rec.loc["P2", "status_since_precision"] == "year"
    assert rec.loc["P2", "relations_since"] == 1998
    warned = _warned(v)
    assert (3, "relations_since", "relations_since is a year: only the (first) year is kept") in (
        warned
    )
    assert (4, "status_since", "'2015-16' read as 2015 to 2016") in warned
    assert (4, "status_since", "a range was given; its start is the status date") in warned


def test_participation_event_ranges_are_kept_whole(tmp_path, reference):
    t = _table(
        tmp_path,
        "participation",
        [
            ["partner_id", "mechanism", "event", "event_date", "role"],
            ["P1", "conference", "International Conference of NGOs", "12–14 December 2016", ""],
            ["P1", "forum", "NGO Forum", "du 5 au 6 juin 2019", ""],
            ["P1", "forum", "NGO Forum", "juin 2019", ""],
        ],
    )
    v = validate_participation(t, reference, {"P1"})
    rows = v.records[
        ["event_date", "event_date_precision", "event_end_date", "event_end_date_precision"]
    ].values.tolist()
    assert rows == [
        [dt.date(2016, 12, 12), "day", dt.date(2016, 12, 14), "day"],
        [dt.date(2019, 6, 5), "day", dt.date(2019, 6, 6), "day"],
        [dt.date(2019, 6, 1), "month", None, None],
    ]
    assert v.warnings.empty


def test_strict_numbers_reject_python_literals_and_foreign_digits(tmp_path, reference):
    v = _activities(
        tmp_path,
        reference,
        _row("A1", budget_usd="1_000"),
        _row("A2", budget_usd="١٠٠"),
        _row("A3", budget_usd="12 500,50"),
    )
    got = _rejected(v)
    assert got[2] == ("budget_usd", "1_000", "budget is not a number")
    assert got[3] == ("budget_usd", "١٠٠", "budget is not a number")
    assert v.records["budget_usd"].tolist() == [12500.5]
