"""The framework callbacks (dashboards/callbacks.py) and the shell builders they use, as functions.

Routing is tested against a stand-in page registry; `sync_filters` is called with a minimal
callback context (only `triggered_inputs`, which is all it reads).
"""

from __future__ import annotations

import contextvars
import json

import dash
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from dashboards import callbacks, ids, layout
from dashboards.charts import REGISTRY, Chart, get_chart
from dashboards.filters import Filters, Notice

# The vocabularies (codes, names, order, bits) are those of the warehouse served.
pytestmark = pytest.mark.usefixtures("small")

DIMS = callbacks.DIMS
N_OUT = callbacks.SYNC_OUTPUTS


# -- routing ------------------------------------------------------------------------------------
def _page(module, path=None, template=None, title=None, filters=True, layout=None):
    page = {"module": module, "path": path, "title": title, "layout": layout or (lambda **kw: kw)}
    if template:
        page["path_template"] = template
    if not filters:
        page["filters"] = False
    return page


@pytest.fixture
def registry(monkeypatch):
    pages = {
        "overview": _page("pages.overview", "/", title="Overview"),
        "fields": _page("pages.fields", "/fields", title="Fields of competence"),
        "partner": _page(
            "pages.partner",
            "/partners/<partner_id>",
            template="/partners/<partner_id>",
            title=lambda lang, partner_id: f"Partner {partner_id} ({lang})",
        ),
        "partners": _page("pages.partners", "/partners", title="Partners"),
        "404": _page("pages.not_found_404", "/404", title="Page not found", filters=False),
    }
    monkeypatch.setattr(dash, "page_registry", pages)
    return pages


@pytest.mark.parametrize(
    ("path", "module", "variables"),
    [
        ("/", "pages.overview", {}),
        ("", "pages.overview", {}),
        (None, "pages.overview", {}),
        ("/fields", "pages.fields", {}),
        ("/fields/", "pages.fields", {}),
        ("fields", "pages.fields", {}),
        ("/partners", "pages.partners", {}),
        ("/partners/NGO-0001", "pages.partner", {"partner_id": "NGO-0001"}),
        ("/partners/NGO-0001/", "pages.partner", {"partner_id": "NGO-0001"}),
    ],
)
def test_match_page(registry, path, module, variables):
    page, found = callbacks.match_page(path)
    assert page["module"] == module
    assert found == variables


@pytest.mark.parametrize("path", ["/nope", "/fields/extra", "/partners/a/b", "/Fields"])
def test_match_page_unknown(registry, path):
    assert callbacks.match_page(path) == (None, {})


def test_render_page(registry):
    body, title, with_filters = callbacks.render_page("/fields", "fr")
    assert body == {"lang": "fr"}
    assert title == "Domaines de compétence · UNESCO"
    assert with_filters is True

    body, title, _ = callbacks.render_page("/partners/NGO-0001", "en")
    assert body == {"lang": "en", "partner_id": "NGO-0001"}
    assert title == "Partner NGO-0001 (en) · UNESCO"


def test_render_unknown_path_gives_not_found_without_filters(registry):
    body, title, with_filters = callbacks.render_page("/does/not/exist", "en")
    assert body == {"lang": "en"}
    assert title == "Page not found · UNESCO"
    assert with_filters is False


def test_route_marks_the_active_nav_link(registry):
    nav = [{"type": "nav-link", "path": p} for p, _ in layout.NAV]
    _, _, hidden, active, key = callbacks.route("/partners/NGO-0001", "en", "", None, nav)
    assert hidden is False
    assert [i["path"] for i, a in zip(nav, active, strict=True) if a] == ["/partners"]
    _, _, _, active, key = callbacks.route("/", None, "?field=ED", None, nav)
    assert [i["path"] for i, a in zip(nav, active, strict=True) if a] == ["/"]
    assert key == {"path": "/", "lang": "en"}
    # The page already shown is not rendered again; a language change renders it.
    assert callbacks.route("/", "en", "?region=AFR", key, nav)[0] is no_update
    assert callbacks.route("/", "fr", "?lang=fr", key, nav)[4] == {"path": "/", "lang": "fr"}


# -- cross-filter clicks ------------------------------------------------------------------------
def _click(*custom, location=None):
    point = {"customdata": list(custom)} if custom else {}
    if location:
        point["location"] = location
    return {"points": [point]}


