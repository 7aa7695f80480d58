"""Edge cases of real-world files: whitespace, line ends, delimiters, corrected duplicates."""

from __future__ import annotations

from dashboards.callbacks import _apply_click
from dashboards.charts import get_chart
from dashboards.filters import Filters
from etl import extract
from etl.reference import Reference
from etl.validate import validate_partners

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
