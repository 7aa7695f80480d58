"""Figure builders shared by the pages: pure functions from a small frame to a `go.Figure`.

No Dash, no SQL. Each point carries its code in `customdata[0]` so a click can become a filter;
hover text gives exact numbers in the chosen language; an empty frame gives an honest empty state.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboards import dimensions, vocab
from dashboards.figures.theme import SEQUENTIAL, UN_BLUE, apply_theme, colour_for
from dashboards.i18n import format_money, format_number, gettext

MEASURES = {"activities": "Activities", "budget_usd": "Budget (US$)", "partners": "Partners"}


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
    if measure == "budget_usd":
        return format_money(value, lang)
    return format_number(value, lang)


def axis_format(measure: str) -> str:
    """d3 tick format: grouped integers for counts ("1,500"), SI for money ("2M")."""
    return "~s" if measure == "budget_usd" else ",d"


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
    fig.update_xaxes(tickformat=axis_format(measure))
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
        yaxis={"tickformat": axis_format(measure)},
        legend_title_text=None,
        height=380,
    )
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
    _whole_ticks(fig, measure, frame[measure].max())
    return apply_theme(fig, lang)


def _whole_ticks(fig: go.Figure, measure: str, top: float) -> None:
    """Counts never get fractional ticks ('2.5 activities') when the values are small."""
    if measure != "budget_usd" and pd.notna(top) and top <= 5:
        fig.update_yaxes(dtick=1, tickformat="d", rangemode="tozero")
    else:
        fig.update_yaxes(tickformat=axis_format(measure))


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
    rename.update({"year": gettext("Year", lang), "code": gettext("Code", lang)})
    return out.rename(columns=rename)
