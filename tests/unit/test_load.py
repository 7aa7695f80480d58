"""Load: the warehouse built from a folder, its bookkeeping, the atomic swap, and a property
test that every input row is either loaded or rejected."""

from __future__ import annotations

import csv
import hashlib
import json
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
        summary = load_directory(source, db, allow_empty=True)  # counting, not guarding

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


# -- loads that update ---------------------------------------------------------------------------


def _full_then(tmp_path: Path, **files) -> tuple[Path, object, object]:
    """A full load of the sample, then a second load of only `files` ({name: rows}).

    Returns (db, first summary, second summary)."""
    db = tmp_path / "w.duckdb"
    first_dir = tmp_path / "first"
    _write(first_dir, "partners.csv", PARTNERS)
    _write(first_dir, "activities.csv", ACTIVITIES)
    _write(first_dir, "participation.csv", PARTICIPATION)
    first = load_directory(first_dir, db)
    second_dir = tmp_path / "second"
    kwargs = files.pop("_kwargs", {})
    for name, rows in files.items():
        _write(second_dir, name, rows)
    second = load_directory(second_dir, db, **kwargs)
    return db, first, second


LIFECYCLE = ("status_events", "reports")


def _datasets(con) -> dict[str, tuple]:
    rows = _rows(con, "SELECT dataset, action, source_run_id, rows FROM etl_datasets")
    # Lifecycle datasets (issue 12) these cases never give stay out of the comparison.
    return {d: rest for d, *rest in rows if not (d in LIFECYCLE and rest[0] == "none")}


def test_a_partners_file_alone_updates_partners_and_keeps_the_rest(tmp_path):
    renamed = [row[:] for row in PARTNERS]
    renamed[1][1] = "Alpha renamed"
    db, first, second = _full_then(tmp_path, **{"partners.csv": renamed})
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _rows(con, "SELECT name FROM partners WHERE partner_id = 'P1'") == [
            ("Alpha renamed",)
        ]
        assert _rows(con, "SELECT count(*) FROM activities") == [(4,)]
        assert _rows(con, "SELECT count(*) FROM activity_partners") == [(5,)]
        assert _rows(con, "SELECT count(*) FROM participation") == [(1,)]
        assert _rows(con, "SELECT count(*) FROM activity_facts") == [(4,)]
        assert _datasets(con) == {
            "partners": ["loaded", second.run_id, 3],
            "activities": ["kept", first.run_id, 4],
            "participation": ["kept", first.run_id, 1],
        }
        # Which file came from which run; the runs that contributed are both described.
        assert _rows(con, "SELECT file, run_id FROM etl_files ORDER BY file") == [
            ("activities.csv", first.run_id),
            ("participation.csv", first.run_id),
            ("partners.csv", second.run_id),
        ]
        assert sorted(_rows(con, "SELECT run_id FROM etl_runs")) == sorted(
            [(first.run_id,), (second.run_id,)]
        )
        assert _rows(con, "SELECT run_id FROM v_latest_run") == [(second.run_id,)]
        # The kept activities' rejected row (A5, partner P4) is still on record.
        assert _rows(
            con, "SELECT file, line, run_id FROM rejected_rows WHERE file = 'activities.csv'"
        ) == [("activities.csv", 6, first.run_id)]
    finally:
        con.close()
    by_dataset = {d.dataset: d for d in second.datasets}
    assert by_dataset["activities"].action == "kept"
    assert second.to_json()["datasets"][1] == {
        "dataset": "activities",
        "action": "kept",
        "source_run_id": first.run_id,
        "rows": 4,
        "rejected": 0,
        "warnings": 0,
    }


