"""Exports: filters in words, decorated figures (PNG/SVG/PDF), summaries, briefing packs (PDF
and PowerPoint), data downloads (CSV/XLSX, formula neutralisation) and the command line."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest

from dashboards.charts import charts_for
from dashboards.exports import data, describe, figures, pack, summary
from dashboards.exports.__main__ import main as cli
from dashboards.filters import Filters

# The vocabularies (codes, names, order, bits) are those of the warehouse served.
pytestmark = pytest.mark.usefixtures("small")

CHROMIUM = Path("/usr/bin/chromium").exists()
needs_browser = pytest.mark.skipif(not CHROMIUM, reason="kaleido needs /usr/bin/chromium")
QUERY = "region=AFR,ARB&field=ED&years=2018-2024&status=associate"


def _filters(query: str = QUERY) -> Filters:
    filters, notices = Filters.from_query(query)
    assert not notices
    return filters


# -- describe ---------------------------------------------------------------------------------


def test_filters_in_words(small):
    assert (
        describe.filters_text(_filters(), "en")
        == "Africa and Arab States · Education · 2018–2024 · associate partners"
    )
    fr = describe.filters_text(_filters(), "fr")
    assert fr.startswith("Afrique et États arabes · Éducation · 2018–2024")
    assert describe.filters_text(Filters(), "en") == "All activities, all years"
    assert describe.filters_text(_filters("years=2020&region=AFR,ARB,LAC"), "en") == (
        "Africa, Arab States and Latin America and the Caribbean · 2020"
    )


def test_as_of_and_source(small):
    assert describe.as_of() is not None
    assert describe.source_line("en").startswith("Data as of ")
    assert "Source: UNESCO partner records" in describe.source_line("en")


# -- summaries --------------------------------------------------------------------------------


def test_summary_names_largest_categories_and_change():
    frame = pd.DataFrame(
        {
            "year": [2020, 2020, 2021, 2021, 2022],
            "code": ["ED", "CLT", "ED", "CLT", "ED"],
            "activities": [10, 5, 20, 5, 30],
        }
    )
    text = summary.summarise(None, frame, "en")
    assert "Education (60 activities, 86%)" in text
    assert "Culture (10 activities, 14%)" in text
    assert (
        "From 2020 to 2022, the yearly total went from 15 activities to 30 activities (+100%)"
        in (text)
    )
    assert summary.summarise(None, frame.iloc[0:0], "en") == "No data for these filters"
    fr = summary.summarise(None, frame, "fr")
    assert "Éducation" in fr and "86" in fr


def test_summary_of_each_registered_chart_is_text(small):
    for chart in charts_for("overview"):
        assert isinstance(summary.summarise(chart, chart.frame(Filters()), "en"), str)


# -- figures ----------------------------------------------------------------------------------


def test_paper_figure_has_title_filters_and_footnote(small):
    chart = charts_for("overview")[0]
    fig = figures.paper_figure(chart, _filters(), "en")
    assert fig.layout.title.text == "Activities over time, by field of competence"
    assert fig.layout.title.subtitle.text == (
        "Africa and Arab States · Education · 2018–2024 · associate partners"
    )
    foot = fig.layout.annotations[-1].text
    assert "Data as of" in foot and "Source: UNESCO partner records" in foot
    assert (fig.layout.width, fig.layout.height) == (1600, 900)


@needs_browser
def test_png_svg_pdf_exports(small):
    from PIL import Image
    from pypdf import PdfReader

    chart = charts_for("overview")[1]
    png = figures.figure_bytes(chart, _filters(), "png", "en")
    assert Image.open(io.BytesIO(png)).size == (3200, 1800)
    svg = figures.figure_bytes(chart, _filters(), "svg", "fr")
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "Afrique et États arabes" in svg.decode("utf-8")
    pdf = figures.figure_bytes(chart, _filters(), "pdf", "en")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "Africa and Arab States" in reader.pages[0].extract_text()


@needs_browser
def test_warm_export_reuses_the_browser(small):
    # Speed is measured by `python -m bench` (exports section); what makes it fast is that the
    # second export is drawn by the Chromium the first one started, not by a new one.
    import psutil

    chart = charts_for("overview")[1]
    figures.figure_bytes(chart, Filters(), "png")  # starts the browser if needed
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True) if "chrom" in p.name().lower()}
    figures.figure_bytes(chart, Filters(), "png")
    after = {p.pid for p in me.children(recursive=True) if "chrom" in p.name().lower()}
    assert before, "no warm Chromium kept between exports"
    assert after == before


def test_map_exports_use_local_topojson():
    import plotly.io as pio

    assert pio.defaults.topojson.startswith("file://")
    assert Path(pio.defaults.topojson.removeprefix("file://"), "world_110m.json").exists()


# -- briefing packs ---------------------------------------------------------------------------


@needs_browser
def test_pdf_pack_pages_and_filter_text(small):
    from pypdf import PdfReader

    charts = charts_for("overview")
    seen: list[tuple[int, int]] = []
    content = pack.build_pack(
        "pdf", "overview", _filters(), "en", progress=lambda d, t, _: seen.append((d, t))
    )
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == len(charts) + 2  # cover, one per chart, definitions
    cover = reader.pages[0].extract_text()
    assert "Briefing: Overview" in cover
    assert "Africa and Arab States · Education · 2018–2024 · associate partners" in cover
    assert "Data as of" in cover
    for i in range(1, len(charts) + 1):
        text = reader.pages[i].extract_text()
        assert "Africa and Arab States" in text and "What it shows" in text
    assert "Definitions and sources" in reader.pages[-1].extract_text()
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] == len(charts) + 1


@needs_browser
def test_pptx_pack_slides_and_notes(small):
    from pptx import Presentation

    charts = charts_for("overview")
    content = pack.build_pack("pptx", "overview", _filters(), "fr")
    deck = Presentation(io.BytesIO(content))
    assert len(deck.slides) == len(charts)
    for slide in deck.slides:
        assert slide.shapes.title.text
        notes = slide.notes_slide.notes_text_frame.text
        assert "Afrique et États arabes" in notes
        assert "Données au" in notes
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1


def test_pack_rejects_unknown_page_and_format(small):
    with pytest.raises(KeyError):
        pack.pack_charts("nowhere")
    with pytest.raises(ValueError):
        pack.build_pack("docx", "overview", Filters())


# -- data downloads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Plain", "Plain"),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert data.neutralise(value) == expected


def test_activities_and_partners_have_names_in_the_language(small):
    acts = data.activities(Filters(), "fr")
    assert len(acts) == 8
    assert "Domaine de compétence" in acts.columns
    assert "Éducation" in set(acts["Domaine de compétence"])
    parts = data.partners(_filters("status=associate"), "en")
    assert list(parts["Partner status"].unique()) == ["Associate"]


@pytest.fixture
def poisoned(small, monkeypatch):
    """Activities whose text cells look like formulas."""
    real = data.activities

    def activities(filters, lang="en"):
        frame = real(filters, lang)
        frame.iloc[0, 1] = "=cmd|' /C calc'!A0"
        frame.iloc[1, 1] = "@SUM(1+1)"
        frame.iloc[2, 1] = "-1+2"
        return frame

    monkeypatch.setattr(data, "activities", activities)


def test_csv_zip_round_trip(poisoned):
    content = data.to_csv_zip(_filters("years=2018-2030"), "fr")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert sorted(zf.namelist()) == ["about.csv", "activities.csv", "partners.csv"]
        raw = zf.read("activities.csv")
        about = zf.read("about.csv").decode("utf-8-sig")
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    titles = list(frame.iloc[:, 1])
    assert titles[:3] == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'-1+2"]
    assert not any(str(t).startswith(data.FORMULA_START) for t in titles)
    assert "Données au" in about or "Data as of" in about
    assert "2018–2030" in about


def test_xlsx_round_trip(poisoned):
    import openpyxl

    content = data.to_xlsx(_filters("years=2018-2030"), "en")
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["About", "Activities", "Partners"]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Filters"] == "2018–2030"
    assert about["Data as of"] not in (None, "—")
    sheet = book["Activities"]
    titles = [c.value for c in sheet["B"][1:4]]
    assert titles == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'-1+2"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


# -- command line -----------------------------------------------------------------------------


def test_cli_list_and_errors(small, capsys):
    assert cli(["figure", "--page", "overview", "--list"]) == 0
    assert capsys.readouterr().out.split() == [c.name for c in charts_for("overview")]
    assert cli(["figure", "--page", "nowhere", "--list"]) == 2
    assert "unknown page 'nowhere'" in capsys.readouterr().err
    assert cli(["figure", "--page", "overview", "--chart", "nope"]) == 2
    assert "no chart 'nope'" in capsys.readouterr().err
    assert cli(["briefing", "--page", "nowhere"]) == 2


def test_cli_data_with_notice(small, tmp_path, capsys):
    out = tmp_path / "d.xlsx"
    assert cli(["data", "--filters", "region=XYZ&years=2020", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "notice: region=XYZ is unknown and was ignored" in captured.err
    assert out.read_bytes()[:2] == b"PK"
    assert cli(["data", "--filters", "region=XYZ", "--strict", "--out", str(out)]) == 2


def test_cli_missing_warehouse(tmp_path, capsys):
    code = cli(["data", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x")])
    assert code == 1
    assert capsys.readouterr().err.startswith("error: no warehouse")


@needs_browser
def test_cli_figure_and_briefing(small, tmp_path, capsys):
    from pypdf import PdfReader

    svg = tmp_path / "fig.svg"
    name = charts_for("overview")[0].name
    args = ["figure", "--page", "overview", "--chart", name, "--format", "svg", "--out", str(svg)]
    assert cli(args) == 0
    ElementTree.fromstring(svg.read_bytes())
    pdf = tmp_path / "pack.pdf"
    args = ["briefing", "--page", "overview", "--filters", "region=AFR&years=2020-2024"]
    assert cli([*args, "--format", "pdf", "--lang", "fr", "--out", str(pdf)]) == 0
    reader = PdfReader(pdf)
    assert len(reader.pages) == len(charts_for("overview")) + 2
    assert "Afrique · 2020–2024" in reader.pages[0].extract_text()
