"""Edge cases of real-world files: whitespace, line ends, delimiters, corrected duplicates, and
hostile ones (issue 9): unclosed quotes, oversized cells, controls, limits, links, FIFOs."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.callbacks import _apply_click
from dashboards.charts import get_chart
from dashboards.filters import Filters
from etl import extract
from etl.reference import Reference
from etl.validate import validate_activities, validate_partners

HEADER = "partner_id,name,partner_type,status\n"


def _partners(folder, text: str, encoding: str = "utf-8"):
    path = folder / "partners.csv"
    path.write_bytes(text.encode(encoding))
    table = extract.read_table(path, "partners")
    return validate_partners(table, Reference(), {})


def test_tabs_are_stripped_whatever_the_encoding(tmp_path):
    for i, encoding in enumerate(("utf-8", "cp1252")):
        folder = tmp_path / str(i)
        folder.mkdir()
        v = _partners(folder, HEADER + "\tP1\t,Ünë,ngo,consultative\n", encoding)
        assert v.records["partner_id"].tolist() == ["P1"], encoding


def test_a_bare_carriage_return_does_not_invent_a_partner(tmp_path):
    text = (
        HEADER
        + 'P1,"Multi\nline",ngo,consultative\nP2,Tw\ro,ngo,consultative\nP3,Three,ngo,consultative\n'
    )
    v = _partners(tmp_path, text)
    assert len(v.records) + len(v.rejected) == v.table.rows_in
    assert "o" not in set(v.records["partner_id"])
    assert v.records.set_index("partner_id").loc["P1", "name"] == "Multi\nline"


def test_semicolon_file_with_a_title_line(tmp_path):
    text = "Liste des partenaires 2024\nidentifiant;nom;type;statut\nP1;Un;ONG;consultatif\n"
    v = _partners(tmp_path, text)
    assert v.records[["partner_id", "name", "status"]].values.tolist() == [
        ["P1", "Un", "consultative"]
    ]


def test_a_corrected_copy_of_a_rejected_row_loads(tmp_path):
    v = _partners(tmp_path, HEADER + "P1,One,ngo,bogus\nP1,One,ngo,consultative\n")
    assert v.records["partner_id"].tolist() == ["P1"]
    assert v.rejected["line"].tolist() == [2]
    assert v.rejected["reason"].str.startswith("unknown status").all()


def test_clicking_global_keeps_the_region_filter():
    before = Filters.from_query("?region=AFR&field=ED")[0]
    key = get_chart("overview", "top_regions").key
    after = _apply_click(before, key, {"points": [{"customdata": ["GLOBAL"]}]})
    assert after is None or after == before


# -- issue 9: nothing lost, even when the counts balance -----------------------------------------


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
PARTNER_HEADER = ["partner_id", "name", "acronym", "status", "hq_country", "website"]


def _accounting(table: extract.RawTable, n_physical: int) -> None:
    """Every physical line has one role; rows and rejected lines are each read exactly once."""
    roles = table.line_roles
    assert len(roles) == n_physical
    assert (roles != extract.UNACCOUNTED).all()
    starts = sorted([*table.frame["_line"].tolist(), *(b[0] for b in table.broken)])
    assert len(starts) == len(set(starts)), "a line read twice"
    record_lines = np.flatnonzero(np.isin(roles, [extract.RECORD, extract.REJECTED_LINE])) + 1
    assert starts == record_lines.tolist()
    assert not any("not read by the CSV parser" in b[3] for b in table.broken)
    counts = table.line_counts
    assert counts["physical"] == sum(v for k, v in counts.items() if k != "physical")


def _no_controls(table: extract.RawTable) -> None:
    for column in table.frame.columns:
        for value in table.frame[column]:
            if isinstance(value, str):
                assert not CONTROL.search(value), (column, value)
    for line, _column, value, _reason, raw in table.broken:
        assert not CONTROL.search(raw) and not CONTROL.search(value or ""), line
    for note in table.notes:
        assert not any(CONTROL.search(str(x)) for x in note if x is not None), note


CELL = st.one_of(
    st.sampled_from(["P1", "Alpha", "associate", "FRA", "https://a.example", "", " ", "x y"]),
    st.text(alphabet='ab,;é"\n\r\t\x00\x07\x85\x1a', max_size=8),
)
LINE_END = st.sampled_from(["\n", "\r\n", "\r"])


@settings(
    max_examples=int(os.environ.get("ETL_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    rows=st.lists(
        st.tuples(st.lists(CELL, min_size=0, max_size=8), st.booleans(), LINE_END), max_size=15
    ),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_every_physical_line_is_accounted_for(tmp_path_factory, rows, encoding):
    """Any file (quoted line breaks, stray quotes, blank lines, controls, NULs): each line is
    exactly one of a loaded or rejected row, the header, a blank line or a continuation."""
    out = io.StringIO()
    out.write(",".join(PARTNER_HEADER) + "\n")
    for cells, quote_all, end in rows:
        if quote_all:  # well-formed CSV: quoted cells may hold line breaks
            w = csv.writer(out, lineterminator=end, quoting=csv.QUOTE_MINIMAL)
            w.writerow(cells)
        else:  # hand-typed: cells as they are, quotes and all
            out.write(",".join(cells) + end)
    text = out.getvalue()
    data = text.encode(encoding, errors="replace")
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "partners.csv"
    path.write_bytes(data)
    try:
        table = extract.read_table(path, "partners")
    except extract.ExtractError as e:
        assert "binary content" in str(e)  # many NULs in the first 4 KB: refused, said so
        return
    decoded = extract.decode(data)[0].rstrip("\x1a")
    _accounting(table, extract._count_lines(extract.decode(data)[0]))
    assert extract._count_lines(decoded) <= len(table.line_roles)
    _no_controls(table)
    v = validate_partners(table, Reference(), {})
    assert len(v.records) + len(v.rejected) == table.rows_in
    assert sorted(v.rejected["line"].tolist() + v.records["source_line"].tolist()) == sorted(
        [*table.frame["_line"].tolist(), *(b[0] for b in table.broken)]
    )


@settings(max_examples=40, deadline=None, database=None)
@given(
    rows=st.lists(
        st.lists(st.text(alphabet='ab é"\n', max_size=10), min_size=6, max_size=6),
        min_size=1,
        max_size=10,
    )
)
def test_well_formed_multiline_cells_read_as_the_csv_module_reads_them(tmp_path_factory, rows):
    """A file that really quotes its line breaks is read exactly as the csv module reads it."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(PARTNER_HEADER)
    rows = [r for r in rows if any(c.strip() for c in r)]
    w.writerows(rows)
    path = tmp_path_factory.mktemp("wf") / "partners.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    table = extract.read_table(path, "partners")
    assert table.broken == []
    want = [[c.strip() for c in r] for r in rows]
    got = table.frame[PARTNER_HEADER].to_numpy().tolist()
    assert got == want


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_oversized_cell_on_the_fast_path_rejects_its_row(tmp_path):
    # No blank line and one record per line: the DuckDB path, which must not take the cell.
    big = "x" * 140_000
    text = f"partner_id,name,status\nP1,A,associate\nP2,{big},associate\nP3,C,associate\n"
    table = extract.read_table(_write(tmp_path, "partners.csv", text.encode()), "partners")
    assert table.frame["partner_id"].tolist() == ["P1", "P3"]
    ((line, column, _value, reason, raw),) = table.broken
    assert (line, column) == (3, "name") and "over 131,072 characters" in reason
    assert len(raw) < 2_000 and "140,000 characters in all" in raw