def test_kept_rows_are_checked_against_the_updated_partners(tmp_path):
    # P2 disappears: A2 (only P2) is rejected, A1 (P1;P2) loses P2 with a warning, P1 stays lead.
    without_p2 = [r for r in PARTNERS if r[0] != "P2"]
    db, first, second = _full_then(tmp_path, **{"partners.csv": without_p2})
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _rows(con, "SELECT activity_id FROM activities ORDER BY 1") == [
            ("A1",),
            ("A3",),
            ("A4",),
        ]
        assert _rows(
            con, "SELECT partner_id, is_lead FROM activity_partners WHERE activity_id = 'A1'"
        ) == [("P1", True)]
        # This run's own file, and the kept row it rejected: filed under the run that read its
        # file (so per file rows_in = loaded + rejected), the reason naming this run.
        assert _rows(
            con,
            "SELECT file, line, column_name, value FROM rejected_rows WHERE run_id = ?",
            [second.run_id],
        ) == [("partners.csv", 4, "status", "bogus")]
        rejected = _rows(
            con,
            "SELECT run_id, file, line, column_name, value, reason, raw FROM rejected_rows "
            "WHERE reason LIKE '%no longer loaded%'",
        )
        assert [r[:5] for r in rejected] == [
            (first.run_id, "activities.csv", 3, "partner_ids", "P2")
        ]
        assert f"partners update of run {second.run_id}" in rejected[0][5]
        assert json.loads(rejected[0][6])["activity_id"] == "A2"
        warned = _rows(
            con,
            "SELECT run_id, file, line, column_name, value FROM load_warnings "
            "WHERE reason LIKE '%no longer loaded%'",
        )
        assert warned == [(first.run_id, "activities.csv", 2, "partner_ids", "P2")]
        # Per file, rows_in = loaded + rejected still holds, counting every run's rows.
        assert _rows(
            con,
            "SELECT rows_in, loaded, rejected, warnings FROM etl_files WHERE file = 'activities.csv'",
        ) == [
            (
                5,
                3,
                2,
                _rows(con, "SELECT count(*) FROM load_warnings WHERE file = 'activities.csv'")[0][
                    0
                ],
            )
        ]
        assert _rows(con, "SELECT count(*) FROM rejected_rows WHERE file = 'activities.csv'") == [
            (2,)
        ]
        # No bridge row of a rejected activity is left behind.
        for table in (
            "activity_functional_areas",
            "activity_countries",
            "activity_regions",
            "activity_facts",
        ):
            assert _rows(con, f"SELECT count(*) FROM {table} WHERE activity_id = 'A2'") == [(0,)]  # noqa: S608
    finally:
        con.close()
    acts = next(d for d in second.datasets if d.dataset == "activities")
    assert (acts.rows, acts.rejected, acts.warnings) == (3, 1, 1)


