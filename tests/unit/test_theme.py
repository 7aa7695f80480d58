"""The figure theme: one template, and a fixed, colour-blind-safe colour for every reference code."""

from __future__ import annotations

import ast
import itertools
import math
import re

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from dashboards import dimensions
from dashboards.figures import theme

DIMENSIONS = ["field", "area", "region", "partner_status", "partner_type"]
HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")

# Smallest CIE76 distance allowed between two colours of one dimension as seen with
# deuteranopia or protanopia. ~2 is "just noticeable"; categorical palettes need far more.
MIN_CVD_DISTANCE = 15.0


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_reference_code_has_a_colour(dimension, small):
    codes = dimensions.get(dimension).codes()  # the warehouse's codes (from data/reference)
    assert codes, f"no codes in vocabulary {dimension!r}"
    missing = [code for code in codes if code not in dimensions.get(dimension).colours]
    assert not missing, f"{dimension}: no colour for {missing}"
    for code in codes:
        assert HEX.match(theme.colour_for(dimension, code))


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_colours_within_a_dimension_are_distinct(dimension):
    colours = [c.upper() for c in dimensions.get(dimension).colours.values()]
    assert len(set(colours)) == len(colours)


def test_region_palette_has_global_in_grey():
    assert theme.colour_for("region", "GLOBAL") == theme.NEUTRAL
    assert "GLOBAL" in theme.REGION_COLOURS


def test_unknown_code_is_neutral_and_unknown_dimension_raises():
    assert theme.colour_for("field", "XX") == theme.NEUTRAL
    assert theme.colour_for("field", None) == theme.NEUTRAL
    with pytest.raises(KeyError):
        theme.colour_for("flavour", "ED")


def test_colour_map_is_a_copy():
    palette = theme.colour_map("field")
    palette["ED"] = "#000000"
    assert theme.colour_for("field", "ED") != "#000000"


# --- colour-blind safety: simulate deuteranopia and protanopia ------------------------------

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
CVD_MATRICES = {
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
}


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _lab(colour: str, deficiency: str | None = None) -> tuple[float, float, float]:
    r, g, b = (_linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    if deficiency:
        m = CVD_MATRICES[deficiency]
        r, g, b = (min(1.0, max(0.0, row[0] * r + row[1] * g + row[2] * b)) for row in m)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


@pytest.mark.parametrize("deficiency", ["deuteranopia", "protanopia"])
@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_colours_stay_apart_for_colour_blind_readers(dimension, deficiency):
    palette = dimensions.get(dimension).colours
    too_close = [
        (a, b, round(math.dist(_lab(ca, deficiency), _lab(cb, deficiency)), 1))
        for (a, ca), (b, cb) in itertools.combinations(palette.items(), 2)
        if math.dist(_lab(ca, deficiency), _lab(cb, deficiency)) < MIN_CVD_DISTANCE
    ]
    assert not too_close, f"{dimension} under {deficiency}: {too_close}"


def test_sequential_scale_runs_light_to_dark():
    stops = [stop for stop, _colour in theme.SEQUENTIAL]
    lightness = [_lab(colour)[0] for _stop, colour in theme.SEQUENTIAL]
    assert stops[0] == 0 and stops[-1] == 1 and stops == sorted(stops)
    assert lightness == sorted(lightness, reverse=True)
    # The lightest colour is still visibly darker than the "no data" land colour.
    assert _lab(theme.NO_DATA)[0] - lightness[0] > 2


# --- template -------------------------------------------------------------------------------


def test_template_is_registered():
    template = pio.templates[theme.TEMPLATE_NAME]
    assert template.layout.paper_bgcolor == "white"
    assert "Liberation Sans" in template.layout.font.family
    assert "DejaVu Sans" in template.layout.font.family
    assert list(template.layout.colorway) == list(theme.COLORWAY)
    assert template.layout.geo.fitbounds is False


def test_apply_theme_sets_template_and_separators():
    fig = theme.apply_theme(go.Figure(go.Bar(x=["ED"], y=[1])), lang="fr")
    assert fig.layout.template.layout.font.family == theme.FONT_FAMILY
    assert fig.layout.separators == theme.SEPARATORS["fr"]
    assert theme.apply_theme(go.Figure(), lang="en").layout.separators == ".,"


def test_slide_medium_uses_larger_fonts():
    screen = theme.apply_theme(go.Figure(), medium="screen").layout.template.layout.font.size
    slide = theme.apply_theme(go.Figure(), medium="slide").layout.template.layout.font.size
    assert slide > screen >= 12


def test_module_does_not_import_dash():
    tree = ast.parse(open(theme.__file__, encoding="utf-8").read())
    modules = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if not isinstance(node, ast.ImportFrom) or node.module
    }
    assert "dash" not in modules
