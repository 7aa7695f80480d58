"""Fields of competence: activity and budget by field over time, fields × areas, partners."""

from __future__ import annotations

import dash

from dashboards import layout as ui
from dashboards.i18n import N_, gettext

dash.register_page(
    __name__,
    path="/fields",
    title=N_("Fields of competence"),
    name="Fields of competence",
    order=1,
)


def layout(lang: str = "en", **_) -> list:
    """The page: title, then the charts of the 'fields' page."""
    return [
        ui.page_title(
            "Fields of competence",
            lang,
            gettext(
                "Where cooperation with partners goes across UNESCO's fields of competence, "
                "and how it has changed.",
                lang,
            ),
        ),
        ui.chart_grid(
            "fields",
            lang,
            widths={"field_area_matrix": 12, "partners_by_field": 6, "budget_by_field": 6},
        ),
    ]
