"""Loading from the browser (issue 13) in real Chromium: an admin signs in (local account),
drops real-world-shaped files on /admin/upload, sees the preview (counts, a rejected row's
reason), cancels (the warehouse is unchanged), drops them again and confirms (the overview
serves the new data); one French check. `python app.py` in internal mode, its own warehouse.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from app_server import start_app, stop

pytestmark = pytest.mark.browser

REALWORLD = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"
FILES = [REALWORLD / "partners_eb_fr.csv", REALWORLD / "participation_collective.csv"]


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory):
    """The app in internal mode on a warehouse of the English directory file (35 partners)."""
    from dashboards import accounts
    from etl.load import load_directory

    folder = tmp_path_factory.mktemp("upload")
    first = folder / "first"
    first.mkdir()
    shutil.copy(REALWORLD / "partners_directory_en.csv", first)
    db = folder / "wh" / "warehouse.duckdb"
    load_directory(first, db)
    accounts.add(folder / "accounts.json", "ada", "admin-password-1", "admin")
    accounts.add(folder / "accounts.json", "vera", "viewer-password-1", "viewer")
    proc, url = start_app(
        db,
        folder / "app.log",
        ACCESS_MODE="internal",
        SECRET_KEY="u" * 40,
        SESSION_COOKIE_SECURE="0",
        ACCOUNTS_PATH=str(folder / "accounts.json"),
        AUDIT_LOG_PATH=str(folder / "audit.jsonl"),
        BACKGROUND_CACHE_DIR=str(folder / "bg"),
        UPLOAD_MAX_MB="2",
    )
    yield url, db, folder
    stop(proc)


def _sign_in(page, base: str, name: str, password: str, path: str) -> None:
    page.goto(base + path, wait_until="networkidle")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#local-sign-in")
    page.wait_for_selector("#page-content h1")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _drop(page, folder: Path) -> None:
    page.set_input_files("#upload-drop input[type=file]", [str(p) for p in FILES])
    try:
        page.wait_for_selector("#upload-preview", timeout=120_000)
    except Exception as e:  # say what the page and the app said
        status = page.locator("#upload-status").inner_text()
        log = (folder / "app.log").read_text()[-1500:]
        raise AssertionError(f"no preview; the page says {status!r}; app log: {log}") from e


def test_admin_previews_cancels_then_confirms(browser, upload_app):
    base, db, folder = upload_app
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        _sign_in(page, base, "ada", "admin-password-1", "/admin/upload")
        assert page.locator("h1").first.inner_text() == "Load data"
        served = _sha(db)

        _drop(page, folder)
        files = page.locator("#upload-files").inner_text()
        assert "partners_eb_fr.csv" in files and "participation_collective.csv" in files
        row = page.locator("#upload-files tr", has_text="participation_collective.csv")
        cells = row.locator("td").all_inner_texts()
        assert cells[2] == "25"  # rows, then loaded + rejected
        assert int(cells[3]) + int(cells[4]) == 25 and int(cells[4]) > 0
        rejected = page.locator("#upload-rejected").inner_text()
        assert "participation_collective.csv" in rejected and "unknown partner id" in rejected
        counts = page.locator("#upload-counts tr", has_text="Partners").all_inner_texts()[0]
        assert "35" in counts and "20" in counts  # now, after the load
        assert "Traceback" not in page.content()

        page.click("#upload-cancel")
        page.wait_for_selector("#upload-outcome:has-text('Cancelled')")
        assert _sha(db) == served  # nothing changed
        assert not list(db.parent.glob("*.staged-*"))

        _drop(page, folder)  # the same files again
        page.click("#upload-confirm")
        page.wait_for_selector("#upload-outcome:has-text('Loaded')", timeout=120_000)
        assert _sha(db) != served

        page.goto(base + "/", wait_until="networkidle")
        page.wait_for_selector("#overview-headlines .card")
        headlines = page.locator("#overview-headlines").inner_text()
        assert "20" in headlines and "35" not in headlines
        events = [json.loads(x) for x in (folder / "audit.jsonl").read_text().splitlines()]
        loads = [e for e in events if e["event"] == "load"]
        assert [e["outcome"] for e in loads] == ["cancelled", "loaded"]
        assert loads[-1]["user"] == "ada" and loads[-1]["via"] == "upload"
        assert {f["sha256"] for f in loads[-1]["files"]} == {_sha(p) for p in FILES}
        assert not errors
    finally:
        context.close()


def test_french_page_and_a_too_large_upload(browser, upload_app, tmp_path):
    base, _db, _folder = upload_app
    context = browser.new_context()
    page = context.new_page()
    try:
        _sign_in(page, base, "ada", "admin-password-1", "/admin/upload?lang=fr")
        assert page.locator("h1").first.inner_text() == "Charger des données"
        big = tmp_path / "partners_big.csv"
        big.write_bytes(b"partner_id,name\n" + b"X" * (3 * 1024 * 1024))
        page.set_input_files("#upload-drop input[type=file]", [str(big)])
        page.wait_for_selector("#upload-status .alert-danger")
        assert "2 Mo" in page.locator("#upload-status").inner_text()
    finally:
        context.close()


def test_viewer_gets_no_upload_page(browser, upload_app):
    base, _db, _folder = upload_app
    context = browser.new_context()
    page = context.new_page()
    try:
        _sign_in(page, base, "vera", "viewer-password-1", "/")
        answer = page.goto(base + "/admin/upload")
        assert answer.status == 403
    finally:
        context.close()