def test_cell_limit_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("ETL_MAX_CELL_CHARS", "10")
    text = "partner_id,name\nP1,short\nP2,much longer than ten\n"
    table = extract.read_table(_write(tmp_path, "partners.csv", text.encode()), "partners")
    assert table.frame["partner_id"].tolist() == ["P1"]
    assert table.broken[0][0] == 3


@pytest.mark.parametrize("value", ["0", "-1", "ten", "1e3"])
def test_limits_must_be_positive_whole_numbers(monkeypatch, value):
    monkeypatch.setenv("ETL_MAX_SHEET_ROWS", value)
    with pytest.raises(extract.ExtractError, match="ETL_MAX_SHEET_ROWS must be a positive"):
        extract.Limits.from_env()


def _xlsx(path, rows):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def test_sheet_column_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("ETL_MAX_SHEET_COLUMNS", "5")
    path = _xlsx(tmp_path / "partners.xlsx", [["partner_id", "name", *[f"c{i}" for i in range(8)]]])
    with pytest.raises(extract.ExtractError, match=r"10 columns, over the limit of 5"):
        extract.read_table(path, "partners")


def test_sheet_size_limit_counts_uncompressed_bytes(tmp_path, monkeypatch):
    # A zip bomb's shape: small on disk, large once unpacked.
    path = _xlsx(tmp_path / "partners.xlsx", [["partner_id", "name"], ["P1", "A"]])
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/media/padding.bin", b"\0" * (3 << 20), compress_type=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    monkeypatch.setenv("ETL_MAX_SHEET_MB", "2")
    with pytest.raises(extract.ExtractError, match=r"MB uncompressed, over the limit of 2 MB"):
        extract.read_table(path, "partners")


def test_a_far_away_cell_is_refused_before_the_sheet_is_unpacked(tmp_path):
    # One cell at XFD1048576: calamine would allocate 17 billion cells. The reference is read
    # from the sheet's XML first.
    wb = openpyxl.Workbook()
    wb.active.append(["partner_id", "name"])
    wb.active["XFD1048576"] = "far"
    path = tmp_path / "partners.xlsx"
    wb.save(path)
    with pytest.raises(extract.ExtractError, match=r"16,384 columns, over the limit of 1,000"):
        extract.read_table(path, "partners")


