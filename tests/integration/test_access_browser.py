"""Access modes in a real browser: the public deployment shows no internal field anywhere; the
internal one signs people in (local account), enforces roles and signs them out.

Each mode is served by `python app.py` (real settings from the environment) on the demo
warehouse; every response the browser receives is recorded and searched.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from app_server import free_port, start_app, stop
from browser_helpers import npm_package, open_page, settle

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/",
    "/fields",
    "/functional-areas",
    "/regions",
    "/partners",
    "/partners/NGO-0001",
    "/collective",
    "/regions?lang=fr",
]
# What only internal fields carry: money (a currency, budget columns and headings), file names
# and load history. (Notes may say in words how budgets are counted: no figure, no leak.)
LEAKS = re.compile(
    r"US\$|budget_usd|budget_share|Budget \(|\bdisbursed\b|source_file|source_line|\.csv\b|"
    r"\.xlsx\b|etl_runs|rejected_rows|load_warnings|Flagged at load",
    re.IGNORECASE,
)
COMPONENT_ID = re.compile(r'"id":\s*(?:"[^"]*"|\{[^{}]*\})')


@pytest.fixture(scope="module")
def public_app(demo_warehouse, tmp_path_factory):
    """The app in ACCESS_MODE=public on the demo warehouse."""
    folder = tmp_path_factory.mktemp("public")
    proc, url = start_app(
        demo_warehouse,
        folder / "app.log",
        ACCESS_MODE="public",
        BACKGROUND_CACHE_DIR=str(folder / "bg"),
    )
    yield url
    stop(proc)


class Recorder:
    """Every text response of the app a page receives (HTML, layout, callback answers)."""

    def __init__(self, page):
        self.bodies: list[tuple[str, str]] = []
        self.failed: list[str] = []
        page.on("response", self._keep)

    def _keep(self, response):
        url = response.url
        if response.status >= 400 or '"error"' in (response.headers.get("content-type") or ""):
            self.failed.append(f"HTTP {response.status} {url}")
        if "/_dash-component-suites/" in url or "/assets/" in url:
            return  # the app's code, not its data
        try:
            self.bodies.append((url, response.text()))
        except Exception:  # a redirect or a body already gone: nothing to read
            pass

    def leaks(self) -> list[str]:
        found = []
        for url, text in self.bodies:
            if url.split("?")[0].endswith("/_dash-dependencies"):
                continue  # the callbacks' declarations: component names, no data
            text = COMPONENT_ID.sub('"id":…', text)  # e.g. "data-rejected-grid": a name
            for m in LEAKS.finditer(text):
                found.append(f"{url}: …{text[max(0, m.start() - 60) : m.end() + 60]}…")
        return found


def _budget_values(warehouse) -> list[str]:
    """Budget figures of the demo data as numbers a response would carry (JSON, no format)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT budget_usd FROM activities WHERE budget_usd >= 100000 "
            "ORDER BY budget_usd DESC LIMIT 20"
        ).fetchall()
        totals = con.execute(
            "SELECT sum(budget_usd) FROM activities GROUP BY field_code"
        ).fetchall()
    finally:
        con.close()
    return [json.dumps(float(v)) for (v,) in rows + totals if v]


