"""Accessible and responsive, checked in the real headless Chromium (issue 11).

- axe-core (npm, locked in .ci/node, installed by .ci/run) finds no serious or critical
  violation on any page, in English and in French;
- the keyboard: a skip link first, a chart's toolbar is one tab stop, typed years apply on
  Enter, the table button says "Hide table" with aria-expanded once open, an open dropdown's
  keys are a listbox's (arrows, Home/End, Enter/Space, Escape; Tab leaves the list);
- a 375-px phone: nothing wider than the screen, the navigation and the filters collapse behind
  buttons that open them, the map fills the width (screenshots in docs/screenshots/*-375.png);
- unknown pages (and unknown partners) answer HTTP 404 and still show the 'not found' page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_helpers import assert_clean, chips, npm_package, open_page, settle
from conftest import PageWatch

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "docs" / "screenshots"
PAGES = [
    "/",
    "/fields",
    "/functional-areas",
    "/regions",
    "/partners",
    "/partners/NGO-0001",
    "/collective",
    "/spending",
    "/lifecycle",
    "/data",
    "/admin/audit",
    "/admin/upload",
]
AXE_RUN = """async () => {
    const r = await axe.run(document, {resultTypes: ['violations']});
    return r.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
    }));
}"""


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """axe-core's script (`npm ci --prefix .ci/node`, run on first use when npm is here)."""
    if npm_package(AXE.parents[2], "axe-core") is None or not AXE.exists():
        message = f"{AXE} is missing and npm could not install it: `npm ci --prefix .ci/node`"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