def test_other_sheets_are_named_not_silently_skipped(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Partners"
    wb.active.append(["partner_id", "name"])
    wb.active.append(["P1", "A"])
    wb.create_sheet("Old list").append(["partner_id", "name"])
    path = tmp_path / "partners.xlsx"
    wb.save(path)
    table = extract.read_table(path, "partners")
    assert table.notes == [
        (0, None, None, "only the first sheet ('Partners') is read; not read: 'Old list'")
    ]


def test_a_link_inside_the_folder_is_read(tmp_path):
    (tmp_path / "real.dat").write_text("partner_id,name\nP1,A\n")
    (tmp_path / "partners.csv").symlink_to(tmp_path / "real.dat")
    ((kind, path),) = extract.find_inputs(tmp_path)
    assert extract.read_table(path, kind).frame["partner_id"].tolist() == ["P1"]


def test_a_broken_link_is_refused_by_name(tmp_path):
    (tmp_path / "partners.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(extract.ExtractError, match=r"partners\.csv: a symbolic link to nothing"):
        extract.find_inputs(tmp_path)


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "partners.csv")  # opening it for reading would block forever
    with pytest.raises(extract.ExtractError, match=r"not a regular file \(a FIFO\)"):
        extract.read_table(tmp_path / "partners.csv", "partners")


def test_a_utf8_file_with_pasted_cp1252_lines_is_read_line_by_line(tmp_path):
    data = (
        "partner_id,name,hq_city\nP1,Fédération Mondiale,Genève\n".encode()
        + "P2,L’Œuvre d’Orient – AIF,Paris\n".encode("cp1252")
        + "P3,Société,Bâle\n".encode()
    )
    path = _write(tmp_path, "partners.csv", data)
    table = extract.read_table(path, "partners")
    assert table.encoding == "utf-8+windows-1252"
    assert table.frame["name"].tolist() == [
        "Fédération Mondiale",
        "L’Œuvre d’Orient – AIF",
        "Société",
    ]
    assert [n[0] for n in table.notes] == [3] and "read as Windows-1252" in table.notes[0][3]


def test_a_title_line_with_a_stray_quote_does_not_swallow_the_header(tmp_path):
    text = 'Partner list "2024\npartner_id,name\nP1,A\nP2,B\n'
    table = extract.read_table(_write(tmp_path, "partners.csv", text.encode()), "partners")
    assert table.frame["partner_id"].tolist() == ["P1", "P2"]


def test_raw_keeps_the_original_cells_and_extra_the_rest(tmp_path):
    text = "partner_id,name,Remarks,,Name\n P1 ,Alpha\x07,note,orphan,Alpha bis\n"
    table = extract.read_table(_write(tmp_path, "partners.csv", text.encode()), "partners")
    (text_of_raw,) = table.raws([0])
    raw = json.loads(text_of_raw)
    assert raw == {
        "partner_id": " P1 ",
        "name": "Alpha\x07",  # the original, as a JSON escape in the stored text
        "Remarks": "note",
        "column 4": "orphan",
        "Name": "Alpha bis",
    }
    assert "\x07" not in text_of_raw
    assert json.loads(table.frame["_extra"].iloc[0]) == {
        "Remarks": "note",
        "column 4": "orphan",
        "Name": "Alpha bis",
    }
    assert table.frame["name"].iloc[0] == "Alpha"


def test_undefined_byte_of_a_rejected_row_is_recoverable_from_raw(tmp_path):
    data = b"partner_id,name,status\nP1,Caf\x81,bogus\nP2,Caf\xe9,consultative\n"
    v = _partners_path(_write(tmp_path, "partners.csv", data))
    (raw,) = v.rejected["raw"].tolist()
    assert "\\u0081" in raw and json.loads(raw)["name"].encode("latin-1") == b"Caf\x81"
    assert v.warnings.empty  # the warning was about a row that is not loaded


def _partners_path(path):
    return validate_partners(extract.read_table(path, "partners"), Reference(), {})


def test_extra_reaches_activities(tmp_path):
    (tmp_path / "p.csv").write_text("partner_id,name,status\nP1,A,associate\n")
    partners = extract.read_table(tmp_path / "p.csv", "partners")
    a = tmp_path / "activities.csv"
    a.write_text("activity_id,partner_ids,title,field,Budget line\nA1,P1,T,ED,4.2.1\n")
    v = validate_activities(extract.read_table(a, "activities"), Reference(), {}, {"P1"})
    assert partners.frame["_extra"].tolist() == [None]
    assert v.records["extra"].tolist() == ['{"Budget line": "4.2.1"}']
