"""Headline cards of the Overview page: totals with their change against the previous period."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboards.i18n import format_money, format_number, format_percent, gettext


def list_separator(lang: str) -> str:
    """'; ' in English, ' ; ' in French (a space before the semicolon)."""
    return " ; " if lang == "fr" else "; "


def _delta(now: float, before: float | None, lang: str):
    if before is None:  # said once, under the cards
        return None
    if before == 0:
        return html.Span(
            "—", className="text-muted", title=gettext("no earlier period to compare", lang)
        )
    change = (now - before) / before
    icon = (
        "bi-arrow-up-right"
        if change > 0
        else "bi-arrow-down-right"
        if change < 0
        else "bi-arrow-right"
    )
    sign = "+" if change > 0 else ""
    return html.Span(
        [html.I(className=f"bi {icon} me-1"), sign + format_percent(change, lang)],
        className="delta "
        + ("text-success" if change > 0 else "text-danger" if change < 0 else ""),
    )


def headline_cards(h: dict, lang: str):
    """Cards for activities, budget, countries, partners, with the comparison period stated."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    compare = _("vs %(period)s", period=h["previous_label"]) if h["previous_label"] else ""
    cards = [
        (
            _("Activities"),
            format_number(h["activities"], lang),
            _delta(h["activities_now"], h["activities_before"], lang),
        ),
        (
            _("Budget (US$)"),
            format_money(h["budget_usd"], lang),
            _delta(h["budget_now"], h["budget_before"], lang),
        )
        if h.get("budget_usd") is not None  # not served by a public deployment
        else None,
        (
            _("Countries reached"),
            format_number(h["countries"], lang),
            _delta(h["countries_now"], h["countries_before"], lang),
        ),
        (
            _("Active partners"),
            format_number(h["partners"], lang),
            _delta(h["partners_now"], h["partners_before"], lang),
        ),
    ]
    cards = [c for c in cards if c is not None]
    cols = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(label, className="kpi-label small text-muted"),
                        html.Div(value, className="kpi-value h3 mb-0"),
                        html.Div(
                            [delta, " ", html.Span(compare, className="text-muted")],
                            className="small",
                        ),
                    ]
                ),
                className="kpi-card h-100",
            ),
            md=3,
            sm=6,
            className="mb-2",
        )
        for label, value, delta in cards
    ]
    breakdown = html.P(
        [
            html.Strong(_("Active partners by status: ")),
            list_separator(lang).join(
                f"{n} {format_number(v, lang)}" for n, v in h["partners_by_status"]
            ),
            html.Span(" · "),
            html.Strong(_("by type: ")),
            list_separator(lang).join(
                f"{n} {format_number(v, lang)}" for n, v in h["partners_by_type"]
            ),
            html.Br(),
            html.Span(h["period_note"], className="text-muted"),
        ],
        className="small mb-0",
    )
    return [dbc.Row(cols, className="g-2"), breakdown]
