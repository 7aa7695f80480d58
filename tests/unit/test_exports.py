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


WHAT_IT_SHOWS = {"en": "What it shows", "fr": "Ce que montre le graphique"}
NOT_APPLIED = {"en": "not applied to this chart", "fr": "non appliqués à ce graphique"}
SCREEN_WORDS = ("click", "hover", "cliquez", "survol", "affichez le tableau", "show the table")


def _chart_pages(reader) -> list[str]:
    """The text of the chart pages of a pack (their header ends with 'i/n')."""
    import re

    texts = [p.extract_text() for p in reader.pages]
    return [t for t in texts if re.search(r" · \d+/\d+$", t.splitlines()[0])]


@needs_browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pdf_pack_metadata_sections_and_paper_notes(small, lang):
    from pypdf import PdfReader

    filters = _filters("field=ED&years=2018-2024&status=associate")
    content = pack.build_pack("pdf", "collective", filters, lang)
    reader = PdfReader(io.BytesIO(content))
    meta = reader.metadata
    assert meta.title == pack.pack_title("collective", lang)
    assert meta.author == "UNESCO NGO partnership analytics"
    assert meta.subject == describe.filters_text(filters, lang)
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"]
    charts = pack.pack_charts("collective")
    pages = _chart_pages(reader)
    assert len(pages) == len(charts)
    for text in pages:
        lines = [line.strip() for line in text.splitlines()]
        # "What it shows" is never an empty section: a line of summary follows it.
        assert WHAT_IT_SHOWS[lang] in lines
        after = lines[lines.index(WHAT_IT_SHOWS[lang]) + 1]
        assert len(after) > 20 and not after.startswith(("Data as of", "Données au"))
        # The field filter does not apply to collective charts: named as not applied.
        assert NOT_APPLIED[lang] in text
    for page in reader.pages:
        text = page.extract_text().lower()
        assert not any(w in text for w in SCREEN_WORDS), text


@needs_browser
def test_pdf_pack_of_all_pages_has_each_chart_once(small):
    from pypdf import PdfReader

    charts = pack.pack_charts("all")
    titles = [c.title for c in charts]
    assert "fields.activities_by_year" not in {c.key for c in charts}  # same as the overview's
    reader = PdfReader(io.BytesIO(pack.build_pack("pdf", "all", Filters(), "en")))
    pages = _chart_pages(reader)
    assert len(pages) == len(charts)
    shown = [next(t for t in titles if t in text.splitlines()) for text in pages]
    assert sorted(shown) == sorted(titles) and len(set(shown)) == len(shown)
    for text in pages:
        assert not any(w in text.lower() for w in SCREEN_WORDS)


def test_pack_charts_drop_a_chart_shown_on_two_pages(small):
    every = pack.pack_charts("all")
    drawings = [(c.query, c.figure, c.ignores) for c in every]
    assert len({repr(d) for d in drawings}) == len(every)
    assert [c.key for c in pack.pack_charts("fields")][0] == "fields.activities_by_year"


@needs_browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pptx_pack_cover_summary_on_slide_and_alt_text(small, lang):
    from pptx import Presentation

    filters = _filters()
    charts = pack.pack_charts("overview")
    content = pack.build_pack("pptx", "overview", filters, lang)
    deck = Presentation(io.BytesIO(content))
    assert deck.core_properties.author == "UNESCO NGO partnership analytics"
    assert deck.core_properties.language == lang
    assert len(deck.slides) == len(charts) + 1  # the cover, then one per chart
    cover = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert pack.pack_title("overview", lang) in cover
    assert describe.filters_text(filters, lang) in cover
    assert describe.as_of_text(lang) in cover and describe.as_of_text(lang)
    assert ("Generated on" if lang == "en" else "Produit le") in cover
    for chart, slide in zip(charts, list(deck.slides)[1:], strict=True):
        from dashboards.i18n import gettext

        assert slide.shapes.title.text == gettext(chart.title, lang)
        expected = summary.summarise(chart, chart.frame(filters), lang)
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert expected and any(expected in t for t in texts)  # on the slide itself
        notes = slide.notes_slide.notes_text_frame.text
        assert expected in notes
        assert ("Afrique et États arabes" if lang == "fr" else "Africa and Arab States") in notes
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1
        descr = pictures[0]._element.nvPicPr.cNvPr.get("descr")
        assert descr and gettext(chart.title, lang) in descr and expected in descr
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.shape_type == 13:
                assert shape._element.nvPicPr.cNvPr.get("descr")


def test_subtitle_claims_only_the_filters_a_chart_applies(small):
    from dashboards.charts import get_chart

    filters = _filters()
    conference = figures.paper_figure(get_chart("collective", "conference_by_region"), filters)
    applied, _, rest = conference.layout.title.subtitle.text.partition(" · not applied")
    assert "Africa and Arab States" in applied and "2018–2024" in applied
    assert "Education" not in applied and "Education" in rest
    liaison = figures.paper_figure(get_chart("collective", "liaison_committee"), filters)
    head = liaison.layout.title.subtitle.text.split(" · ")[0]
    assert head == "2018–2024"  # only the years apply
    overview = figures.paper_figure(charts_for("overview")[0], filters)
    assert "not applied" not in overview.layout.title.subtitle.text
    only_field = describe.filters_text(_filters("field=ED"), "fr", ("fields",))
    assert only_field == "Aucun filtre appliqué · filtres non appliqués à ce graphique : Éducation"


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("en", "Counted once. Click a cell to filter by both.", "Counted once."),
        (
            "en",
            "Small states may be too small to see: show the table. Click a country.",
            "Small states may be too small to see.",
        ),
        ("fr", "Compté une fois. Cliquez sur une case pour filtrer.", "Compté une fois."),
        ("en", "Nothing to do on screen here.", "Nothing to do on screen here."),
    ],
)
def test_paper_text_drops_screen_instructions(lang, text, expected):
    assert describe.paper_text(text, lang) == expected


def test_pack_step_progress_values():
    from dashboards.exports import web

    assert web.pack_step(0, 5, "", "en") == [0, "", "Starting…"]
    assert web.pack_step(2, 5, "Activities", "en") == [40, "2/4", "Chart 2 of 4 drawn: Activities"]
    assert web.pack_step(2, 5, "Activités", "fr")[2] == "Graphique 2 sur 4 tracé : Activités"
    assert web.pack_step(5, 5, "Done", "en") == [100, "", ""]


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


def test_csv_download_says_it_is_a_zip():
    assert data.filename("csv", "fr").startswith("unesco-ngo-data-csv-fr-")
    assert data.filename("csv").endswith(".zip") and data.filename("xlsx").endswith(".xlsx")


def test_chart_ignores_are_true(small):
    """A filter a chart says it ignores leaves its frame unchanged (so not claiming it is right)."""
    import dataclasses

    from dashboards import dimensions, vocab
    from dashboards.charts import all_charts

    checked = 0
    for chart in all_charts():
        base = chart.query(Filters())
        for key in chart.ignores:
            if key == "years":
                filtered = dataclasses.replace(Filters(), years=(2019, 2019))
            else:
                codes = vocab.codes(dimensions.get(key).vocabulary)
                filtered = dataclasses.replace(Filters(), **{key: tuple(codes[:1])})
            pd.testing.assert_frame_equal(chart.query(filtered), base, check_dtype=False)
            checked += 1
    assert checked >= 10  # the collective charts declare theirs
