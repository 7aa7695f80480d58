"""The header menu fits at every width, in English and French, for a viewer and an admin.

In real headless Chromium, signed in with a local account (internal mode) as a viewer and as
an admin:
- at 1,280 and 1,366 px (the laptops of the Organization's managers) the menu is expanded on
  one row: nothing runs past the header's width, every link is inside the screen, on the same
  line as the others, its label whole (not cut, not wrapped);
- at 992 and 375 px (below `xl`) the menu opens under its button, every link inside the screen;
- the admin pages sit in one "Admin" dropdown that opens (mouse and keyboard) and lists every
  admin page, for an admin only: a viewer's page has no admin link at all;
- the current page's link carries aria-current="page", and axe finds nothing serious or
  critical with the dropdown open.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from app_server import start_app, stop
from browser_helpers import npm_package

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "nav-password-1"
USERS = {"viewer": "vic", "admin": "ada"}
# The admin pages and their titles (dashboards/pages: audit.py, upload.py).
ADMIN_PAGES = {
    "en": {"/admin/audit": "Audit log", "/admin/upload": "Load data"},
    "fr": {"/admin/audit": "Journal d'audit", "/admin/upload": "Charger des données"},
}
# French of the menu's new texts, merged into the catalogue later (COMMON.md): until then it
# is put in place in the page, so the widths measured are those French users will get.
PENDING = json.loads(
    (ROOT / "dashboards" / "locales" / "pending" / "nav.json").read_text(encoding="utf-8")
)
_PENDING_JS = """m => document.querySelectorAll('header span').forEach(e => {
    if (e.children.length === 0 && m[e.textContent]) { e.textContent = m[e.textContent]; }
})"""
# What the header shows: its width and the boxes of its links (hidden ones left out).
_HEADER_JS = """() => {
    const header = document.querySelector('header');
    const box = e => { const r = e.getBoundingClientRect();
        return {text: e.innerText.trim(), left: r.left, right: r.right, top: r.top,
                middle: r.top + r.height / 2, height: r.height,
                cut: e.scrollWidth > e.clientWidth + 1}; };
    const shown = sel => [...header.querySelectorAll(sel)].filter(e => e.getClientRects().length);
    return {
        scrollWidth: header.scrollWidth, clientWidth: header.clientWidth,
        links: shown('.navbar-nav > .nav-item > .nav-link').map(box),
        langs: shown('.lang-link').map(box),
        brand: shown('.navbar-brand').map(box),
        toggler: shown('#nav-toggle').length > 0,
    };
}"""


@pytest.fixture(scope="module")
def roles_app(demo_warehouse, tmp_path_factory):
    """The app in internal mode with two local accounts: vic (viewer) and ada (admin)."""
    from dashboards import accounts

    folder = tmp_path_factory.mktemp("nav")
    for role, name in USERS.items():
        accounts.add(folder / "accounts.json", name, PASSWORD, role)
    proc, url = start_app(
        demo_warehouse,
        folder / "app.log",
        ACCESS_MODE="internal",
        SECRET_KEY="n" * 40,
        SESSION_COOKIE_SECURE="0",
        ACCOUNTS_PATH=str(folder / "accounts.json"),
        AUDIT_LOG_PATH=str(folder / "audit.jsonl"),
        BACKGROUND_CACHE_DIR=str(folder / "bg"),
    )
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def signed_in(browser, roles_app):
    """A signed-in browser context per role (created on first use, closed at the end)."""
    contexts: dict[str, object] = {}

    def page_for(role: str):
        if role not in contexts:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
            page = context.new_page()
            page.goto(roles_app + "/regions", wait_until="networkidle")
            page.fill("#username", USERS[role])
            page.fill("#password", PASSWORD)
            page.click("#local-sign-in")
            page.wait_for_selector("#page-content h1")
            contexts[role] = context
        return contexts[role].pages[0]  # type: ignore[attr-defined]

    yield page_for
    for context in contexts.values():
        context.close()  # type: ignore[attr-defined]


def _open(page, base: str, path: str, lang: str, width: int) -> dict:
    """The page at a width, its menu opened if it is behind the button: the header measured."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(base + path + ("?lang=fr" if lang == "fr" else ""), wait_until="networkidle")
    page.wait_for_selector("#page-content h1")
    page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
    if lang == "fr":
        page.evaluate(_PENDING_JS, PENDING)
    toggle = page.locator("#nav-toggle")
    if toggle.is_visible():
        assert toggle.get_attribute("aria-expanded") == "false"
        toggle.click()
        page.wait_for_selector("#nav-collapse.show")
        page.wait_for_function("() => !document.querySelector('header .collapsing')")
        assert toggle.get_attribute("aria-expanded") == "true"
    return page.evaluate(_HEADER_JS)