def test_a_lost_lead_partner_leaves_the_activity_without_a_lead(tmp_path):
    without_p1 = [r for r in PARTNERS if r[0] != "P1"]
    # P1's participation is the only one: the kept participation dataset may become empty.
    db, _, second = _full_then(
        tmp_path, **{"partners.csv": without_p1, "_kwargs": {"allow_empty": True}}
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _rows(con, "SELECT lead_partner_id FROM activities WHERE activity_id = 'A1'") == [
            (None,)
        ]
        assert _rows(
            con, "SELECT partner_id, is_lead FROM activity_partners WHERE activity_id = 'A1'"
        ) == [("P2", False)]
        reasons = [
            r
            for (r,) in _rows(
                con, "SELECT reason FROM load_warnings WHERE reason LIKE ?", [f"%{second.run_id}%"]
            )
        ]
        assert any("lead partner" in r for r in reasons)
        # P1's participation row is rejected, not silently dropped.
        assert _rows(con, "SELECT count(*) FROM participation") == [(0,)]
        assert _rows(
            con,
            "SELECT file, line FROM rejected_rows WHERE reason LIKE ? AND file = 'participation.csv'",
            [f"%{second.run_id}%"],
        ) == [("participation.csv", 2)]
    finally:
        con.close()


def test_an_activities_file_alone_is_checked_against_the_kept_partners(tmp_path):
    acts = [
        ACTIVITIES[0],
        ["B1", "P3", "New", "bilateral", "ED", "", "KEN", "2023-01-01", "5"],
        ["B2", "P4", "Unknown partner", "bilateral", "ED", "", "", "", ""],
    ]
    db, first, second = _full_then(tmp_path, **{"activities.csv": acts})
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _rows(con, "SELECT activity_id FROM activities") == [("B1",)]
        assert _rows(con, "SELECT reason FROM rejected_rows WHERE run_id = ?", [second.run_id]) == [
            ("unknown partner id (no known partner): 'P4'",)
        ]
        assert _rows(con, "SELECT count(*) FROM partners") == [(3,)]
        assert _datasets(con)["partners"] == ["kept", first.run_id, 3]
        assert _datasets(con)["activities"] == ["loaded", second.run_id, 1]
    finally:
        con.close()


def test_replace_all_starts_from_nothing(tmp_path):
    db = tmp_path / "w.duckdb"
    first = tmp_path / "first"
    _write(first, "partners.csv", PARTNERS)
    _write(first, "activities.csv", ACTIVITIES)
    load_directory(first, db)
    second = tmp_path / "second"
    _write(second, "partners.csv", PARTNERS)
    summary = load_directory(second, db, replace_all=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _rows(con, "SELECT count(*) FROM activities") == [(0,)]
        assert _rows(con, "SELECT count(*) FROM etl_runs") == [(1,)]
        assert _rows(con, "SELECT DISTINCT run_id FROM rejected_rows") == [(summary.run_id,)]
        assert _datasets(con)["activities"] == ["none", None, 0]
    finally:
        con.close()


def test_kept_activities_follow_a_region_move_in_the_reference(tmp_path):
    from etl.reference import REFERENCE_DIR

    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    path = ref / "countries.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "KEN,KE,Kenya,Kenya,AFR", "KEN,KE,Kenya,Kenya,ARB"
        ),
        encoding="utf-8",
    )
    db, _, _ = _full_then(tmp_path, **{"partners.csv": PARTNERS, "_kwargs": {"reference_dir": ref}})
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _rows(con, "SELECT region_code FROM activity_countries WHERE iso3 = 'KEN'") == [
            ("ARB",)
        ]
        assert _rows(
            con,
            "SELECT region_code, round(share, 3) FROM activity_regions WHERE activity_id = 'A1' ORDER BY 1",
        ) == [("ARB", 0.333), ("ENA", 0.333), ("LAC", 0.333)]
        assert _rows(con, "SELECT hq_region_code FROM partners WHERE partner_id = 'P2'") == [
            ("ARB",)
        ]
    finally:
        con.close()


def test_keeping_data_from_a_warehouse_of_another_etl_version_is_refused(tmp_path):
    db = tmp_path / "w.duckdb"
    first = tmp_path / "first"
    _write(first, "partners.csv", PARTNERS)
    _write(first, "activities.csv", ACTIVITIES)
    load_directory(first, db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE etl_runs SET etl_version = '0'")
    con.close()
    before = db.read_bytes()
    second = tmp_path / "second"
    _write(second, "partners.csv", PARTNERS)
    with pytest.raises(load_module.LoadError, match="--replace-all"):
        load_directory(second, db)
    assert db.read_bytes() == before
    load_directory(second, db, replace_all=True)  # starting from nothing needs nothing kept


# -- a load that would empty a dataset -----------------------------------------------------------


def test_a_load_where_every_row_is_rejected_keeps_the_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    good = tmp_path / "good"
    _write(good, "partners.csv", PARTNERS)
    load_directory(good, db)
    before = db.read_bytes()
    bad = tmp_path / "bad"
    _write(bad, "partners.csv", [PARTNERS[0]] + [[f"X{i}", ""] + [""] * 8 for i in range(3)])
    with pytest.raises(load_module.EmptyLoadRefused, match="--allow-empty") as caught:
        load_directory(bad, db)
    assert "partners" in str(caught.value) and "name is required" in str(caught.value)
    assert caught.value.files[0].rejected == 3
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "good", "w.duckdb"]

    summary = load_directory(bad, db, allow_empty=True)
    assert summary.totals["loaded"] == 0


