"""Regions: a world map of activity by country, regional and global activities, regions over time.

The map's colouring (by number of activities, or by UNESCO region) is one of the map chart's
variants: the switch below is a `CHART_VARIANT` control, and the framework's chart callback
redraws the map from the filters and the chosen variant (Filters → query → figure).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import ids
from dashboards import layout as ui
from dashboards.i18n import N_, gettext

dash.register_page(__name__, path="/regions", title=N_("Regions"), name="Regions", order=3)

MAP_COLOUR = ids.chart(ids.CHART_VARIANT, "regions.map")


def layout(lang: str = "en", **_) -> list:
    """The page: title, then the map (with its colour switch) and the other regional charts."""
    return [
        ui.page_title(
            "Regions",
            lang,
            gettext(
                "Where cooperation with partners takes place: countries, UNESCO regions, and "
                "activities that reach a whole region or the world.",
                lang,
            ),
        ),
        ui.chart_grid(
            "regions",
            lang,
            widths={"map": 8, "beyond_countries": 4},
            controls={"map": map_colour_switch(lang)},
        ),
    ]


def map_colour_switch(lang: str) -> html.Div:
    """Colour the map by number of activities or by UNESCO region."""
    return html.Div(
        [
            html.Span(gettext("Colour countries by", lang), className="me-2 text-muted"),
            dbc.RadioItems(
                id=MAP_COLOUR,
                options=[
                    {"label": gettext("Number of activities", lang), "value": "activities"},
                    {"label": gettext("UNESCO region", lang), "value": "region"},
                ],
                value="activities",
                inline=True,
                className="d-inline-block",
                input_class_name="me-1",
            ),
        ],
        className="small d-flex align-items-center flex-wrap mb-1",
        role="group",
        **ui.aria(label=gettext("Colour countries by", lang)),
    )