def _watch(browser, live_app, width: int, height: int, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    return context, PageWatch(context.new_page(), live_app)


@pytest.fixture
def axe_watch(browser, live_app):
    """A page whose CSP lets the test inject axe (the app's own CSP is tested elsewhere)."""
    context, w = _watch(browser, live_app, 1400, 1000, bypass_csp=True)
    yield w
    context.close()


@pytest.fixture
def phone(browser, live_app):
    """A 375x812 phone (iPhone X size), touch and all."""
    context, w = _watch(
        browser, live_app, 375, 812, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield w
    context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(axe_watch, axe_script, path, lang):
    open_page(axe_watch, path + ("?lang=fr" if lang == "fr" else ""))
    page = axe_watch.page
    assert page.evaluate("() => document.documentElement.lang") == lang
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(AXE_RUN)
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(f"{v['impact']} {v['id']}: {v['help']} {v['nodes']}" for v in bad)


def test_document_language_follows_the_switch(watch):
    open_page(watch, "/fields")
    page = watch.page
    assert page.evaluate("() => document.documentElement.lang") == "en"
    page.locator("#filter-bar, header").locator("text=FR").first.click()
    settle(watch)
    assert page.evaluate("() => document.documentElement.lang") == "fr"


def _tab_stops(page, selector: str) -> int:
    return page.evaluate(
        """sel => [...document.querySelector(sel).querySelectorAll(
            'a[href], button, input, select, textarea, [tabindex]')]
            .filter(e => e.tabIndex >= 0 && !e.disabled).length""",
        selector,
    )


def test_keyboard_skip_link_and_one_stop_per_chart_toolbar(watch):
    open_page(watch, "/fields")
    page = watch.page
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "skip-link"
    assert page.locator("#skip-link").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "page-content"
    # Lean toolbar: no cloud/share, no logo, no image button (the Download menu makes images).
    assert page.locator(".modebar-btn[data-title^='Share'], .modebar-btn--logo").count() == 0
    assert page.locator(".modebar-btn[data-title^='Download plot']").count() == 0
    figures = page.locator("#page-content figure")
    assert figures.count() >= 3
    for i in range(figures.count()):
        page.evaluate(
            "i => document.querySelectorAll('#page-content figure')[i].id = 'fig-' + i", i
        )
        assert _tab_stops(page, f"#fig-{i}") <= 1, f"figure {i} adds several tab stops"


def test_typed_years_apply_on_enter_and_table_button_says_hide(watch):
    open_page(watch, "/fields")
    page = watch.page
    first = page.locator("#filter-year-from")
    assert page.locator("label[for='filter-year-from']").inner_text() == "First year"
    first.fill("2018")
    page.wait_for_timeout(400)
    assert "years=" not in page.url  # not applied while typing
    first.press("Enter")
    settle(watch)
    assert "years=2018-" in page.url
    toggle = page.locator("#page-content .chart-actions button").first
    assert toggle.get_attribute("aria-expanded") == "false"
    controls = toggle.get_attribute("aria-controls")
    toggle.click()
    settle(watch)
    assert toggle.inner_text().strip() == "Hide table"
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator(f"[id='{controls}'] table").count() == 1
    toggle.click()
    settle(watch)
    assert toggle.inner_text().strip() == "Show as table"
    assert toggle.get_attribute("aria-expanded") == "false"


@pytest.mark.parametrize(
    "path,name",
    [("/", "overview"), ("/regions", "regions"), ("/partners", "partners"), ("/data", "data")],
)
def test_phone_375_no_overflow_nav_and_filters_collapse(phone, path, name):
    open_page(phone, path)
    page = phone.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-375.png"))
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= 375, f"{path}: the page is {width}px wide on a 375-px screen"
    # The navigation collapses behind its button, which opens it.
    toggle = page.locator("#nav-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#nav-collapse .nav-link").first.is_visible()
    toggle.click()
    page.locator("#nav-collapse .nav-link").first.wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    settle(phone)
    # The filters open in a panel (pages with a filter bar; the Data page has none).
    if name != "data":
        filters = page.locator("#filters-toggle")
        assert filters.is_visible() and not page.locator("#filter-fields").is_visible()
        filters.click()
        page.locator("#filter-fields").wait_for(state="visible")
        assert filters.get_attribute("aria-expanded") == "true"
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 375
    if name == "regions":
        map_width = page.evaluate(
            """() => document.getElementById('{"key":"regions.map","type":"chart-graph"}')
                .querySelector('.js-plotly-plot').getBoundingClientRect().width"""
        )
        assert map_width >= 0.9 * 375, f"the map is {map_width}px wide on a 375-px screen"


def test_desktop_shows_filters_without_a_panel_button(watch):
    open_page(watch, "/")
    page = watch.page
    assert not page.locator("#filters-toggle").is_visible()
    assert not page.locator("#nav-toggle").is_visible()
    assert page.locator("#filter-fields").is_visible()


@pytest.mark.parametrize("path", ["/no/such/page", "/partners/NO-SUCH-PARTNER"])
def test_unknown_pages_answer_404_and_still_render(browser, live_app, path):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(live_app + path + "?lang=fr", wait_until="networkidle")
    assert response is not None and response.status == 404
    page.locator("#page-content h1").wait_for()
    heading = page.locator("#page-content h1").inner_text()
    assert heading in ("Page introuvable", "Partenaire introuvable")
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    ok = page.goto(live_app + "/partners/NGO-0001", wait_until="networkidle")
    assert ok is not None and ok.status == 200
    context.close()


_FOCUS = """() => { const a = document.activeElement;
    return {id: a.id, cls: a.className, value: a.value || null,
            inMenu: !!a.closest('.dash-dropdown-content')}; }"""


def _focused_option(page, value: str) -> None:
    """Wait until focus is on the option `value` (Dash moves it after its re-render; a person
    does not press the next key within the same few milliseconds, as Playwright does)."""
    page.wait_for_function(
        """v => { const a = document.activeElement;
            return a.closest('.dash-dropdown-content') && a.value === v; }""",
        arg=value,
        timeout=5000,
    )


def _open_list(page, menu) -> None:
    """ArrowDown on the focused dropdown button opens its list; wait until focus is in it
    (its search box) before the next key, as a person would see it there first (a CI run
    once had the next ArrowDown land before the list took focus: the option never did)."""
    page.keyboard.press("ArrowDown")
    menu.wait_for(state="visible")
    page.wait_for_function(
        "() => !!document.activeElement.closest('.dash-dropdown-content')", timeout=5000
    )


def test_keyboard_dropdown_keys_behave_as_a_listbox(watch):
    """Arrows/Home/End move, Enter/Space toggle, Tab leaves the open list, Escape closes it."""
    open_page(watch, "/fields")
    page = watch.page
    button = page.locator("#filter-fields")
    menu = page.locator(".dash-dropdown-content")
    page.locator("#filter-year-to").focus()
    page.keyboard.press("Tab")  # the dropdown's button is the next tab stop (not its input)
    assert page.evaluate(_FOCUS)["id"] == "filter-fields"
    _open_list(page, menu)  # opens the list, focus in its search box
    assert button.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    _focused_option(page, "ED")
    page.keyboard.press("ArrowDown")
    _focused_option(page, "SC")
    last = page.locator(".dash-dropdown-option input").last.get_attribute("value")
    page.keyboard.press("End")
    _focused_option(page, last)
    page.keyboard.press("Home")  # the first option, not the search box
    _focused_option(page, "ED")
    page.keyboard.press("ArrowDown")
    _focused_option(page, "SC")
    page.keyboard.press("Enter")  # toggles the focused option; the list stays open
    page.wait_for_function("() => location.search === '?field=SC'")
    settle(watch)
    assert "Natural Sciences" in " ".join(chips(page))
    assert menu.is_visible()
    # Tab: the list closes and focus is on the next control, not on another option.
    page.keyboard.press("Tab")
    menu.wait_for(state="detached")
    focus = page.evaluate(_FOCUS)
    assert not focus["inMenu"] and focus["id"] == "filter-areas", focus
    assert button.get_attribute("aria-expanded") == "false"
    # Shift+Tab from inside the open list goes to the control before the dropdown.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(_FOCUS)["id"] == "filter-fields"
    _open_list(page, menu)
    page.keyboard.press("ArrowDown")
    _focused_option(page, "SC")  # Dash lists the selected options first
    page.keyboard.press("Shift+Tab")
    menu.wait_for(state="detached")
    assert page.evaluate(_FOCUS)["id"] == "filter-year-to"
    # Escape: the list closes and focus is back on the dropdown's button; Space toggles.
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.activeElement.id === 'filter-fields'", timeout=5000)
    _open_list(page, menu)
    page.keyboard.press("ArrowDown")
    _focused_option(page, "SC")
    page.keyboard.press("ArrowDown")
    _focused_option(page, "ED")
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search === '?field=ED,SC'")
    page.keyboard.press("Escape")
    menu.wait_for(state="detached")
    assert page.evaluate(_FOCUS)["id"] == "filter-fields"
    assert button.get_attribute("aria-expanded") == "false"
    settle(watch)
    assert "Education" in " ".join(chips(page))
    assert_clean(watch)
