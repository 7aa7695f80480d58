"""The product's colours: plain data, no plotly, so the dimension registry and the figures share it.

Palettes are Okabe–Ito and Paul Tol's, chosen so the colours of one dimension stay apart for
people with deuteranopia or protanopia (checked in tests/unit/test_theme.py by simulating both).
A code keeps its colour on every page and in every export.
"""

from __future__ import annotations

UN_BLUE = "#0072BC"  # UNESCO blue, as in assets/app.css
INK = "#1F2933"  # text
MUTED = "#5F6B76"  # secondary text, axis titles
GRID = "#E6E9EC"
AXIS_LINE = "#9AA5B1"
NEUTRAL = "#BBBBBB"  # Tol grey: "global", "other", unknown codes
NO_DATA = "#EEF0F2"  # land without data on maps

# Okabe & Ito (2008), "Color Universal Design": the default order for series with no fixed colour.
# Yellow comes last (weak on white) and black is left out (reads as text).
COLORWAY: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
)

# Fields of competence (sectors): Okabe–Ito.
FIELD_COLOURS: dict[str, str] = {
    "ED": "#0072B2",  # Education: blue
    "SC": "#009E73",  # Natural sciences: bluish green
    "SHS": "#E69F00",  # Social and human sciences: orange
    "CLT": "#CC79A7",  # Culture: reddish purple
    "CI": "#D55E00",  # Communication and information: vermillion
}

# UNESCO regions: Paul Tol "bright"; activities with no single region in Tol's grey.
REGION_COLOURS: dict[str, str] = {
    "AFR": "#CCBB44",  # yellow
    "ARB": "#228833",  # green
    "APA": "#EE6677",  # red
    "ENA": "#4477AA",  # blue
    "LAC": "#AA3377",  # purple
    "GLOBAL": NEUTRAL,
}

# Partner status: Paul Tol "muted" (cyan, rose, indigo); indigo for the closest relation.
PARTNER_STATUS_COLOURS: dict[str, str] = {
    "consultative": "#88CCEE",
    "associate": "#CC6677",
    "official_relations": "#332288",
    "not_stated": NEUTRAL,  # the source gives no status: grey, like other unknowns
}

# Functional areas: Paul Tol "muted", a different family from the fields so the two are not
# confused when pages sit side by side.
AREA_COLOURS: dict[str, str] = {
    "capacity_building": "#332288",  # indigo
    "advocacy": "#CC6677",  # rose
    "technical_support": "#117733",  # green
    "standard_setting": "#AA4499",  # purple
    "consultation": "#88CCEE",  # cyan
    "research": "#DDCC77",  # sand
    "awareness_raising": "#999933",  # olive
}

PARTNER_TYPE_COLOURS: dict[str, str] = {
    "ngo": "#0072B2",  # Okabe–Ito blue
    "foundation": "#E69F00",  # Okabe–Ito orange
    "not_stated": NEUTRAL,  # the source gives no type
}
