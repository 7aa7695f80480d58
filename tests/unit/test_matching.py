"""Partners as one organisation: derived ids, aliases and merges, possible duplicates."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

from etl.load import load_directory
from etl.matching import (
    derive_partner_id,
    load_aliases,
    name_key,
    possible_duplicates,
    translated_name,
)
from etl.reference import REFERENCE_DIR
from etl.reference_check import ReferenceInvalid

# -- keys and ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Education International", "EDUCATION  INTERNATIONAL"),
        ("Internationale de l'Éducation", "internationale de l’education"),
        ("Rotary International®", "Rotary International"),
        ("UNESCO™ Clubs", "Unesco Clubs"),
        ("International Council of Museums (ICOM)", "International Council of Museums"),
        (
            "World Federation of UNESCO Clubs, Centres and Associations",
            "World Federation of UNESCO Clubs Centres and Associations",
        ),
    ],
)
def test_name_key_equal(a, b):
    assert name_key(a) == name_key(b) != ""


def test_name_key_keeps_other_scripts():
    # ASCII folding would make every Arabic or Cyrillic name the same empty key.
    assert name_key("الاتحاد العربي") and name_key("Знание") != name_key("الاتحاد العربي")
    assert name_key("Association Znanie") != name_key("Association")


def test_derived_id_is_stable_and_depends_on_name_and_country_only():
    a = derive_partner_id("Education International", "BEL")
    assert a == derive_partner_id("EDUCATION INTERNATIONAL", "BEL")
    assert a == "auto-education-international-" + a.rsplit("-", 1)[1]
    assert len(a.rsplit("-", 1)[1]) == 8
    assert a != derive_partner_id("Education International", None)
    assert a != derive_partner_id("Education International", "FRA")
    assert derive_partner_id("الاتحاد", None).startswith("auto-")  # no Latin letters: hash only


def test_translated_names():
    assert translated_name("Fédération internationale des journalistes") == (
        "federation international journalist"
    )
    assert sorted(translated_name("Institut international du théâtre").split()) == sorted(
        translated_name("International Theatre Institute").split()
    )


# -- possible duplicates ------------------------------------------------------------------------


def _partners(*rows):
    return pd.DataFrame(
        [
            {
                "partner_id": f"P{i}",
                "name": name,
                "acronym": acronym,
                "hq_country_iso3": country,
                "source_file": "partners.csv",
                "source_line": i + 1,
            }
            for i, (name, acronym, country) in enumerate(rows, start=1)
        ]
    )


def _pairs(frame):
    return {(r.id_a, r.id_b): (r.reason, r.score) for r in frame.itertuples(index=False)}


def test_same_acronym_without_country_conflict():
    got = _pairs(
        possible_duplicates(
            _partners(
                ("World Organization of the Scout Movement", "WOSM", "MYS"),
                ("Organisation mondiale du mouvement scout", "WOSM", None),  # missing: no conflict
                ("International Co-operative Alliance", "ICA", "BEL"),
                ("International Council on Archives", "ICA", "FRA"),  # countries conflict
            )
        )
    )
    assert set(got) == {("P1", "P2")}
    reason, score = got[("P1", "P2")]
    assert reason.startswith("same acronym 'WOSM'") and 0 <= score <= 100


def test_equal_names_after_folding_score_100():
    got = _pairs(
        possible_duplicates(
            _partners(
                ("Rotary International®", None, "USA"),
                ("ROTARY  INTERNATIONAL", None, None),
                ("Rotary Club of Paris", None, "FRA"),
            )
        )
    )
    assert got == {
        (
            "P1",
            "P2",
        ): ("same name once case, accents, punctuation, ®/™ and spaces are ignored", 100.0)
    }


def test_translated_names_are_flagged_with_their_score():
    got = _pairs(
        possible_duplicates(
            _partners(
                ("International Federation of Journalists", "IFJ", "BEL"),
                ("Fédération internationale des journalistes", "FIJ", "BEL"),
                ("International Music Council", "IMC", "FRA"),
                ("International Council of Museums", "ICOM", "FRA"),  # alike, not one body
            )
        )
    )
    assert set(got) == {("P1", "P2")}
    assert got[("P1", "P2")][0] == "names alike once common words are translated"
    assert got[("P1", "P2")][1] >= 95


def test_no_pairs_for_one_or_no_partner():
    assert possible_duplicates(_partners(("Alone", "A", None))).empty
    assert possible_duplicates(_partners()).empty


# -- the alias file and merges, through a real load -------------------------------------------


@pytest.fixture
def reference_with_aliases(tmp_path):
    """A copy of data/reference/ whose alias file the test writes."""
    ref = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, ref)

    def write(text: str):
        (ref / "partner_aliases.csv").write_text(text, encoding="utf-8")
        return ref

    return write


def _rows(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_alias_file_merges_rows_keeping_every_status(
    write_inputs, reference_with_aliases, tmp_path
):
    ref = reference_with_aliases(
        "alias,canonical_id,note\n"
        "International Federation of University Women,GWI,renamed\n"
        "IFUW-1998,GWI,id of the 1998 list\n"
    )
    folder = write_inputs(
        {
            "partners_a.csv": [
                ["partner_id", "name", "acronym", "status", "status_since", "hq_country"],
                ["GWI", "Graduate Women International", "GWI", "associate", "2016-05-01", ""],
            ],
            "partners_b.csv": [
                ["partner_id", "name", "acronym", "status", "status_since", "hq_country"],
                [
                    "",
                    "International Federation of University Women",
                    "IFUW",
                    "formal associate relations",
                    "1998",
                    "Suisse",
                ],
                ["IFUW-1998", "IFUW (1998 list)", "IFUW", "consultative", "", ""],
            ],
            "participation.csv": [
                ["partner_id", "mechanism", "event"],
                ["IFUW-1998", "conference", "2012 conference"],
            ],
        }
    )
    db = tmp_path / "w.duckdb"
    summary = load_directory(folder, db, ref)
    files = {f.file: f for f in summary.files}
    assert (files["partners_b.csv"].loaded, files["partners_b.csv"].merged) == (2, 2)
    assert summary.totals["rejected"] == 0
    # One partner, the latest dated status (2016, associate) wins; the country comes from the
    # merged row that gave one.
    assert _rows(db, "SELECT partner_id, name, status, hq_country_iso3 FROM partners") == [
        ("GWI", "Graduate Women International", "associate", "CHE")
    ]
    history = _rows(
        db,
        "SELECT status, status_as_given, valid_from, valid_to, is_current, source_file, "
        "source_line FROM partner_status_history ORDER BY valid_from NULLS FIRST",
    )
    assert history == [
        ("consultative", "consultative", None, None, False, "partners_b.csv", 3),
        (
            "associate",
            "formal associate relations",
            dt.date(1998, 1, 1),
            dt.date(2016, 5, 1),
            False,
            "partners_b.csv",
            2,
        ),
        ("associate", "associate", dt.date(2016, 5, 1), None, True, "partners_a.csv", 2),
    ]
    # "1998" stays a year; the period it starts ends at the 2016 status, a day.
    assert _rows(
        db,
        "SELECT valid_from_precision, valid_to_precision FROM partner_status_history "
        "WHERE status_as_given = 'formal associate relations'",
    ) == [("year", "day")]
    # The participation row naming the old id points to the canonical partner.
    assert _rows(db, "SELECT partner_id FROM participation") == [("GWI",)]
    warned = _rows(db, "SELECT file, line, reason FROM load_warnings ORDER BY file, line")
    assert ("partners_b.csv", 2, "partner id set to 'GWI' by partner_aliases.csv line 2") in warned
    assert any(r[:2] == ("partners_b.csv", 3) and "merged into it" in r[2] for r in warned)


def test_alias_pointing_two_ways_stops_the_load(write_inputs, reference_with_aliases, tmp_path):
    ref = reference_with_aliases("alias,canonical_id,note\nEI,P1,\nEI,P2,\n")
    folder = write_inputs({"partners.csv": [["partner_id", "name"], ["P1", "Alpha"]]})
    # The reference check names the file and line first (an alias is a key of the file).
    with pytest.raises(
        ReferenceInvalid, match=r"partner_aliases.csv:3 column alias .EI.: duplicate"
    ):
        load_directory(folder, tmp_path / "w.duckdb", ref)
    assert load_aliases(ref).problems == [(3, "alias 'EI' already points elsewhere")]


def test_same_derived_id_twice_is_one_partner(write_inputs, tmp_path):
    folder = write_inputs(
        {
            "partners.csv": [
                ["name", "status", "status_since", "country", "fields"],
                [
                    "International Council of Museums (ICOM)",
                    "consultative",
                    "2010-01-01",
                    "France",
                    "Culture",
                ],
                ["INTERNATIONAL COUNCIL OF MUSEUMS", "associate", "2019-11-01", "FR", "CLT;ED"],
            ]
        }
    )
    db = tmp_path / "w.duckdb"
    summary = load_directory(folder, db)
    f = summary.files[0]
    assert (f.rows_in, f.loaded, f.rejected, f.merged, f.derived_ids) == (2, 2, 0, 1, 2)
    ((pid, status),) = _rows(db, "SELECT partner_id, status FROM partners")
    assert pid.startswith("auto-international-council-of-museums-") and status == "associate"
    # Fields of both rows, each once.
    assert _rows(db, "SELECT field_code FROM partner_fields ORDER BY 1") == [("CLT",), ("ED",)]
    assert _rows(
        db,
        "SELECT status, valid_from, valid_to, is_current FROM partner_status_history "
        "ORDER BY valid_from",
    ) == [
        ("consultative", dt.date(2010, 1, 1), dt.date(2019, 11, 1), False),
        ("associate", dt.date(2019, 11, 1), None, True),
    ]


def test_derived_ids_are_the_same_on_every_load(write_inputs, tmp_path):
    rows = [
        ["name", "acronym", "status", "country"],
        ["Education International", "EI", "Associate", "Belgium"],
        ["Internationale de l'Éducation", "IE", "", "Belgique"],
    ]
    first = load_directory(write_inputs({"partners.csv": rows}), tmp_path / "a.duckdb")
    # A later list: other columns, other order, other cells; the same organisations.
    later = [
        ["country", "name", "website", "status"],
        ["BE", "Internationale de l’Éducation", "https://www.ei-ie.org", "associé"],
        ["Belgique", "EDUCATION INTERNATIONAL", "", "consultative"],
    ]
    load_directory(write_inputs({"partners.csv": later}), tmp_path / "b.duckdb")
    ids = [
        set(r[0] for r in _rows(tmp_path / d, "SELECT partner_id FROM partners"))
        for d in ("a.duckdb", "b.duckdb")
    ]
    assert ids[0] == ids[1] and len(ids[0]) == 2
    assert first.files[0].derived_ids == 2


def test_possible_duplicates_are_stored_and_warned(write_inputs, tmp_path):
    folder = write_inputs(
        {
            "partners.csv": [
                ["name", "acronym", "status", "country"],
                ["World Association of Girl Guides and Girl Scouts", "WAGGGS", "Associate", "UK"],
                ["Association mondiale des guides et des éclaireuses", "WAGGGS", "associé", ""],
            ]
        }
    )
    db = tmp_path / "w.duckdb"
    summary = load_directory(folder, db)
    assert summary.files[0].possible_duplicates == 1
    assert summary.to_json()["files"][0]["possible_duplicates"] == 1
    ((line_a, line_b, reason, score),) = _rows(
        db, "SELECT line_a, line_b, reason, score FROM possible_duplicates"
    )
    assert (line_a, line_b) == (2, 3) and reason.startswith("same acronym 'WAGGGS'")
    assert 0 < score < 100
    # Both rows are loaded (never dropped), and the second is warned with the first's line.
    assert _rows(db, "SELECT count(*) FROM partners") == [(2,)]
    (w,) = _rows(db, "SELECT reason FROM load_warnings WHERE column_name = 'name'")
    assert w[0].startswith("possible duplicate of 'auto-world-association-of-girl-guid")
    assert "(partners.csv:2)" in w[0] and f"score {score:g}" in w[0]
