"""The page shown for an unknown path."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards.i18n import N_, gettext

dash.register_page(__name__, path="/404", title=N_("Page not found"), filters=False)


def layout(lang: str = "en", **_) -> html.Div:
    """A clear 'not found' with a way back."""
    return html.Div(
        [
            html.H1(gettext("Page not found", lang), className="h3 mt-4"),
            html.P(gettext("There is no page at this address.", lang)),
            dbc.Button(
                gettext("Back to the overview", lang),
                href=dash.get_relative_path("/"),
                color="primary",
            ),
        ],
        className="py-4",
    )
