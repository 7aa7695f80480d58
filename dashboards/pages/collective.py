"""Collective cooperation: the Conference of NGOs, the Liaison Committee, the Board's Committee."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboards import layout as ui
from dashboards import parts, vocab
from dashboards.charts import get_chart
from dashboards.figures import collective as fig
from dashboards.filters import Filters
from dashboards.i18n import N_, format_number, gettext

dash.register_page(
    __name__, path="/collective", title=N_("Collective cooperation"), name="Collective", order=6
)

RULE_TABLE = "collective-liaison-rule"  # the table's wrapper (tests and styles find it by this id)


def layout(lang: str = "en", **_params) -> list:
    """Conference participation, the Liaison Committee with its rule check, the Committee."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    card = lambda name, width: ui.chart_card(get_chart("collective", name), lang, width)  # noqa: E731
    return [
        ui.page_title(
            "Collective cooperation",
            lang,
            _(
                "How partners take part in the mechanisms reserved to partners in official "
                "partnership."
            ),
        ),
        dbc.Alert(
            [
                html.I(className="bi bi-funnel me-2"),
                _(
                    "Filters that apply on this page: years (of the session or term), partner "
                    "status (on the date of the session), partner type, and region (of the "
                    "partner's headquarters). Fields, functional areas, countries, modality and "
                    "activity status describe activities and do not apply here."
                ),
            ],
            color="light",
            className="small py-2 mb-2",
        ),
        dbc.Row([card("conference_by_region", 6), card("conference_by_status", 6)]),
        dbc.Row([card("liaison_committee", 6), rule_card(lang)]),
        dbc.Row([card("committee_ngp", 12)]),
    ]


def rule_card(lang: str) -> dbc.Col:
    """The Liaison Committee rule, checked term by term (filled from the URL)."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    return dbc.Col(
        dbc.Card(
            [
                dbc.CardHeader(
                    html.H2(_("Liaison Committee: composition rule per term"), className="h6 mb-0")
                ),
                dbc.CardBody(
                    [
                        html.P(
                            _(
                                "Rule: ten member NGOs, four associate and six consultative, with "
                                "at least one from each UNESCO region. Statuses are those on the "
                                "date of the election. The members are listed under “Show as "
                                "table” on the chart."
                            ),
                            className="small text-muted mb-2",
                        ),
                        html.Div(
                            parts.placeholder(RULE_PART.key),
                            id=RULE_TABLE,
                            className="table-responsive",
                        ),
                    ]
                ),
            ],
            className="chart-card h-100",
        ),
        lg=6,
        className="mb-3",
    )


def rule_rows(members: pd.DataFrame, lang: str):
    """A table: term, members, associate, consultative, regions covered, verdict."""
    checks = fig.liaison_rule(members)
    if checks.empty:
        return html.P(gettext("No data for these filters", lang), className="text-muted small")
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    head = html.Thead(
        html.Tr(
            [
                html.Th(_("Term"), scope="col"),
                html.Th(_("Members"), scope="col", className="num"),
                html.Th(_("Associate"), scope="col", className="num"),
                html.Th(_("Consultative"), scope="col", className="num"),
                html.Th(_("Regions"), scope="col", className="num"),
                html.Th(_("Rule"), scope="col"),
            ]
        )
    )
    body = []
    for check in checks.to_dict("records"):
        ok = check["ok"]
        body.append(
            html.Tr(
                [
                    html.Td(check["term"], className="text-nowrap"),
                    html.Td(format_number(check["members"], lang), className="num"),
                    html.Td(format_number(check["associate"], lang), className="num"),
                    html.Td(format_number(check["consultative"], lang), className="num"),
                    html.Td(
                        f"{format_number(check['regions'], lang)}/{len(vocab.codes('region'))}",
                        className="num",
                    ),
                    html.Td(
                        [
                            html.I(
                                className="bi me-1 "
                                + (
                                    "bi-check-circle-fill text-success"
                                    if ok
                                    else "bi-x-circle-fill text-danger"
                                ),
                                **ui.aria(hidden="true"),
                            ),
                            fig.rule_text(check, lang),
                        ]
                    ),
                ]
            )
        )
    return html.Table([head, html.Tbody(body)], className="table table-sm table-striped small mb-0")


def rule_check(filters: Filters, lang: str):
    """The rule check for the terms in the years filter (drawn with the charts and cached per
    warehouse version, filters and language: `dashboards.parts`)."""
    return rule_rows(get_chart("collective", "liaison_committee").frame(filters), lang)


RULE_PART = parts.register("collective.liaison_rule", rule_check)