def test_apply_click_sets_the_clicked_field():
    key = get_chart("overview", "top_fields").key
    f = callbacks._apply_click(Filters(), key, _click("CLT"))
    assert f == Filters(fields=("CLT",))
    # A click replaces the dimension's values and keeps the other filters...
    f = callbacks._apply_click(Filters(fields=("ED", "SC"), regions=("AFR",)), key, _click("CLT"))
    assert f == Filters(fields=("CLT",), regions=("AFR",))
    # ...and a second click on the only value removes it.
    assert callbacks._apply_click(Filters(fields=("CLT",)), key, _click("CLT")) == Filters()


def test_apply_click_on_map_uses_location():
    key = get_chart("regions", "map").key
    f = callbacks._apply_click(Filters(), key, {"points": [{"location": "KEN"}]})
    assert f == Filters(countries=("KEN",))


@pytest.mark.parametrize("click", [None, {}, {"points": []}, {"points": [{"customdata": [None]}]}])
def test_apply_click_ignores_empty_clicks(click):
    key = get_chart("overview", "top_fields").key
    out = callbacks._apply_click(Filters(regions=("AFR",)), key, click)
    assert out in (None, Filters(regions=("AFR",)))


def test_apply_click_ignores_unknown_charts_and_charts_without_cross_filter(monkeypatch):
    assert callbacks._apply_click(Filters(), "nope.nope", _click("ED")) is None
    plain = Chart("overview", "_plain", "x", query=lambda f: None, figure=lambda d, lang: None)
    monkeypatch.setitem(REGISTRY, plain.key, plain)
    assert callbacks._apply_click(Filters(), plain.key, _click("ED")) is None


def test_apply_click_matrix_and_years(monkeypatch):
    matrix = Chart(
        "fields",
        "_matrix",
        "x",
        query=lambda f: None,
        figure=lambda d, lang: None,
        cross_filter=("fields", "areas"),
    )
    years = Chart(
        "overview", "_years", "x", query=lambda f: None, figure=lambda d, lang: None,
        cross_filter="years",
    )  # fmt: skip
    monkeypatch.setitem(REGISTRY, matrix.key, matrix)
    monkeypatch.setitem(REGISTRY, years.key, years)
    f = callbacks._apply_click(Filters(), matrix.key, _click("ED", "advocacy"))
    assert f == Filters(fields=("ED",), areas=("advocacy",))
    f = callbacks._apply_click(Filters(regions=("AFR",)), years.key, _click(2019))
    assert f == Filters(years=(2019, 2019), regions=("AFR",))
    f = callbacks._apply_click(Filters(years=(2015, 2020)), years.key, _click("2017"))
    assert f.years == (2017, 2017)


