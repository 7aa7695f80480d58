"""How many callback requests one filter change costs, counted in a real browser (issue 14).

A filter change is one request for the filter bar and all of a page's charts (a control changed
→ the new URL and the figures for it), at most one more for the page's own part (the Overview's
headlines, a page's grid or rule table), and none for a closed "show as table". A URL the
filter bar did not draw (back/forward, a link) sends the charts request through the relay.
"""

from __future__ import annotations

import json
import re

import pytest
from browser_helpers import assert_clean, graph, open_page, settle

pytestmark = pytest.mark.browser

UPDATE = "/_dash-update-component"
# Every page with a filter bar (the partner profile is added by its own test).
PAGES = [
    "/",
    "/fields",
    "/functional-areas",
    "/regions",
    "/partners",
    "/collective",
    "/spending",
    "/lifecycle",
]


class Requests:
    """The callback request bodies a page sends from `start()` on."""

    def __init__(self, page):
        self.bodies: list[dict] = []
        self.on = False
        page.on("request", self._keep)

    def _keep(self, request) -> None:
        if self.on and UPDATE in request.url and request.method == "POST":
            self.bodies.append(json.loads(request.post_data or "{}"))

    def start(self) -> None:
        """Forget what was sent so far; record from now on."""
        self.bodies = []
        self.on = True

    def outputs(self) -> list[str]:
        """The `output` of each request recorded."""
        return [b.get("output", "") for b in self.bodies]


def pick_first_field(watch) -> None:
    """Choose the first field of competence in the filter bar, as a user does."""
    page = watch.page
    page.click("#filter-fields .dash-dropdown-trigger-icon")
    page.get_by_role("option").first.click()
    page.keyboard.press("Escape")
    page.wait_for_url("**field=*", timeout=15000)
    settle(watch)
    page.wait_for_timeout(1000)  # a request sent late (after the quiet window) still counts
    settle(watch)


def filter_change(watch, path: str) -> list[str]:
    """The outputs of the requests one filter change on `path` sends."""
    log = Requests(watch.page)
    open_page(watch, path)
    log.start()
    pick_first_field(watch)
    return log.outputs()


def dom_id(component_id: dict) -> str:
    """The DOM id Dash gives a pattern-matching id."""
    return json.dumps(component_id, separators=(",", ":"), sort_keys=True)


def _check(outputs: list[str], others: int = 0) -> None:
    sync = [o for o in outputs if "url.search" in o]
    rest = [o for o in outputs if "url.search" not in o]
    assert len(sync) == 1, outputs  # the filter bar writes the new URL once
    # Nothing else on the pages with the filter bar's parts: the charts and the page's parts
    # (headlines, rule table, grid rows) come in its answer (issue 14: one request per change).
    assert len(rest) == others, outputs
    assert not any("chart-graph" in o and ".figure" in o for o in rest), outputs
    assert not any("chart-table" in o or "table-collapse" in o for o in outputs), outputs


CHART_PAGES = ("/", "/fields", "/regions", "/spending", "/functional-areas", "/collective")
# Pages whose parts (dashboards/parts.py) must be drawn by that one answer: (kind, key) of each.
PAGE_PARTS = {
    "/": [("page-part", "overview.headlines")],
    "/collective": [("page-part", "collective.liaison_rule")],
    "/partners": [("page-part", "partners.count"), ("page-data", "partners.rows")],
    "/lifecycle": [
        ("page-part", "lifecycle.as_of"),
        ("page-data", "lifecycle.reviews"),
        ("page-data", "lifecycle.reports"),
        ("page-data", "lifecycle.risk"),
    ],
}


@pytest.mark.parametrize("path", PAGES)
def test_one_filter_change_sends_one_request(watch, path):
    log = Requests(watch.page)
    open_page(watch, path)
    log.start()
    pick_first_field(watch)
    outputs = log.outputs()
    _check(outputs)
    (sync,) = log.bodies
    if path in CHART_PAGES:
        assert "chart-graph" in sync["output"] and ".figure" in sync["output"], outputs
    named = {
        (item["id"]["type"], item["id"]["key"])
        for group in sync["outputs"]
        if isinstance(group, list)
        for item in group
        if isinstance(item.get("id"), dict)
    }
    assert set(PAGE_PARTS.get(path, [])) <= named, named
    assert_clean(watch)


