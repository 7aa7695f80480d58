"""The one look of every figure: the "unesco" plotly template and the fixed colour of each code.

Pure plotly (no Dash), so pages and exports (PNG/SVG/PDF, briefing packs) draw the same figure.
A code keeps its colour on every page and in every export: Education is always the same blue,
whatever else is on the chart. Palettes are Okabe–Ito and Paul Tol's, chosen so the colours of
one dimension stay apart for people with deuteranopia or protanopia (checked in
tests/unit/test_theme.py by simulating both).
"""

from __future__ import annotations

import functools

import plotly.graph_objects as go
import plotly.io as pio

from dashboards.palette import (  # noqa: F401 - the palettes, re-exported for figures
    AREA_COLOURS,
    AXIS_LINE,
    COLORWAY,
    FIELD_COLOURS,
    GRID,
    INK,
    MUTED,
    NEUTRAL,
    NO_DATA,
    PARTNER_STATUS_COLOURS,
    PARTNER_TYPE_COLOURS,
    REGION_COLOURS,
    UN_BLUE,
)

TEMPLATE_NAME = "unesco"

# Web fonts are never downloaded: browsers take the first installed font; kaleido (Chromium on
# Debian) finds Liberation Sans or DejaVu Sans.
FONT_FAMILY = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"

# Choropleths: one hue, light to dark (ColorBrewer "Blues" without its near-white end, so the
# smallest value is still told apart from the no-data land colour).
SEQUENTIAL: list[list[float | str]] = [
    [0.0, "#DEEBF7"],
    [0.2, "#C6DBEF"],
    [0.35, "#9ECAE1"],
    [0.5, "#6BAED6"],
    [0.65, "#4292C6"],
    [0.8, "#2171B5"],
    [0.9, "#08519C"],
    [1.0, "#08306B"],
]

# Plotly's `separators`: decimal mark then thousands separator, as babel formats them
# (French groups with a narrow no-break space).
SEPARATORS: dict[str, str] = {"en": ".,", "fr": ",\u202f"}

# Font sizes for the screen; slides are seen from afar. An A4 export at 1123 × 794 px (96 dpi
# landscape) reads well with the screen sizes, so only slides scale up.
BASE_FONT_SIZE = 13
SIZE_FACTORS: dict[str, float] = {"screen": 1.0, "print": 1.0, "slide": 1.4}


def colour_for(dimension: str, code: str | None) -> str:
    """The fixed colour of a code ('field', 'ED' → blue); neutral grey for an unknown code.

    `dimension` is a dimension of `dashboards.dimensions` (by key or vocabulary name), which
    holds each dimension's palette (the palettes above).
    """
    from dashboards import dimensions  # the registry imports these palettes

    return dimensions.get(dimension).colour(code)


def colour_map(dimension: str) -> dict[str, str]:
    """All colours of a dimension's codes, for plotly express's `color_discrete_map`."""
    from dashboards import dimensions

    dim = dimensions.get(dimension)
    return {**dim.colours, **{c: dim.colour(c) for c in dim.codes()}}


