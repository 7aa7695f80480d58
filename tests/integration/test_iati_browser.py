"""The IATI-sourced warehouse in a real browser: Spending and Data pages draw, in EN and FR.

Its own app server, on a warehouse loaded from tests/fixtures/iati/load (the session's live app
serves the demo warehouse, which has no IATI data).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_server import start_app, stop

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FIGURES_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
    traces: (gd._fullData || []).length,
    empty: !!(gd.layout && gd.layout.meta && gd.layout.meta.empty),
    names: (gd._fullData || []).map(t => t.name),
}))
"""


@pytest.fixture(scope="module")
def iati_app(tmp_path_factory):
    """`python app.py` on a free loopback port, serving the IATI fixtures' warehouse."""
    from etl.load import load_directory

    base = tmp_path_factory.mktemp("iati-app")
    db = base / "warehouse.duckdb"
    load_directory(ROOT / "tests" / "fixtures" / "iati" / "load", db)
    proc, url = start_app(db, base / "app.log")  # fixtures, no one's data: demo mode
    yield url
    stop(proc)


def _open(browser, url: str, plots: int = 0):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("#page-content h1", timeout=60000)
    page.wait_for_function(
        f"() => document.querySelectorAll('.js-plotly-plot').length >= {plots} && "
        "[...document.querySelectorAll('.js-plotly-plot')].every(g => g._fullData)"
        " && !document.querySelector('[data-dash-is-loading=\"true\"]')",
        timeout=60000,
    )
    page.wait_for_load_state("networkidle")
    return context, page, errors


@pytest.mark.parametrize(
    ("lang", "legend"),
    [("en", ["Budget", "Disbursed", "Spent"]), ("fr", ["Budget", "Décaissé", "Dépensé"])],
)
def test_spending_page_draws_budget_disbursed_and_spent(browser, iati_app, lang, legend):
    context, page, errors = _open(browser, f"{iati_app}/spending?lang={lang}", plots=3)
    try:
        figures = page.evaluate(FIGURES_JS)
        assert len(figures) == 3
        for fig in figures:
            assert fig["traces"] == 3 and not fig["empty"]
            assert sorted(fig["names"]) == sorted(legend)
        assert errors == []
    finally:
        context.close()


def test_data_page_shows_iati_files_and_the_crosswalk(browser, iati_app):
    context, page, errors = _open(browser, f"{iati_app}/data?lang=fr")
    try:
        text = page.inner_text("#page-content")
        assert "Fichiers IATI" in text and "unesco_2.03.xml" in text
        assert "Correspondance secteur → domaine de compétence" in text
        assert "Avertissements sur les règles IATI" in text
        assert errors == []
    finally:
        context.close()
