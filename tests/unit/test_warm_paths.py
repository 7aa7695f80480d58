"""A repeated request costs no query and no rebuild (issue 14: warm ÷ cold): the partner
directory's built rows, the collective page's rule table and the page's figures are served from
the cache; another warehouse version or language computes anew."""

from __future__ import annotations

import shutil
import sys

import pytest

from dashboards import cache, ids
from dashboards.filters import Filters


@pytest.fixture
def pages(small_warehouse, use_warehouse, tmp_path):
    """The page modules on the small warehouse (Dash pages import once an app exists)."""
    use_warehouse(small_warehouse)
    if "dashboards.pages.collective" not in sys.modules:
        from app import create_app

        create_app()
    from dashboards.pages import collective, partners

    return partners, collective


def test_directory_rows_are_built_once_per_filters_language_and_version(
    pages, small_warehouse, use_warehouse, tmp_path, monkeypatch
):
    partners, _ = pages
    calls = []
    real = partners.q.directory
    monkeypatch.setattr(partners.q, "directory", lambda *a, **k: calls.append(a) or real(*a, **k))
    folds = []
    real_fold = partners.search_text
    monkeypatch.setattr(
        partners, "search_text", lambda row, lang: folds.append(1) or real_fold(row, lang)
    )
    first = partners.rows(Filters(), "en", False)
    built = len(folds)
    again = partners.rows(Filters(), "en", False)
    assert again is first and len(calls) == 1 and len(folds) == built > 0
    assert partners.rows(Filters(), "fr", False) is not first and len(calls) == 2
    assert partners.rows(Filters(), "en", True) is not first and len(calls) == 3
    other = tmp_path / "other.duckdb"
    shutil.copy(small_warehouse, other)
    use_warehouse(other)
    assert partners.rows(Filters(), "en", False) == first and len(calls) == 4


def test_the_rule_table_is_built_once(pages, monkeypatch):
    _, collective = pages
    calls = []
    real = collective.rule_rows
    monkeypatch.setattr(collective, "rule_rows", lambda *a: calls.append(a) or real(*a))
    part = collective.RULE_PART
    years = Filters.from_query("years=2015-2024")[0]
    first = part.draw(years, "en")
    assert part.draw(years, "en") is first and len(calls) == 1
    assert part.cached(years, "en") is first
    part.draw(years, "fr")
    assert len(calls) == 2
    # In the wire form Dash sends (plain JSON: the Redis level can carry it).
    assert first["type"] == "Table" and first["namespace"] == "dash_html_components"


def test_cached_figures_are_served_without_the_chart_pool(pages, monkeypatch):
    from dashboards import callbacks, side_by_side
    from dashboards.charts import charts_for

    graphs = [{"type": ids.CHART_GRAPH, "key": c.key} for c in charts_for("fields")]
    cold = callbacks.draw_charts("?field=ED", [], graphs, [])
    submitted = []
    real = side_by_side.POOL.submit
    monkeypatch.setattr(
        side_by_side.POOL, "submit", lambda *a, **k: submitted.append(a) or real(*a, **k)
    )
    assert callbacks.draw_charts("?field=ED", [], graphs, []) == cold
    assert submitted == []  # every figure was cached: none went to the pool
    # One miss among hits is drawn in the request's own thread; two or more go to the pool.
    cache.current().clear()
    callbacks.draw_charts("?field=ED", [], graphs[:1], [])
    assert submitted == []
    assert callbacks.draw_charts("?field=ED", [], graphs, []) == cold
    assert len(submitted) == len(graphs) - 1
    # An unknown chart key answers no_update, cached or not.
    unknown = callbacks.draw_charts("", [], [{"type": ids.CHART_GRAPH, "key": "nope"}], [])
    assert unknown == [callbacks.no_update]


def test_lifecycle_grids_query_side_by_side_in_their_order(pages, monkeypatch):
    from dashboards import callbacks, parts, side_by_side
    from dashboards.charts.lifecycle import today
    from dashboards.filters import Filters
    from dashboards.pages import lifecycle

    submitted = []
    real = side_by_side.POOL.submit
    monkeypatch.setattr(
        side_by_side.POOL, "submit", lambda *a, **k: submitted.append(a) or real(*a, **k)
    )
    filters, now = Filters(), today()
    wanted = [parts.part_id(p.key) for p in lifecycle.GRID_PARTS.values()]
    grids = callbacks.draw_page("", None, [], None, wanted)[1]
    # The three misses ran side by side in the pool (side_by_side.run).
    assert len(submitted) == 3 and any(g["rows"] for g in grids)
    builders = (lifecycle.review_rows, lifecycle.report_rows, lifecycle.risk_rows)
    expected = [parts.pack(rows(filters, "en", now)) for rows in builders]
    assert grids == expected  # reviews, reports, no cooperation: in the placeholders' order


def test_directory_rows_and_count_in_one_answer_with_the_page_option(pages):
    """The directory's rows (packed: each column named once) and count are parts drawn for the
    filters and the "include partners with no matching activity" option."""
    from dashboards import callbacks, parts

    partners, _ = pages
    wanted = [parts.part_id(partners.COUNT_PART.key), parts.part_id(partners.ROWS_PART.key)]
    assert wanted[1]["type"] == ids.PAGE_DATA and wanted[0]["type"] == ids.PAGE_PART

    def directory(search: str, include_all) -> tuple:
        options = {partners.INCLUDE_ALL: include_all}
        count, packed = callbacks.draw_page(search, None, [], None, wanted, options)[1]
        return count, packed

    records = partners.rows(Filters(), "en", False)
    count, packed = directory("?lang=en", False)
    assert packed["columns"][0] == "name" and "query" not in packed["columns"]
    assert parts.unpack(packed) == records and str(len(records)) in count
    assert parts.unpack(None) == [] and parts.pack([]) == {"columns": [], "rows": []}
    # The same answer again is the cached one, not a rebuilt copy.
    assert directory("?lang=en", False)[1] is packed
    # An activity filter hides partners without a matching activity unless the option is on.
    year = "?years=2020-2020"
    some = parts.unpack(directory(year, False)[1])
    every = parts.unpack(directory(year, True)[1])
    assert len(some) < len(every) == len(records)
    assert "activities counted for the filters" in directory(year, True)[0]
    # What the client sends as the option's value is only ever a plain value.
    assert directory("?lang=en", {"not": "a bool"})[1] == packed