def _template(size: int = BASE_FONT_SIZE) -> go.layout.Template:
    axis = {
        "showgrid": True,
        "gridcolor": GRID,
        "gridwidth": 1,
        "showline": True,
        "linecolor": AXIS_LINE,
        "zeroline": True,
        "zerolinecolor": AXIS_LINE,
        "ticks": "outside",
        "tickcolor": AXIS_LINE,
        "ticklen": 4,
        "tickfont": {"size": size - 1, "color": MUTED},
        "title": {"font": {"size": size, "color": MUTED}, "standoff": 8},
        "automargin": True,
    }
    layout = go.Layout(
        font={"family": FONT_FAMILY, "size": size, "color": INK},
        title={
            "font": {"size": round(size * 1.3), "color": INK},
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
            "y": 0.98,
            "yref": "container",
            "yanchor": "top",
        },
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(COLORWAY),
        margin={"l": 16, "r": 16, "t": round(size * 1.5), "b": 16, "pad": 0},
        # Vertical gridlines would cut through category bars; a chart with a numeric x axis
        # (horizontal bars, time lines) turns them on with fig.update_xaxes(showgrid=True).
        xaxis={**axis, "showgrid": False},
        yaxis=axis,
        # Legend across the foot of the figure (container coordinates): it never collides with
        # the title however many rows it wraps to, and the plot area keeps the full width.
        legend={
            "orientation": "h",
            "xref": "container",
            "x": 0.01,
            "xanchor": "left",
            "yref": "container",
            "y": 0.01,
            "yanchor": "bottom",
            "font": {"size": size - 1},
            "title": {"font": {"size": size - 1, "color": MUTED}},
            "bgcolor": "rgba(255,255,255,0)",
        },
        hoverlabel={
            "bgcolor": "white",
            "bordercolor": AXIS_LINE,
            "font": {"family": FONT_FAMILY, "size": size, "color": INK},
            "align": "left",
            "namelength": -1,
        },
        hovermode="closest",
        coloraxis={
            "colorscale": SEQUENTIAL,
            "colorbar": {
                "thickness": 12,
                "outlinewidth": 0,
                "ticks": "outside",
                "tickfont": {"size": size - 1, "color": MUTED},
                "title": {"font": {"size": size - 1, "color": MUTED}},
            },
        },
        geo={
            # plotly.js 4 zooms to the data by default; the world view is the reference frame.
            "fitbounds": False,
            "projection": {"type": "natural earth"},
            "showframe": False,
            "showcoastlines": False,
            "showland": True,
            "landcolor": NO_DATA,
            "showcountries": True,
            "countrycolor": "white",
            "countrywidth": 0.5,
            "showocean": False,
            "showlakes": False,
            "bgcolor": "white",
        },
        bargap=0.25,
        bargroupgap=0.05,
        separators=SEPARATORS["en"],
    )
    data = {
        "bar": [go.Bar(marker={"line": {"width": 0}}, textfont={"size": size - 1})],
        "scatter": [go.Scatter(line={"width": 2.5}, marker={"size": 7})],
        "pie": [
            go.Pie(
                marker={"line": {"color": "white", "width": 1}},
                textfont={"size": size - 1},
                sort=False,
            )
        ],
        "choropleth": [
            go.Choropleth(
                colorscale=SEQUENTIAL,
                marker={"line": {"color": "white", "width": 0.5}},
                colorbar={"thickness": 12, "outlinewidth": 0},
            )
        ],
        "heatmap": [
            go.Heatmap(colorscale=SEQUENTIAL, colorbar={"thickness": 12, "outlinewidth": 0})
        ],
        "treemap": [go.Treemap(marker={"line": {"color": "white", "width": 1}})],
        "sunburst": [go.Sunburst(marker={"line": {"color": "white", "width": 1}})],
    }
    return go.layout.Template(layout=layout, data=data)


def register() -> None:
    """Register the "unesco" template with plotly.io (done once on import)."""
    pio.templates[TEMPLATE_NAME] = _template()
    for medium, factor in SIZE_FACTORS.items():
        if factor != 1.0:
            pio.templates[f"{TEMPLATE_NAME}_{medium}"] = _template(round(BASE_FONT_SIZE * factor))


def template_name(medium: str) -> str:
    """The registered template's name for a medium ("unesco", "unesco_slide")."""
    return TEMPLATE_NAME if SIZE_FACTORS.get(medium, 1.0) == 1.0 else f"{TEMPLATE_NAME}_{medium}"


def apply_theme(fig: go.Figure, lang: str = "en", medium: str = "screen") -> go.Figure:
    """Give a figure the house style, number separators for `lang`, and sizes for the medium."""
    fig.update_layout(
        template=template_name(medium), separators=SEPARATORS.get(lang, SEPARATORS["en"])
    )
    return fig


@functools.cache
def _template_json(medium: str) -> dict:
    return pio.templates[template_name(medium)].to_plotly_json()


def with_template(figure_json: dict, medium: str = "screen") -> dict:
    """A figure's JSON or spec (`dashboards.figures.spec`, which carries no template) with the
    house template set: serialised once per process, not validated into every figure."""
    figure_json.setdefault("layout", {})["template"] = _template_json(medium)
    return figure_json


register()