# -- chips and notices --------------------------------------------------------------------------
def _text(component) -> str:
    """All text in a component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def test_chips_for_no_filter():
    out = layout.chips(Filters(), "en")
    assert len(out) == 1 and "No filter" in _text(out)
    assert "Aucun filtre" in _text(layout.chips(Filters(), "fr"))


def test_chips_one_per_value_with_remove_ids():
    f = Filters(years=(2015, 2020), fields=("ED", "CLT"), regions=("AFR",))
    out = layout.chips(f, "en")
    assert [c.id for c in out] == [
        {"type": ids.CHIP_REMOVE, "dim": "years", "value": ""},
        {"type": ids.CHIP_REMOVE, "dim": "fields", "value": "ED"},
        {"type": ids.CHIP_REMOVE, "dim": "fields", "value": "CLT"},
        {"type": ids.CHIP_REMOVE, "dim": "regions", "value": "AFR"},
    ]
    texts = [_text(c) for c in out]
    assert texts[0] == "Years: 2015–2020"
    assert texts[1] == "Fields of competence: Education"
    assert texts[3] == "Regions: Africa"
    fr = [_text(c) for c in layout.chips(f, "fr")]
    assert fr[1] == "Domaines de compétence: Éducation"
    assert fr[3] == "Régions: Afrique"
    assert all(c.title == "Remove this filter" for c in out)


def test_chip_text_from_data_is_plain_text():
    # Labels come from the reference (never HTML); a chip holds them as plain children.
    out = layout.chips(Filters(countries=("CIV",)), "fr")
    assert all(isinstance(x, str) for x in out[0].children[1:2])


def test_notices_name_the_dropped_values():
    assert layout.notices([], "en") is None
    alert = layout.notices(
        [Notice("years", "abc", "malformed"), Notice("field", "XX", "unknown")], "en"
    )
    text = _text(alert)
    assert "were not recognised" in text
    assert "years=abc, field=XX" in text
    assert alert.color == "warning" and alert.dismissable
    fr = _text(layout.notices([Notice("field", "XX", "unknown")], "fr"))
    assert "n'ont pas été reconnues" in fr and "field=XX" in fr


def test_year_marks():
    # Fifth years too close to an end (2025 beside 2027) would overlap its label.
    assert layout.year_marks(2012, 2027) == {
        2012: "2012",
        2015: "2015",
        2020: "2020",
        2027: "2027",
    }
    assert layout.year_marks(2020, 2020) == {2020: "2020"}


# -- sync_filters: URL ⇄ controls ---------------------------------------------------------------
def _prop_id(component_id, prop):
    if isinstance(component_id, dict):
        component_id = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return f"{component_id}.{prop}"


def _sync(search, *, years=None, values=None, trigger=None, value=None, lang=None, flagged=False):
    """Call sync_filters as Dash would, with `trigger` = (component id, prop)."""
    values = values or {}
    args = [search, years, *(values.get(d) for d in DIMS), [], None, [], flagged, lang]
    triggered = [{"prop_id": _prop_id(*trigger), "value": value}] if trigger else []

    def run():
        context_value.set(AttributeDict(triggered_inputs=triggered))
        return callbacks.sync_filters(*args)

    out = contextvars.copy_context().run(run)
    assert len(out) == N_OUT
    names = ["search", "years", *DIMS, "chips", "notices", "lang", "flagged"]
    return dict(zip(names, out, strict=True))


def test_first_load_shows_the_url_in_the_controls(small):
    out = _sync("?years=abc&field=XX&region=AFR&lang=fr")
    assert out["search"] is no_update  # the address is left as typed
    assert out["years"] == [2018, 2024]  # the warehouse's range
    assert out["regions"] == ["AFR"] and out["fields"] == []
    assert "field=XX" in _text(out["notices"]) and "years=abc" in _text(out["notices"])
    assert "Afrique" in _text(out["chips"])
    assert out["lang"] == "fr"


def test_url_change_back_and_forward(small):
    out = _sync("?years=2019-2020&field=ED,CLT", trigger=(ids.URL, "search"), lang="en")
    assert out["years"] == [2019, 2020]
    assert out["fields"] == ["ED", "CLT"]
    assert out["notices"] is None
    assert out["lang"] is no_update  # unchanged


def test_dropdown_change_writes_the_canonical_url(small):
    out = _sync(
        "?region=AFR",
        values={"fields": ["CLT", "ED"], "regions": ["AFR"]},
        years=[2018, 2024],
        trigger=(ids.DROPDOWN["fields"], "value"),
        value=["CLT", "ED"],
        lang="en",
    )
    assert out["search"] == "?field=ED,CLT&region=AFR"
    assert out["fields"] == ["ED", "CLT"]
    assert "Education" in _text(out["chips"]) and "Culture" in _text(out["chips"])


def test_slider_change_keeps_the_language(small):
    out = _sync(
        "?lang=fr",
        years=[2019, 2021],
        trigger=(ids.YEARS, "value"),
        value=[2019, 2021],
        lang="fr",
    )
    assert out["search"] == "?years=2019-2021&lang=fr"
    # The slider back at the full range is no filter.
    out = _sync(
        "?years=2019-2021",
        years=[2018, 2024],
        trigger=(ids.YEARS, "value"),
        value=[2018, 2024],
        lang="en",
    )
    assert out["search"] == ""
    assert "No filter" in _text(out["chips"])


def test_controls_rendered_from_the_url_do_not_rewrite_it(small):
    out = _sync(
        "?field=ED&utm=x",
        values={"fields": ["ED"]},
        years=[2018, 2024],
        trigger=(ids.DROPDOWN["fields"], "value"),
        value=["ED"],
        lang="en",
    )
    assert out["search"] is no_update


def test_chip_remove_and_clear_all(small):
    chip = {"type": ids.CHIP_REMOVE, "dim": "fields", "value": "ED"}
    search = "?years=2019-2020&field=ED,CLT&region=AFR&lang=fr"
    out = _sync(search, trigger=(chip, "n_clicks"), value=1, lang="fr")
    assert out["search"] == "?years=2019-2020&field=CLT&region=AFR&lang=fr"
    years_chip = {"type": ids.CHIP_REMOVE, "dim": "years", "value": ""}
    out = _sync(search, trigger=(years_chip, "n_clicks"), value=1, lang="fr")
    assert out["search"] == "?field=ED,CLT&region=AFR&lang=fr"
    assert out["years"] == [2018, 2024]
    out = _sync(search, trigger=(ids.CLEAR_ALL, "n_clicks"), value=1, lang="fr")
    assert out["search"] == "?lang=fr"
    assert out["fields"] == [] and out["regions"] == []


def test_chip_just_rendered_is_not_a_click(small):
    chip = {"type": ids.CHIP_REMOVE, "dim": "fields", "value": "ED"}
    out = _sync("?field=ED", trigger=(chip, "n_clicks"), value=None, lang="en")
    assert all(v is no_update for v in out.values())
    out = _sync("?field=ED", trigger=(ids.CLEAR_ALL, "n_clicks"), value=None, lang="en")
    assert all(v is no_update for v in out.values())


def test_chart_click_applies_a_filter(small):
    graph = {"type": ids.CHART_GRAPH, "key": get_chart("overview", "top_fields").key}
    out = _sync(
        "?region=AFR&lang=fr",
        trigger=(graph, "clickData"),
        value={"points": [{"customdata": ["SHS"], "y": "Social"}]},
        lang="fr",
    )
    assert out["search"] == "?field=SHS&region=AFR&lang=fr"
    assert out["fields"] == ["SHS"]
    # A click on a chart that does not cross-filter changes nothing.
    graph = {"type": ids.CHART_GRAPH, "key": "nope.nope"}
    out = _sync("?region=AFR", trigger=(graph, "clickData"), value={"points": [{}]}, lang="en")
    assert all(v is no_update for v in out.values())


def test_sync_filters_returns_as_many_values_as_it_declares_outputs(small_warehouse, tmp_path):
    from app import create_app
    from dashboards.settings import load_settings

    app = create_app(
        load_settings(warehouse_path=small_warehouse, background_cache_dir=tmp_path / "bg")
    )
    declared = [out for out in app.callback_map if f"{ids.CHIPS}.children" in out]
    assert len(declared) == 1
    # sync_filters' own outputs, then the page's chart figures, its parts and the "drawn for"
    # store.
    outputs = declared[0].strip(".").split("...")
    assert len(outputs) == callbacks.SYNC_OUTPUTS + 4
    assert outputs[-1] == f"{ids.CHARTS_DRAWN}.data" and ids.PAGE_DATA in outputs[-2]
    assert ids.PAGE_PART in outputs[-3] and ids.CHART_GRAPH in outputs[-4]


@pytest.mark.parametrize("code", ["abc", None, [], {"a": 1}, 10**400])
def test_a_click_with_a_year_that_is_no_year_is_ignored(monkeypatch, code):
    chart = Chart(
        "overview",
        "t",
        "T",
        query=lambda f: None,
        figure=lambda f, lang: None,
        cross_filter="years",
    )
    monkeypatch.setitem(REGISTRY, chart.key, chart)
    assert callbacks._apply_click(Filters(), chart.key, {"points": [{"customdata": [code]}]}) in (
        None,
        Filters(),
    )


def test_sync_filters_takes_only_text_from_the_client(small):
    out = _sync(5, trigger=(ids.URL, "search"), lang="en")
    assert out is not None


def test_flagged_switch_writes_the_url_and_a_chip(small):
    out = _sync(
        "?field=ED",
        values={"fields": ["ED"]},
        years=[2018, 2024],
        trigger=(ids.FLAGGED, "value"),
        value=True,
        lang="en",
        flagged=True,
    )
    assert out["search"] == "?field=ED&flagged=exclude"
    assert out["flagged"] is True
    assert "Flagged budgets: left out" in _text(out["chips"])
    back = _sync("?flagged=exclude&lang=fr", trigger=(ids.URL, "search"), lang="fr")
    assert back["flagged"] is True
    assert "Budgets signalés" in _text(back["chips"])
    assert _sync("?field=ED", trigger=(ids.URL, "search"), lang="en")["flagged"] is False


# -- one request per filter change: the filter-bar request draws the charts ---------------------
def _sync_and_draw(
    search,
    graphs,
    *,
    values=None,
    trigger=None,
    value=None,
    lang="en",
    page_parts=(),
    page_data=(),
    options=None,
    full=False,
):
    values = values or {}
    args = [search, None, *(values.get(d) for d in DIMS), [], None, [], False, lang]
    options = options or {}
    option_ids = [{"type": ids.PAGE_OPTION, "key": k} for k in options]
    # variant and option values; graph, variant, part, data part and option ids
    args += [[], list(options.values()), graphs, [], list(page_parts), list(page_data), option_ids]
    triggered = [{"prop_id": _prop_id(*trigger), "value": value}] if trigger else []

    # As Dash gives it: one entry per output, a list for each wildcard output (graphs, parts).
    outputs = [{"id": f"out{i}", "property": "x"} for i in range(N_OUT)]
    outputs += [
        [{"id": g, "property": "figure"} for g in graphs],
        [{"id": p, "property": "children"} for p in page_parts],
        [{"id": p, "property": "data"} for p in page_data],
        {"id": ids.CHARTS_DRAWN},
    ]

    def run():
        context_value.set(AttributeDict(triggered_inputs=triggered, outputs_list=outputs))
        return callbacks.sync_filters_and_charts(*args)

    out = contextvars.copy_context().run(run)
    assert len(out) == N_OUT + 4
    if full:
        return out
    return (*out[:-3], out[-1])  # the parts' lists are looked at by the tests of parts


def test_a_control_change_draws_every_chart_in_the_same_answer(small):
    from dashboards.charts import REGISTRY, all_charts

    all_charts()
    keys = [k for k in REGISTRY if k.startswith("fields.")][:3]
    graphs = [{"type": ids.CHART_GRAPH, "key": k} for k in keys]
    out = _sync_and_draw(
        "?region=AFR",
        graphs,
        values={"fields": ["ED"], "regions": ["AFR"]},
        trigger=(ids.DROPDOWN["fields"], "value"),
        value=["ED"],
    )
    search, figures, drawn = out[0], out[-2], out[-1]
    assert search == "?field=ED&region=AFR"
    assert drawn["search"] == search and drawn["n"]
    # The same figures the charts callback draws for that URL (one definition, one cache).
    assert figures == callbacks.draw_charts(search, [], graphs, [])
    assert len(figures) == len(keys) and all(isinstance(f, dict) and "data" in f for f in figures)
    # Each drawing has its own mark: the browser's relay uses each once.
    again = _sync_and_draw(
        "?region=AFR",
        graphs,
        values={"fields": ["ED"], "regions": ["AFR"]},
        trigger=(ids.DROPDOWN["fields"], "value"),
        value=["ED"],
    )
    assert again[-1]["n"] != drawn["n"]


def test_a_url_change_draws_nothing_in_the_filter_bar_request(small):
    graphs = [{"type": ids.CHART_GRAPH, "key": "fields.activities_by_field"}]
    out = _sync_and_draw("?field=ED", graphs, trigger=(ids.URL, "search"))
    assert out[0] is no_update  # the address stays as it is
    assert out[-2] == [no_update] and out[-1] is no_update  # the relay sends the charts request
    # Nothing changed (controls rendered from the URL): no figures either.
    out = _sync_and_draw(
        "?field=ED",
        graphs,
        values={"fields": ["ED"]},
        trigger=(ids.DROPDOWN["fields"], "value"),
        value=["ED"],
    )
    assert out[-2] == [no_update] and out[-1] is no_update


# -- page parts (headlines, the rule check) come in the same answer as the charts -------------
def test_a_control_change_draws_the_page_parts_with_the_charts(small, monkeypatch):
    from dashboards import parts
    from dashboards.components.headlines import headline_cards
    from dashboards.queries import overview as q

    calls = []
    part = parts.register(
        "test.headlines",
        lambda f, lang: calls.append((f, lang)) or headline_cards(q.headlines(f, lang), lang),
    )
    monkeypatch.setitem(parts.PARTS, part.key, part)
    graphs = [{"type": ids.CHART_GRAPH, "key": "overview.activities_by_year"}]
    wanted = [parts.part_id(part.key), parts.part_id("test.no-such-part")]
    out = _sync_and_draw(
        "",
        graphs,
        values={"fields": ["ED"]},
        trigger=(ids.DROPDOWN["fields"], "value"),
        value=["ED"],
        page_parts=wanted,
        full=True,
    )
    search, figures, drawn_parts, drawn = out[0], out[-4], out[-3], out[-1]
    assert out[-2] == []  # no data part asked for
    assert search == "?field=ED" and drawn["search"] == search
    assert len(figures) == 1 and "data" in figures[0]
    # The part in Dash's wire form (plain JSON), drawn for the new filters; an unknown key
    # answers no_update.
    cards, unknown = drawn_parts
    assert unknown is no_update
    assert json.loads(json.dumps(cards)) == cards
    assert calls == [(Filters(fields=("ED",)), "en")]
    expected = parts.wire(headline_cards(q.headlines(Filters(fields=("ED",)), "en"), "en"))
    assert cards == expected
    # The relay's request (a URL this answer did not draw) gives the same parts, from the cache.
    again = callbacks.update_parts("n1", [], search, wanted, [], [])
    assert again == ([cards, no_update], []) and len(calls) == 1
    # Another language is another entry.
    fr = callbacks.update_parts("n2", [], search + "&lang=fr", wanted[:1], [], [])
    assert fr[0] != [cards] and len(calls) == 2


def test_a_url_change_draws_no_part_in_the_filter_bar_request(small):
    from dashboards import parts

    key = next(iter(parts.PARTS), None)
    wanted = [parts.part_id(key)] if key else []
    out = _sync_and_draw("?field=ED", [], trigger=(ids.URL, "search"), page_parts=wanted, full=True)
    assert out[0] is no_update and out[-3] == [no_update] * len(wanted) and out[-1] is no_update


def test_a_control_change_draws_data_parts_with_the_page_options(small, monkeypatch):
    """A data part (a grid's packed rows) comes in the filter bar's answer beside the children
    parts, rendered with the page options' values the browser sent (only plain ones)."""
    from dashboards import parts

    monkeypatch.setattr(parts, "PARTS", dict(parts.PARTS))  # this test's parts go with it

    seen = []

    def rows(f, lang, include):
        seen.append(include)
        return parts.pack([{"field": code, "include": include} for code in f.fields])

    data = parts.register("test.rows", rows, kind="data", options=("test.include",))
    count = parts.register(
        "test.count", lambda f, lang, include: f"{len(f.fields)}", options=("test.include",)
    )
    assert parts.part_id(data.key)["type"] == ids.PAGE_DATA
    assert parts.placeholder(data.key).id == parts.part_id(data.key)
    out = _sync_and_draw(
        "",
        [],
        values={"fields": ["ED"]},
        trigger=(ids.DROPDOWN["fields"], "value"),
        value=["ED"],
        page_parts=[parts.part_id(count.key)],
        page_data=[parts.part_id(data.key)],
        options={"test.include": True},
        full=True,
    )
    assert out[-3] == ["1"]  # the children part
    assert out[-2] == [{"columns": ["field", "include"], "rows": [["ED", True]]}]
    assert seen == [True]
    # An option's value that is not a plain value reaches the part as None (another entry).
    again = callbacks.update_parts(
        "n1",
        [{"$": 1}],
        "?field=ED",
        [parts.part_id(count.key)],
        [parts.part_id(data.key)],
        [parts.option_id("test.include")],
    )
    assert again == (["1"], [{"columns": ["field", "include"], "rows": [["ED", None]]}])
    assert seen == [True, None]

    # A data part whose queries hit the limit answers no rows (not a component).
    def too_big(f, lang, include):
        raise callbacks.db.QueryLimitExceeded("limit")

    parts.register("test.rows", too_big, kind="data", options=("test.include",))
    limited = callbacks.update_parts(
        "n2", [False], "?field=ED", [], [parts.part_id(data.key)], [parts.option_id("test.include")]
    )
    assert limited == ([], [parts.pack([])])
