"""Extract: file discovery, encoding detection, header matching, rows with their line numbers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import openpyxl
import pytest

from etl.extract import (
    COLUMNS,
    REQUIRED,
    ExtractError,
    decode,
    find_inputs,
    kind_of,
    match_header,
    read_table,
)

# -- decode ------------------------------------------------------------------------------------

TEXT = "Société Générale – L’Œuvre, 10 €"  # needs cp1252 (–, ’, Œ, €), not just Latin-1


def test_decode_utf8():
    assert decode(TEXT.encode("utf-8")) == (TEXT, "utf-8")


def test_decode_utf8_bom_strips_the_bom():
    text, encoding = decode(TEXT.encode("utf-8-sig"))
    assert encoding == "utf-8-sig"
    assert text == TEXT and not text.startswith("\ufeff")


def test_decode_cp1252():
    assert decode(TEXT.encode("cp1252")) == (TEXT, "windows-1252")


def test_decode_undefined_cp1252_bytes_do_not_make_the_file_latin1():
    # Issue 8: one undefined byte used to turn the whole file into Latin-1, its curly quotes
    # and dashes into C1 controls. Each byte is decoded right; the odd ones become U+FFFD.
    raw = "L’Œuvre – Besançon ".encode("cp1252") + b"\x81\x8d\x8f\x90\x9d"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("cp1252")
    assert decode(raw) == ("L’Œuvre – Besançon \ufffd\ufffd\ufffd\ufffd\ufffd", "windows-1252")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_decode_utf16_with_bom(codec):
    data = ("\ufeff" + TEXT).encode("utf-16-be") if codec == "utf-16-be" else TEXT.encode(codec)
    text, encoding = decode(data)
    assert encoding == "utf-16"
    assert text == TEXT  # the BOM is consumed


def test_decode_plain_ascii_is_utf8():
    assert decode(b"partner_id,name\r\nP1,A\r\n")[1] == "utf-8"


def test_decode_latin1_is_not_mistaken_for_utf8():
    # 'é' in Latin-1 is a lone continuation-start byte: never valid UTF-8.
    assert decode("Genève".encode("latin-1")) == ("Genève", "windows-1252")


# -- match_header ------------------------------------------------------------------------------


def test_match_header_contract_names():
    header = list(COLUMNS["partners"])
    mapping, ignored = match_header("partners", header)
    assert mapping == dict(enumerate(header))
    assert ignored == []


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("Nom", "name"),
        ("NOM", "name"),
        ("Pays du siège", "hq_country"),
        ("pays_du_siege", "hq_country"),
        ("PAYS DU SIÈGE", "hq_country"),
        ("Domaines", "fields"),
        ("Domaines de compétence", "fields"),
        ("Statut", "status"),
        ("Statut précédent", "previous_status"),
        ("Partner ID", "partner_id"),
        ("partner_id", "partner_id"),
        (" Partner_Id ", "partner_id"),
        ("Site web", "website"),
        ("Relations officielles depuis", "relations_since"),
        ("Portée", "scope"),
    ],
)
def test_match_header_partners_aliases(cell, column):
    mapping, ignored = match_header("partners", [cell])
    assert mapping == {0: column}
    assert ignored == []


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("Identifiant", "activity_id"),
        ("Partenaires", "partner_ids"),
        ("Titre", "title"),
        ("Intitulé", "title"),
        ("Domaine", "field"),
        ("Domaines fonctionnels", "functional_areas"),
        ("Pays", "countries"),
        ("Date de début", "start_date"),
        ("Date de fin", "end_date"),
        ("Montant", "budget_usd"),
        ("Budget (USD)", "budget_usd"),
        ("Résumé", "description"),
        ("Modalité", "modality"),
    ],
)
def test_match_header_activities_aliases(cell, column):
    assert match_header("activities", [cell])[0] == {0: column}


def test_match_header_participation_aliases():
    mapping, _ = match_header("participation", ["Partenaire", "Mécanisme", "Session", "Fonction"])
    assert mapping == {0: "partner_id", 1: "mechanism", 2: "event", 3: "role"}


def test_match_header_ignores_unknown_and_repeated_columns():
    mapping, ignored = match_header("partners", ["ID", "Nom", "Name", "Remarks", ""])
    assert mapping == {0: "partner_id", 1: "name"}
    assert ignored == ["Name", "Remarks"]  # the second 'name' column and an unknown one


def test_every_alias_maps_to_its_own_column():
    for kind, columns in COLUMNS.items():
        for column, aliases in columns.items():
            for alias in aliases:
                assert match_header(kind, [alias])[0] == {0: column}, (kind, alias)


# -- file discovery ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("partners.csv", "partners"),
        ("Partners_2024.XLSX", "partners"),
        ("activities-q1.csv", "activities"),
        ("participation.txt", "participation"),
        ("partners.pdf", None),
        ("~$partners.xlsx", None),
        (".partners.csv", None),
        ("my_partners.csv", None),
        ("partenaires.csv", None),
    ],
)
def test_kind_of(tmp_path, name, kind):
    assert kind_of(tmp_path / name) == kind


def test_find_inputs_orders_partners_first(tmp_path):
    for name in (
        "participation.csv",
        "activities_b.csv",
        "activities_a.csv",
        "partners.csv",
        "x.csv",
    ):
        (tmp_path / name).write_text("x")
    (tmp_path / "notes_dir.csv").mkdir()  # a folder not named like an input is no concern
    assert [p.name for _, p in find_inputs(tmp_path)] == [
        "partners.csv",
        "activities_a.csv",
        "activities_b.csv",
        "participation.csv",
    ]


def test_find_inputs_refuses_a_folder_named_like_an_input(tmp_path):
    (tmp_path / "partners.csv").write_text("partner_id,name\nP1,A\n")
    (tmp_path / "partners_dir.csv").mkdir()
    with pytest.raises(ExtractError, match=r"partners_dir\.csv: not a regular file \(a folder\)"):
        find_inputs(tmp_path)


def test_find_inputs_rejects_a_missing_folder(tmp_path):
    with pytest.raises(ExtractError, match="is not a folder"):
        find_inputs(tmp_path / "missing")


# -- read_table --------------------------------------------------------------------------------


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_read_table_rows_lines_and_hash(tmp_path):
    text = 'partner_id,name,Remarks\r\nP1,Alpha,x\r\n\r\nP2,"Be\nta",y\r\nP3,Gamma,z\r\n'
    path = _write(tmp_path, "partners.csv", text)
    t = read_table(path, "partners")
    assert t.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert t.encoding == "utf-8"
    assert list(t.frame.columns) == [*COLUMNS["partners"], "_line", "_extra"]
    assert [json.loads(r)["name"] for r in t.raws([0, 2])] == ["Alpha", "Gamma"]
    assert t.frame["partner_id"].tolist() == ["P1", "P2", "P3"]
    assert t.frame["name"].tolist() == ["Alpha", "Be\nta", "Gamma"]
    assert t.frame["_line"].tolist() == [2, 4, 6]  # blank line 3 skipped; P2 spans lines 4-5
    assert t.frame["hq_country"].tolist() == ["", "", ""]  # absent columns are empty strings
    assert t.ignored_columns == ["Remarks"]
    assert t.rows_in == 3


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_read_table_sniffs_the_delimiter(tmp_path, delimiter):
    text = delimiter.join(["partner_id", "name", "fields"]) + "\n"
    text += delimiter.join(["P1", "Alpha", '"ED,SC"' if delimiter == "," else "ED,SC"]) + "\n"
    t = read_table(_write(tmp_path, "partners.csv", text), "partners")
    assert t.frame.loc[0, ["partner_id", "name", "fields"]].tolist() == ["P1", "Alpha", "ED,SC"]


def test_read_table_strips_cells(tmp_path):
    t = read_table(_write(tmp_path, "partners.csv", "partner_id,name\n  P1 , Alpha \n"), "partners")
    assert t.frame.loc[0, ["partner_id", "name"]].tolist() == ["P1", "Alpha"]


def test_read_table_ragged_rows(tmp_path):
    text = "partner_id,name\nP1,Alpha,,\nP2,Beta,extra\nP3\n"
    t = read_table(_write(tmp_path, "partners.csv", text), "partners")
    assert t.frame["partner_id"].tolist() == ["P1", "P3"]  # empty extra cells are fine
    ((line, column, value, reason, raw),) = t.broken
    assert (line, column, value) == (3, None, None)
    assert json.loads(raw) == {"partner_id": "P2", "name": "Beta", "column 3": "extra"}
    assert "cells" in reason and "header" in reason
    assert t.rows_in == 3


def test_read_table_missing_required_column(tmp_path):
    path = _write(tmp_path, "activities.csv", "activity_id,partner_ids,title\nA1,P1,x\n")
    with pytest.raises(ExtractError, match=r"activities\.csv: required column\(s\) missing: field"):
        read_table(path, "activities")


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf"])
def test_read_table_empty_file(tmp_path, data):
    path = tmp_path / "partners.csv"
    path.write_bytes(data)
    with pytest.raises(ExtractError, match="empty"):
        read_table(path, "partners")


def test_read_table_binary_file(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_bytes("partner_id,name\nP1,A\n".encode("utf-16-le"))
    with pytest.raises(ExtractError, match="not a text file"):
        read_table(path, "partners")


def test_read_table_every_kind_requires_its_columns(tmp_path):
    for kind, required in REQUIRED.items():
        for missing in required:
            header = ",".join(c for c in COLUMNS[kind] if c != missing)
            path = _write(tmp_path, f"{kind}.csv", header + "\n")
            with pytest.raises(ExtractError, match=missing):
                read_table(path, kind)


def test_read_table_xlsx_title_row_and_types(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Partner list"])
    ws.append([])
    ws.append(["ID", "Nom", "Statut depuis", "Relations since"])
    ws.append([101, "Alpha", dt.datetime(2019, 12, 31), 1998])
    ws.append([None, None, None, None])
    ws.append(["P2", "Beta", dt.date(2020, 1, 2), 2001.5])
    path = tmp_path / "partners.xlsx"
    wb.save(path)
    t = read_table(path, "partners")
    assert t.encoding == "xlsx"
    assert t.frame["_line"].tolist() == [4, 6]  # Excel's row numbers
    assert t.frame["partner_id"].tolist() == ["101", "P2"]  # 101.0 → '101'
    assert t.frame["status_since"].tolist() == ["2019-12-31", "2020-01-02"]
    assert t.frame["relations_since"].tolist() == ["1998", "2001.5"]


def test_read_table_header_not_found_in_title_rows(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Partner list"])
    wb.active.append(["Acronym", "Country"])
    path = tmp_path / "partners.xlsx"
    wb.save(path)
    with pytest.raises(ExtractError, match="name"):
        read_table(path, "partners")


def test_read_table_corrupt_xlsx(tmp_path):
    path = tmp_path / "partners.xlsx"
    path.write_bytes(b"PK\x03\x04not really a zip")
    with pytest.raises(ExtractError, match="not a readable spreadsheet"):
        read_table(path, "partners")


# -- headers with qualifiers (issue 8) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "cell", "column"),
    [
        ("partners", "relations_since_year", "relations_since"),
        ("partners", "Status since (date)", "status_since"),
        ("partners", "hq_country_name", "hq_country"),
        ("partners", "HQ country code", "hq_country"),
        ("partners", "country_iso3", "hq_country"),
        ("partners", "Code pays", "hq_country"),
        ("partners", "Nom du pays", "hq_country"),
        ("partners", "Relations depuis (année)", "relations_since"),
        ("activities", "start date", "start_date"),
        ("activities", "field_code", "field"),
        ("activities", "country_names", "countries"),
        ("participation", "partner_code", "partner_id"),
        ("participation", "event_date", "event_date"),
    ],
)
def test_match_header_qualified_names(kind, cell, column):
    assert match_header(kind, [cell])[0] == {0: column}


@pytest.mark.parametrize(
    ("kind", "cell"),
    [
        ("partners", "founded_year"),  # no contract column: kept in extra
        ("activities", "partner_name"),  # a name is not an id
        ("activities", "title_year"),  # a year does not qualify a text column
        ("partners", "name_code"),
        ("partners", "year"),
    ],
)
def test_match_header_qualifiers_only_where_they_fit(kind, cell):
    mapping, outside = match_header(kind, [cell])
    assert mapping == {} and outside == [cell]


def test_exact_header_beats_a_qualified_one_whatever_the_order():
    mapping, outside = match_header("partners", ["hq_country_code", "partner_id", "hq_country"])
    assert mapping == {1: "partner_id", 2: "hq_country"}
    assert outside == ["hq_country_code"]


def test_a_second_header_for_a_column_is_kept_and_warned(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text("partner_id,name,hq_country_name,hq_country_code\nP1,A,France,FRA\n")
    t = read_table(path, "partners")
    assert t.frame["hq_country"].tolist() == ["France"]
    assert json.loads(t.frame["_extra"].iloc[0]) == {"hq_country_code": "FRA"}
    ((line, column, _value, reason),) = t.notes
    assert (line, column) == (1, "hq_country_code")
    assert "already read from 'hq_country_name'" in reason
