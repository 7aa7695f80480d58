"""A partner whose source states no status, in a real browser, in English and French.

The app serves a warehouse loaded from the real-world partner lists of
`tests/fixtures/realworld/` (no partner ids, statuses missing or in older wordings).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from app_server import start_app, stop
from browser_helpers import assert_clean, open_page
from conftest import PageWatch

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
REALWORLD = ROOT / "tests" / "fixtures" / "realworld"


@pytest.fixture(scope="module")
def realworld_app(tmp_path_factory):
    """(base URL, warehouse path) of the app on the real-world partner lists."""
    from etl.load import load_directory

    base = tmp_path_factory.mktemp("rw-app")
    folder = base / "in"
    folder.mkdir()
    for p in REALWORLD.glob("partners_*"):
        shutil.copyfile(p, folder / p.name)
    db = base / "warehouse.duckdb"
    load_directory(folder, db)
    proc, url = start_app(db, base / "app.log")  # fixtures, no one's data: demo mode
    try:
        yield url, db
    finally:
        stop(proc)


@pytest.fixture
def rw_watch(browser, realworld_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield PageWatch(page, realworld_app[0])
    context.close()


def _not_stated_partner(db: Path) -> tuple[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT partner_id, name FROM partners WHERE status = 'not_stated' "
            "AND name = 'International Astronomical Union'"
        ).fetchone()
    finally:
        con.close()


@pytest.mark.parametrize(
    ("lang", "status", "type_"),
    [
        ("en", "Status not stated", "Type not stated"),
        ("fr", "Statut non précisé", "Type non précisé"),
    ],
)
def test_profile_of_a_partner_without_status(rw_watch, realworld_app, lang, status, type_):
    pid, name = _not_stated_partner(realworld_app[1])
    open_page(rw_watch, f"/partners/{pid}?lang={lang}")
    rw_watch.page.get_by_text(status).first.wait_for(timeout=30000)
    text = rw_watch.page.inner_text("body")
    assert name in text
    # The badge, the identity table and the status history (never a real status).
    assert text.count(status) >= 3 and type_ in text
    assert_clean(rw_watch)


@pytest.mark.parametrize(
    ("lang", "status"), [("en", "Status not stated"), ("fr", "Statut non précisé")]
)
def test_directory_filtered_on_not_stated(rw_watch, realworld_app, lang, status):
    open_page(rw_watch, f"/partners?status=not_stated&lang={lang}")
    # The grid fills after the page settles on a busy machine: wait for its first row.
    rw_watch.page.get_by_text("International Astronomical Union").first.wait_for(timeout=30000)
    text = rw_watch.page.inner_text("body")
    assert "International Astronomical Union" in text
    assert "International Council of Museums" not in text  # stated (associate status)
    con = duckdb.connect(str(realworld_app[1]), read_only=True)
    n = con.execute("SELECT count(*) FROM partners WHERE status = 'not_stated'").fetchone()[0]
    con.close()
    assert text.count(status) >= n + 1  # one cell per partner, and the filter chip
    assert_clean(rw_watch)
