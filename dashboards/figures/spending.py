"""Spending figures (IATI budgets and transactions): pure frame → figure spec builders."""

from __future__ import annotations

import pandas as pd

from dashboards.figures import common, spec
from dashboards.figures.common import empty_figure, label, money_text
from dashboards.figures.spec import Spec
from dashboards.figures.theme import MUTED, UN_BLUE
from dashboards.i18n import N_, gettext

# The three measures, in drawing order: (column, legend msgid, colour).
MEASURES = (
    ("budget", N_("Budget"), UN_BLUE),
    ("disbursed", N_("Disbursed"), "#E69F00"),
    ("spent", N_("Spent"), "#009E73"),
)


def _empty(frame: pd.DataFrame, lang: str) -> bool:
    return frame.empty or frame[[m for m, _, _ in MEASURES]].fillna(0).to_numpy().sum() == 0


def _message(lang: str) -> str:
    return gettext("No IATI budget or transaction for these filters", lang)


@spec.builder
def by_year(frame: pd.DataFrame, lang: str) -> Spec:
    """Grouped bars per year: budget (by period) beside disbursed and spent (by date)."""
    if _empty(frame, lang):
        return empty_figure.spec(lang, _message(lang))
    years = [int(y) for y in frame["year"]]
    traces = []
    for column, msgid, colour in MEASURES:
        name = gettext(msgid, lang)
        traces.append(
            {
                "type": "bar",
                "x": years,
                "y": frame[column].fillna(0).tolist(),
                "name": name,
                "marker": {"color": colour},
                "customdata": [[y] for y in years],
                "hovertext": [
                    f"<b>{name}</b> · {y}<br>{money_text(v, lang)}"
                    for y, v in zip(years, frame[column].fillna(0), strict=True)
                ],
                "hoverinfo": "text",
            }
        )
    fig = spec.new_figure(
        traces,
        {
            "barmode": "group",
            "xaxis": {"dtick": 1, "tickformat": "d"},
            "yaxis": {"title": {"text": gettext("US$", lang)}},
            "height": 380,
        },
    )
    top = frame[[m for m, _, _ in MEASURES]].fillna(0).to_numpy().max()
    common.value_axis(fig, "y", "budget", top, lang)
    common.mark_incomplete_years(fig, years, lang)
    return spec.themed(fig, lang)


@spec.builder
def by_code(frame: pd.DataFrame, lang: str, dimension: str) -> Spec:
    """Grouped horizontal bars per field or region: budget, disbursed, spent."""
    if _empty(frame, lang):
        return empty_figure.spec(lang, _message(lang))
    data = frame.sort_values("budget").reset_index(drop=True)
    names = [label(dimension, c, lang) for c in data["code"]]
    traces = []
    for column, msgid, colour in reversed(MEASURES):  # budget on top within each group
        name = gettext(msgid, lang)
        values = data[column].fillna(0)
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "x": values.tolist(),
                "y": names,
                "name": name,
                "marker": {"color": colour},
                "customdata": [[c] for c in data["code"]],
                "hovertext": [
                    f"<b>{n}</b><br>{name}: {money_text(v, lang)}"
                    for n, v in zip(names, values, strict=True)
                ],
                "hoverinfo": "text",
            }
        )
    fig = spec.new_figure(
        traces,
        {
            "barmode": "group",
            "xaxis": {"title": {"text": gettext("US$", lang)}},
            "legend": {"traceorder": "reversed"},
            "height": max(300, 70 * len(data) + 110),
            **({} if len(data) else {"font": {"color": MUTED}}),
        },
    )
    common.value_axis(
        fig, "x", "budget", data[[m for m, _, _ in MEASURES]].fillna(0).to_numpy().max(), lang
    )
    return spec.themed(fig, lang)


def table(frame: pd.DataFrame, lang: str, dimension: str | None = None) -> pd.DataFrame:
    """The frame as a table with headers in the language (codes named)."""
    out = frame.copy()
    first = "year" if dimension is None else "code"
    if dimension is not None:
        out["code"] = [label(dimension, c, lang) for c in out["code"]]
    if dimension is None:  # a year is printed as a year ("2012", not "2,012")
        out["year"] = [str(int(y)) if pd.notna(y) else "" for y in out["year"]]
    headers = {
        first: gettext("Year", lang) if dimension is None else gettext("Name", lang),
        "not_in_usd": gettext("Values without US$", lang),
    }
    headers.update({m: gettext(msgid, lang) for m, msgid, _ in MEASURES})
    return out.rename(columns=headers)
