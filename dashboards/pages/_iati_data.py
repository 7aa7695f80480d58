"""The Data page's IATI cards: IATI files and their reporting organisations, the rule
warnings, and the DAC sector → field crosswalk (shown so that users can contest it).

Text from the files (organisation names, sector names) is shown as table or grid cell text,
never as HTML.
"""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboards.i18n import format_number, gettext, reason_rule
from dashboards.pages.partners import grid_options
from dashboards.queries import iati as q

CROSSWALK = "data-iati-crosswalk-grid"


def iati_cards(lang: str) -> list:
    """The IATI cards (files and warnings only when the load had IATI files)."""
    files = q.files()
    cards = []
    if not files.empty:
        cards += [files_card(files, lang), warnings_card(q.rule_warnings(), lang)]
    cards.append(crosswalk_card(q.crosswalk(lang), lang))
    return cards


def _table(frame: pd.DataFrame, columns: list[tuple[str, str, bool]], lang: str) -> html.Div:
    """A plain table: (column, header, numeric) per column."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(header, scope="col", className="num" if num else None)
                for _c, header, num in columns
            ]
        )
    )
    body = []
    for row in frame.to_dict("records"):
        cells = []
        for column, _h, num in columns:
            value = row.get(column)
            if num:
                cells.append(html.Td(format_number(value, lang), className="num"))
            else:
                text = (
                    ""
                    if value is None or (not isinstance(value, str) and pd.isna(value))
                    else str(value)
                )
                cells.append(html.Td(text or "—"))
        body.append(html.Tr(cells))
    return html.Div(
        html.Table([head, html.Tbody(body)], className="table table-sm table-striped small mb-1"),
        className="table-responsive",
    )


def _card(title: str, body: list) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(html.H2(title, className="h6 mb-0")), dbc.CardBody(body)],
        className="chart-card mb-3",
    )


def files_card(files: pd.DataFrame, lang: str) -> dbc.Card:
    """IATI files: version, reporting organisations, activities, partners, unmapped sectors."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    columns = [
        ("file", _("File"), False),
        ("iati_version", _("IATI version"), False),
        ("reporting_orgs", _("Reporting organisations"), False),
        ("activities", _("Activities read"), True),
        ("loaded", _("Loaded"), True),
        ("rejected", _("Rejected"), True),
        ("with_official_partner", _("With an official partner"), True),
        ("unmapped_sectors", _("Sector codes not in the crosswalk"), False),
    ]
    return _card(
        _("IATI files"),
        [
            _table(files, columns, lang),
            html.P(
                _(
                    "Activities without an official partner are loaded (their money stays in the "
                    "totals) and listed in the load warnings. Sector codes not in the crosswalk do "
                    "not give a field of competence: add them to the crosswalk and load again."
                ),
                className="small text-muted mb-0",
            ),
        ],
    )


def warnings_card(rules: pd.DataFrame, lang: str) -> dbc.Card:
    """IATI rule warnings grouped by rule (the rows themselves are in the warnings grid)."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    body: list
    if rules.empty:
        body = [html.P(_("No warning on the IATI files."), className="text-muted small mb-0")]
    else:
        # The rule in the UI language where its reason has a template (etl/reasons.py).
        rules = rules.assign(
            rule=[
                reason_rule(t, a, lang) or r
                for t, a, r in zip(rules["template"], rules["args"], rules["rule"], strict=True)
            ]
        )
        columns = [
            ("file", _("File"), False),
            ("element", _("Element"), False),
            ("rule", _("Rule"), False),
            ("activities", _("Activities"), True),
            ("first_line", _("First line"), True),
        ]
        body = [
            html.P(
                _(
                    "IATI's rules checked on each activity (percentages summing to 100, revised "
                    "budgets, currencies, hierarchy, partners), grouped by rule; numbers in a "
                    "rule are shown as N. Every row is in the load warnings below."
                ),
                className="small text-muted mb-2",
            ),
            _table(rules, columns, lang),
        ]
    return _card(_("IATI rule warnings"), body)


def crosswalk_card(crosswalk: pd.DataFrame, lang: str) -> dbc.Card:
    """The sector → field of competence crosswalk, as a filterable grid."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    intro = html.P(
        _(
            "How an IATI sector gives a field of competence. No official crosswalk exists: this "
            "mapping is the product's own, to be contested and edited in "
            "data/reference/dac_field_crosswalk.csv (then load again). Vocabulary 1: DAC 5-digit "
            "(a code not listed falls back to its 3-digit category); 2: DAC 3-digit; 7: SDG goal; "
            "8: SDG target (falls back to its goal). A code with several rows is split by weight."
        ),
        className="small text-muted mb-2",
    )
    columns: list[tuple[str, str, dict]] = [
        ("vocabulary", _("Vocabulary"), {"width": 110}),
        ("code", _("Code"), {"width": 100}),
        ("code_name", _("Sector"), {"flex": 2, "minWidth": 220, "tooltipField": "code_name"}),
        ("field_name", _("Field of competence"), {"flex": 1, "minWidth": 160}),
        ("weight", _("Weight"), {"width": 100, "type": "numericColumn"}),
        ("source", _("Source"), {"flex": 2, "minWidth": 240, "tooltipField": "source"}),
    ]
    data = crosswalk.astype(object).where(crosswalk.notna(), None).to_dict("records")
    grid = dag.AgGrid(
        id=CROSSWALK,
        columnDefs=[{"field": f, "headerName": h, **extra} for f, h, extra in columns],
        rowData=data,
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "filter": "agTextColumnFilter",
            "floatingFilter": True,
            "suppressHeaderMenuButton": True,
        },
        dashGridOptions=grid_options(lang, page_size=10),
        style={"width": "100%"},
    )
    count = gettext("%(n)s rows", lang, n=format_number(len(crosswalk), lang))
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.H2(_("Sector → field of competence crosswalk"), className="h6 mb-0"),
                    html.Span(count, className="small text-muted"),
                ],
                className="d-flex justify-content-between align-items-center",
            ),
            dbc.CardBody([intro, grid]),
        ],
        className="chart-card mb-3",
    )