def test_charts_follow_the_filters_back_and_forward(watch):
    """The figures drawn with the filter bar show the new filters; back/forward redraw once."""
    page = watch.page
    log = Requests(page)
    open_page(watch, "/fields")
    before = page.evaluate(
        "() => JSON.stringify(document.querySelector('.chart-card .js-plotly-plot').data)"
    )
    log.start()
    pick_first_field(watch)
    after = page.evaluate(
        "() => JSON.stringify(document.querySelector('.chart-card .js-plotly-plot').data)"
    )
    assert after != before  # the chart shows the filtered data
    log.start()
    page.go_back()
    page.wait_for_function("() => !location.search.includes('field=')", timeout=15000)
    settle(watch)
    page.wait_for_timeout(1000)
    settle(watch)
    # The filter bar shows the old address in the controls (drawing nothing); one charts
    # request draws it again.
    charts = [o for o in log.outputs() if "chart-graph" in o and "url.search" not in o]
    assert len(charts) == 1, log.outputs()
    restored = page.evaluate(
        "() => JSON.stringify(document.querySelector('.chart-card .js-plotly-plot').data)"
    )
    assert restored == before
    log.start()
    page.go_forward()
    page.wait_for_url("**field=*", timeout=15000)
    settle(watch)
    page.wait_for_timeout(1000)
    settle(watch)
    charts = [o for o in log.outputs() if "chart-graph" in o and "url.search" not in o]
    assert len(charts) == 1, log.outputs()  # the address drawn before is drawn again
    assert (
        page.evaluate(
            "() => JSON.stringify(document.querySelector('.chart-card .js-plotly-plot').data)"
        )
        == after
    )
    assert_clean(watch)


def test_partner_profile_filter_change(watch):
    open_page(watch, "/partners")
    href = watch.page.locator(".ag-cell a").first.get_attribute("href")
    outputs = filter_change(watch, href)
    # A profile is not made of page parts yet: its own request follows the filter bar's.
    _check(outputs, others=1)
    assert any("profile-by-year" in o for o in outputs), outputs
    assert_clean(watch)


def test_an_open_table_follows_the_filters_and_closed_ones_cost_nothing(watch):
    page = watch.page
    log = Requests(page)
    open_page(watch, "/")
    key = "overview.top_fields"
    card = page.locator(".chart-card", has=graph(page, key))
    card.get_by_role("button", name="Show as table").click()
    card.locator("table").wait_for(state="visible")
    settle(watch)
    table = f"[id='{dom_id({'key': key, 'type': 'chart-table'})}'] table"
    before = page.locator(table).inner_text()
    log.start()
    pick_first_field(watch)
    page.wait_for_function(
        "([sel, t]) => { const el = document.querySelector(sel); return el && el.innerText !== t; }",
        arg=[table, before],
    )
    settle(watch)
    outputs = log.outputs()
    # The open table is refreshed (one request), the closed ones are not asked for.
    assert sum("chart-table" in o for o in outputs) == 1, outputs
    # One field chosen: the others count nothing (the chart keeps every field, at zero).
    cells = [r.split("\t") for r in page.locator(table + " tbody tr").all_inner_texts()]
    assert sum(c[2] != "0" for c in cells) == 1, cells
    # Closed again, it no longer follows the filters.
    card.get_by_role("button", name="Hide table").click()
    card.locator("table").wait_for(state="hidden")
    settle(watch)
    log.start()
    page.click("#filter-clear-all")
    page.wait_for_function("() => !location.search.includes('field=')", timeout=10000)
    settle(watch)
    assert not any("chart-table" in o for o in log.outputs()), log.outputs()
    assert_clean(watch)


def test_an_open_profile_table_follows_the_filters_in_the_profile_request(watch):
    page = watch.page
    log = Requests(page)
    open_page(watch, "/partners")
    open_page(watch, page.locator(".ag-cell a").first.get_attribute("href"))
    card = page.locator(".chart-card", has=page.locator("#profile-by-region"))
    card.get_by_role("button", name="Show as table").click()
    table = card.locator("#profile-by-region-table table")
    table.wait_for(state="visible")
    settle(watch)
    before = table.inner_text()
    back = page.locator("#profile-back").get_attribute("href")
    log.start()
    pick_first_field(watch)
    page.wait_for_function(
        "t => { const el = document.querySelector('#profile-by-region-table table');"
        " return el && el.innerText !== t; }",
        arg=before,
    )
    outputs = log.outputs()
    assert len(outputs) == 2, outputs  # the filter bar, then the profile with its open table
    assert "profile-by-region-table.children" in outputs[1], outputs
    # The way back keeps the new filters (set in the browser, no request).
    new_back = page.locator("#profile-back").get_attribute("href")
    assert (
        new_back != back and "field=" in new_back and new_back.split("?")[0] == back.split("?")[0]
    )
    assert_clean(watch)


def test_the_directory_grid_follows_a_filter_change_and_its_option(watch):
    """The rows the one answer brings fill the grid (unpacked in the browser), the count says
    as many, and the page option ("include partners with no matching activity") redraws both."""
    page = watch.page

    def shown() -> tuple[int, int]:
        settle(watch)
        page.wait_for_timeout(300)
        rows = page.evaluate("dash_ag_grid.getApi('partners-grid').getDisplayedRowCount()")
        text = page.locator("#partners-count").inner_text()
        return rows, int(re.match(r"\d[\d,]*", text).group().replace(",", ""))

    open_page(watch, "/partners")
    before, said = shown()
    assert before == said > 0
    pick_first_field(watch)
    after, said = shown()
    assert after == said and 0 < after <= before
    option = page.get_by_label("Include partners with no matching activity")
    log = Requests(page)
    log.start()
    option.check()
    every, said = shown()
    assert every == said == before  # every partner again, with the field still set
    assert len(log.bodies) == 1 and "page-data" in log.bodies[0]["output"], log.outputs()
    assert_clean(watch)
