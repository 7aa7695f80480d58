"""Functional areas: activity and budget by area over time, areas × fields and regions, partners."""

from __future__ import annotations

import dash

from dashboards import layout as ui
from dashboards.i18n import N_, gettext

dash.register_page(
    __name__,
    path="/functional-areas",
    title=N_("Functional areas"),
    name="Functional areas",
    order=2,
)


def layout(lang: str = "en", **_) -> list:
    """The page: title, then the charts of the 'functional_areas' page."""
    return [
        ui.page_title(
            "Functional areas",
            lang,
            gettext(
                "What partners do with UNESCO — capacity building, advocacy, standard "
                "setting… — in which fields and regions.",
                lang,
            ),
        ),
        ui.chart_grid("functional_areas", lang),
    ]
