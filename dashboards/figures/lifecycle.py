"""Figures of the Lifecycle page (pure: frame, lang → figure spec; no Dash, no SQL).

Statuses, regions and fields are named and coloured by their dimensions; status events, report
states and kinds by the warehouse's vocabularies 'status_event' / 'report_state' /
'report_kind' (data/reference/vocabularies.csv): one definition of each name, in both languages.
"""

from __future__ import annotations

import pandas as pd

from dashboards import vocab
from dashboards.figures import common, spec
from dashboards.figures.spec import Spec
from dashboards.figures.theme import colour_for
from dashboards.i18n import N_, gettext

GROUPS = {"overdue": N_("Overdue"), "no_session": N_("No session scheduled yet")}
# Okabe-Ito colours (distinct for colour-blind readers), fixed per code.
EVENT_COLOURS = {
    "admission": "#009E73",
    "renewal": "#0072B2",
    "reclassification": "#56B4E9",
    "suspension": "#E69F00",
    "termination": "#D55E00",
    "withdrawal": "#CC79A7",
    "review_deferred": "#999999",
    "application": "#F0E442",
}
STATE_COLOURS = {
    "late": "#D55E00",
    "due": "#E69F00",
    "received_late": "#56B4E9",
    "received_on_time": "#009E73",
}


def _named(vocabulary: str, code: object, lang: str) -> str:
    """A code's name from the warehouse vocabulary; the code as given when it is not known."""
    text = "" if code is None or (isinstance(code, float) and pd.isna(code)) else str(code)
    term = vocab.term(vocabulary, text)
    return term.name(lang) if term is not None else common.plain(text)


def event_name(code: object, lang: str) -> str:
    """Display name of a status event code (vocabulary 'status_event')."""
    return _named("status_event", code, lang)


def report_state_name(code: object, lang: str) -> str:
    """Display name of a report state (vocabulary 'report_state')."""
    return _named("report_state", code, lang)


def report_kind_name(code: object, lang: str) -> str:
    """Display name of a report kind (vocabulary 'report_kind')."""
    return _named("report_kind", code, lang)


def _every_year(frame: pd.DataFrame, measure: str, vocabulary: str) -> pd.DataFrame:
    """One row per year of the span × code (zeros filled), codes in the vocabulary's order.

    A year without any event or report still gets its bar slot, so the time axis is not
    silently compressed; codes the vocabulary does not know come last, as given.
    """
    per = frame.groupby(["year", "code"], as_index=False)[measure].sum()
    per = per.assign(year=per["year"].astype(int))
    years = range(int(per["year"].min()), int(per["year"].max()) + 1)
    present = set(per["code"])
    known = vocab.sorted_codes(vocabulary, [c for c in present if vocab.term(vocabulary, c)])
    order = known + sorted(present - set(known))
    cells = per.set_index(["code", "year"])[measure]
    return pd.DataFrame(
        [{"year": y, "code": c, measure: int(cells.get((c, y), 0))} for c in order for y in years]
    )


def group_name(code: object, lang: str) -> str:
    """A pipeline group: 'Overdue', a Board session label (as given), or no session yet."""
    return gettext(GROUPS[str(code)], lang) if str(code) in GROUPS else common.plain(code)


def status_name(code: object, lang: str) -> str:
    """Display name of a partner status."""
    return common.label("statuses", str(code), lang)


def _stacked(
    frame: pd.DataFrame,
    lang: str,
    x: str,
    stack: str,
    measure: str,
    x_name,
    stack_name,
    stack_colour,
    horizontal: bool = False,
    customdata: str = "stack",
) -> Spec:
    """Bars per category of `x`, stacked by `stack` (order of first appearance kept)."""
    if frame.empty or pd.to_numeric(frame[measure]).fillna(0).sum() == 0:
        return common.empty_figure.spec(lang)
    cats = list(dict.fromkeys(frame[x].tolist()))
    labels = [x_name(c, lang) for c in cats]
    traces = []
    for code, part in frame.groupby(stack, sort=False, dropna=False):
        values = dict(zip(part[x], part[measure], strict=True))
        name = stack_name(code, lang)
        ys = [float(values.get(c, 0) or 0) for c in cats]
        position = (
            {"y": labels, "x": ys, "orientation": "h"} if horizontal else {"x": labels, "y": ys}
        )
        traces.append(
            {
                "type": "bar",
                **position,
                "name": name,
                "marker": {"color": stack_colour(code)},
                "customdata": [[code if customdata == "stack" else c] for c in cats],
                "hovertext": [
                    f"<b>{common.plain(lbl)}</b> · {common.plain(name)}<br>"
                    f"{common.number_text(v, lang)}"
                    for lbl, v in zip(labels, ys, strict=True)
                ],
                "hoverinfo": "text",
            }
        )
    title = gettext(common.MEASURES.get(measure, measure.capitalize()), lang)
    whole: dict[str, object] = {"tickformat": ",d", "rangemode": "tozero"}
    if pd.to_numeric(frame[measure]).max() <= 8:
        whole["dtick"] = 1
    if horizontal:
        layout = {
            "xaxis": {"title": {"text": title}, **whole},
            "yaxis": {"autorange": "reversed"},
            "height": max(300, 40 * len(cats) + 120),
        }
    else:
        layout = {"yaxis": {"title": {"text": title}, **whole}, "height": 380}
    fig = spec.new_figure(traces, {"barmode": "stack", **layout})
    return spec.themed(fig, lang)