def test_a_partner_update_that_orphans_every_kept_activity_is_refused(tmp_path):
    db = tmp_path / "w.duckdb"
    first = tmp_path / "first"
    _write(first, "partners.csv", PARTNERS)
    _write(first, "activities.csv", ACTIVITIES)
    load_directory(first, db)
    before = db.read_bytes()
    second = tmp_path / "second"
    # The same organisations under a new id scheme: every kept activity would lose its partners.
    _write(second, "partners.csv", [PARTNERS[0]] + [["N-" + r[0]] + r[1:] for r in PARTNERS[1:]])
    with pytest.raises(load_module.EmptyLoadRefused, match="activities"):
        load_directory(second, db)
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("*.building-*"))


# -- leftovers of a killed load, concurrent loads, a full disk ----------------------------------


def test_files_of_a_killed_load_are_removed_by_the_next(tmp_path):
    db = tmp_path / "w.duckdb"
    source = tmp_path / "in"
    _write(source, "partners.csv", PARTNERS)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = [
            tmp_path / f"w.duckdb.building-{dead_pid}",
            tmp_path / f"w.duckdb.building-{dead_pid}.wal",
        ]
        for p in stale:
            p.write_bytes(b"half a warehouse")
        (tmp_path / f"w.duckdb.building-{dead_pid}.tmp").mkdir()
        (tmp_path / f"w.duckdb.building-{dead_pid}.tmp" / "spill.block").write_bytes(b"x")
        live = tmp_path / f"w.duckdb.building-{alive.pid}"
        live.write_bytes(b"another load at work")
        summary = load_directory(source, db)
        assert sorted(summary.removed_files) == sorted(
            [p.name for p in stale] + [f"w.duckdb.building-{dead_pid}.tmp"]
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in", "w.duckdb", live.name])
    finally:
        alive.kill()
        alive.wait()


def test_a_second_load_at_the_same_time_is_refused(tmp_path):
    db = tmp_path / "w.duckdb"
    source = tmp_path / "in"
    _write(source, "partners.csv", PARTNERS)
    with load_module.exclusive_load(db):
        with pytest.raises(load_module.LoadBusy, match="another load"):
            load_directory(source, db)
    load_directory(source, db)  # the lock is released with its holder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "w.duckdb"]


def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")


def test_a_full_disk_exits_with_its_code_and_keeps_the_warehouse(tmp_path, run_cli):
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "24m")  # room for a first warehouse with every table of the schema
    try:
        db = disk / "w.duckdb"
        small = tmp_path / "small"
        _write(small, "partners.csv", PARTNERS)
        assert run_cli("load", small, "--db", db)[0] == 0
        before = db.read_bytes()
        # Leave less room than a new warehouse needs.
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / "filler").write_bytes(b"\0" * max(free - 64 * 1024, 0))
        big = tmp_path / "big"
        _write(big, "partners.csv", PARTNERS)
        _write(
            big,
            "activities.csv",
            [ACTIVITIES[0]]
            + [
                [
                    f"A{i}",
                    "P1",
                    f"Workshop {i} " + "x" * 200,
                    "bilateral",
                    "ED",
                    "advocacy",
                    "FRA;KEN",
                    "2020-01-01",
                    "9",
                ]
                for i in range(20000)
            ],
        )
        code, out, err = run_cli("load", big, "--db", db)
        assert code == load_module.EXIT_DISK_FULL == 4, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert "no space left" in err and str(disk) in err
        assert db.read_bytes() == before
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "w.duckdb"]

        code, out, _ = run_cli("load", big, "--db", db, "--json")
        import json

        assert code == 4 and json.loads(out)["error_code"] == "disk_full"
        assert db.read_bytes() == before
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_load_killed_while_building_leaves_the_warehouse_and_is_cleaned_up(tmp_path):
    """The real thing: SIGKILL a load in another process while it writes its building file."""
    import signal
    import time

    db = tmp_path / "w.duckdb"
    small = tmp_path / "small"
    _write(small, "partners.csv", PARTNERS)
    load_directory(small, db)
    before = db.read_bytes()
    big = tmp_path / "big"
    _write(big, "partners.csv", PARTNERS)
    rows = [ACTIVITIES[0]] + [
        [f"A{i}", "P1;P3", f"Workshop {i}", "bilateral", "ED", "advocacy", "FRA;KEN;BRA"]
        + ["2020-01-01", "9"]
        for i in range(60_000)
    ]
    _write(big, "activities.csv", rows)
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(big), "--db", str(db)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    building = tmp_path / f"w.duckdb.building-{proc.pid}"
    deadline = time.monotonic() + 120
    while not building.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert building.exists(), "the load finished before it could be killed"
    with pytest.raises(load_module.LoadBusy, match=f"pid {proc.pid}"):
        load_directory(small, db)  # another process holds the load lock
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert db.read_bytes() == before  # the warehouse a killed load leaves is the previous one
    assert building.exists()  # nothing could clean up after SIGKILL ...
    summary = load_directory(small, db)  # ... so the next load does, and is not locked out
    assert building.name in summary.removed_files
    assert not list(tmp_path.glob("w.duckdb.building-*"))
    assert not (tmp_path / "w.duckdb.lock").exists()


