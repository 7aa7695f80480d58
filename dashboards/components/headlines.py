"""Headline cards of the Overview page: totals over the years chosen (the period stated), and
below each, the two named periods compared with their own values and the change between them,
so a total is never set beside a change it does not measure."""

from __future__ import annotations

from collections.abc import Callable

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


def _compared(h: dict, key: str, fmt: Callable[[float, str], str], lang: str) -> str:
    """'2024: 120 vs 100 in 2023': both periods named, each with its own value."""
    before = h[f"{key}_before"]
    if before is None:
        return ""
    return gettext(
        "%(now_period)s: %(now)s vs %(before)s in %(before_period)s",
        lang,
        now_period=h["current_label"],
        now=fmt(h[f"{key}_now"], lang),
        before=fmt(before, lang),
        before_period=h["previous_label"],
    )


def headline_cards(h: dict, lang: str):
    """Cards for activities, budget, countries, partners: the total over the period stated,
    and the two compared periods with their values and the change."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    specs: list[tuple[str, str, str, Callable[[float, str], str]]] = [
        (_("Activities"), "activities", "activities", format_number),
        (_("Budget (US$)"), "budget_usd", "budget", format_money),
        (_("Countries reached"), "countries", "countries", format_number),
        (_("Active partners"), "partners", "partners", format_number),
    ]
    cards = [
        (
            label,
            fmt(h[total], lang),
            _delta(h[f"{key}_now"], h[f"{key}_before"], lang),
            _compared(h, key, fmt, lang),
        )
        for label, total, key, fmt in specs
        if h.get(total) is not None  # budget: not served by a public deployment
    ]
    cols = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(label, className="kpi-label small text-muted"),
                        html.Div(value, className="kpi-value h3 mb-0"),
                        html.Div(h["period_label"], className="kpi-period small text-muted"),
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
        for label, value, delta, compare in cards
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
