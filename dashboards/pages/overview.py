"""Overview: headline figures with their change, activity over time, top fields, areas, regions."""

from __future__ import annotations

import dash
from dash import html

from dashboards import layout as ui
from dashboards import parts
from dashboards.components.headlines import headline_cards
from dashboards.filters import Filters
from dashboards.i18n import N_, gettext
from dashboards.queries import overview as q

dash.register_page(__name__, path="/", title=N_("Overview"), name="Overview", order=0)

HEADLINES = "overview-headlines"  # the cards' wrapper (tests and styles find it by this id)


def layout(lang: str = "en", **_) -> list:
    """The page: headline cards, then the overview charts."""
    return [
        layout_title(lang),
        html.Div(parts.placeholder(HEADLINES_PART.key), id=HEADLINES, className="mb-2"),
        ui.chart_grid(
            "overview",
            lang,
            widths={"activities_by_year": 12, "top_fields": 4, "top_areas": 4, "top_regions": 4},
        ),
    ]


def layout_title(lang: str):
    """Title and lede."""
    return ui.page_title(
        "Overview",
        lang,
        gettext("UNESCO's cooperation with its partner NGOs and foundations, at a glance.", lang),
    )


def headlines(filters: Filters, lang: str):
    """Headline cards for the filters (drawn with the charts: `dashboards.parts`)."""
    return headline_cards(q.headlines(filters, lang), lang)


HEADLINES_PART = parts.register("overview.headlines", headlines)