@spec.builder
def pipeline(frame: pd.DataFrame, lang: str) -> Spec:
    """Reviews to decide by deciding Board session (overdue first), stacked by status."""
    return _stacked(
        frame,
        lang,
        "group",
        "code",
        "partners",
        group_name,
        status_name,
        lambda c: colour_for("statuses", c),
    )


def _per_year(frame, lang, measure, vocabulary, name, colours, axis_title) -> Spec:
    """Bars per year (every year of the span) stacked by a vocabulary's codes."""
    if frame.empty:
        return common.empty_figure.spec(lang)
    fig = _stacked(
        _every_year(frame, measure, vocabulary),
        lang,
        "year",
        "code",
        measure,
        lambda y, _lang: str(y),
        name,
        lambda c: colours.get(str(c), "#999999"),
    )
    spec.update_axis(fig, "yaxis", {"title": {"text": gettext(axis_title, lang)}})
    return fig


@spec.builder
def reports(frame: pd.DataFrame, lang: str) -> Spec:
    """Reports per due year, stacked by state in the vocabulary's order (late first)."""
    return _per_year(
        frame, lang, "reports", "report_state", report_state_name, STATE_COLOURS, N_("Reports")
    )


@spec.builder
def status_changes(frame: pd.DataFrame, lang: str) -> Spec:
    """Status changes per year, stacked by event (admissions, renewals, ...)."""
    return _per_year(
        frame, lang, "events", "status_event", event_name, EVENT_COLOURS, N_("Status events")
    )


@spec.builder
def changes_since(frame: pd.DataFrame, lang: str) -> Spec:
    """Status events since the previous Board session, by event, stacked by status after."""
    if frame.empty:
        return common.empty_figure.spec(
            lang, gettext("No status change recorded since the previous session", lang)
        )
    data = frame.assign(status_after=frame["status_after"].fillna("none"))
    fig = _stacked(
        data,
        lang,
        "code",
        "status_after",
        "events",
        event_name,
        lambda c, lng: gettext("No change of status", lng) if c == "none" else status_name(c, lng),
        lambda c: "#999999" if c == "none" else colour_for("statuses", c),
        horizontal=True,
    )
    spec.update_axis(fig, "xaxis", {"title": {"text": gettext("Status events", lang)}})
    return fig


@spec.builder
def by_region_and_status(frame: pd.DataFrame, lang: str) -> Spec:
    """Partners per region of headquarters, stacked by status (a click filters the region)."""
    return _stacked(
        frame,
        lang,
        "code",
        "status",
        "partners",
        lambda c, lng: (
            common.label("regions", str(c), lng)
            if c != "UNSPECIFIED"
            else gettext("Not specified", lng)
        ),
        status_name,
        lambda c: colour_for("statuses", c),
        horizontal=True,
        customdata="x",
    )


@spec.builder
def by_field_and_status(frame: pd.DataFrame, lang: str) -> Spec:
    """Partners per field of competence they list, stacked by status."""
    return _stacked(
        frame,
        lang,
        "code",
        "status",
        "partners",
        lambda c, lng: common.label("fields", str(c), lng),
        status_name,
        lambda c: colour_for("statuses", c),
        horizontal=True,
        customdata="x",
    )


@spec.builder
def partners_by_status(frame: pd.DataFrame, lang: str) -> Spec:
    """Partners by current status."""
    fig = common.ranked_bars.spec(frame, lang, "statuses", "partners")
    if not frame.empty and frame["partners"].max() <= 8:
        # whole partners: no "0.5" or repeated "1" ticks
        spec.update_axis(fig, "xaxis", {"dtick": 1})
    return fig