def test_public_pages_callbacks_and_downloads_carry_no_internal_field(
    browser, public_app, demo_warehouse
):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    recorder = Recorder(page)

    class W:  # the shape browser_helpers expect
        pass

    watch = W()
    watch.page, watch.base = page, public_app
    watch.goto = lambda path: page.goto(public_app + path, wait_until="networkidle")
    watch.wait_idle = lambda timeout=15000: page.wait_for_load_state("networkidle")
    downloads = []
    try:
        for path in PUBLIC_PAGES:
            open_page(watch, path)
            # Every chart shown as a table, every figure download of the page.
            for toggle in page.locator("[id*='chart-table-toggle']").all():
                toggle.click()
            settle(watch)
            menus = page.locator(".chart-export-toggle").all()
            for i in range(min(len(menus), 1)):
                page.locator(".chart-export-toggle").nth(i).click()
                with page.expect_download(timeout=60000) as info:
                    page.locator(".dropdown-menu.show .dropdown-item", has_text="SVG").first.click()
                downloads.append(info.value.path().read_bytes())
                settle(watch)
        # The menu offers no internal page; their addresses show "not found".
        nav = [a.get_attribute("href") for a in page.locator(".navbar .nav-link").all()]
        assert nav and not any(h.rstrip("/").endswith(("/spending", "/data")) for h in nav)
        for path in ("/spending", "/data"):
            open_page(watch, path)
            assert "not found" in page.locator("#page-content h1").first.inner_text().lower()
        # No row-level download, no pack is offered.
        assert not page.locator("#export-data-csv:visible").count()
        assert not page.locator("#export-pack-toggle:visible").count()
    finally:
        context.close()
    assert len(recorder.bodies) > 50, "the crawl saw too few responses to prove anything"
    # Everything the public app offers works (the /spending and /data visits answer 200 too).
    assert not recorder.failed, recorder.failed[:10]
    leaks = recorder.leaks()
    assert not leaks, "\n".join(leaks[:10])
    values = _budget_values(demo_warehouse)
    assert values
    everything = "".join(t for _, t in recorder.bodies)
    shown = [v for v in values if v in everything]
    assert not shown, f"budget values in public responses: {shown[:5]}"
    assert downloads
    for svg in downloads:
        m = LEAKS.search(svg.decode("utf-8", "replace"))
        assert m is None, f"a downloaded figure holds {m.group(0)!r}"


# -- internal mode: sign-in through a real OIDC provider and with a local account -------------

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
SECRET = "k" * 40
LOCAL_ROLES = {"vic": "viewer", "ana": "analyst", "ada": "admin"}
LOCAL_PASSWORD = "local-password-2"


