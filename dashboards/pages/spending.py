"""Spending: IATI budgets against disbursements and expenditure, by year, field and region."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc

from dashboards import layout as ui
from dashboards.i18n import N_, gettext
from dashboards.queries import iati as q

dash.register_page(__name__, path="/spending", title=N_("Spending"), name="Spending", order=7)


def layout(lang: str = "en", **_params) -> list:
    """The page: title, a note on what is counted, then the charts of the 'spending' page."""
    _ = lambda s: gettext(s, lang)  # noqa: E731
    parts = [
        ui.page_title(
            "Spending",
            lang,
            _(
                "Where IATI data gives budgets and transactions: what was budgeted, disbursed "
                "and spent, by year, field of competence and region."
            ),
        )
    ]
    if not q.has_spending():
        parts.append(
            dbc.Alert(
                _(
                    "This warehouse holds no IATI budget or transaction: load an IATI activity "
                    "file to see spending."
                ),
                color="info",
            )
        )
    parts.append(ui.chart_grid("spending", lang, widths={"by_year": 12}))
    return parts
