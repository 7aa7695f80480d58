"""The app in a real browser under its security headers and under a URL prefix.

- Every page draws under the Content-Security-Policy (no 'unsafe-inline' or 'unsafe-eval'
  scripts): no CSP violation, no console error.
- Served under `DASH_URL_BASE_PATHNAME=/ngo/` (as behind a proxy): every page, navigation link,
  partner link, back link, language link, asset and download works, and nothing is requested
  outside the prefix.
"""

from __future__ import annotations

import pytest
from app_server import start_app, stop

from tests.integration.browser_helpers import allow_document_404, assert_clean, open_page, settle
from tests.integration.conftest import PageWatch

pytestmark = pytest.mark.browser

PAGES = ["/", "/fields", "/functional-areas", "/regions", "/partners", "/collective", "/data"]
CSP_WATCH = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def _drawn(page) -> None:
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
        " || document.querySelectorAll('.ag-row').length > 0",
        timeout=20_000,
    )


@pytest.fixture
def csp_watch(browser, live_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    yield PageWatch(page, live_app)
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_pages_draw_under_the_content_security_policy(csp_watch, path):
    open_page(csp_watch, path)
    _drawn(csp_watch.page)
    csp_watch.page.locator(".js-plotly-plot, .ag-row").first.hover()  # tooltips, formatters
    settle(csp_watch)
    assert csp_watch.page.evaluate("window.__csp") == []
    assert_clean(csp_watch)


@pytest.fixture(scope="module")
def prefixed_app(demo_warehouse, tmp_path_factory):
    """`python app.py` under the URL prefix /ngo/."""
    folder = tmp_path_factory.mktemp("prefixed")
    proc, url = start_app(
        demo_warehouse, folder / "app.log", ready="/ngo/", DASH_URL_BASE_PATHNAME="/ngo/"
    )
    yield url
    stop(proc)


@pytest.fixture
def ngo(browser, prefixed_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    watch = PageWatch(page, prefixed_app)
    watch.requested: list[str] = []
    page.on("request", lambda r: watch.requested.append(r.url))
    yield watch
    context.close()


def test_every_page_and_link_under_the_prefix(ngo):
    page = ngo.page
    open_page(ngo, "/ngo/")
    _drawn(page)
    # Navigation links carry the prefix and lead to pages that draw.
    for path in PAGES[1:]:
        link = page.locator(f"a.nav-link[href^='/ngo{path}']").first
        assert link.count() == 1, f"no link to /ngo{path}"
        link.click()
        page.wait_for_function("p => location.pathname === p", arg="/ngo" + path)
        settle(ngo)
        _drawn(page)
    # A partner link in the directory opens the profile under the prefix; back returns.
    open_page(ngo, "/ngo/partners")
    _drawn(page)
    page.locator(".ag-cell a").first.click()
    page.wait_for_function("() => location.pathname.startsWith('/ngo/partners/')")
    # A profile keeps the browser busy for a while on a loaded machine (main as well): be patient.
    page.wait_for_selector("#profile-back", timeout=60_000)
    page.wait_for_timeout(1000)
    ngo.wait_idle(timeout=90_000)
    assert page.locator("h1").first.inner_text().strip()
    back = page.locator("#profile-back")
    assert back.get_attribute("href").startswith("/ngo/partners")
    back.click()
    page.wait_for_function("() => location.pathname === '/ngo/partners'", timeout=60_000)
    ngo.wait_idle(timeout=90_000)
    # The language link keeps the prefix.
    page.locator("""[id='{"lang":"fr","type":"lang-link"}']""").click()
    page.wait_for_function("() => location.search.includes('lang=fr')")
    assert page.evaluate("location.pathname") == "/ngo/partners"
    page.wait_for_timeout(1000)
    ngo.wait_idle(timeout=90_000)  # leaving while callbacks run would abort them
    # The brand link and unknown paths stay under the prefix.
    assert page.locator("a.navbar-brand").get_attribute("href") == "/ngo/"
    open_page(ngo, "/ngo/no-such-page")
    assert page.locator("a.btn[href='/ngo/']").count() == 1
    outside = [u for u in ngo.requested if u.startswith(ngo.base) and "/ngo/" not in u]
    assert outside == [], outside
    assert page.evaluate("window.__csp") == []
    # A full navigation (page.goto) aborts callbacks still in flight: the test's doing, not the app's.
    ngo.errors = [e for e in ngo.errors if "net::ERR_ABORTED" not in e]
    allow_document_404(ngo, "/ngo/no-such-page")  # unknown pages answer 404 on purpose
    assert_clean(ngo)


def test_downloads_under_the_prefix(ngo):
    page = ngo.page
    open_page(ngo, "/ngo/fields")
    _drawn(page)
    card = page.locator(".chart-card").first
    card.locator(".chart-export-toggle").click()
    with page.expect_download(timeout=60_000) as info:
        card.get_by_text("SVG (vector)").click()
    assert open(info.value.path(), "rb").read().lstrip().startswith((b"<?xml", b"<svg"))
    with page.expect_download(timeout=60_000) as info:
        page.locator("#export-data-csv").click()
    assert open(info.value.path(), "rb").read(2) == b"PK"
    assert_clean(ngo)