@pytest.fixture(scope="module")
def internal_app(demo_warehouse, tmp_path_factory):
    """The app in internal mode, signing in with the local provider (node oidc-provider) or a
    local account (viewer 'lou')."""
    if shutil.which("node") is None or npm_package(OIDC_DIR, "oidc-provider") is None:
        pytest.fail("the OIDC provider is not installed: npm ci --prefix tests/oidc")
    folder = tmp_path_factory.mktemp("internal")
    app_port, idp_port = free_port(), free_port()
    base = f"http://127.0.0.1:{app_port}"
    idp_log = open(folder / "idp.log", "w")  # closed at the end
    idp = subprocess.Popen(
        ["node", "provider.js", str(idp_port), base + "/auth/oidc/callback"],
        cwd=OIDC_DIR,
        stdout=idp_log,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{idp_port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or idp.poll() is not None:
                idp.kill()
                raise RuntimeError((folder / "idp.log").read_text()) from None
            time.sleep(0.2)
    from dashboards import accounts

    accounts.add(folder / "accounts.json", "lou", "local-password-1", "viewer")
    for name, role in LOCAL_ROLES.items():  # the role browser tests' accounts
        accounts.add(folder / "accounts.json", name, LOCAL_PASSWORD, role)
    proc, url = start_app(
        demo_warehouse,
        folder / "app.log",
        PORT=str(app_port),
        ACCESS_MODE="internal",
        SECRET_KEY=SECRET,
        SESSION_COOKIE_SECURE="0",
        ACCOUNTS_PATH=str(folder / "accounts.json"),
        AUDIT_LOG_PATH=str(folder / "audit.jsonl"),
        OIDC_ISSUER=issuer,
        OIDC_CLIENT_ID="unesco-ngo",
        OIDC_CLIENT_SECRET="test-client-secret-not-for-production",
        OIDC_ROLE_MAP="staff=viewer,ngo-analysts=analyst,ngo-admins=admin",
        BACKGROUND_CACHE_DIR=str(folder / "bg"),
    )
    assert url == base
    yield url
    stop(proc)
    idp.terminate()
    idp.wait(timeout=10)
    idp_log.close()


def _oidc_sign_in(page, base: str, login: str) -> None:
    page.goto(base + "/regions", wait_until="networkidle")
    assert "/auth/login" in page.url
    page.click("#oidc-sign-in")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if (
        page.locator("button[autofocus], button[type=submit]").count()
        and "/interaction/" in page.url
    ):
        page.click("button[type=submit]")  # the provider's consent step
    page.wait_for_load_state("networkidle")


def test_oidc_sign_in_gives_the_mapped_role_and_sign_out_ends_it(browser, internal_app):
    context = browser.new_context()
    page = context.new_page()
    try:
        _oidc_sign_in(page, internal_app, "analyst-amy")
        assert page.url.startswith(internal_app + "/regions"), page.url
        page.wait_for_selector("#page-content h1")
        assert "Regions" in page.locator("#page-content h1").first.inner_text()
        assert page.locator("#export-data-csv").is_visible()
        # Sign out from the shell's link, then the app asks to sign in again.
        page.click("#access-sign-out")
        page.click("#sign-out")
        page.wait_for_load_state("networkidle")
        assert "/auth/login" in page.url
        page.goto(internal_app + "/", wait_until="networkidle")
        assert "/auth/login" in page.url
    finally:
        context.close()


def test_oidc_user_without_a_role_is_refused(browser, internal_app):
    context = browser.new_context()
    page = context.new_page()
    try:
        _oidc_sign_in(page, internal_app, "nobody-ned")
        assert "no role" in page.content()
        page.goto(internal_app + "/", wait_until="networkidle")
        assert "/auth/login" in page.url
    finally:
        context.close()


def test_local_viewer_signs_in_and_cannot_download_rows(browser, internal_app):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    refused = []
    page.on(
        "response",
        lambda r: refused.append(r.status) if "_dash-update-component" in r.url else None,
    )
    try:
        page.goto(internal_app + "/fields", wait_until="networkidle")
        page.fill("#username", "lou")
        page.fill("#password", "wrong-password")
        page.click("#local-sign-in")
        assert "Wrong user name or password" in page.content()
        page.fill("#username", "lou")
        page.fill("#password", "local-password-1")
        page.click("#local-sign-in")
        page.wait_for_selector("#page-content h1")
        assert page.url.startswith(internal_app + "/fields")
        assert 403 not in refused  # the renderer's requests carry the CSRF token
        # A viewer is offered no row-level download; the hidden button, clicked by a script,
        # asks anyway: the server refuses it.
        assert not page.locator("#export-data-csv").is_visible()
        # Wait for the answer itself (a fixed 1.5 s missed it in a loaded CI run): its status is
        # what is asserted, and a wrong one fails here too.
        with page.expect_response(
            lambda r: (
                "_dash-update-component" in r.url
                and r.request.method == "POST"
                and "data-download" in (r.request.post_data or "")
            ),
            timeout=30000,
        ) as answer:
            page.evaluate("document.getElementById('export-data-csv').click()")
        assert answer.value.status == 403  # a viewer's row-level download is refused
        assert 403 in refused
    finally:
        context.close()


# -- what each role is offered, the forbidden pages, the audit page ---------------------------

AUDIT = "/admin/audit"


def _local_sign_in(page, base: str, name: str, path: str = "/regions") -> None:
    page.goto(base + path, wait_until="networkidle")
    assert "/auth/login" in page.url
    page.fill("#username", name)
    page.fill("#password", LOCAL_PASSWORD)
    page.click("#local-sign-in")
    page.wait_for_selector("#page-content h1")
    page.wait_for_load_state("networkidle")


def _offered(page) -> dict[str, bool]:
    """What the shell offers on the page shown: row-level buttons and the admin link."""
    return {
        "data": page.locator("#export-data-csv").is_visible(),
        "excel": page.locator("#export-data-xlsx").is_visible(),
        "pack": page.locator("#export-pack-toggle").is_visible(),
        "chart download": page.locator(".chart-export-toggle").first.is_visible(),
        "audit link": page.locator(f".navbar a[href$='{AUDIT}']").count() > 0,
    }


def test_public_mode_has_no_admin_page_and_no_admin_link(browser, public_app):
    context = browser.new_context()
    page = context.new_page()
    try:
        answer = page.goto(public_app + AUDIT, wait_until="networkidle")
        assert answer.status == 404
        assert page.locator("#forbidden-title").inner_text() == "Page not found"
        page.goto(public_app + "/regions", wait_until="networkidle")
        page.wait_for_selector("#page-content h1")
        assert _offered(page) == {
            "data": False,
            "excel": False,
            "pack": False,
            "chart download": True,
            "audit link": False,
        }
        assert page.locator("#access-sign-out").count() == 0  # nobody signs in publicly
    finally:
        context.close()


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("vic", {"data": False, "excel": False, "pack": False, "audit link": False}),
        ("ana", {"data": True, "excel": True, "pack": True, "audit link": False}),
        ("ada", {"data": True, "excel": True, "pack": True, "audit link": True}),
    ],
)
def test_each_role_sees_what_it_may_use_and_a_403_page_for_the_rest(
    browser, internal_app, name, offered
):
    context = browser.new_context()
    page = context.new_page()
    try:
        _local_sign_in(page, internal_app, name)
        shown = _offered(page)
        assert shown.pop("chart download")  # a chart's image: every role
        assert shown == offered
        lifecycle_digest = LOCAL_ROLES[name] == "admin"
        page.goto(internal_app + "/lifecycle", wait_until="networkidle")
        page.wait_for_selector("#page-content h1")
        assert page.locator("#lifecycle-digest-button").count() == int(lifecycle_digest)
        answer = page.goto(internal_app + AUDIT, wait_until="networkidle")
        if LOCAL_ROLES[name] == "admin":
            assert answer.status == 200
            page.wait_for_selector("#audit-table table")
            assert "Audit log" in page.locator("#page-content h1").first.inner_text()
        else:
            assert answer.status == 403
            assert page.locator("#forbidden-title").inner_text() == "Forbidden"
            assert "ask an administrator" in page.locator("[role=alert]").inner_text()
            page.click("#forbidden-home")  # a way back, still signed in
            page.wait_for_selector("#page-content h1")
            assert "/auth/login" not in page.url
    finally:
        context.close()


