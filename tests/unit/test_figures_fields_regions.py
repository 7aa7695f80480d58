"""Figure builders of the Fields, Functional areas and Regions pages: pure, honest when empty,
clickable (codes in customdata), in the fixed theme colours and in the reader's language."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards.charts import get_chart
from dashboards.figures import breakdowns, common, maps
from dashboards.figures.theme import (
    AREA_COLOURS,
    FIELD_COLOURS,
    NEUTRAL,
    NO_DATA,
    REGION_COLOURS,
    SEQUENTIAL,
)
from dashboards.i18n import gettext

# The vocabularies (codes, names, order, bits) are those of the warehouse served.
pytestmark = pytest.mark.usefixtures("small")

COUNTRIES = pd.DataFrame(
    {
        "code": ["KEN", "BRA", "FRA", "TZA", "EGY"],
        "region_code": ["AFR", "LAC", "ENA", "AFR", "ARB"],
        "activities": [3, 2, 2, 1, 0],
        "budget_usd": [2000.0, 500.0, 10000.0, 1000.0, 0.0],
    }
)
BEYOND = pd.DataFrame(
    {
        "code": ["AFR", "ARB", "APA", "ENA", "LAC", "GLOBAL"],
        "activities": [4, 0, 2, 0, 1, 3],
        "budget_usd": [3000.0, 0.0, 10.0, 0.0, 5.0, 4000.0],
    }
)
MATRIX = pd.DataFrame(
    {
        "field": ["ED", "ED", "SC", "CLT"],
        "area": ["capacity_building", "advocacy", "technical_support", "advocacy"],
        "activities": [2, 1, 1, 1],
        "budget_usd": [4000.0, 1000.0, 2000.0, 0.0],
    }
)
BY_YEAR = pd.DataFrame(
    {
        "year": [2020, 2020, 2021, 2021],
        "code": ["AFR", "GLOBAL", "AFR", "GLOBAL"],
        "activities": [1, 0, 2, 1],
        "budget_usd": [100.0, 0.0, 200.0, 50.0],
    }
)
EMPTY_COUNTRIES = COUNTRIES.iloc[0:0]


def as_json(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), sort_keys=True, default=str)


BUILDERS = [
    (maps.world_map, COUNTRIES),
    (maps.world_map_by_region, COUNTRIES),
    (maps.beyond_countries, BEYOND),
    (lambda fr, lang: breakdowns.matrix(fr, lang, rows="field", cols="area"), MATRIX),
    (lambda fr, lang: breakdowns.matrix(fr, lang, rows="area", cols="field"), MATRIX),
    (lambda fr, lang: common.lines_by_year(fr, lang, dimension="region"), BY_YEAR),
]


@pytest.mark.parametrize(("build", "frame"), BUILDERS)
def test_builders_are_pure(build, frame):
    before = frame.copy()
    assert as_json(build(frame, "en")) == as_json(build(frame.copy(), "en"))
    pd.testing.assert_frame_equal(frame, before)  # the frame is not modified
    assert as_json(build(frame, "en")) != as_json(build(frame, "fr"))


@pytest.mark.parametrize(("build", "frame"), BUILDERS)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_empty_frame_gives_the_empty_state(build, frame, lang):
    fig = build(frame.iloc[0:0], lang)
    assert fig.layout.meta["empty"] is True
    assert not fig.data
    assert fig.layout.annotations[0].text == gettext("No data for these filters", lang)


def test_map_with_only_zero_counts_is_empty():
    fig = maps.world_map(COUNTRIES.assign(activities=0), "en")
    assert fig.layout.meta["empty"] is True


# --- the map ---------------------------------------------------------------------------------


def test_map_by_count_draws_countries_with_activity_on_the_sequential_scale():
    fig = maps.world_map(COUNTRIES, "en")
    (trace,) = fig.data
    assert isinstance(trace, go.Choropleth)
    assert trace.locationmode == "ISO-3"
    assert list(trace.locations) == ["KEN", "BRA", "FRA", "TZA"]  # EGY (0) keeps the land colour
    assert list(trace.z) == [3, 2, 2, 1]
    assert [c[0] for c in trace.customdata] == list(trace.locations)
    assert [list(s) for s in trace.colorscale] == [list(s) for s in SEQUENTIAL]
    assert trace.zmin == 0
    assert fig.layout.meta["colour_by"] == "activities"


@pytest.mark.parametrize("build", [maps.world_map, maps.world_map_by_region])
def test_map_shows_the_whole_world_offline_style(build):
    geo = build(COUNTRIES, "en").layout.geo
    assert geo.fitbounds is False
    assert geo.projection.type == "natural earth"
    assert geo.showcountries is True
    assert geo.showland is True and geo.landcolor == NO_DATA


def test_map_by_region_has_one_trace_per_region_in_its_fixed_colour():
    fig = maps.world_map_by_region(COUNTRIES, "en")
    # In the reference order of the regions; EGY (no activity) draws no Arab States trace.
    assert [t.name for t in fig.data] == [
        "Africa",
        "Europe and North America",
        "Latin America and the Caribbean",
    ]
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"Africa", "Europe and North America", "Latin America and the Caribbean"}
    africa = by_name["Africa"]
    assert list(africa.locations) == ["KEN", "TZA"]
    assert [c[0] for c in africa.customdata] == ["KEN", "TZA"]
    expected = {
        "Africa": "AFR",
        "Europe and North America": "ENA",
        "Latin America and the Caribbean": "LAC",
    }
    for name, trace in by_name.items():
        colour = REGION_COLOURS[expected[name]]
        assert {s[1] for s in trace.colorscale} == {colour}
        assert trace.showscale is False and trace.showlegend is True
    assert fig.layout.meta["colour_by"] == "region"


def test_map_by_region_puts_countries_without_region_apart_in_grey():
    frame = COUNTRIES.assign(region_code=["AFR", None, "ENA", "AFR", "ARB"])
    fig = maps.world_map_by_region(frame, "fr")
    last = fig.data[-1]
    assert last.name == "Sans région UNESCO"
    assert list(last.locations) == ["BRA"]
    assert {s[1] for s in last.colorscale} == {NEUTRAL}


def test_map_hover_has_names_in_the_language_and_exact_numbers():
    (en,) = maps.world_map(COUNTRIES.iloc[[2]], "en").data  # France
    (fr,) = maps.world_map(COUNTRIES.iloc[[2]], "fr").data
    assert "France" in en.hovertext[0] and "Europe and North America" in en.hovertext[0]
    assert "US$10,000" in en.hovertext[0]  # exact, not "US$10K"
    assert "Europe et Amérique du Nord" in fr.hovertext[0]
    assert "10\u202f000" in fr.hovertext[0]
    assert "Activités" in fr.hovertext[0]
    assert fr.colorbar.title.text == "Activités"


def test_map_carries_the_un_disclaimer_in_the_language():
    fr = maps.world_map(COUNTRIES, "fr")
    assert any("Organisation des Nations Unies" in a.text for a in fr.layout.annotations)
    en = maps.world_map_by_region(COUNTRIES, "en")
    assert any("United Nations" in a.text for a in en.layout.annotations)


def test_map_colour_by_must_be_known():
    with pytest.raises(ValueError):
        maps.world_map(COUNTRIES, "en", colour_by="budget")


def test_map_table_in_french():
    table = maps.map_table(COUNTRIES, "fr")
    assert list(table.columns) == ["Pays", "Code", "Région", "Activités", "Budget (dollars É.-U.)"]
    assert table.iloc[0]["Région"] == "Afrique"


# --- regional and global bars ---------------------------------------------------------------


def test_beyond_countries_bars_codes_colours_and_global():
    (bar,) = maps.beyond_countries(BEYOND, "en").data
    codes = [c[0] for c in bar.customdata]
    # Largest at the top (plotly draws the first bar at the bottom); zero rows left out.
    assert codes == ["LAC", "APA", None, "AFR"]  # GLOBAL carries no code: a click does nothing
    assert list(bar.y) == [
        "Latin America and the Caribbean",
        "Asia and the Pacific",
        "Global",
        "Africa",
    ]
    assert list(bar.marker.color) == [
        REGION_COLOURS["LAC"],
        REGION_COLOURS["APA"],
        NEUTRAL,
        REGION_COLOURS["AFR"],
    ]


def test_beyond_countries_in_french():
    (bar,) = maps.beyond_countries(BEYOND, "fr").data
    assert "Mondial" in bar.y and "Afrique" in bar.y


# --- matrices --------------------------------------------------------------------------------


def test_matrix_cells_carry_both_codes_for_clicks():
    fig = breakdowns.matrix(MATRIX, "en", rows="field", cols="area")
    heat, cells = fig.data
    assert isinstance(heat, go.Heatmap) and heat.hoverinfo == "skip"
    assert isinstance(cells, go.Scatter) and cells.marker.opacity == 0
    where = {(x, y): tuple(c) for x, y, c in zip(cells.x, cells.y, cells.customdata, strict=True)}
    assert where[("Capacity building", "Education")] == ("ED", "capacity_building")
    assert where[("Advocacy", "Culture")] == ("CLT", "advocacy")
    assert len(where) == 3 * 3  # fields ED, SC, CLT × areas present
    assert fig.layout.hoverdistance == -1


def test_matrix_labels_in_french_and_wrapped():
    fig = breakdowns.matrix(MATRIX, "fr", rows="area", cols="field")
    heat = fig.data[0]
    assert list(heat.x) == ["Éducation", "Sciences exactes et naturelles", "Culture"]
    assert "Renforcement des capacités" in heat.y
    assert "Sciences<br>exactes et<br>naturelles" in fig.layout.xaxis.ticktext


def test_matrix_table_in_french():
    table = breakdowns.matrix_table(MATRIX, "fr", rows="field", cols="area")
    assert list(table.columns)[:3] == ["Domaine de compétence", "Domaine fonctionnel", "Activités"]
    assert table.iloc[0, 0] == "Éducation"


# --- fixed colours on the time charts --------------------------------------------------------


def test_region_lines_use_region_colours():
    fig = common.lines_by_year(BY_YEAR, "fr", dimension="region")
    colours = {t.customdata[0][0]: t.line.color for t in fig.data}
    assert colours == {"AFR": REGION_COLOURS["AFR"], "GLOBAL": NEUTRAL}
    assert {t.name for t in fig.data} == {"Afrique", "Mondial"}
    assert fig.layout.yaxis.dtick == 1  # small counts: whole ticks only


def test_field_and_area_charts_use_their_fixed_colours():
    frame = pd.DataFrame(
        {"year": [2020, 2020], "code": ["SC", "ED"], "activities": [1, 2], "budget_usd": [1.0, 2.0]}
    )
    fig = common.stacked_by_year(frame, "en", dimension="field", measure="budget_usd")
    assert {t.customdata[0][0]: t.marker.color for t in fig.data} == {
        "ED": FIELD_COLOURS["ED"],
        "SC": FIELD_COLOURS["SC"],
    }
    areas = pd.DataFrame({"code": ["advocacy", "research"], "partners": [3, 1]})
    (bar,) = common.ranked_bars(areas, "en", dimension="area", measure="partners").data
    assert list(bar.marker.color) == [AREA_COLOURS["research"], AREA_COLOURS["advocacy"]]


# --- chart variants --------------------------------------------------------------------------


def test_map_chart_offers_the_region_variant():
    chart = get_chart("regions", "map")
    assert chart.cross_filter == "countries"
    assert chart.figure_for(None) is chart.figure
    assert chart.figure_for("activities") is chart.figure
    assert chart.figure_for("region") is maps.world_map_by_region
