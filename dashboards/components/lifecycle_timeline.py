"""A partner's lifecycle on its profile: its next due step and its timeline (events, reports).

Self-contained (one function, `lifecycle_card(partner_id, lang)`), so the profile page adds it
with a single line. Text from data (the source's wording, decision references) is passed as
children, never as HTML.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboards import layout as ui
from dashboards.charts.lifecycle import today
from dashboards.figures import lifecycle as names
from dashboards.i18n import format_date, format_partial_date, gettext
from dashboards.queries import lifecycle as q


def _when(value, precision: str | None, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    return format_partial_date(value, precision, lang)


def next_step_text(step: dict | None, lang: str) -> str:
    """The next due step in words: review (and the session deciding it) or a report due."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    if step is None:
        return _("Nothing due: no review date and no report outstanding.")
    # As precise as the source (a year-only admission gives a year-only review date).
    day = format_partial_date(step["date"], step.get("precision") or "day", lang)
    if step["kind"] == "review":
        text = _("Status review due on %(day)s", day=day)
        if step.get("assumed_day") is not None:
            text += " " + _("(counted from the first day of the period the source gave)")
        if step.get("session"):
            text += "; " + _("to be decided at the %(session)s session", session=step["session"])
            if step.get("deadline") is not None:
                text += " " + _("(requests by %(day)s)", day=format_date(step["deadline"], lang))
        else:
            text += "; " + _("no Board session scheduled for it yet")
    else:
        text = _(
            "%(kind)s due on %(day)s", kind=names.report_kind_name(step["what"], lang), day=day
        )
    if step["overdue"]:
        text += " — " + _("overdue")
    return text + "."


def lifecycle_card(partner_id: str, lang: str) -> dbc.Card:
    """The card: next due step, then the timeline of status events and reports."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    now = today()
    line = q.timeline(partner_id)
    step = q.next_step(partner_id, now)
    body: list = [
        html.P(
            [html.Strong(_("Next step: ")), next_step_text(step, lang)],
            className="small mb-2",
            id="partner-next-step",
        )
    ]
    if line.empty:
        body.append(
            html.P(_("No status event or report recorded."), className="text-muted small mb-0")
        )
    else:
        rows = []
        for r in line.astype(object).where(line.notna(), None).to_dict("records"):
            if r["kind"] == "event":
                what = names.event_name(r["what"], lang)
                detail = " · ".join(
                    x
                    for x in (
                        names.status_name(r["status_after"], lang) if r["status_after"] else "",
                        str(r["decision_ref"] or ""),
                    )
                    if x
                )
            else:
                what = names.report_kind_name(r["what"], lang)
                if r["received_date"] is not None:
                    detail = _("received on %(day)s", day=format_date(r["received_date"], lang))
                else:
                    detail = _("due on %(day)s, not received", day=format_date(r["due_date"], lang))
            rows.append([_when(r["date"], r["date_precision"], lang), what, detail])
        body.append(
            ui.data_table(
                pd.DataFrame(rows, columns=[_("Date"), _("Event or report"), _("Details")]), lang
            )
        )
    return dbc.Card(
        [dbc.CardHeader(html.H2(_("Lifecycle"), className="h6 mb-0")), dbc.CardBody(body)],
        className="chart-card mb-3",
    )