@pytest.mark.parametrize("width", [375, 992, 1280, 1366])
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_header_fits_on_one_row_or_opens_under_its_button(signed_in, roles_app, role, lang, width):
    page = signed_in(role)
    header = _open(page, roles_app, "/regions", lang, width)
    where = f"{role} {lang} {width}px"
    assert header["scrollWidth"] <= header["clientWidth"], f"{where}: the header overflows"
    links = header["links"]
    assert len(links) == (10 if role == "admin" else 9), [link["text"] for link in links]
    for item in links + header["langs"] + header["brand"]:
        assert item["left"] >= 0 and item["right"] <= width, f"{where}: {item} off the screen"
        assert not item["cut"], f"{where}: {item['text']!r} is cut"
    expanded = width >= 1200
    assert header["toggler"] is not expanded, f"{where}: menu button shown: {header['toggler']}"
    if expanded:
        # One row: brand, links and language switch on the same line, each one line high.
        middles = [i["middle"] for i in links + header["langs"] + header["brand"]]
        assert max(middles) - min(middles) <= 4, f"{where}: not one row: {links}"
        tops = [link["top"] for link in links]
        assert max(tops) - min(tops) <= 3, f"{where}: links on different lines: {links}"
        line = min(link["height"] for link in links)
        assert all(link["height"] <= line + 2 for link in links), f"{where}: a label wraps"
    else:  # opened under the button: one link a line
        tops = [link["top"] for link in links]
        assert tops == sorted(tops) and len(set(round(t) for t in tops)) == len(tops), where
    # The current page is marked for screen readers too.
    current = page.locator("header [aria-current='page']")
    assert current.count() == 1 and current.get_attribute("href").split("?")[0] == "/regions"
    admin_menu = page.locator("#nav-admin")
    if role == "viewer":
        assert admin_menu.count() == 0
        assert page.locator("header a[href*='/admin/']").count() == 0
        return
    # The admin dropdown opens, inside the screen, and lists every admin page.
    admin_menu.locator(".dropdown-toggle").click()
    menu = admin_menu.locator(".dropdown-menu.show")
    menu.wait_for(state="visible")
    items = {
        a.get_attribute("href").split("?")[0]: a.inner_text().strip()
        for a in menu.locator("a.dropdown-item").all()
    }
    assert items == ADMIN_PAGES[lang], where
    box = menu.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{where}: {box}"
    page.keyboard.press("Escape")
    admin_menu.locator(".dropdown-menu.show").wait_for(state="detached")
    assert admin_menu.locator(".dropdown-toggle").get_attribute("aria-expanded") == "false"


def test_admin_dropdown_works_by_keyboard_and_marks_the_current_page(signed_in, roles_app):
    page = signed_in("admin")
    _open(page, roles_app, "/regions", "en", 1280)
    toggle = page.locator("#nav-admin .dropdown-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    page.locator("#nav-admin .dropdown-menu.show").wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused.split("?")[0] == "/admin/audit"
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused.split("?")[0] == "/admin/upload"
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("() => document.activeElement.classList.contains('dropdown-toggle')")
    # Followed by keyboard: the page opens; its item is current, the dropdown marked.
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.pathname === '/admin/audit'")
    page.wait_for_selector("#audit-table table")
    current = page.locator("header [aria-current='page']")
    page.wait_for_function(
        "() => { const a = document.querySelectorAll('header [aria-current=\"page\"]');"
        " return a.length === 1 && a[0].getAttribute('href').startsWith('/admin/audit'); }"
    )
    assert current.count() == 1
    weight = page.evaluate(
        "() => getComputedStyle(document.querySelector('#nav-admin .dropdown-toggle')).fontWeight"
    )
    assert weight == "600"  # bold, as the current page's link


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_axe_with_the_admin_dropdown_open(signed_in, roles_app, lang):
    if npm_package(AXE.parents[2], "axe-core") is None or not AXE.exists():
        message = f"{AXE} is missing and npm could not install it: `npm ci --prefix .ci/node`"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    page = signed_in("admin")
    _open(page, roles_app, "/regions", lang, 1280)
    page.locator("#nav-admin .dropdown-toggle").click()
    page.locator("#nav-admin .dropdown-menu.show").wait_for(state="visible")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document.querySelector('header'),
            {resultTypes: ['violations']})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))"""
    )
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(f"{v['impact']} {v['id']}: {v['help']} {v['nodes']}" for v in bad)
