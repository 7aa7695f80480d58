"""Issue 12, the data half: status events and reports read, validated and loaded; the status
history following the events; the lifecycle reference tables; demo lifecycles consistent."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from etl.extract import kind_of
from etl.lifecycle import read_event
from etl.load import LoadError, load_directory
from etl.reference import REFERENCE_DIR, Reference
from etl.reference_check import ReferenceInvalid

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "realworld_lifecycle"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("lifecycle") / "w.duckdb"
    load_directory(FIXTURE, db, replace_all=True)
    return db


@pytest.fixture(scope="module")
def con(warehouse):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


def _pid(con, name: str) -> str:
    return con.execute("SELECT partner_id FROM partners WHERE name = ?", [name]).fetchall()[0][0]


def _event(con, file: str, line: int) -> dict:
    cur = con.execute(
        "SELECT * FROM status_events WHERE source_file = ? AND source_line = ?", [file, line]
    )
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, (file, line)
    return dict(zip(names, rows[0], strict=True))


def test_file_kinds_recognised_by_name():
    assert kind_of(Path("status_events_eb_en.csv")) == "status_events"
    assert kind_of(Path("reports_suivi_fr.csv")) == "reports"
    assert kind_of(Path("Status_Events.xlsx")) == "status_events"


def test_every_row_loaded_or_rejected(con):
    files = dict(
        (f, (i, lo, r))
        for f, i, lo, r in con.execute(
            "SELECT file, rows_in, loaded, rejected FROM etl_files"
        ).fetchall()
    )
    assert files["status_events_eb_en.csv"] == (12, 10, 2)
    assert files["status_events_ce_fr.csv"] == (7, 7, 0)
    assert files["reports_suivi_fr.csv"] == (6, 4, 2)
    assert files["reports_tracking_en.xlsx"] == (5, 4, 1)
    events = con.execute("SELECT count(*) FROM status_events").fetchall()[0][0]
    reports = con.execute("SELECT count(*) FROM partner_reports").fetchall()[0][0]
    assert (events, reports) == (17, 8)


def test_rejections_say_file_line_and_why(con):
    rows = con.execute(
        "SELECT file, line, column_name, reason FROM rejected_rows ORDER BY file, line"
    ).fetchall()
    got = {(f, line): (col, reason) for f, line, col, reason in rows}
    assert got[("status_events_eb_en.csv", 11)][0] == "partner_id"
    assert got[("status_events_eb_en.csv", 11)][1].startswith("unknown partner")
    assert got[("status_events_eb_en.csv", 12)] == ("event_date", "malformed date: no such date")
    assert got[("reports_suivi_fr.csv", 6)][0] == "received_date"  # "reçu" without a date
    assert got[("reports_suivi_fr.csv", 7)][1].startswith("unknown partner")
    assert got[("reports_tracking_en.xlsx", 7)][0] == "period"  # "2024-2021"
    assert len(rows) == 5


def test_english_events_codes_dates_and_sessions(con):
    e = _event(con, "status_events_eb_en.csv", 2)
    assert (e["event"], e["status_after"], e["deciding_body"]) == (
        "admission",
        "associate",
        "executive_board",
    )
    assert (e["event_date"], e["event_date_precision"]) == (dt.date(2012, 3, 1), "month")
    assert (e["decision_ref"], e["session"]) == ("189 EX/Decision 20", "189 EX")
    assert e["event_as_given"] == "Admission to associate status"
    assert '"Notes"' in e["extra"]
    day = _event(con, "status_events_eb_en.csv", 7)  # DG admission, no decision number
    assert (day["event_date_precision"], day["deciding_body"], day["session"]) == (
        "day",
        "director_general",
        None,
    )
    other = _event(con, "status_events_eb_en.csv", 10)
    assert other["event"] == "other"
    assert other["event_as_given"] == "Taken note of the merger with the ICSU"


def test_french_wordings_read_with_what_was_assumed(con):
    reclass = _event(con, "status_events_ce_fr.csv", 2)
    assert (reclass["event"], reclass["status_after"], reclass["status_after_as_given"]) == (
        "reclassification",
        "consultative",
        None,
    )
    assert reclass["decision_ref"] == "192 EX/Décision 39" and reclass["session"] == "192 EX"
    assert (reclass["event_date"], reclass["event_date_precision"]) == (dt.date(2013, 10, 1), "month")  # fmt: skip
    renewal = _event(con, "status_events_ce_fr.csv", 5)
    assert (renewal["event"], renewal["status_after"], renewal["deciding_body"]) == (
        "renewal",
        "associate",
        "executive_board",
    )
    assert _event(con, "status_events_ce_fr.csv", 8)["event"] == "review_deferred"
    year = _event(con, "status_events_ce_fr.csv", 6)
    assert (year["event"], year["event_date_precision"], year["deciding_body"]) == (
        "suspension",
        "year",
        None,
    )
    assert year["deciding_body_as_given"] == "Comité PNG"
    pending = _event(con, "status_events_ce_fr.csv", 7)  # an application, "CE"
    assert (pending["event"], pending["status_after"], pending["deciding_body"]) == (
        "application",
        None,
        "executive_board",
    )
    warned = {
        (line, col): reason
        for line, col, reason in con.execute(
            "SELECT line, column_name, reason FROM load_warnings WHERE file = ?",
            ["status_events_ce_fr.csv"],
        ).fetchall()
    }
    assert "from the event's wording" in warned[(2, "status_after")]
    assert "from the decision reference" in warned[(5, "deciding_body")]
    assert "not in the reference" in warned[(6, "deciding_body")]


def test_reports_cp1252_and_xlsx(con):
    rows = {
        (f, line): (kind, ps, pe, due, rec)
        for f, line, kind, ps, pe, due, rec in con.execute(
            "SELECT source_file, source_line, kind, period_start, period_end, due_date, "
            "received_date FROM partner_reports"
        ).fetchall()
    }
    assert rows[("reports_suivi_fr.csv", 2)] == (
        "periodic",
        dt.date(2013, 1, 1),
        dt.date(2016, 12, 31),
        dt.date(2017, 6, 30),
        dt.date(2017, 9, 12),
    )
    assert rows[("reports_suivi_fr.csv", 3)][0] == "financial"
    assert rows[("reports_suivi_fr.csv", 3)][4] is None  # "non reçu"
    assert rows[("reports_suivi_fr.csv", 5)][0] == "other"  # "Rapport spécial", text kept
    assert rows[("reports_tracking_en.xlsx", 5)][0] == "financial"  # "Financial statements"
    assert rows[("reports_tracking_en.xlsx", 3)][3:] == (dt.date(2021, 6, 30), dt.date(2021, 6, 2))
    assert rows[("reports_tracking_en.xlsx", 6)][4] is None  # "pending"
    kept = con.execute(
        "SELECT kind_as_given FROM partner_reports WHERE source_file = ? AND source_line = 5",
        ["reports_suivi_fr.csv"],
    ).fetchall()
    assert kept == [("Rapport spécial",)]
    encodings = dict(con.execute("SELECT file, encoding FROM etl_files").fetchall())
    assert encodings["reports_suivi_fr.csv"].lower() in ("cp1252", "windows-1252")


def test_status_history_follows_the_events(con):
    fit = _pid(con, "Fédération internationale des traducteurs")
    history = con.execute(
        "SELECT status, valid_from, valid_to, is_current, source_file FROM partner_status_history "
        "WHERE partner_id = ? ORDER BY valid_from",
        [fit],
    ).fetchall()
    assert history == [
        ("associate", dt.date(2011, 5, 1), dt.date(2013, 10, 1), False, "status_events_ce_fr.csv"),
        ("consultative", dt.date(2013, 10, 1), None, True, "status_events_ce_fr.csv"),
    ]
    current = con.execute(
        "SELECT count(*) FROM partners p WHERE (SELECT count(*) FROM partner_status_history h "
        "WHERE h.partner_id = p.partner_id AND h.is_current AND h.status = p.status) <> 1"
    ).fetchall()[0][0]
    assert current == 0  # one current status per partner, the one in partners


def test_partners_status_contradicting_last_event_is_warned(con):
    imc = _pid(con, "International Music Council")
    status = con.execute("SELECT status FROM partners WHERE partner_id = ?", [imc]).fetchall()
    assert status == [("associate",)]  # kept as the partners file gives it
    warned = con.execute(
        "SELECT file, line, reason, reason_template FROM load_warnings "
        "WHERE column_name = 'status' AND reason LIKE '%contradicts%'"
    ).fetchall()
    assert len(warned) == 1
    file, line, reason, template = warned[0]
    assert (file, line) == ("partners_lifecycle.csv", 10)
    assert "termination" in reason and "status_events_eb_en.csv:13" in reason
    assert template.startswith("current status %(status)r contradicts")


def test_reference_tables_loaded_with_sources(con):
    eb = con.execute(
        "SELECT session, number, start_date, end_date, status, date_quality FROM "
        "governing_sessions WHERE body = 'executive_board' ORDER BY number"
    ).fetchall()
    assert eb[0] == ("189 EX", 189, dt.date(2012, 2, 27), dt.date(2012, 3, 10), "held", "published")
    assert [r[1] for r in eb] == list(range(189, 189 + len(eb)))  # no session missing
    assert eb[-1][4] == "scheduled" and eb[-1][2] > dt.date(2026, 12, 2)
    ngp = con.execute(
        "SELECT count(*) FROM governing_sessions WHERE body = 'ngp_committee'"
    ).fetchall()[0][0]
    assert 0 < ngp < len(eb)  # ordinary sessions only
    conferences = con.execute(
        "SELECT start_date FROM governing_sessions WHERE body = 'ngo_conference' ORDER BY 1"
    ).fetchall()
    assert (dt.date(2024, 12, 17),) in conferences and len(conferences) >= 7
    assert con.execute(
        "SELECT count(*) FROM governing_sessions WHERE source IS NULL OR source = ''"
    ).fetchall() == [(0,)]
    rules = dict(con.execute("SELECT rule, value FROM lifecycle_rules").fetchall())
    assert rules["associate_renewal_years"] == "8"
    assert rules["request_cutoff_month_day"] == "11-30"
    assert rules["associate_deciding_body"] == "executive_board"
    assert rules["no_cooperation_years"] == "2"


def test_an_unusable_sessions_file_stops_the_load(tmp_path):
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    path = ref / "governing_sessions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("2013-04-10", "10/04/2013")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceInvalid) as e:
        load_directory(FIXTURE, tmp_path / "w.duckdb", ref, replace_all=True)
    assert "governing_sessions.csv:4" in str(e.value)


def test_reports_update_keeps_the_events(tmp_path, warehouse):
    db = tmp_path / "w.duckdb"
    shutil.copy(warehouse, db)
    only = tmp_path / "only"
    only.mkdir()
    shutil.copy(FIXTURE / "reports_tracking_en.xlsx", only)
    summary = load_directory(only, db)
    actions = {d.dataset: d.action for d in summary.datasets}
    assert actions["reports"] == "loaded" and actions["status_events"] == "kept"
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM status_events").fetchall() == [(17,)]
        assert c.execute("SELECT count(*) FROM partner_reports").fetchall() == [(4,)]
        history = c.execute(
            "SELECT count(*) FROM partner_status_history WHERE source_file LIKE 'status_events%'"
        ).fetchall()[0][0]
    assert history == 11  # rebuilt from the kept events, not doubled


def test_kept_events_of_a_partner_no_longer_loaded_are_rejected(tmp_path, warehouse):
    db = tmp_path / "w.duckdb"
    shutil.copy(warehouse, db)
    folder = tmp_path / "partners"
    folder.mkdir()
    lines = (FIXTURE / "partners_lifecycle.csv").read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if not ln.startswith("Education International,")]
    (folder / "partners_lifecycle.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    load_directory(folder, db)
    with duckdb.connect(str(db), read_only=True) as c:
        gone = c.execute(
            "SELECT file, line, reason FROM rejected_rows WHERE reason LIKE "
            "'unknown partner (no longer loaded%' ORDER BY file, line"
        ).fetchall()
        left = c.execute(
            "SELECT count(*) FROM status_events WHERE partner_id NOT IN "
            "(SELECT partner_id FROM partners)"
        ).fetchall()
    assert [(f, line) for f, line, _ in gone] == [
        ("reports_suivi_fr.csv", 2),
        ("status_events_eb_en.csv", 2),
        ("status_events_eb_en.csv", 4),
    ]
    assert left == [(0,)]


def test_read_event_by_wording_or_its_start():
    ref = Reference()
    assert read_event(ref, "Renouvellement") == "renewal"
    assert read_event(ref, "Admission au statut d'associé") == "admission"
    assert read_event(ref, "Reclassement du statut d’associé au statut consultatif") == (
        "reclassification"
    )
    assert read_event(ref, "Examen reporté") == "review_deferred"
    assert read_event(ref, "Taken note of the merger") is None


def test_a_folder_with_only_lifecycle_files_needs_partners(tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    shutil.copy(FIXTURE / "status_events_eb_en.csv", folder)
    with pytest.raises(LoadError):  # every event names a partner nobody loaded: refused
        load_directory(folder, tmp_path / "w.duckdb", replace_all=True)


# -- demo lifecycles ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from etl.demo import write_demo

    out = tmp_path_factory.mktemp("demo")
    write_demo(out, seed=42, n_activities=300)
    db = out / "w.duckdb"
    load_directory(out, db, replace_all=True)
    c = duckdb.connect(str(db), read_only=True)
    yield c
    c.close()


def test_demo_lifecycles_consistent_with_partners(demo):
    from etl.demo_lifecycle import TERMINATED

    wrong = demo.execute(
        """
        SELECT p.partner_id FROM partners p
        WHERE NOT EXISTS (SELECT 1 FROM partner_status_history h WHERE h.partner_id = p.partner_id
                          AND h.is_current AND h.status = p.status AND h.source_file LIKE 'status%')
          AND EXISTS (SELECT 1 FROM status_events e WHERE e.partner_id = p.partner_id
                      AND e.status_after IS NOT NULL)
        ORDER BY 1
        """
    ).fetchall()
    assert [w for (w,) in wrong] == sorted(TERMINATED)
    rejected = demo.execute(
        "SELECT file, value FROM rejected_rows WHERE file IN ('status_events.csv', 'reports.csv')"
    ).fetchall()
    assert sorted(rejected) == [("reports.csv", "NGO-7777"), ("status_events.csv", "NGO-7777")]


def test_demo_renewals_at_real_sessions_every_eight_years(demo):
    off = demo.execute(
        "SELECT count(*) FROM status_events WHERE deciding_body = 'executive_board' AND session "
        "NOT IN (SELECT session FROM governing_sessions WHERE body = 'executive_board')"
    ).fetchall()
    assert off == [(0,)]
    gaps = demo.execute(
        """
        SELECT months FROM (
            SELECT event, datediff('month', lag(event_date) OVER (
                PARTITION BY partner_id ORDER BY event_date), event_date) AS months
            FROM status_events
            WHERE status_after = 'associate' AND event IN ('admission', 'renewal')
        ) WHERE event = 'renewal'
        """
    ).fetchall()
    assert len(gaps) > 50
    assert all(96 <= m <= 96 + 14 for (m,) in gaps), sorted(set(gaps))
    kinds = dict(demo.execute("SELECT event, count(*) FROM status_events GROUP BY 1").fetchall())
    assert {"admission", "renewal", "reclassification", "termination", "suspension"} <= set(kinds)


def test_demo_reports_some_late_some_missing(demo):
    missing, late, total = demo.execute(
        "SELECT count(*) FILTER (WHERE received_date IS NULL), "
        "count(*) FILTER (WHERE received_date > due_date), count(*) FROM partner_reports"
    ).fetchall()[0]
    assert total > 500
    assert 0.03 < missing / total < 0.2 and 0.05 < late / total < 0.3
