"""In a real browser, in English and French: a partner whose status the source does not state,
dates known only to the year or the month, and the directory's search without case or accents.

The app serves the warehouse of `tests/fixtures/display/` (see its README).
"""

from __future__ import annotations

import pytest
from app_server import start_app, stop
from browser_helpers import assert_clean, chips, open_page, settle
from conftest import PageWatch

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def display_app(display_warehouse, tmp_path_factory):
    proc, url = start_app(display_warehouse, tmp_path_factory.mktemp("display-app") / "app.log")
    yield url
    stop(proc)


class Watch(PageWatch):
    """The shared page watcher, with more patience: this app renders the profile on a cold cache."""

    def wait_idle(self, timeout: float = 30000):
        """Wait until no Dash callback is pending."""
        super().wait_idle(timeout)


@pytest.fixture
def watch(browser, display_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    w = Watch(context.new_page(), display_app)
    yield w
    context.close()


def _identity(page) -> dict[str, str]:
    """The profile's identity card as {label: value}."""
    page.wait_for_selector("dl dd", state="attached", timeout=30000)
    terms = page.locator("dl dt").all_inner_texts()
    values = page.locator("dl dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def _grid_rows(page) -> list[dict[str, str]]:
    """The directory grid's displayed rows as {col-id: text}."""
    page.wait_for_selector(".ag-center-cols-container")
    return page.evaluate(
        """() => [...document.querySelectorAll('.ag-center-cols-container .ag-row')]
            .sort((a, b) => (+a.getAttribute('row-index')) - (+b.getAttribute('row-index')))
            .map(row => Object.fromEntries([...row.querySelectorAll('.ag-cell')]
                .map(c => [c.getAttribute('col-id'), c.innerText.trim()])))"""
    )


def _wait_rows(page, n: int):
    page.wait_for_function(
        "n => document.querySelectorAll('.ag-center-cols-container .ag-row').length === n",
        arg=n,
        timeout=30000,
    )


@pytest.mark.parametrize(
    ("lang", "status", "since"),
    [("en", "Status", "Associate since 2015"), ("fr", "Statut", "Associé depuis 2015")],
)
def test_year_only_status_date_shows_the_year(watch, lang, status, since):
    open_page(watch, f"/partners/ICOMOS?lang={lang}")
    card = _identity(watch.page)
    assert card[status] == since
    body = watch.page.locator("#page-content").inner_text()
    assert "1 Jan 2015" not in body and "1 janv. 2015" not in body
    assert_clean(watch)


@pytest.mark.parametrize(
    ("lang", "term", "conference"), [("en", "2018", "12 Dec 2016"), ("fr", "2018", "12 déc. 2016")]
)
def test_participation_dates_show_as_the_source_gave_them(watch, lang, term, conference):
    open_page(watch, f"/partners/EI?lang={lang}")
    watch.page.wait_for_selector("table td", state="attached", timeout=30000)
    cells = watch.page.locator("table td").all_inner_texts()
    assert term in cells and conference in cells
    assert_clean(watch)


@pytest.mark.parametrize(
    ("lang", "name", "dim"),
    [("en", "Status not stated", "Partner status"), ("fr", "Statut non précisé", "Statut")],
)
def test_status_not_stated_on_profile_directory_and_chips(watch, lang, name, dim):
    open_page(watch, f"/partners/WOSM?lang={lang}")
    page = watch.page
    assert name in _identity(page).values()  # waits for the card
    assert page.locator("#page-content .badge", has_text=name).count() == 1

    open_page(watch, f"/partners?status=not_stated&lang={lang}")
    _wait_rows(page, 1)
    (row,) = _grid_rows(page)
    assert row["status_name"] == name
    assert "World Organization of the Scout Movement" in row["name"]
    assert any(name in chip for chip in chips(page)), chips(page)
    # The filter bar's option carries the same name.
    page.locator("#filter-more-toggle").click()
    settle(watch)
    assert name in page.locator("#filter-statuses").inner_text()
    assert_clean(watch)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_directory_search_ignores_case_and_accents(watch, lang):
    open_page(watch, f"/partners?lang={lang}")
    page = watch.page
    _wait_rows(page, 5)
    box = page.locator("#partners-search")
    for typed, expected in (
        ("federation", {"Fédération mondiale", "International Federation of Library"}),
        ("ÉDUCATION", {"Education International", "Fédération mondiale", "World Organization"}),
        ("  GENÈVE  ", set()),
        ("pays-bas", {"International Federation of Library"}),
    ):
        box.fill(typed)
        _wait_rows(page, len(expected))
        names = [r["name"] for r in _grid_rows(page)]
        assert len(names) == len(expected), (typed, names)
        for start in expected:
            assert any(n.startswith(start) for n in names), (typed, names)
    box.fill("")
    _wait_rows(page, 5)
    since = {r["name"]: r["status_since"] for r in _grid_rows(page)}
    assert since["International Council on Monuments and Sites"] == "2015"
    assert since["Education International"] == {"en": "Mar 2012", "fr": "mars 2012"}[lang]
    assert_clean(watch)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_directory_links_carry_the_current_filters(watch, lang):
    """A partner link opens the profile with the page's filters and language, also after a
    filter change (the rows no longer carry the query: the link reads the address bar)."""
    open_page(watch, f"/partners?lang={lang}")
    page = watch.page
    _wait_rows(page, 5)
    link = page.locator(".ag-center-cols-container .ag-row a").first
    href = link.get_attribute("href")
    assert href.startswith("/partners/")
    assert ("lang=fr" in href) == (lang == "fr") and "years=" not in href
    first = page.locator("#filter-year-from")
    first.fill("2018")
    first.press("Enter")
    settle(watch)
    assert "years=2018-" in page.url
    page.wait_for_function(
        "() => [...document.querySelectorAll('.ag-center-cols-container .ag-row a')]"
        ".every(a => a.getAttribute('href').includes('years=2018-'))",
        timeout=30000,
    )
    hrefs = page.locator(".ag-center-cols-container .ag-row a").evaluate_all(
        "els => els.map(a => a.getAttribute('href'))"
    )
    assert hrefs and all(h.endswith(page.evaluate("location.search")) for h in hrefs)
    assert all(("lang=fr" in h) == (lang == "fr") for h in hrefs)
    page.locator(".ag-center-cols-container .ag-row a").first.click()
    page.wait_for_function("() => location.pathname.startsWith('/partners/')")
    assert "years=2018-" in page.url
    assert_clean(watch)