@spec.builder
def decision_list(frame: pd.DataFrame, lang: str) -> Spec:
    """The renewals the next session decides, as a table figure (for packs and the page)."""
    if frame.empty:
        return common.empty_figure.spec(
            lang, gettext("No review for the next Executive Board session", lang)
        )
    table = decision_table(frame, lang)
    cells = {
        "type": "table",
        "header": {
            "values": [f"<b>{common.plain(c)}</b>" for c in table.columns],
            "align": "left",
            "fill": {"color": "#e8eef4"},
        },
        "cells": {
            "values": [[common.plain(v) for v in table[c]] for c in table.columns],
            "align": "left",
            "height": 26,
        },
    }
    # showlegend False: a table has no legend (and exports then skip their legend check).
    fig = spec.new_figure([cells], {"height": max(260, 30 * len(table) + 120), "showlegend": False})
    return spec.themed(fig, lang)


def decision_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Partner, status, review due (with the day assumed), deciding session, days left."""
    from dashboards.i18n import format_date, format_partial_date

    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    due = []
    for day, assumed, precision in zip(
        frame["review_due"], frame["assumed_day"], frame["decided_precision"], strict=True
    ):
        text = format_partial_date(day, precision, lang)
        if assumed is not None and not pd.isna(assumed):
            text += " " + _("(%(day)s assumed)", day=format_date(day, lang))
        due.append(text)
    return pd.DataFrame(
        {
            _("Partner"): frame["name"].astype(str).tolist(),
            _("Status"): [status_name(c, lang) for c in frame["code"]],
            _("Review due"): due,
            _("Deciding session"): frame["session"].astype(str).tolist(),
            _("Days left"): frame["days_left"].astype(int).tolist(),
            _("State"): [
                _("Overdue") if o else _("Decided after the due date") if late else _("On schedule")
                for o, late in zip(
                    frame["overdue"].astype(bool), frame["late"].astype(bool), strict=True
                )
            ],
        }
    )


# --- "show as table" frames -----------------------------------------------------------------


def pipeline_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Session, status, partners."""
    _ = lambda s: gettext(s, lang)  # noqa: E731
    return pd.DataFrame(
        {
            _("Deciding session"): [group_name(g, lang) for g in frame["group"]],
            _("Status"): [status_name(c, lang) for c in frame["code"]],
            _("Partners"): frame["partners"].astype(int).tolist(),
        }
    )


def reports_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Year, state, reports."""
    _ = lambda s: gettext(s, lang)  # noqa: E731
    return pd.DataFrame(
        {
            _("Year due"): frame["year"].astype(int).tolist(),
            _("State"): [report_state_name(c, lang) for c in frame["code"]],
            _("Reports"): frame["reports"].astype(int).tolist(),
        }
    )


def changes_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """(Year,) event, status after, events."""
    _ = lambda s: gettext(s, lang)  # noqa: E731
    out = {}
    if "year" in frame.columns:
        out[_("Year")] = frame["year"].astype(int).tolist()
    out[_("Event")] = [event_name(c, lang) for c in frame["code"]]
    out[_("Status after")] = [
        "" if pd.isna(s) else status_name(s, lang) for s in frame["status_after"]
    ]
    out[_("Status events")] = frame["events"].astype(int).tolist()
    return pd.DataFrame(out)


def balance_table(frame: pd.DataFrame, lang: str, dimension: str) -> pd.DataFrame:
    """Category (region or field), status, partners."""
    _ = lambda s: gettext(s, lang)  # noqa: E731
    heading = _("Region") if dimension == "regions" else _("Field of competence")
    return pd.DataFrame(
        {
            heading: [
                gettext("Not specified", lang)
                if c == "UNSPECIFIED"
                else common.label(dimension, str(c), lang)
                for c in frame["code"]
            ],
            _("Status"): [status_name(s, lang) for s in frame["status"]],
            _("Partners"): frame["partners"].astype(int).tolist(),
        }
    )


def region_balance_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Region, status, partners."""
    return balance_table(frame, lang, "regions")


def field_balance_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Field, status, partners."""
    return balance_table(frame, lang, "fields")


def status_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Status, partners."""
    return pd.DataFrame(
        {
            gettext("Status", lang): [status_name(c, lang) for c in frame["code"]],
            gettext("Partners", lang): frame["partners"].astype(int).tolist(),
        }
    )
