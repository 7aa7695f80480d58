"""Load: the warehouse built from a folder, its bookkeeping, the atomic swap, and a property
test that every input row is either loaded or rejected."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import load as load_module
from etl.extract import ExtractError
from etl.load import load_directory

PARTNERS = [
    ["partner_id", "name", "partner_type", "status", "status_since", "previous_status"]
    + ["hq_country", "relations_since", "fields", "website"],
    ["P1", "Alpha", "ngo", "consultative", "2015-03-01", "associate", "FRA", "2001", "ED;SC", ""],
    ["P2", "Beta", "foundation", "", "", "", "Kenya", "2010", "CLT", "https://b.example"],
    ["P3", "Gamma", "ngo", "associate", "", "", "Brésil", "", "CI", ""],
    ["P4", "Rejected", "ngo", "bogus", "", "", "", "", "", ""],
]
ACTIVITIES = [
    ["activity_id", "partner_ids", "title", "modality", "field", "functional_areas"]
    + ["countries", "start_date", "budget_usd"],
    ["A1", "P1;P2", "Multi-country", "bilateral", "ED", "capacity building;advocacy"]
    + ["FRA;KEN;BRA", "2020-01-01", "900"],
    [
        "A2",
        "P2",
        "Regional",
        "collective",
        "SC",
        "research",
        "Africa;Arab States",
        "2021-01-01",
        "100",
    ],
    ["A3", "P3", "Global", "bilateral", "CI", "", "Global", "2021-06-01", "50"],
    [
        "A4",
        "P1",
        "Country and region",
        "bilateral",
        "CLT",
        "",
        "FRA;Asia and the Pacific",
        "",
        "10",
    ],
    ["A5", "P4", "Partner rejected", "bilateral", "ED", "", "", "", ""],
]
PARTICIPATION = [
    ["partner_id", "mechanism", "event", "event_date", "role"],
    ["P1", "forum", "NGO Forum 2022", "2022-05-01", "speaker"],
]


def _write(folder: Path, name: str, rows) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return folder / name


@pytest.fixture
def loaded(tmp_path):
    """A warehouse built from the small sample above: (summary, read-only connection)."""
    source = tmp_path / "in"
    _write(source, "partners.csv", PARTNERS)
    _write(source, "activities.csv", ACTIVITIES)
    _write(source, "participation.csv", PARTICIPATION)
    summary = load_directory(source, tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    yield summary, con
    con.close()


def _rows(con, sql, params=()):
    return con.execute(sql, list(params)).fetchall()


# -- the warehouse -----------------------------------------------------------------------------


def test_summary_and_bookkeeping(loaded, tmp_path):
    summary, con = loaded
    counts = {f.file: (f.rows_in, f.loaded, f.rejected) for f in summary.files}
    assert counts == {
        "partners.csv": (4, 3, 1),
        "activities.csv": (5, 4, 1),
        "participation.csv": (1, 1, 0),
    }
    (run,) = _rows(
        con,
        "SELECT run_id, status, rows_in, loaded, rejected, started_at <= finished_at FROM etl_runs",
    )
    assert run == (summary.run_id, "succeeded", 10, 8, 2, True)
    files = _rows(con, "SELECT file, kind, sha256, encoding FROM etl_files ORDER BY file")
    for file, kind, sha, encoding in files:
        data = (tmp_path / "in" / file).read_bytes()
        assert sha == hashlib.sha256(data).hexdigest()
        assert kind == file.removesuffix(".csv") and encoding == "utf-8"
    assert len(files) == 3
    assert _rows(con, "SELECT run_id FROM v_latest_run") == [(summary.run_id,)]
    assert _rows(con, "SELECT DISTINCT run_id FROM rejected_rows") == [(summary.run_id,)]


def test_reference_tables_are_loaded(loaded):
    _, con = loaded
    assert _rows(con, "SELECT code, bit FROM regions ORDER BY sort_order") == [
        ("AFR", 1),
        ("ARB", 2),
        ("APA", 4),
        ("ENA", 8),
        ("LAC", 16),
    ]
    assert _rows(con, "SELECT count(*) FROM countries")[0][0] > 240
    assert _rows(con, "SELECT count(*) FROM fields_of_competence")[0][0] == 5
    assert _rows(
        con,
        "SELECT code FROM vocabularies WHERE vocabulary = 'partner_status' ORDER BY sort_order",
    ) == [("consultative",), ("associate",), ("official_relations",), ("not_stated",)]


def test_activities_of_a_rejected_partner_are_rejected(loaded):
    _, con = loaded
    assert _rows(con, "SELECT reason FROM rejected_rows WHERE file = 'activities.csv'") == [
        ("unknown partner id (no known partner): 'P4'",)
    ]
    orphans = "SELECT count(*) FROM activity_partners WHERE partner_id NOT IN (SELECT partner_id FROM partners)"
    assert _rows(con, orphans) == [(0,)]


def test_status_history_in_the_warehouse(loaded):
    _, con = loaded
    assert _rows(
        con,
        "SELECT partner_id, status, CAST(valid_from AS VARCHAR), CAST(valid_to AS VARCHAR) "
        "FROM partner_status_history ORDER BY partner_id, valid_to NULLS LAST",
    ) == [
        # No period starts on 1 January of the relations year: the source gives no such date.
        ("P1", "associate", None, "2015-03-01"),
        ("P1", "consultative", "2015-03-01", None),
        ("P2", "not_stated", None, None),  # a foundation without a status is not stated
        ("P3", "associate", None, None),
    ]


def test_budget_shares_never_double_count(loaded):
    _, con = loaded
    per_activity = dict(
        _rows(con, "SELECT activity_id, sum(budget_share_usd) FROM activity_countries GROUP BY 1")
    )
    assert per_activity["A1"] == pytest.approx(900)  # three countries, 300 each
    assert per_activity["A4"] == pytest.approx(5)  # half to France, half to Asia-Pacific
    by_region = dict(
        _rows(con, "SELECT activity_id, sum(budget_share_usd) FROM activity_regions GROUP BY 1")
    )
    assert by_region == pytest.approx({"A1": 900, "A2": 100, "A4": 10})  # A3 is global
    # The views add up to the budgets of located activities, each counted once.
    assert _rows(con, "SELECT sum(budget_usd) FROM v_activity_by_region")[0][0] == pytest.approx(
        1010
    )
    assert _rows(con, "SELECT sum(budget_usd) FROM v_activity_by_country")[0][0] == pytest.approx(
        905
    )
    assert _rows(
        con, "SELECT iso3, activities, budget_usd FROM v_activity_by_country WHERE iso3 = 'FRA'"
    ) == [("FRA", 2, pytest.approx(305))]
    assert _rows(con, "SELECT sum(budget_usd) FROM v_activity_by_field_year")[0][0] == 1060


def test_activity_facts_bitmasks(loaded):
    _, con = loaded
    bits = lambda table, where="": dict(_rows(con, f"SELECT code, bit FROM {table} {where}"))  # noqa: E731, S608
    area, region = bits("functional_areas"), bits("regions")
    status = bits("vocabularies", "WHERE vocabulary = 'partner_status'")
    ptype = bits("vocabularies", "WHERE vocabulary = 'partner_type'")
    facts = {
        r[0]: r[1:]
        for r in _rows(
            con,
            "SELECT activity_id, area_mask, region_mask, partner_status_mask, partner_type_mask, "
            "countries, geo_scope, budget_usd FROM activity_facts",
        )
    }
    assert facts["A1"] == (
        area["capacity_building"] | area["advocacy"],
        region["ENA"] | region["AFR"] | region["LAC"],
        status["consultative"] | status["not_stated"],
        ptype["ngo"] | ptype["foundation"],
        ["BRA", "FRA", "KEN"],
        "multi_country",
        900,
    )
    assert facts["A2"][:2] == (area["research"], region["AFR"] | region["ARB"])
    assert facts["A3"][1] == 0 and facts["A3"][4] == [] and facts["A3"][5] == "global"
    assert facts["A4"][1] == region["ENA"] | region["APA"]
    # A filter on one area is one AND: activities with advocacy.
    with_advocacy = _rows(
        con,
        "SELECT activity_id FROM activity_facts WHERE area_mask & ? <> 0",
        [area["advocacy"]],
    )
    assert with_advocacy == [("A1",)]


def test_views_name_codes(loaded):
    _, con = loaded
    assert _rows(
        con, "SELECT field_name_fr, lead_partner_name FROM v_activities WHERE activity_id = 'A1'"
    ) == [("Éducation", "Alpha")]
    assert _rows(
        con,
        "SELECT hq_country_name_fr, hq_region_name_en, activities, activities_as_lead, fields "
        "FROM v_partners WHERE partner_id = 'P1'",
    ) == [("France", "Europe and North America", 2, 2, "ED;SC")]
    assert _rows(con, "SELECT partner_name, role FROM v_participation") == [("Alpha", "speaker")]


# -- the atomic swap ---------------------------------------------------------------------------


def _partners_in_fresh_process(db: Path) -> int:
    """Count partners with a brand-new connection in another process.

    In-process, `duckdb.connect(path)` reuses an open database instance for the same path, so a
    second connection would see the old file while the first is open: a new process shows what a
    newly started reader sees.
    """
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(c.execute('SELECT count(*) FROM partners').fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


def test_atomic_swap_while_a_reader_holds_the_old_file(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    first = tmp_path / "first"
    _write(first, "partners.csv", PARTNERS[:2])  # one partner
    load_directory(first, db)
    old_inode = db.stat().st_ino

    reader = duckdb.connect(str(db), read_only=True)
    try:
        assert reader.execute("SELECT count(*) FROM partners").fetchone()[0] == 1
        second = tmp_path / "second"
        _write(second, "partners.csv", PARTNERS)  # three partners loaded
        load_directory(second, db)

        assert db.stat().st_ino != old_inode  # a new file took the name
        # The open connection still reads the file it opened, consistently.
        assert reader.execute("SELECT count(*) FROM partners").fetchone()[0] == 1
        assert reader.execute("SELECT count(*) FROM etl_runs").fetchone()[0] == 1
        # A new reader sees the new warehouse.
        assert _partners_in_fresh_process(db) == 3
    finally:
        reader.close()
    assert not list(tmp_path.glob("*.building-*"))


def test_failed_load_leaves_the_previous_warehouse_byte_identical(tmp_path, run_cli):
    db = tmp_path / "warehouse.duckdb"
    good = tmp_path / "good"
    _write(good, "partners.csv", PARTNERS)
    assert run_cli("load", good, "--db", db)[0] == 0
    before = db.read_bytes()
    stat = db.stat()

    bad = tmp_path / "bad"
    _write(bad, "partners.csv", PARTNERS)
    _write(bad, "activities.csv", [["activity_id", "partner_ids", "field"], ["A1", "P1", "ED"]])
    code, out, err = run_cli("load", bad, "--db", db)

    assert code == 2 and out == ""
    assert "required column(s) missing: title" in err
    assert db.read_bytes() == before
    assert db.stat().st_ino == stat.st_ino and db.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "good", "warehouse.duckdb"]


def test_failure_while_building_keeps_the_old_file_and_cleans_up(tmp_path, monkeypatch):
    db = tmp_path / "warehouse.duckdb"
    source = tmp_path / "in"
    _write(source, "partners.csv", PARTNERS)
    load_directory(source, db)
    before = db.read_bytes()

    def broken_reference(con, ref):
        raise RuntimeError("simulated failure in the middle of a build")

    monkeypatch.setattr(load_module, "_load_reference", broken_reference)
    with pytest.raises(RuntimeError, match="simulated"):
        load_directory(source, db)
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("*.building-*"))


def test_unreadable_file_stops_before_building(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "partners.xlsx").write_bytes(b"not a spreadsheet")
    with pytest.raises(ExtractError, match="not a readable spreadsheet"):
        load_directory(source, tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()


# -- every row is loaded or rejected (property test) -------------------------------------------

PARTNER_IDS = [f"P{i}" for i in range(1, 7)]
JUNK = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
    max_size=12,
) | st.sampled_from(
    ["=1+1", "<script>alert(1)</script>", '"quoted"', "a,b", "a;b", "two\nlines", " ", "@SUM(A1)"]
)


def _maybe(*values) -> st.SearchStrategy[str]:
    """One of the given values, empty, or junk."""
    return st.one_of(st.sampled_from(values), st.just(""), JUNK)


DATES = _maybe("2020-01-31", "31/12/2019", "2021", "2020-02-30", "12/31/2020", "1850-01-01")
PARTNER_ROW = st.fixed_dictionaries(
    {
        "partner_id": _maybe(*PARTNER_IDS),
        "name": _maybe("Alpha", "Société <b>", '=HYPERLINK("x")'),
        "partner_type": _maybe("ngo", "Fondation", "club"),
        "status": _maybe("consultative", "associé", "Relations officielles", "observer"),
        "status_since": DATES,
        "previous_status": _maybe("associate", "member"),
        "hq_country": _maybe("FRA", "Côte d'Ivoire", "Iran (Islamic Republic of)", "Narnia"),
        "relations_since": _maybe("1998", "2010-05-01", "19x5"),
        "fields": _maybe("ED", "ED;SC", "Culture|CI", "ED, Magic"),
        "website": _maybe("https://a.example", "www.a.example"),
    }
)
ACTIVITY_ROW = st.fixed_dictionaries(
    {
        "activity_id": _maybe(*[f"A{i}" for i in range(1, 10)]),
        "partner_ids": _maybe(*PARTNER_IDS, "P1;P2", "P3|PX", "PX", "P1, P404"),
        "title": _maybe("Workshop", "<i>t</i>"),
        "modality": _maybe("bilateral", "collective", "trilateral"),
        "field": _maybe("ED", "Culture", "Magic"),
        "functional_areas": _maybe("advocacy", "Plaidoyer|research", "juggling"),
        "countries": _maybe("FRA;KEN", "Africa", "Global", "FRA|Asia and the Pacific", "Atlantis"),
        "start_date": DATES,
        "end_date": DATES,
        "status": _maybe("ongoing", "achevée", "paused"),
        "budget_usd": _maybe("1000", "12,500.50", "-5", "60000000", "lots", "inf"),
    }
)
# A row may carry extra cells (a ragged row), which are junk or empty.
EXTRA = st.lists(JUNK, max_size=2)


def _write_rows(path: Path, columns: list[str], rows: list[tuple[dict, list]]) -> int:
    """Write a CSV; return the number of rows that are not blank (the expected rows_in)."""
    non_blank = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for row, extra in rows:
            cells = [row[c] for c in columns] + extra
            w.writerow(cells)
            non_blank += any(c.strip() for c in cells)
    return non_blank


@settings(
    # ~30 examples keep the suite fast; ETL_PROPERTY_EXAMPLES=500 for a deeper hunt.
    max_examples=int(os.environ.get("ETL_PROPERTY_EXAMPLES", "30")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    partners=st.lists(st.tuples(PARTNER_ROW, EXTRA), max_size=12),
    activities=st.lists(st.tuples(ACTIVITY_ROW, EXTRA), max_size=12),
)
def test_every_row_is_loaded_or_rejected(partners, activities):
    folder = Path(tempfile.mkdtemp(prefix="etl-prop-"))
    try:
        source = folder / "in"
        source.mkdir()
        expected_in = {
            "partners.csv": _write_rows(
                source / "partners.csv", list(PARTNER_ROW_COLUMNS), partners
            ),
            "activities.csv": _write_rows(
                source / "activities.csv", list(ACTIVITY_ROW_COLUMNS), activities
            ),
        }
        n_lines = {
            name: (source / name).read_text(encoding="utf-8").count("\n") for name in expected_in
        }
        db = folder / "w.duckdb"
        summary = load_directory(source, db)

        by_file = {f.file: f for f in summary.files}
        con = duckdb.connect(str(db), read_only=True)
        try:
            for name, f in by_file.items():
                assert f.rows_in == f.loaded + f.rejected, name
                assert f.rows_in == expected_in[name], name
                lines = [
                    line
                    for (line,) in con.execute(
                        "SELECT line FROM rejected_rows WHERE file = ?", [name]
                    ).fetchall()
                ]
                assert len(lines) == f.rejected
                assert len(set(lines)) == len(lines), f"{name}: a line rejected twice"
                assert all(2 <= line <= n_lines[name] for line in lines), (name, lines)
                # Warnings are about loaded rows only.
                table = name.removesuffix(".csv")
                warned = con.execute(
                    f"SELECT count(*) FROM load_warnings WHERE file = ? AND line NOT IN "  # noqa: S608
                    f"(SELECT source_line FROM {table} WHERE source_file = ?)",
                    [name, name],
                ).fetchone()[0]
                assert warned == 0, f"{name}: a warning about a row that was not loaded"
            for table in ("partners", "activities"):
                count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                assert count == by_file[f"{table}.csv"].loaded
            orphans = con.execute(
                "SELECT count(*) FROM activity_partners "
                "WHERE partner_id NOT IN (SELECT partner_id FROM partners)"
            ).fetchone()[0]
            assert orphans == 0
            # Countries and named regions share each located activity exactly once.
            bad_shares = con.execute(
                "SELECT count(*) FROM ("
                "  SELECT activity_id, sum(share) AS s FROM ("
                "    SELECT activity_id, share FROM activity_countries UNION ALL "
                "    SELECT activity_id, share FROM activity_regions WHERE via = 'regional')"
                "  GROUP BY 1) WHERE abs(s - 1) > 1e-9"
            ).fetchone()[0]
            assert bad_shares == 0
        finally:
            con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


PARTNER_ROW_COLUMNS = [
    "partner_id",
    "name",
    "partner_type",
    "status",
    "status_since",
    "previous_status",
    "hq_country",
    "relations_since",
    "fields",
    "website",
]
ACTIVITY_ROW_COLUMNS = [
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
