"""Figure builders shared by the pages: pure functions from a small frame to a `go.Figure`.

No Dash, no SQL. Each point carries its code in `customdata[0]` so a click can become a filter;
hover text gives exact numbers in the chosen language; an empty frame gives an honest empty state.
"""

from __future__ import annotations

import datetime as dt
import html
import math

import pandas as pd
import plotly.graph_objects as go

from dashboards import clock, dimensions, vocab
from dashboards.figures.theme import SEQUENTIAL, UN_BLUE, apply_theme, colour_for
from dashboards.i18n import N_, format_money, format_number, gettext

MEASURES = {"activities": "Activities", "budget_usd": "Budget (US$)", "partners": "Partners"}
# Measures in US dollars (IATI spending: budget, disbursed, spent): money ticks and words.
MONEY = frozenset({"budget_usd", "budget", "disbursed", "spent"})
# TRANSLATORS: over the shaded years of a chart that are not over yet (current and future).
INCOMPLETE = N_("Not over: partial or planned")


def plain(text: object) -> str:
    """Text from data made inert for plotly, whose labels and hover text accept HTML-like tags.

    Entities are shown as the characters they stand for, so `<b>` reads as written.
    """
    return html.escape(str(text), quote=False)


def label(dimension: str, code: str, lang: str) -> str:
    """Display name of a code ('GLOBAL' is the pseudo-region of global activities)."""
    if code == "GLOBAL":
        return gettext("Global", lang)
    return vocab.label(_vocabulary(dimension), code, lang)


def _vocabulary(dimension: str) -> str:
    """The vocabulary of a dimension named by registry key or vocabulary ("areas", "area")."""
    try:
        return dimensions.get(dimension).vocabulary
    except KeyError:  # a list of the warehouse no dimension uses (yet): named all the same
        return dimension


def ordered_codes(dimension: str, codes) -> list[str]:
    """Codes in the warehouse's display order (a fixed legend order); unknown ones after, sorted."""
    present = set(codes)
    order = [c for c in vocab.codes(_vocabulary(dimension)) if c in present]
    return order + sorted(str(c) for c in present if c not in set(order))


def measure_title(measure: str, lang: str) -> str:
    """Axis title of a measure."""
    return gettext(MEASURES.get(measure, measure), lang)


def fmt(measure: str, value: float, lang: str) -> str:
    """A measure's value in words for hover text."""
    if measure in MONEY:
        return format_money(value, lang)
    return format_number(value, lang)


