"""The NGP Committee pack: `python -m dashboards.exports briefing --page lifecycle`, PDF/PPTX, EN/FR."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from dashboards.charts import charts_for
from dashboards.exports.__main__ import main

PACK_CHARTS = {
    "partners_by_status",  # counts by status
    "changes_since_session",  # changes since the previous session
    "renewals_for_decision",  # the list of renewals for decision
    "regional_balance",
    "field_balance",
}


@pytest.fixture
def run(monkeypatch, capsys, lifecycle_warehouse):
    """The exports CLI on the lifecycle fixture as of 15 Nov 2026."""
    monkeypatch.setenv("DASHBOARD_TODAY", "2026-11-15")

    def go(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*args, "--db", str(lifecycle_warehouse)])
        out, err = capsys.readouterr()
        return code, out, err

    yield go
    from dashboards import cache

    cache.RESULTS.clear()


def test_lifecycle_charts_declare_measure_and_internal():
    charts = {c.name: c for c in charts_for("lifecycle")}
    assert PACK_CHARTS <= set(charts)
    assert all(c.measure for c in charts.values())
    assert charts["reports_due"].internal and charts["renewal_pipeline"].internal
    assert not charts["status_changes"].internal and not charts["regional_balance"].internal


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            [
                "Briefing: Lifecycle",
                "Renewals for decision at the next Executive Board session",
                "224 EX",
                "Regional balance of partners",
            ],
        ),
        (
            "fr",
            [
                "Cycle de vie",
                "Équilibre régional des partenaires",
                "224 EX",
                "Renouvellements à décider",
            ],
        ),
    ],
)
def test_pack_pdf(run, tmp_path, lang, words):
    out = tmp_path / f"pack-{lang}.pdf"
    code, _, err = run("briefing", "--page", "lifecycle", "--lang", lang, "--out", str(out))
    assert code == 0, err
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    for word in words:
        assert word in text, word
    assert len(reader.pages) >= len(charts_for("lifecycle")) + 1
    # the summary of "partners by status" is true to its chart (2 consultative of 4)
    assert ("Consultative (2 partners, 50%)" in text) if lang == "en" else ("Consultatif" in text)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "3", "-l", "3", str(out), str(tmp_path / "p")],
        check=True,
    )
    pngs = list(Path(tmp_path).glob("p-*.png"))
    assert pngs
    shutil.copy(pngs[0], Path("/tmp") / f"lifecycle-pack-{lang}-p3.png")  # to look at


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pack_pptx(run, tmp_path, lang):
    from pptx import Presentation

    out = tmp_path / f"pack-{lang}.pptx"
    code, _, err = run(
        "briefing", "--page", "lifecycle", "--format", "pptx", "--lang", lang, "--out", str(out)
    )
    assert code == 0, err
    deck = Presentation(str(out))
    titles = [
        shape.text_frame.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]
    expected = (
        "Renewals for decision at the next Executive Board session"
        if lang == "en"
        else "Renouvellements à décider à la prochaine session du Conseil exécutif"
    )
    assert any(expected in t for t in titles)
    assert len(deck.slides) >= len(charts_for("lifecycle"))
