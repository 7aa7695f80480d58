"""IATI import (issue 10) on the fixtures of tests/fixtures/iati/ (shapes in its README).

The `load` folder is loaded once into a real warehouse; the expected numbers below are worked
out by hand from the XML.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl import iati
from etl.extract import ExtractError
from etl.load import load_directory, summary_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "iati"
KEN = "XM-DAC-41304-552KEN4000"
NGA = "XM-DAC-41304-NGA-HERITAGE"
MEDIA = "XM-DAC-41304-GLOBAL-MEDIA"
RADIO = "XM-DAC-41304-SEN-RADIO"
PROG = "XM-DAC-41304-PROG-SCI"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """(summary, read-only connection) of a warehouse built from tests/fixtures/iati/load."""
    db = tmp_path_factory.mktemp("iati") / "w.duckdb"
    summary = load_directory(FIXTURES / "load", db)
    con = duckdb.connect(str(db), read_only=True)
    yield summary, con
    con.close()


def rows(con, sql, params=()):
    return con.execute(sql, params).fetchall()


def one(con, sql, params=()):
    return con.execute(sql, params).fetchone()


def test_iati_files_are_recognised_by_content_whatever_their_name(loaded):
    summary, con = loaded
    kinds = {f.file: f.kind for f in summary.files}
    assert kinds == {
        "partners.csv": "partners",
        "d-portal-export.txt": "iati",
        "programme_2.02.xml": "iati",
        "unesco_2.03.xml": "iati",
    }
    assert summary.skipped_files == []
    unesco = next(f for f in summary.files if f.file == "unesco_2.03.xml")
    assert unesco.unmapped_sectors == ["1:12220"]
    assert "sector codes not in the crosswalk: 1:12220" in summary_text(summary)
    assert summary.to_json()["files"][3]["unmapped_sectors"] == ["1:12220"]
    assert iati.is_iati_file(FIXTURES / "load" / "d-portal-export.txt")
    assert not iati.is_iati_file(FIXTURES / "load" / "partners.csv")
    versions = dict(rows(con, "SELECT file, iati_version FROM iati_files"))
    assert versions == {
        "d-portal-export.txt": "2.01",
        "programme_2.02.xml": "2.02",
        "unesco_2.03.xml": "2.03",
    }


def test_every_activity_is_loaded_or_rejected_with_line_element_and_reason(loaded):
    summary, con = loaded
    by_file = {f.file: f for f in summary.files}
    u = by_file["unesco_2.03.xml"]
    assert (u.rows_in, u.loaded, u.rejected) == (7, 4, 3)
    for f in summary.files:
        assert f.rows_in == f.loaded + f.rejected
    rejected = rows(
        con,
        "SELECT line, column_name, value, reason, raw FROM rejected_rows "
        "WHERE file = 'unesco_2.03.xml' ORDER BY line",
    )
    assert [(r[0], r[1]) for r in rejected] == [
        (100, "iati-identifier"),
        (105, "sector"),
        (112, "iati-identifier"),
    ]
    assert rejected[0][3] == "iati-identifier is required"
    assert rejected[1][2] == "1:12220" and "crosswalk" in rejected[1][3]
    assert rejected[2][3] == "duplicate activity id (first seen at unesco_2.03.xml:6)"
    assert all(r[4] and r[4].startswith("<iati-activity") for r in rejected)  # the XML is kept
    assert one(con, "SELECT count(*) FROM activities")[0] == 8
    assert one(con, "SELECT unmapped_sectors FROM iati_files WHERE file = 'unesco_2.03.xml'")[
        0
    ] == ("1:12220")


def test_narratives_keep_their_language_and_titles_prefer_english(loaded):
    _, con = loaded
    langs = rows(
        con,
        "SELECT lang, text FROM activity_narratives WHERE activity_id = ? AND element = 'title' "
        "ORDER BY seq",
        [KEN],
    )
    assert [lg for lg, _ in langs] == ["en", "fr", "es"]
    assert langs[1][1].startswith("Formation des enseignants")
    titles = dict(rows(con, "SELECT activity_id, title FROM activities"))
    assert titles[RADIO] == "Community radio in Senegal"  # default language fr, English given
    assert titles["FR-RNA-W751234567-EDU-01"].startswith("Alphabétisation")  # French only
    n = [("fr", "Titre"), ("en", "Title")]
    assert iati.pick_text(n, "fr") == "Titre" and iati.pick_text(n, "en") == "Title"
    assert iati.pick_text([("es", "Título")], "fr") == "Título"


def test_country_percentages_give_budget_shares_not_an_even_split(loaded):
    _, con = loaded
    got = rows(
        con,
        "SELECT iso3, share, budget_share_usd FROM activity_countries WHERE activity_id = ? "
        "ORDER BY iso3",
        [KEN],
    )
    assert got == [("KEN", pytest.approx(0.6), pytest.approx(339_000)), ("TZA", 0.4, 226_000)]
    # Nigeria 50% + Africa south of Sahara 50%: one country, one named region.
    assert rows(
        con,
        "SELECT region_code, via, share FROM activity_regions WHERE activity_id = ? ORDER BY via",
        [NGA],
    ) == [("AFR", "country", 0.5), ("AFR", "regional", 0.5)]
    assert one(con, "SELECT geo_scope FROM activities WHERE activity_id = ?", [NGA])[0] == (
        "multi_country"
    )


def test_missing_or_broken_percentages_are_warned_and_split_evenly(loaded):
    _, con = loaded
    shares = rows(
        con, "SELECT share FROM activity_countries WHERE activity_id = ? ORDER BY iso3", [MEDIA]
    )
    assert [s for (s,) in shares] == [pytest.approx(1 / 3)] * 3
    reasons = [
        r
        for (r,) in rows(
            con, "SELECT reason FROM load_warnings WHERE line = 73 AND column_name = 'recipient'"
        )
    ]
    assert "recipient percentage 'abc' is not a number from 0 to 100; ignored" in reasons
    assert any("split evenly" in r for r in reasons)
    # Sector percentages of one vocabulary that do not sum to 100 are warned too.
    assert one(
        con,
        "SELECT reason FROM load_warnings WHERE line = 87 AND column_name = 'sector'",
    )[0] == ("sector percentages of vocabulary 1 sum to 90, not 100")


def test_revised_budget_replaces_the_original_for_the_same_period(loaded):
    _, con = loaded
    assert one(con, "SELECT budget_usd FROM activities WHERE activity_id = ?", [NGA])[0] == (
        220_000
    )
    budgets = rows(
        con,
        "SELECT budget_type, value, superseded, counted FROM activity_budgets "
        "WHERE activity_id = ? ORDER BY seq",
        [NGA],
    )
    assert budgets == [
        ("1", 100_000, False, True),
        ("1", 80_000, True, False),
        ("2", 120_000, False, True),
    ]
    assert rows(
        con, "SELECT year, value_usd FROM budget_years WHERE activity_id = ? ORDER BY year", [NGA]
    ) == [(2019, 100_000), (2020, 120_000)]


def test_budgets_are_allocated_to_years_by_their_periods(loaded):
    _, con = loaded
    by_year = dict(
        rows(
            con,
            "SELECT year, sum(value_usd) FROM budget_years WHERE activity_id = ? GROUP BY year",
            [KEN],
        )
    )
    # Jul 2021–Jun 2022 (365 days): 184 days in 2021; Jul 2022–Jun 2023: 184 days in 2022.
    assert by_year[2021] == pytest.approx(365_000 * 184 / 365)
    assert by_year[2022] == pytest.approx(365_000 * 181 / 365 + 200_000 * 184 / 365)
    assert by_year[2023] == pytest.approx(200_000 * 181 / 365)
    assert sum(by_year.values()) == pytest.approx(565_000)
    assert one(con, "SELECT year FROM activities WHERE activity_id = ?", [KEN])[0] == 2021


def test_programme_and_projects_are_not_double_counted(loaded):
    _, con = loaded
    ids = [PROG, "XM-DAC-41304-PROJ-SCI-1", "XM-DAC-41304-PROJ-SCI-2"]
    # All three carry budgets (1,000,000 + 600,000 + 400,000): the projects carry the money.
    total = one(
        con, "SELECT sum(budget_usd) FROM activity_facts WHERE list_contains(?, activity_id)", [ids]
    )[0]
    assert total == 1_000_000
    assert one(con, "SELECT budget_usd FROM activities WHERE activity_id = ?", [PROG])[0] is None
    assert rows(
        con,
        "SELECT money_level, has_children, hierarchy FROM iati_activities WHERE activity_id = ?",
        [PROG],
    ) == [("children", True, "1")]
    kept = one(
        con,
        "SELECT value, counted FROM activity_budgets WHERE activity_id = ?",
        [PROG],
    )
    assert kept == (1_000_000, False)  # kept, not counted
    counted = one(
        con,
        "SELECT sum(value_usd) FROM transactions WHERE counted AND list_contains(?, activity_id)",
        [ids],
    )[0]
    assert counted == 150_000  # the project's disbursement, not the programme's 400,000 as well
    assert rows(
        con,
        "SELECT related_activity_id, relation_type, in_load FROM activity_relations "
        "WHERE activity_id = 'XM-DAC-41304-PROJ-SCI-1'",
    ) == [(PROG, "1", True)]


def test_other_currencies_keep_their_value_and_us_dollars_stay_empty(loaded):
    _, con = loaded
    assert one(
        con,
        "SELECT value, currency, value_usd FROM activity_budgets WHERE activity_id = ?",
        [RADIO],
    ) == (50_000, "EUR", None)
    assert one(con, "SELECT budget_usd FROM activities WHERE activity_id = ?", [RADIO])[0] is None
    warned = rows(
        con, "SELECT value, reason FROM load_warnings WHERE line = 87 AND column_name LIKE '%value'"
    )
    assert ("50,000 EUR", warned[0][1]) == warned[0] and "US$ left empty" in warned[0][1]


def test_a_rates_table_with_provenance_converts_to_us_dollars(tmp_path):
    ref = tmp_path / "reference"
    shutil.copytree(iati.REFERENCE_DIR, ref)
    (ref / "iati" / "exchange_rates.csv").write_text(
        "currency,year,usd_per_unit,source\nEUR,2023,1.08,test rate\n", encoding="utf-8"
    )
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(FIXTURES / "load" / "unesco_2.03.xml", src)
    db = tmp_path / "w.duckdb"
    load_directory(src, db, reference_dir=ref)
    con = duckdb.connect(str(db), read_only=True)
    assert one(con, "SELECT budget_usd FROM activities WHERE activity_id = ?", [RADIO])[0] == (
        pytest.approx(54_000)
    )
    assert one(con, "SELECT value_usd FROM transactions WHERE activity_id = ?", [RADIO])[0] == (
        pytest.approx(21_600)
    )


def test_partners_are_ngos_matched_by_ref_or_name_and_others_are_organisations(loaded):
    _, con = loaded
    assert rows(
        con, "SELECT activity_id, partner_id, is_lead FROM activity_partners ORDER BY 1"
    ) == [
        ("FR-RNA-W751234567-EDU-01", "EI", True),  # by ref
        (KEN, "EI", True),  # by name
    ]
    links = dict(rows(con, "SELECT activity_id, partner_link FROM iati_activities"))
    assert links[KEN] == "official_partner"
    assert links[NGA] == "ngo_not_in_partnership"  # a national NGO that is not a partner
    assert links[MEDIA] == "no_ngo"  # agencies only
    # Every participating-org row is kept with its role and type, partner or not.
    assert rows(
        con,
        "SELECT role, org_type, ref, name, is_ngo_or_foundation, partner_id "
        "FROM activity_participating_orgs WHERE activity_id = ? ORDER BY seq",
        [KEN],
    ) == [
        ("1", "10", "XM-DAC-7", "Netherlands", False, None),
        ("2", "40", "XM-DAC-41304", "UNESCO", False, None),
        ("4", "21", None, "Education International", True, "EI"),
    ]
    unesco = one(
        con, "SELECT org_type_name, partner_id FROM organisations WHERE ref = 'XM-DAC-41304'"
    )
    assert unesco == ("Multilateral", None)


def test_activities_without_an_official_partner_load_and_are_marked(loaded):
    _, con = loaded
    assert one(con, "SELECT budget_usd FROM activity_facts WHERE activity_id = ?", [MEDIA])[0] == (
        300_000
    )
    assert one(
        con,
        "SELECT reason FROM load_warnings WHERE line = 73 AND column_name = 'participating-org'",
    )[0] == ("no participating organisation is a known partner; loaded without partner")
    assert (
        one(con, "SELECT lead_partner_id FROM activities WHERE activity_id = ?", [MEDIA])[0] is None
    )


def test_activity_status_dates_and_fields_are_mapped(loaded):
    _, con = loaded
    got = dict(
        (r[0], r[1:])
        for r in rows(con, "SELECT activity_id, status, start_date, field_code FROM activities")
    )
    assert got[KEN][0] == "ongoing" and str(got[KEN][1]) == "2021-03-15"  # actual before planned
    assert got["XM-DAC-41304-PROJ-SCI-1"][0] == "completed"  # 3 Finalisation
    assert got[MEDIA][0] is None  # 6 Suspended has no equivalent: warned
    assert got[NGA][2] == "CLT" and got["FR-RNA-W751234567-EDU-01"][2] == "ED"  # DAC 3-digit 112
    # 70% 22030 (media → CI) and 20% 15150 (civil society → SHS): the larger share is primary.
    assert dict(
        rows(con, "SELECT field_code, share FROM activity_fields WHERE activity_id = ?", [RADIO])
    ) == {
        "CI": pytest.approx(7 / 9),
        "SHS": pytest.approx(2 / 9),
    }


def test_crosswalk_falls_back_to_the_dac_category_and_the_sdg_goal():
    ref = iati.IatiReference()
    assert ref.fields_for("1", "11130") == [("ED", 1.0)]  # via category 111
    assert ref.fields_for("8", "4.1") == [("ED", 1.0)]  # via goal 4
    assert ref.fields_for("1", "41081") == [("ED", 0.5), ("SC", 0.5)]
    assert ref.fields_for("1", "12220") is None
    assert ref.codelists["OrganisationType"]["21"]["name_fr"] == "ONG internationale"


def test_an_iati_id_used_by_a_csv_activity_is_rejected_as_a_duplicate(tmp_path):
    src = tmp_path / "in"
    shutil.copytree(FIXTURES / "load", src)
    (src / "activities.csv").write_text(
        f"activity_id,partner_ids,title,field\n{KEN},EI,Same id in CSV,ED\n", encoding="utf-8"
    )
    summary = load_directory(src, tmp_path / "w.duckdb")
    u = next(f for f in summary.files if f.file == "unesco_2.03.xml")
    assert (u.loaded, u.rejected) == (3, 4)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert (
        one(con, "SELECT title FROM activities WHERE activity_id = ?", [KEN])[0] == "Same id in CSV"
    )
    assert one(con, "SELECT count(*) FROM activity_budgets WHERE activity_id = ?", [KEN])[0] == 0


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.xml", "line 7: not well-formed XML"),
        ("xxe.xml", "refused: the file declares a DOCTYPE"),
        ("bomb.xml", "refused: the file declares a DOCTYPE"),
        ("legacy_1.04.xml", "IATI version 1.04 is not read (versions 2.01–2.03 only)"),
    ],
)
def test_unusable_files_stop_the_load_and_leave_the_warehouse_unchanged(tmp_path, name, message):
    db = tmp_path / "w.duckdb"
    load_directory(FIXTURES / "load", db)
    before = db.read_bytes()
    src = tmp_path / "in"
    shutil.copytree(FIXTURES / "load", src)
    shutil.copy(FIXTURES / "refused" / name, src)
    started = time.perf_counter()
    with pytest.raises(ExtractError, match=re.escape(message)) as e:
        load_directory(src, db)
    assert time.perf_counter() - started < 10  # no entity expansion, no network wait
    assert name in str(e.value)
    assert db.read_bytes() == before
    assert "root:" not in str(e.value)  # nothing of /etc/passwd


def test_the_parser_never_expands_entities(tmp_path):
    # Even without the DOCTYPE refusal, the parser options keep entities unexpanded.
    from lxml import etree

    parser = etree.XMLParser(**{k: v for k, v in iati._PARSER_OPTIONS.items()})
    tree = etree.parse(str(FIXTURES / "refused" / "xxe.xml"), parser)
    assert "root:" not in etree.tostring(tree, encoding="unicode")
    # The bomb is either left unexpanded or stopped by libxml2's amplification guard.
    try:
        tree = etree.parse(str(FIXTURES / "refused" / "bomb.xml"), parser)
    except etree.XMLSyntaxError as e:
        assert "amplification" in str(e)
    else:
        assert len(etree.tostring(tree)) < 10_000


def test_the_crosswalk_and_codelists_are_in_the_warehouse(loaded):
    _, con = loaded
    n = one(con, "SELECT count(*) FROM dac_field_crosswalk")[0]
    assert n == len(iati.IatiReference().crosswalk_rows) > 30
    assert one(
        con, "SELECT name_fr FROM iati_codelists WHERE codelist = 'TransactionType' AND code = '3'"
    )[0] == ("Décaissement")


def test_dashboard_queries_work_on_iati_activities(loaded, use_warehouse):
    from dashboards.filters import Filters
    from dashboards.queries import fields, regions

    summary, _ = loaded
    use_warehouse(Path(summary.db))
    frame = fields.partners_by_field(Filters())
    counts = dict(zip(frame["code"], frame["activities"], strict=True))
    assert counts["SC"] == 3 and counts["ED"] == 2
    by_country = regions.by_country(Filters())
    assert set(by_country["code"]) >= {"KEN", "TZA", "NGA", "GHA", "SEN", "MEX"}


def test_spending_counts_budgets_by_period_and_transactions_once(loaded, use_warehouse):
    from dashboards.filters import Filters
    from dashboards.queries import iati as q

    summary, _ = loaded
    use_warehouse(Path(summary.db))
    by_year = q.spending_by_year(Filters()).set_index("year")
    # 2020: NGA revised 120,000 + the two projects 600,000 + 400,000 (not the programme).
    assert by_year.loc[2020, "budget"] == pytest.approx(1_120_000)
    assert by_year.loc[2020, "disbursed"] == 150_000  # the project's, not the programme's
    assert by_year.loc[2022, "spent"] == 90_000
    assert by_year.loc[2023, "not_in_usd"] == 2  # the EUR budget and transaction
    by_region = q.spending_by_region(Filters()).set_index("code")
    # KEN 565,000 + NGA 220,000 (half regional, half via Nigeria) + GHA 400,000.
    assert by_region.loc["AFR", "budget"] == pytest.approx(1_185_000)
    sc = q.spending_by_field(Filters.from_query("field=SC")[0]).set_index("code")
    assert list(sc.index) == ["SC"] and sc.loc["SC", "budget"] == 1_000_000
    assert q.has_spending()


def test_data_page_lists_iati_files_rule_warnings_and_the_crosswalk(loaded, use_warehouse):
    summary, _ = loaded
    use_warehouse(Path(summary.db))
    if "dashboards.pages.data" not in sys.modules:  # Dash pages import once an app exists
        from app import create_app

        create_app()
    from dashboards.pages import _iati_data, data, spending

    cards = _iati_data.iati_cards("fr")
    text = str(cards)
    assert "Fichiers IATI" in text and "unesco_2.03.xml" in text and "1:12220" in text
    assert "United Nations Educational, Scientific and Cultural Organization" in text
    # rules in the UI language, values from the data as N (dashboards.i18n.reason_rule)
    assert "les pourcentages des secteurs du vocabulaire N totalisent N, et non 100" in text
    assert "sector percentages of vocabulary N sum to N, not 100" in str(
        _iati_data.iati_cards("en")
    )
    grid = cards[-1].children[1].children[1]
    assert grid.id == _iati_data.CROSSWALK
    assert len(grid.rowData) == len(iati.IatiReference().crosswalk_rows)
    assert {r["field_name"] for r in grid.rowData} >= {"Éducation", "Culture"}
    assert "IATI files" in str(data.layout("en"))  # the cards are on the Data page
    assert "Spending" in str(spending.layout("en"))


def test_spending_page_and_charts_render_in_both_languages(loaded, use_warehouse):
    from dashboards.charts import charts_for
    from dashboards.filters import Filters

    summary, _ = loaded
    use_warehouse(Path(summary.db))
    charts = charts_for("spending")
    assert [c.name for c in charts] == ["by_year", "by_field", "by_region"]
    for chart in charts:
        for lang in ("en", "fr"):
            fig = chart.build(Filters(), lang)
            assert len(fig.data) == 3
    fr = charts[0].build(Filters(), "fr")
    assert [t.name for t in fr.data] == ["Budget", "Décaissé", "Dépensé"]


def test_titles_follow_the_ui_language_in_profiles_and_exports(loaded, use_warehouse):
    from dashboards.exports import data as exports
    from dashboards.filters import Filters
    from dashboards.queries import partners

    summary, con = loaded
    use_warehouse(Path(summary.db))
    assert one(con, "SELECT title_fr FROM activity_titles WHERE activity_id = ?", [KEN])[0] == (
        "Formation des enseignants pour une éducation inclusive en Afrique de l'Est"
    )
    fr = partners.activities("EI", Filters(), "fr")
    en = partners.activities("EI", Filters(), "en")
    assert "Formation des enseignants pour une éducation inclusive en Afrique de l'Est" in set(
        fr["title"]
    )
    assert "Teacher training for inclusive education in East Africa" in set(en["title"])
    table = exports.activities(Filters(), "fr")
    assert "Radios communautaires au Sénégal" in table.to_string()


def test_budget_by_year_charts_use_iati_budget_periods(loaded, use_warehouse):
    from dashboards.filters import Filters
    from dashboards.queries import activities

    summary, _ = loaded
    use_warehouse(Path(summary.db))
    frame = activities.by_year(Filters(), by="field")
    ed = frame[frame["code"] == "ED"].set_index("year")
    # KEN (starts 2021): 565,000 spread over 2021–2023 by its July–June periods.
    assert ed.loc[2021, "budget_usd"] == pytest.approx(365_000 * 184 / 365)
    assert ed.loc[2023, "budget_usd"] == pytest.approx(200_000 * 181 / 365)
    assert ed.loc[2023, "activities"] == 0  # no ED activity starts in 2023
    assert ed.loc[2021, "activities"] == 1
    total = activities.by_year(Filters())["budget_usd"].sum()
    assert total == pytest.approx(565_000 + 220_000 + 300_000 + 1_000_000)  # counted once


def test_other_xml_files_are_skipped_not_read(tmp_path):
    src = tmp_path / "in"
    shutil.copytree(FIXTURES / "load", src)
    (src / "organisation.xml").write_text(
        '<?xml version="1.0"?>\n<iati-organisations version="2.03"><iati-organisation/>'
        "</iati-organisations>\n",
        encoding="utf-8",
    )
    (src / "notes.xml").write_text("<notes><note>not IATI</note></notes>\n", encoding="utf-8")
    summary = load_directory(src, tmp_path / "w.duckdb")
    assert summary.skipped_files == ["notes.xml", "organisation.xml"]
    assert len([f for f in summary.files if f.kind == "iati"]) == 3


def test_the_command_line_refuses_an_unsafe_file_with_exit_status_2(tmp_path, run_cli):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(FIXTURES / "refused" / "xxe.xml", src / "export.xml")
    code, out, err = run_cli("load", src, "--db", tmp_path / "w.duckdb")
    assert code == 2 and out == ""
    assert "export.xml: refused: the file declares a DOCTYPE" in err
    assert not (tmp_path / "w.duckdb").exists()