def axis_format(measure: str) -> str:
    """d3 tick format: grouped integers for counts ("1,500"), SI for money ("2M")."""
    return "~s" if measure == "budget_usd" else ",d"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (1, 2, 2.5 or 5 times a power of ten apart)."""
    if not top or top <= 0 or not math.isfinite(top):
        return [0.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def value_axis(fig: go.Figure, axis: str, measure: str, top: float, lang: str) -> None:
    """A value axis in the language's words: money as "US$1.2M" / "1,2 M $US" (as in hover
    text and summaries), counts as whole numbers (no "2.5 activities" tick)."""
    key = f"{axis}axis"
    if measure in MONEY:
        ticks = nice_ticks(float(top) if pd.notna(top) else 0.0)
        text = [format_money(v, lang) for v in ticks]
        fig.update_layout({key: {"tickvals": ticks, "ticktext": text, "rangemode": "tozero"}})
    elif pd.notna(top) and top <= 5:
        fig.update_layout({key: {"dtick": 1, "tickformat": "d", "rangemode": "tozero"}})
    else:
        fig.update_layout({key: {"tickformat": ",d", "rangemode": "tozero"}})


def mark_incomplete_years(
    fig: go.Figure, years, lang: str, today: dt.date | None = None, stacked: bool = False
) -> None:
    """Shade the years not over yet (the current one: partial; later: planned) and say so.

    `today` defaults to `dashboards.clock.today()` (settable with DASHBOARD_TODAY).
    """
    present = sorted({int(y) for y in years if pd.notna(y)})
    cutoff = clock.first_incomplete_year(today)
    late = [y for y in present if y >= cutoff]
    if not late:
        return
    fig.add_vrect(
        x0=late[0] - 0.5,
        x1=late[-1] + 0.5,
        fillcolor="#6c757d",
        opacity=0.12,
        line_width=0,
        layer="below",
    )
    fig.add_annotation(
        x=late[-1] + 0.5,  # at the band's right edge, growing leftwards: never cut off
        xanchor="right",
        y=1,
        yref="paper",
        yanchor="bottom",
        text=gettext(INCOMPLETE, lang),
        showarrow=False,
        font={"size": 11, "color": "#495057"},
    )
    # The shaded band must not widen the axis beyond the years drawn.
    fig.update_xaxes(range=[present[0] - 0.5, present[-1] + 0.5])
    fig.update_layout(meta={**(fig.layout.meta or {}), "incomplete_from": cutoff})


def empty_figure(lang: str, message: str | None = None) -> go.Figure:
    """The honest empty state: no axes, one sentence."""
    fig = go.Figure()
    fig.add_annotation(
        text=message or gettext("No data for these filters", lang),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 16},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(meta={"empty": True})
    return apply_theme(fig, lang)


def ranked_bars(
    frame: pd.DataFrame,
    lang: str,
    dimension: str,
    measure: str = "activities",
    top: int | None = None,
) -> go.Figure:
    """Horizontal bars, largest first, one fixed colour per code."""
    if frame.empty or frame[measure].fillna(0).sum() == 0:
        return empty_figure(lang)
    # Categories with nothing to show are left out of the bars (the table view keeps them).
    data = frame[frame[measure].fillna(0) > 0].sort_values(measure, ascending=False)
    if top:
        data = data.head(top)
    data = data.iloc[::-1]  # plotly draws the first bar at the bottom
    names = [label(dimension, c, lang) for c in data["code"]]
    values = data[measure].fillna(0)
    hover = [
        f"<b>{n}</b><br>{measure_title(measure, lang)}: {fmt(measure, v, lang)}"
        for n, v in zip(names, values, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=[colour_for(dimension, c) for c in data["code"]],
            customdata=[[c] for c in data["code"]],
            hovertext=hover,
            hoverinfo="text",
            text=[fmt(measure, v, lang) for v in values],
            textposition="auto",
            cliponaxis=False,
        )
    )
    fig.update_layout(
        xaxis_title=measure_title(measure, lang),
        yaxis_title=None,
        height=max(260, 38 * len(data) + 90),
        showlegend=False,
    )
    value_axis(fig, "x", measure, float(values.max()), lang)
    return apply_theme(fig, lang)


def stacked_by_year(
    frame: pd.DataFrame, lang: str, dimension: str | None, measure: str = "activities"
) -> go.Figure:
    """Bars per year, stacked by a dimension's codes (fixed colours), or single bars."""
    if frame.empty:
        return empty_figure(lang)
    fig = go.Figure()
    if dimension is None:
        fig.add_bar(
            x=frame["year"],
            y=frame[measure],
            customdata=[[int(y)] for y in frame["year"]],
            marker_color=UN_BLUE,
            hovertext=[
                f"<b>{int(y)}</b><br>{measure_title(measure, lang)}: {fmt(measure, v, lang)}"
                for y, v in zip(frame["year"], frame[measure], strict=True)
            ],
            hoverinfo="text",
            name=measure_title(measure, lang),
        )
    else:
        # Traces are built first and given to the figure at once (adding them one by one
        # re-validates the figure each time); groupby splits the frame in one pass.
        parts = dict(tuple(frame.groupby("code", sort=False)))
        traces = []
        for code in _ordered_codes(dimension, parts):
            part = parts[code]
            name = label(dimension, code, lang)
            traces.append(
                {
                    "type": "bar",
                    "x": part["year"].tolist(),
                    "y": part[measure].tolist(),
                    "name": name,
                    "marker": {"color": colour_for(dimension, code)},
                    "customdata": [[code]] * len(part),
                    "hovertext": _hover(name, part["year"], part[measure], measure, lang),
                    "hoverinfo": "text",
                }
            )
        fig = go.Figure(data=traces)  # plain dicts: validated once, by the figure
    fig.update_layout(
        barmode="stack",
        xaxis_title=None,
        yaxis_title=measure_title(measure, lang),
        xaxis={"dtick": 1, "tickformat": "d"},
        legend_title_text=None,
        height=380,
    )
    tallest = frame[frame[measure] > 0].groupby("year")[measure].sum().max()
    value_axis(fig, "y", measure, tallest, lang)
    mark_incomplete_years(fig, frame["year"], lang)
    return apply_theme(fig, lang)