# -- any sequence of updating loads keeps the books straight (property test) --------------------

_PID = st.sampled_from(["P1", "P2", "P3", "P4", ""])
_UPDATE_PARTNER = st.tuples(_PID, st.sampled_from(["consultative", "associate", "bogus"]))
_UPDATE_ACTIVITY = st.tuples(
    st.sampled_from(["A1", "A2", "A3", "A4"]),
    st.sampled_from(["P1", "P2", "P3;P4", "P4;P1", "P9", ""]),
)
_UPDATE_PARTICIPATION = st.sampled_from(["P1", "P2", "P3", "P9"])
_UPDATE_LOAD = st.fixed_dictionaries(
    {
        "partners": st.none() | st.lists(_UPDATE_PARTNER, max_size=5),
        "activities": st.none() | st.lists(_UPDATE_ACTIVITY, max_size=5),
        "participation": st.none() | st.lists(_UPDATE_PARTICIPATION, max_size=4),
        "replace_all": st.booleans(),
    }
).filter(lambda d: any(d[k] is not None for k in DATASET_NAMES))
DATASET_NAMES = ("partners", "activities", "participation")


def _write_update(folder: Path, load: dict) -> None:
    folder.mkdir()
    if load["partners"] is not None:
        _write(
            folder,
            "partners.csv",
            [["partner_id", "name", "status"]] + [[p, f"Org {p}", s] for p, s in load["partners"]],
        )
    if load["activities"] is not None:
        _write(
            folder,
            "activities.csv",
            [["activity_id", "partner_ids", "title", "field"]]
            + [[a, p, f"Activity {a}", "ED"] for a, p in load["activities"]],
        )
    if load["participation"] is not None:
        _write(
            folder,
            "participation.csv",
            [["partner_id", "mechanism"]] + [[p, "forum"] for p in load["participation"]],
        )


