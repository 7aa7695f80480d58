"""The Lifecycle page in a real browser (EN/FR), on the lifecycle fixture as of 15 Nov 2026."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from app_server import start_app, stop
from browser_helpers import assert_clean, open_page, settle
from conftest import PageWatch

pytestmark = pytest.mark.browser

CHARTS = (
    "renewal_pipeline",
    "renewals_for_decision",
    "partners_by_status",
    "reports_due",
    "status_changes",
    "no_cooperation",
    "changes_since_session",
    "regional_balance",
    "field_balance",
)
FIGURES_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
    id: (gd.closest('[id]') || {}).id || '',
    traces: (gd._fullData || []).length,
}))
"""
GRID_ROWS_JS = """
id => [...document.querySelectorAll('#' + id + ' .ag-center-cols-container .ag-row')]
    .map(r => [...r.querySelectorAll('.ag-cell')].map(c => c.innerText.trim()))
"""


@pytest.fixture(scope="module")
def lifecycle_app(lifecycle_warehouse, tmp_path_factory):
    """The app on the lifecycle fixture, counting time left from 15 Nov 2026."""
    folder = tmp_path_factory.mktemp("lc")
    # A copy to mark as demo data: this worker's unit tests may hold the session file open.
    warehouse = Path(shutil.copy(lifecycle_warehouse, folder / "warehouse.duckdb"))
    old = os.environ.get("DASHBOARD_TODAY")
    os.environ["DASHBOARD_TODAY"] = "2026-11-15"
    try:
        proc, url = start_app(warehouse, folder / "app.log")
    finally:
        if old is None:
            os.environ.pop("DASHBOARD_TODAY", None)
        else:
            os.environ["DASHBOARD_TODAY"] = old
    yield url
    stop(proc)


@pytest.fixture
def page_watch(browser, lifecycle_app):
    """A fresh page on the lifecycle app."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    yield PageWatch(context.new_page(), lifecycle_app)
    context.close()


def _grid(page, grid_id: str) -> list[list[str]]:
    page.wait_for_selector(f"#{grid_id} .ag-row", timeout=20000)
    return page.evaluate(GRID_ROWS_JS, grid_id)


def test_lifecycle_page_english(page_watch):
    open_page(page_watch, "/lifecycle")
    page = page_watch.page
    assert page.locator("#page-content h1").first.inner_text() == "Lifecycle"
    assert page.get_by_role("link", name="Lifecycle").count() >= 1  # in the nav
    figures = page.evaluate(FIGURES_JS)
    assert len(figures) == len(CHARTS)
    assert all(f["traces"] > 0 for f in figures), figures
    rows = _grid(page, "lifecycle-reviews-grid")
    assert [r[0] for r in rows] == [
        "Alpha Education International",
        "Delta Cultura",
        "Réseau africain des sciences",
    ]
    first = rows[0]
    assert "Overdue" in first[-1] and "224 EX" in first
    assert "Jun 2024 (1 Jun 2024 assumed)" in first  # month precision: the day is said
    assert "Time left is counted as of 15 Nov 2026." in page.inner_text("#lifecycle-as-of")
    risk = _grid(page, "lifecycle-risk-grid")
    assert [r[0] for r in risk] == ["Alpha Education International"]
    assert_clean(page_watch)


def test_lifecycle_page_french(page_watch):
    open_page(page_watch, "/lifecycle?lang=fr")
    page = page_watch.page
    assert page.locator("#page-content h1").first.inner_text() == "Cycle de vie"
    headers = page.locator("#lifecycle-reviews-grid .ag-header-cell-text").all_inner_texts()
    assert "Jours restants" in headers and "Session décisionnaire" in headers
    rows = _grid(page, "lifecycle-reviews-grid")
    assert "En retard" in rows[0][-1]
    assert "15 nov. 2026" in page.inner_text("#lifecycle-as-of")
    assert_clean(page_watch)


def test_filters_apply_to_tables(page_watch):
    open_page(page_watch, "/lifecycle?status=consultative")
    rows = _grid(page_watch.page, "lifecycle-reviews-grid")
    assert [r[0] for r in rows] == ["Delta Cultura", "Réseau africain des sciences"]
    assert_clean(page_watch)


def test_digest_button_downloads_three_files(page_watch):
    open_page(page_watch, "/lifecycle")
    page = page_watch.page
    page.fill("#lifecycle-digest-month", "2026-10")
    with page.expect_download(timeout=90000) as info:
        page.click("#lifecycle-digest-button")
    data = open(info.value.path(), "rb").read()
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names == {"digest.html", "digest.pdf", "digest.xlsx"}
    settle(page_watch)
    assert "digest-2026-10-en.zip" in page.inner_text("#lifecycle-digest-status")