def _ordered_codes(dimension: str, codes) -> list[str]:
    """Codes in reference order (fixed legend order), unknown ones after (as they come)."""
    present = set(codes)
    order = [c for c in vocab.codes(_vocabulary(dimension)) if c in present]
    return order + [c for c in codes if c not in order]


def _hover(name: str, years, values, measure: str, lang: str) -> list[str]:
    """Hover text per point: the series, the year and the exact value."""
    title = measure_title(measure, lang)
    return [
        f"<b>{name}</b> · {int(y)}<br>{title}: {fmt(measure, v, lang)}"
        for y, v in zip(years, values, strict=True)
    ]


def lines_by_year(
    frame: pd.DataFrame, lang: str, dimension: str, measure: str = "activities"
) -> go.Figure:
    """One line per code over the years (fixed colours), for comparisons over time."""
    if frame.empty:
        return empty_figure(lang)
    parts = dict(tuple(frame.sort_values("year").groupby("code", sort=False)))
    traces = []
    for code in _ordered_codes(dimension, parts):
        part = parts[code]
        name = label(dimension, code, lang)
        traces.append(
            {
                "type": "scatter",
                "x": part["year"].tolist(),
                "y": part[measure].tolist(),
                "name": name,
                "mode": "lines+markers",
                "line": {"color": colour_for(dimension, code), "width": 2.5},
                "customdata": [[code]] * len(part),
                "hovertext": _hover(name, part["year"], part[measure], measure, lang),
                "hoverinfo": "text",
            }
        )
    fig = go.Figure(data=traces)  # plain dicts: validated once, by the figure
    fig.update_layout(
        xaxis_title=None,
        yaxis_title=measure_title(measure, lang),
        xaxis={"dtick": 1, "tickformat": "d"},
        height=380,
    )
    value_axis(fig, "y", measure, frame[measure].max(), lang)
    mark_incomplete_years(fig, frame["year"], lang)
    return apply_theme(fig, lang)


def matrix(
    frame: pd.DataFrame, lang: str, rows: str, cols: str, measure: str = "activities"
) -> go.Figure:
    """A heatmap of counts per (row code, column code), with the numbers written in the cells."""
    if frame.empty:
        return empty_figure(lang)
    row_codes = [c for c in vocab.codes(_vocabulary(rows)) if c in set(frame[rows])]
    col_codes = [c for c in vocab.codes(_vocabulary(cols)) if c in set(frame[cols])]
    grid = frame.pivot_table(index=rows, columns=cols, values=measure, aggfunc="sum", fill_value=0)
    grid = grid.reindex(index=row_codes, columns=col_codes, fill_value=0)
    row_names = [label(rows, c, lang) for c in row_codes]
    col_names = [label(cols, c, lang) for c in col_codes]
    z = grid.to_numpy()
    hover = [
        [
            f"<b>{rn}</b> × <b>{cn}</b><br>{measure_title(measure, lang)}: {fmt(measure, z[i][j], lang)}"
            for j, cn in enumerate(col_names)
        ]
        for i, rn in enumerate(row_names)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=col_names,
            y=row_names,
            colorscale=SEQUENTIAL,
            text=[[fmt(measure, v, lang) for v in row] for row in z],
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            showscale=False,
            customdata=[[[r, c] for c in col_codes] for r in row_codes],
        )
    )
    fig.update_layout(height=max(300, 56 * len(row_codes) + 120), yaxis={"autorange": "reversed"})
    return apply_theme(fig, lang)


def table_frame(frame: pd.DataFrame, lang: str, dimension: str | None = None) -> pd.DataFrame:
    """The 'show as table' view of an aggregated frame: names instead of codes, headers translated."""
    out = frame.copy()
    if dimension and "code" in out.columns:
        out.insert(0, gettext("Name", lang), [label(dimension, c, lang) for c in out["code"]])
    rename = {m: measure_title(m, lang) for m in MEASURES if m in out.columns}
    if "year" in out.columns:  # a year is printed as a year ("2012", not "2,012")
        out["year"] = [str(int(y)) if pd.notna(y) else "" for y in out["year"]]
    rename.update({"year": gettext("Year", lang), "code": gettext("Code", lang)})
    return out.rename(columns=rename)