@settings(
    max_examples=int(os.environ.get("ETL_PROPERTY_EXAMPLES", "12")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(loads=st.lists(_UPDATE_LOAD, min_size=1, max_size=4))
def test_any_sequence_of_updating_loads_keeps_the_books(loads):
    folder = Path(tempfile.mkdtemp(prefix="etl-upd-"))
    try:
        db = folder / "w.duckdb"
        source_run: dict[str, str | None] = dict.fromkeys(DATASET_NAMES)
        for n, load in enumerate(loads):
            _write_update(folder / f"in{n}", load)
            summary = load_directory(
                folder / f"in{n}", db, replace_all=load["replace_all"], allow_empty=True
            )
            for d in DATASET_NAMES:
                if load[d] is not None:
                    source_run[d] = summary.run_id
                elif load["replace_all"]:
                    source_run[d] = None
            con = duckdb.connect(":memory:")
            con.execute(f"ATTACH '{db}' AS w (READ_ONLY)")
            con.execute("USE w")
            try:
                got = dict(_rows(con, "SELECT dataset, source_run_id FROM etl_datasets"))
                assert {d: got.pop(d) for d in LIFECYCLE} == dict.fromkeys(LIFECYCLE)  # none
                assert got == source_run
                # Every run a dataset came from is described, and only those plus this one.
                runs = {r for (r,) in _rows(con, "SELECT run_id FROM etl_runs")}
                assert runs == {r for r in source_run.values() if r} | {summary.run_id}
                # Per file: rows_in = loaded + rejected, and the rows are where the counts say.
                for run_id, file, kind, rows_in, loaded_n, rejected_n in _rows(
                    con, "SELECT run_id, file, kind, rows_in, loaded, rejected FROM etl_files"
                ):
                    assert rows_in == loaded_n + rejected_n, file
                    assert source_run[kind] == run_id
                    # A partner row merged into another (same derived id) is loaded into that
                    # partner: every loaded partner row leaves its status, with its line.
                    count = (
                        "SELECT count(DISTINCT source_line) FROM partner_status_history "
                        "WHERE source_file = ?"
                        if kind == "partners"
                        else f"SELECT count(*) FROM {kind} WHERE source_file = ?"  # noqa: S608
                    )
                    (stored,) = _rows(con, count, [file])
                    assert stored == (loaded_n,), file
                    (rej,) = _rows(
                        con,
                        "SELECT count(*) FROM rejected_rows WHERE run_id = ? AND file = ?",
                        [run_id, file],
                    )
                    assert rej == (rejected_n,), file
                assert _rows(
                    con,
                    "SELECT count(*) FROM rejected_rows r ANTI JOIN etl_files f "
                    "USING (run_id, file)",
                ) == [(0,)]
                # The merged result refers only to loaded partners.
                for table in ("activity_partners", "participation"):
                    assert _rows(
                        con,
                        f"SELECT count(*) FROM {table} ANTI JOIN partners USING (partner_id)",  # noqa: S608
                    ) == [(0,)]
                assert _rows(
                    con,
                    "SELECT count(*) FROM activities a WHERE NOT EXISTS "
                    "(SELECT 1 FROM activity_partners p WHERE p.activity_id = a.activity_id)",
                ) == [(0,)]
            finally:
                con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_kept_rows_with_a_code_the_new_reference_lacks_are_kept_and_warned(tmp_path):
    from etl.reference import REFERENCE_DIR

    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    path = ref / "functional_areas.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("research,")), "utf-8")
    db, first, second = _full_then(
        tmp_path, **{"partners.csv": PARTNERS, "_kwargs": {"reference_dir": ref}}
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        # A2 ("research") is kept with its area, and warned about on its own line.
        assert _rows(
            con, "SELECT area_code FROM activity_functional_areas WHERE activity_id = 'A2'"
        ) == [("research",)]
        warned = _rows(
            con,
            "SELECT run_id, file, line, column_name, value FROM load_warnings WHERE reason LIKE ?",
            [f"%checked by run {second.run_id}%"],
        )
        assert warned == [(first.run_id, "activities.csv", 3, "area_code", "research")]
        (n,) = _rows(con, "SELECT warnings FROM etl_files WHERE file = 'activities.csv'")
        assert (
            n == _rows(con, "SELECT count(*) FROM load_warnings WHERE file = 'activities.csv'")[0]
        )
    finally:
        con.close()
    acts = next(d for d in second.datasets if d.dataset == "activities")
    assert acts.warnings == 1


def test_a_stale_wal_beside_the_warehouse_is_removed_before_the_swap(tmp_path):
    db = tmp_path / "w.duckdb"
    source = tmp_path / "in"
    _write(source, "partners.csv", PARTNERS)
    load_directory(source, db)
    wal = tmp_path / "w.duckdb.wal"
    wal.write_bytes(b"\x00garbage a dead writer left" * 100)
    summary = load_directory(source, db)
    assert summary.removed_files == ["w.duckdb.wal"] and not wal.exists()
    assert _partners_in_fresh_process(db) == 3
