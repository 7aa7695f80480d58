"""The lifecycle rules (pure) and their queries on the lifecycle fixture (today fixed)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboards.filters import Filters
from dashboards.queries import lifecycle as q

D = dt.date
TODAY = D(2026, 11, 15)
RULES = q.Rules(
    {
        "associate_renewal_years": "8",
        "consultative_review_years": "4",
        "request_cutoff_month_day": "11-30",
    }
)
SESSIONS = [
    q.Session("222 EX", 222, D(2026, 4, 8)),
    q.Session("223 EX", 223, D(2026, 10, 7)),
    q.Session("224 EX", 224, D(2027, 4, 7), status="scheduled"),
    q.Session("225 EX", 225, D(2027, 10, 6), status="scheduled"),
    q.Session("226 EX", 226, D(2028, 4, 5), status="scheduled"),
]


def test_renewal_dates_by_status():
    assert q.next_review("associate", D(2016, 6, 1), RULES) == D(2024, 6, 1)
    assert q.next_review("consultative", D(2019, 1, 1), RULES) == D(2023, 1, 1)
    assert q.next_review("official_relations", D(2015, 1, 1), RULES) is None
    assert q.next_review("associate", None, RULES) is None
    # a status without its rule has no review date (nothing invented)
    assert q.next_review("consultative", D(2019, 1, 1), q.Rules({})) is None


def test_leap_day_renewal_falls_on_28_february():
    assert q.add_years(D(2020, 2, 29), 8) == D(2028, 2, 29)
    assert q.add_years(D(2020, 2, 29), 7) == D(2027, 2, 28)


def test_cutoff_applies_to_first_session_of_a_year_only():
    assert q.request_deadline(SESSIONS[2], SESSIONS, RULES) == D(2026, 11, 30)
    assert q.request_deadline(SESSIONS[3], SESSIONS, RULES) is None
    assert (
        q.request_deadline(SESSIONS[2], SESSIONS, q.Rules({"request_cutoff_month_day": "x"}))
        is None
    )


def test_session_is_the_last_before_the_due_date():
    got = q.deciding_session(D(2027, 9, 1), SESSIONS, RULES, TODAY)
    assert got.session.session == "224 EX" and not got.late
    assert got.deadline == D(2026, 11, 30)
    got = q.deciding_session(D(2027, 12, 31), SESSIONS, RULES, TODAY)
    assert got.session.session == "225 EX" and got.deadline is None and not got.late


@pytest.mark.parametrize(
    ("today", "expected", "late"),
    [
        (D(2026, 11, 29), "224 EX", False),
        (D(2026, 11, 30), "224 EX", False),  # the cut-off day itself is still in time
        (D(2026, 12, 1), "225 EX", True),  # one day late: the next session, after the due date
    ],
)
def test_cutoff_edge(today, expected, late):
    got = q.deciding_session(D(2027, 6, 1), SESSIONS, RULES, today)
    assert (got.session.session, got.late) == (expected, late)


def test_past_due_goes_to_next_open_session_and_is_late():
    got = q.deciding_session(D(2024, 6, 1), SESSIONS, RULES, TODAY)
    assert got.session.session == "224 EX" and got.late


def test_due_after_the_known_calendar_has_no_session():
    got = q.deciding_session(D(2029, 1, 1), SESSIONS, RULES, TODAY)
    assert got.session is None and not got.late


def test_precision_says_which_day_is_assumed():
    assert q.assumed_day(D(2016, 6, 1), "month") == D(2016, 6, 1)
    assert q.assumed_day(D(2019, 1, 1), "year") == D(2019, 1, 1)
    assert q.assumed_day(D(2020, 10, 15), "day") is None


def test_reviews_on_fixture(lifecycle_warehouse, use_warehouse):
    use_warehouse(lifecycle_warehouse)
    frame = q.reviews(Filters(), TODAY).set_index("partner_id")
    assert set(frame.index) == {"P1", "P2", "P4"}  # P3 (official relations) has no review
    p1 = frame.loc["P1"]
    assert p1["review_due"] == D(2024, 6, 1) and p1["overdue"] and p1["late"]
    assert p1["session"] == "224 EX" and p1["request_deadline"] == D(2026, 11, 30)
    assert p1["assumed_day"] == D(2016, 6, 1) and p1["decided_precision"] == "month"
    assert p1["missing_reports"] == 1 and p1["decision_ref"] == "199 EX/Decision 32"
    p2 = frame.loc["P2"]
    assert p2["review_due"] == D(2028, 10, 15) and pd.isna(p2["session"])
    p4 = frame.loc["P4"]
    assert p4["review_due"] == D(2027, 1, 1) and p4["session"] == "224 EX" and p4["late"]
    assert p4["assumed_day"] == D(2019, 1, 1)
    assert list(q.reviews(Filters(), TODAY)["partner_id"])[0] == "P1"  # overdue first


def test_pipeline_groups_overdue_first(lifecycle_warehouse, use_warehouse):
    use_warehouse(lifecycle_warehouse)
    frame = q.renewal_pipeline(Filters(), TODAY)
    assert list(frame["group"]) == ["overdue", "224 EX", "no_session"]
    assert frame["partners"].sum() == 3


def test_filters_apply(lifecycle_warehouse, use_warehouse):
    use_warehouse(lifecycle_warehouse)
    filters, _ = Filters.from_query("status=consultative")
    assert set(q.reviews(filters, TODAY)["partner_id"]) == {"P2", "P4"}
    filters, _ = Filters.from_query("region=AFR")
    assert set(q.reviews(filters, TODAY)["partner_id"]) == {"P2"}


def test_reports_states(lifecycle_warehouse, use_warehouse):
    use_warehouse(lifecycle_warehouse)
    frame = q.report_states(Filters(), TODAY)
    states = dict(zip(frame["code"], frame["reports"], strict=True))
    assert states == {"late": 1, "received_on_time": 1, "received_late": 1, "due": 1}
    listed = q.report_list(Filters(), TODAY)
    assert list(listed["partner_id"]) == ["P1", "P2"] and list(listed["late"]) == [True, False]


def test_no_cooperation_for_two_years(lifecycle_warehouse, use_warehouse):
    use_warehouse(lifecycle_warehouse)
    frame = q.no_cooperation(Filters(), TODAY)
    assert list(frame["partner_id"]) == ["P1"]
    assert str(frame["last_cooperation"].iloc[0])[:10] == "2023-06-30"
    # two years later still: at 2025-06-29 P1's last activity is within two years
    assert q.no_cooperation(Filters(), D(2025, 6, 29)).empty


def test_status_changes_and_since_previous_session(lifecycle_warehouse, use_warehouse):
    use_warehouse(lifecycle_warehouse)
    frame = q.status_changes(Filters())
    assert frame["events"].sum() == 6  # the application and the deferral are not changes
    years, _ = Filters.from_query("years=2019-2020")
    assert q.status_changes(years)["events"].sum() == 2
    prev = q.previous_session(TODAY)
    assert prev.session == "223 EX"
    since = q.changes_since(Filters(), prev.start, TODAY)
    assert list(since["code"]) == ["review_deferred"]


def test_timeline_and_next_step(lifecycle_warehouse, use_warehouse):
    use_warehouse(lifecycle_warehouse)
    line = q.timeline("P1")
    assert list(line["kind"]) == ["event", "event", "report"]
    step = q.next_step("P1", TODAY)
    assert step["kind"] == "review" and step["overdue"] and step["session"] == "224 EX"
    step = q.next_step("P2", TODAY)
    assert step["kind"] == "report" and step["date"] == D(2026, 12, 31)
    assert q.next_step("P3", TODAY) is None


def test_rules_from_warehouse_and_assumed(lifecycle_warehouse, small, use_warehouse, tmp_path):
    assert q.rules().integer("associate_renewal_years") == 8  # the reference data's rules
    use_warehouse(lifecycle_warehouse)
    got = q.rules()
    assert got.assumed == () and got.integer("consultative_review_years") == 8
    import shutil

    import duckdb

    bare = tmp_path / "bare.duckdb"
    shutil.copy(lifecycle_warehouse, bare)
    con = duckdb.connect(str(bare))
    con.execute("DELETE FROM lifecycle_rules")
    con.close()
    use_warehouse(bare)
    got = q.rules()
    assert got.assumed == tuple(q.DEFAULT_RULES)  # taken as defaults, and said so
    assert got.integer("consultative_review_years") is None  # no default invented


def test_first_session_only_rule():
    rules = q.Rules({**RULES.values, "request_decided_at": "first_session_next_year"})
    # due at the end of 2027: the autumn 225 EX no longer decides; the spring 224 EX does
    got = q.deciding_session(D(2027, 12, 31), SESSIONS, rules, TODAY)
    assert got.session.session == "224 EX" and got.deadline == D(2026, 11, 30)
    # past the cut-off: the first session of the next year (226 EX), late
    got = q.deciding_session(D(2027, 6, 1), SESSIONS, rules, D(2026, 12, 1))
    assert got.session.session == "226 EX" and got.late


@pytest.mark.parametrize(
    ("today", "rule", "expected"),
    [
        (D(2026, 11, 15), "", "224 EX"),  # before the cut-off: the spring session of 2027
        (D(2026, 11, 30), "", "224 EX"),  # on the cut-off day: still open
        (D(2026, 12, 1), "", "225 EX"),  # past it: the autumn session (no cut-off of its own)
        (D(2026, 12, 1), "first_session_next_year", "226 EX"),  # only first sessions decide
        (D(2028, 4, 6), "", None),  # after the last known session: the calendar ends
    ],
)
def test_next_deciding_session_skips_one_whose_cutoff_passed(today, rule, expected):
    rules = q.Rules({**RULES.values, "request_decided_at": rule})
    got = q.next_deciding_session(SESSIONS, rules, today)
    assert (got.session if got else None) == expected


def test_for_decision_takes_the_next_session_that_can_still_decide(
    lifecycle_warehouse, use_warehouse
):
    use_warehouse(lifecycle_warehouse)
    before = q.for_decision(Filters(), TODAY)  # 15 Nov 2026: 224 EX can still take them
    assert set(before["session"]) == {"224 EX"} and set(before["partner_id"]) == {"P1", "P4"}
    after = q.for_decision(Filters(), D(2026, 12, 2))  # its cut-off passed: the next session
    assert len(after) and "224 EX" not in set(after["session"])
    assert set(after["session"]) == {
        q.next_deciding_session(q.board_sessions(), q.rules(), D(2026, 12, 2)).session
    }


def test_the_grids_are_cached_and_follow_a_new_warehouse(
    lifecycle_warehouse, use_warehouse, tmp_path, monkeypatch
):
    """A repeated filter change costs no grid query; another warehouse version recomputes."""
    import shutil

    from app import create_app
    from dashboards.settings import load_settings

    use_warehouse(lifecycle_warehouse)
    create_app(load_settings(warehouse_path=lifecycle_warehouse, background_cache_dir=tmp_path))
    from dashboards import callbacks, parts
    from dashboards.pages import lifecycle as page

    calls = []
    real = q.reviews
    monkeypatch.setattr(q, "reviews", lambda f, now: calls.append(f) or real(f, now))
    monkeypatch.setattr(page, "today", lambda: TODAY)
    wanted = [parts.part_id(p.key) for p in page.GRID_PARTS.values()]

    def grids(search: str = "") -> list:
        return callbacks.draw_page(search, None, [], None, wanted)[1]

    first = grids()
    again = grids()
    assert again == first and len(calls) == 1 and first[0]["rows"]  # the fixture has reviews
    assert parts.unpack(first[0]) == page.review_rows(Filters(), "en", TODAY)
    calls.pop()  # that direct call
    assert grids("?lang=fr") and len(calls) == 2  # per language
    monkeypatch.setattr(page, "today", lambda: TODAY + dt.timedelta(days=1))
    assert grids() and len(calls) == 3  # per day: the days left change
    monkeypatch.setattr(page, "today", lambda: TODAY)
    # A warehouse swap (a new file: another version) is a miss.
    other = tmp_path / "other.duckdb"
    shutil.copy(lifecycle_warehouse, other)
    use_warehouse(other)
    assert grids() == first and len(calls) == 4
    # A public deployment serves no rows, whatever the request names (checked on the server).
    monkeypatch.setattr(callbacks.db, "is_public", lambda: True)
    assert grids() == [parts.pack([])] * 3 and len(calls) == 4


def test_partner_facts_carry_each_activitys_cooperation_dates(demo_warehouse):
    """no_cooperation reads partner_facts' dates: the activity's start (else end) and end (else
    start), row for row as activity_partners joined to activities gives them."""
    import duckdb

    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        mismatched, rows = con.execute(
            """SELECT count(*) FILTER (WHERE f.activity_start IS DISTINCT FROM
                                              COALESCE(a.start_date, a.end_date)
                                        OR f.activity_end IS DISTINCT FROM
                                              COALESCE(a.end_date, a.start_date)),
                      count(*)
               FROM partner_facts f JOIN activities a USING (activity_id)"""
        ).fetchone()
        bridge = con.execute("SELECT count(*) FROM activity_partners").fetchone()[0]
    finally:
        con.close()
    assert mismatched == 0 and rows == bridge > 0
