"""Reference data is data: an administrator's edit of `data/reference/` is validated before a
load uses it, and a country moved to another region than the shipped reference is reported."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from etl.reference import REFERENCE_DIR
from etl.reference_check import ReferenceInvalid, check_reference, reference_changes


@pytest.fixture
def ref_copy(tmp_path) -> Path:
    """A copy of the shipped reference folder the test may edit."""
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    return copy


def _edit(path: Path, change) -> None:
    """Rewrite a reference CSV: `change(rows)` edits the list of rows (header first) in place."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    change(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def _line_of(path: Path, first_cell: str) -> int:
    """The line number (1 = header) of the row whose first cell is `first_cell`."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if row and row[0] == first_cell:
                return n
    raise AssertionError(first_cell)


def _set(rows, key: str, column: str, value: str, key_column: int = 0) -> None:
    col = rows[0].index(column)
    for row in rows[1:]:
        if row[key_column] == key:
            row[col] = value
            return
    raise AssertionError(key)


def _problems(directory: Path):
    with pytest.raises(ReferenceInvalid) as caught:
        check_reference(directory)
    return caught.value.problems


def test_the_shipped_reference_is_valid_and_unchanged():
    check_reference(REFERENCE_DIR)
    assert reference_changes(REFERENCE_DIR) == []


def test_region_name_instead_of_code_names_file_line_and_column(ref_copy):
    countries = ref_copy / "countries.csv"
    _edit(countries, lambda rows: _set(rows, "KEN", "region_code", "Africa"))
    (p,) = _problems(ref_copy)
    assert (p.file, p.line, p.column, p.value) == (
        "countries.csv",
        _line_of(countries, "KEN"),
        "region_code",
        "Africa",
    )
    assert "not a region code" in p.reason and "AFR" in p.reason


def test_unknown_region_code(ref_copy):
    _edit(ref_copy / "countries.csv", lambda rows: _set(rows, "KEN", "region_code", "EAF"))
    (p,) = _problems(ref_copy)
    assert p.column == "region_code" and "unknown region code" in p.reason


def test_stray_whitespace(ref_copy):
    _edit(ref_copy / "regions.csv", lambda rows: _set(rows, "ARB", "name_fr", "États arabes "))
    (p,) = _problems(ref_copy)
    assert (p.file, p.line, p.column) == ("regions.csv", 3, "name_fr")
    assert "whitespace" in p.reason


def test_non_breaking_space_in_a_code_is_stray_whitespace(ref_copy):
    _edit(ref_copy / "countries.csv", lambda rows: _set(rows, "KEN", "region_code", "AFR\u00a0"))
    (p,) = _problems(ref_copy)
    assert p.column == "region_code" and "whitespace" in p.reason


def test_duplicate_key_names_both_lines(ref_copy):
    path = ref_copy / "fields_of_competence.csv"
    _edit(path, lambda rows: rows.append(["ED", "Education again", "Éducation", "", "6"]))
    (p,) = _problems(ref_copy)
    assert (p.file, p.line, p.column, p.value) == ("fields_of_competence.csv", 7, "code", "ED")
    assert "duplicate" in p.reason and "line 2" in p.reason


def test_duplicate_key_in_vocabularies_is_per_vocabulary(ref_copy):
    path = ref_copy / "vocabularies.csv"
    # The same code in another vocabulary is fine; twice in one vocabulary is not.
    _edit(path, lambda rows: rows.append(["scope", "bilateral", "Bilateral", "Bilatéral", "", "9"]))
    check_reference(ref_copy)
    _edit(path, lambda rows: rows.append(["modality", "bilateral", "Twice", "Deux", "", "8"]))
    (p,) = _problems(ref_copy)
    assert p.file == "vocabularies.csv" and p.column == "code" and "duplicate" in p.reason


def test_duplicate_iso3_and_iso2(ref_copy):
    path = ref_copy / "countries.csv"
    _edit(path, lambda rows: rows.append(["KEN", "KX", "Kenya bis", "Kenya bis", "AFR", "x", ""]))
    problems = _problems(ref_copy)
    assert [(p.column, p.line) for p in problems] == [("iso3", 251)]


def test_missing_column(ref_copy):
    path = ref_copy / "functional_areas.csv"
    _edit(path, lambda rows: [r.pop() for r in rows])  # drops sort_order
    problems = _problems(ref_copy)
    assert [(p.file, p.line, p.column) for p in problems] == [
        ("functional_areas.csv", 1, "sort_order")
    ]
    assert "missing column" in problems[0].reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("two", "not a whole number"),
        ("0", "between 1 and 31"),
        ("32", "between 1 and 31"),
        ("1", "same sort_order as"),
    ],
)
def test_bad_sort_order(ref_copy, value, reason):
    _edit(
        ref_copy / "functional_areas.csv", lambda rows: _set(rows, "advocacy", "sort_order", value)
    )
    (p,) = _problems(ref_copy)
    assert (p.file, p.line, p.column, p.value) == ("functional_areas.csv", 3, "sort_order", value)
    assert reason in p.reason


def test_empty_name_and_bad_code(ref_copy):
    path = ref_copy / "regions.csv"
    _edit(path, lambda rows: _set(rows, "APA", "name_en", ""))
    _edit(path, lambda rows: _set(rows, "LAC", "code", "L-AC"))
    problems = _problems(ref_copy)
    assert [(p.line, p.column) for p in problems] == [(4, "name_en"), (6, "code")]


def test_alias_that_already_names_another_code(ref_copy):
    path = ref_copy / "fields_of_competence.csv"
    _edit(path, lambda rows: _set(rows, "SHS", "aliases", "social sciences;natural sciences"))
    (p,) = _problems(ref_copy)
    assert (p.file, p.line, p.column) == ("fields_of_competence.csv", 4, "aliases")
    assert "SC" in p.reason and "natural sciences" in p.reason


def test_not_utf8_and_missing_file(ref_copy):
    (ref_copy / "regions.csv").write_bytes(
        "code,name_en,name_fr,aliases,sort_order\nAFR,Africa,Afrique,,1\n"
        "ARB,Arab States,États arabes,,2\n".encode("cp1252")
    )
    (ref_copy / "partner_types.csv").unlink()
    problems = _problems(ref_copy)
    got = {(p.file, p.line) for p in problems}
    assert ("regions.csv", 3) in got and ("partner_types.csv", None) in got
    assert any("UTF-8" in p.reason for p in problems if p.file == "regions.csv")


def test_a_row_with_more_cells_than_the_header(ref_copy):
    _edit(ref_copy / "regions.csv", lambda rows: rows[2].append("extra"))
    (p,) = _problems(ref_copy)
    assert (p.file, p.line) == ("regions.csv", 3) and "more cells" in p.reason


def test_problems_are_all_reported_in_one_message(ref_copy):
    _edit(ref_copy / "countries.csv", lambda rows: _set(rows, "KEN", "region_code", "Africa"))
    _edit(
        ref_copy / "functional_areas.csv",
        lambda rows: _set(rows, "advocacy", "name_fr", " Plaidoyer"),
    )
    with pytest.raises(ReferenceInvalid) as caught:
        check_reference(ref_copy)
    message = str(caught.value)
    assert "\n" not in message
    assert "2 problems" in message and "countries.csv:" in message
    assert "functional_areas.csv:3 column name_fr" in message


# -- reference changes -------------------------------------------------------------------------


def test_a_country_moved_to_another_region_is_a_change(ref_copy):
    _edit(ref_copy / "countries.csv", lambda rows: _set(rows, "DJI", "region_code", "AFR"))
    changes = reference_changes(ref_copy)
    assert [(c.file, c.key, c.field, c.old, c.new) for c in changes] == [
        ("countries.csv", "DJI", "region_code", "ARB", "AFR")
    ]


def test_added_and_removed_countries_are_changes(ref_copy):
    def change(rows):
        rows[:] = [r for r in rows if r[0] != "TWN"]
        rows.append(["XKX", "XK", "Kosovo", "Kosovo", "ENA", "administrator", ""])

    _edit(ref_copy / "countries.csv", change)
    changes = {(c.key, c.old, c.new) for c in reference_changes(ref_copy)}
    assert changes == {("TWN", "", None), ("XKX", None, "ENA")}


def test_load_with_an_edited_reference_reports_and_uses_it(ref_copy, tmp_path, write_inputs):
    from etl.load import load_directory

    _edit(ref_copy / "countries.csv", lambda rows: _set(rows, "DJI", "region_code", "AFR"))
    source = write_inputs(
        {
            "partners.csv": [["partner_id", "name", "status", "hq_country"]]
            + [["P1", "Alpha", "consultative", "Djibouti"]],
        }
    )
    db = tmp_path / "w.duckdb"
    summary = load_directory(source, db, reference_dir=ref_copy)
    assert [(c.key, c.old, c.new) for c in summary.reference_changes] == [("DJI", "ARB", "AFR")]
    assert summary.to_json()["reference"]["changes"] == [
        {"file": "countries.csv", "key": "DJI", "field": "region_code", "old": "ARB", "new": "AFR"}
    ]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT * FROM reference_changes").fetchall() == [
            (summary.run_id, "countries.csv", "DJI", "region_code", "ARB", "AFR")
        ]
        assert con.execute("SELECT hq_region_code FROM partners").fetchall() == [("AFR",)]
    finally:
        con.close()


def test_an_invalid_reference_stops_the_load_and_keeps_the_warehouse(
    ref_copy, tmp_path, write_inputs, run_cli
):
    source = write_inputs(
        {"partners.csv": [["partner_id", "name", "status"], ["P1", "A", "associate"]]}
    )
    db = tmp_path / "w.duckdb"
    assert run_cli("load", source, "--db", db)[0] == 0
    before = db.read_bytes()
    _edit(ref_copy / "countries.csv", lambda rows: _set(rows, "KEN", "region_code", "Africa"))

    code, out, err = run_cli("load", source, "--db", db, "--reference", ref_copy)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    line = _line_of(ref_copy / "countries.csv", "KEN")
    assert f"countries.csv:{line}" in err and "region_code" in err and "Africa" in err
    assert db.read_bytes() == before

    code, out, _ = run_cli("load", source, "--db", db, "--reference", ref_copy, "--json")
    assert code == 2
    import json

    answer = json.loads(out)
    assert answer["ok"] is False and answer["error_code"] == "bad_reference"
    assert answer["problems"][0] == {
        "file": "countries.csv",
        "line": line,
        "column": "region_code",
        "value": "Africa",
        "reason": answer["problems"][0]["reason"],
    }
    assert db.read_bytes() == before


def test_an_excel_resave_with_bom_and_crlf_is_valid(ref_copy):
    # Excel's "CSV UTF-8" writes a BOM and CR LF line ends: the same data, still valid.
    path = ref_copy / "countries.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    check_reference(ref_copy)
    assert reference_changes(ref_copy) == []


def test_an_excel_resave_with_semicolons_says_so(ref_copy):
    # Excel in a French locale saves "CSV" separated by semicolons.
    path = ref_copy / "regions.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    problems = _problems(ref_copy)
    assert {(p.file, p.line) for p in problems} == {("regions.csv", 1)}
    assert all("separated by ';'" in p.reason for p in problems)


def test_a_reference_folder_that_does_not_exist(tmp_path):
    (p,) = _problems(tmp_path / "nope")
    assert p.reason == "not a folder"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "country_aliases.csv:7: column iso3: 'XXX' is not a code of countries.csv",
            ("country_aliases.csv", 7, "iso3", "'XXX' is not a code of countries.csv"),
        ),
        (
            "un_country_names.csv:1: missing column(s) formal_fr",
            ("un_country_names.csv", 1, None, "missing column(s) formal_fr"),
        ),
        ("something else went wrong", ("reference", None, None, "something else went wrong")),
    ],
)
def test_problems_from_the_reference_loaders_own_messages(message, expected):
    from etl.reference_check import problem_from_message

    p = problem_from_message(message)
    assert (p.file, p.line, p.column, p.reason) == expected


def test_the_reference_loaders_own_errors_stop_the_load_as_reference_problems(
    ref_copy, tmp_path, write_inputs, monkeypatch
):
    import etl.load as load_module

    def refuse(directory):
        raise ValueError("country_aliases.csv:3: column iso3: 'ZZZ' is not a code of countries.csv")

    monkeypatch.setattr(load_module, "Reference", refuse)
    source = write_inputs({"partners.csv": [["partner_id", "name"], ["P1", "A"]]})
    with pytest.raises(ReferenceInvalid) as caught:
        load_module.load_directory(source, tmp_path / "w.duckdb", reference_dir=ref_copy)
    (p,) = caught.value.problems
    assert (p.file, p.line, p.column) == ("country_aliases.csv", 3, "iso3")
    assert not (tmp_path / "w.duckdb").exists()


def test_the_text_summary_lists_reference_changes(ref_copy, tmp_path, write_inputs, run_cli):
    _edit(ref_copy / "countries.csv", lambda rows: _set(rows, "DJI", "region_code", "AFR"))
    source = write_inputs(
        {"partners.csv": [["partner_id", "name", "status"], ["P1", "A", "associate"]]}
    )
    code, out, _ = run_cli("load", source, "--db", tmp_path / "w.duckdb", "--reference", ref_copy)
    assert code == 0
    assert f"Reference changes (reference {ref_copy}, against the shipped one):" in out
    assert "  countries.csv DJI region_code: ARB → AFR" in out