def test_audit_page_lists_a_sign_in_and_a_download_made_here(browser, internal_app):
    # An analyst signs in (local account) and downloads the rows behind a view.
    analyst = browser.new_context(accept_downloads=True)
    page = analyst.new_page()
    try:
        _local_sign_in(page, internal_app, "ana", "/fields?years=2019-2020")
        with page.expect_download(timeout=60000) as info:
            page.click("#export-data-csv")
        assert info.value.suggested_filename.endswith(".zip")
    finally:
        analyst.close()
    # An admin signs in through the organisation's provider and reads the log.
    admin = browser.new_context(accept_downloads=True)
    page = admin.new_page()
    try:
        _oidc_sign_in(page, internal_app, "admin-ines")
        page.goto(internal_app + AUDIT, wait_until="networkidle")
        page.wait_for_selector("#audit-table table")
        rows = page.locator("#audit-table tbody tr")
        first = rows.first.inner_text()
        assert "admin-ines" in first and "Sign-in" in first  # newest first: this sign-in
        # Only the analyst's events: the download (with its filters), then the sign-in.
        page.click("#audit-user")
        page.locator(".dash-dropdown-content").wait_for(state="visible")
        page.locator(".dash-dropdown-option", has=page.locator("input[value='ana']")).click()
        page.keyboard.press("Escape")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#audit-table tbody tr td:nth-child(2)')]"
            ".every(td => td.innerText.trim() === 'ana')"
        )
        page.wait_for_load_state("networkidle")
        texts = rows.all_inner_texts()
        assert texts
        download = next(i for i, t in enumerate(texts) if "Row-level download" in t)
        sign_in = next(i for i, t in enumerate(texts) if "Sign-in" in t)
        assert download < sign_in
        assert "years=2019-2020" in texts[download] and "data-download" in texts[download]
        assert "analyst" in texts[download]
        # In French, dates in French.
        page.goto(internal_app + AUDIT + "?lang=fr", wait_until="networkidle")
        page.wait_for_selector("#audit-table table")
        assert "Journal d'audit" in page.locator("#page-content h1").inner_text()
        assert "Connexion" in page.locator("#audit-table tbody").inner_text()
        # The log as CSV.
        with page.expect_download(timeout=30000) as info:
            page.click("#audit-download-button")
        text = info.value.path().read_text(encoding="utf-8-sig")
        assert text.startswith("at_utc,event,user,role")
        assert "row_level_download,ana,analyst" in text
        # Sign out from the shell's link.
        page.click("#access-sign-out")
        page.click("#sign-out")
        page.wait_for_load_state("networkidle")
        page.goto(internal_app + AUDIT, wait_until="networkidle")
        assert "/auth/login" in page.url
    finally:
        admin.close()
