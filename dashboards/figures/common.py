"""Figure builders shared by the pages: pure functions from a small frame to a figure spec
(a plain dict, `dashboards.figures.spec`; calling a builder gives the validated `go.Figure`).

No Dash, no SQL. Each point carries its code in `customdata[0]` so a click can become a filter;
hover text gives exact numbers in the chosen language; an empty frame gives an honest empty state.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math

import pandas as pd

from dashboards import clock, dimensions, vocab
from dashboards.figures import spec
from dashboards.figures.spec import Spec
from dashboards.figures.theme import SEQUENTIAL, UN_BLUE, colour_for
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
        return money_text(value, lang)
    return number_text(value, lang)


def _plain_value(value: object) -> object:
    """A numpy scalar as the Python number it holds (hashable, one cache key per number)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


@functools.lru_cache(maxsize=16384)
def _money(value: object, lang: str, compact: bool) -> str:
    return format_money(value, lang, compact=compact)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=16384)
def _number(value: object, lang: str) -> str:
    return format_number(value, lang)  # type: ignore[arg-type]


def money_text(value: object, lang: str, compact: bool = True) -> str:
    """`i18n.format_money`, cached per (value, language): a chart's hover texts, cell texts and
    ticks format the same few hundred numbers on every request, and Babel's compact currency
    format (plural rules, patterns) costs tens of microseconds each."""
    value = _plain_value(value)
    if value is None or value != value:  # None, NaN: never a cache key
        return format_money(value, lang, compact=compact)  # type: ignore[arg-type]
    return _money(value, lang, compact)


def number_text(value: object, lang: str) -> str:
    """`i18n.format_number` (no decimals), cached per (value, language) like `money_text`."""
    value = _plain_value(value)
    if value is None or value != value:
        return format_number(value, lang)  # type: ignore[arg-type]
    return _number(value, lang)


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


def value_axis(fig: Spec, axis: str, measure: str, top: float, lang: str) -> None:
    """A value axis in the language's words: money as "US$1.2M" / "1,2 M $US" (as in hover
    text and summaries), counts as whole numbers (no "2.5 activities" tick)."""
    key = f"{axis}axis"
    if measure in MONEY:
        ticks = nice_ticks(float(top) if pd.notna(top) else 0.0)
        text = [money_text(v, lang) for v in ticks]
        spec.update_axis(fig, key, {"tickvals": ticks, "ticktext": text, "rangemode": "tozero"})
    elif pd.notna(top) and top <= 5:
        spec.update_axis(fig, key, {"dtick": 1, "tickformat": "d", "rangemode": "tozero"})
    else:
        spec.update_axis(fig, key, {"tickformat": ",d", "rangemode": "tozero"})


def mark_incomplete_years(
    fig: Spec, years, lang: str, today: dt.date | None = None, stacked: bool = False
) -> None:
    """Shade the years not over yet (the current one: partial; later: planned) and say so.

    `today` defaults to `dashboards.clock.today()` (settable with DASHBOARD_TODAY).
    """
    present = sorted({int(y) for y in years if pd.notna(y)})
    cutoff = clock.first_incomplete_year(today)
    late = [y for y in present if y >= cutoff]
    if not late:
        return
    spec.add_shape(
        fig,
        {
            "type": "rect",
            "x0": late[0] - 0.5,
            "x1": late[-1] + 0.5,
            "xref": "x",
            "y0": 0,
            "y1": 1,
            "yref": "y domain",
            "fillcolor": "#6c757d",
            "opacity": 0.12,
            "line": {"width": 0},
            "layer": "below",
        },
    )
    spec.add_annotation(
        fig,
        {
            "x": late[-1] + 0.5,  # at the band's right edge, growing leftwards: never cut off
            "xanchor": "right",
            "y": 1,
            "yref": "paper",
            "yanchor": "bottom",
            "text": gettext(INCOMPLETE, lang),
            "showarrow": False,
            "font": {"size": 11, "color": "#495057"},
        },
    )
    # The shaded band must not widen the axis beyond the years drawn.
    spec.update_layout(
        fig,
        {
            "xaxis": {"range": [present[0] - 0.5, present[-1] + 0.5]},
            "meta": {**spec.meta(fig), "incomplete_from": cutoff},
        },
    )


@spec.builder
def empty_figure(lang: str, message: str | None = None) -> Spec:
    """The honest empty state: no axes, one sentence."""
    fig = spec.new_figure(
        layout={
            "annotations": [
                {
                    "text": message or gettext("No data for these filters", lang),
                    "x": 0.5,
                    "y": 0.5,
                    "xref": "paper",
                    "yref": "paper",
                    "showarrow": False,
                    "font": {"size": 16},
                }
            ],
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "meta": {"empty": True},
        }
    )
    return spec.themed(fig, lang)


def is_empty(fig: Spec) -> bool:
    """Whether a spec is the empty state of `empty_figure`."""
    return bool(spec.meta(fig).get("empty"))


@spec.builder
def ranked_bars(
    frame: pd.DataFrame,
    lang: str,
    dimension: str,
    measure: str = "activities",
    top: int | None = None,
) -> Spec:
    """Horizontal bars, largest first, one fixed colour per code."""
    if frame.empty or frame[measure].fillna(0).sum() == 0:
        return empty_figure.spec(lang)
    # Categories with nothing to show are left out of the bars (the table view keeps them).
    data = frame[frame[measure].fillna(0) > 0].sort_values(measure, ascending=False)
    if top:
        data = data.head(top)
    data = data.iloc[::-1]  # plotly draws the first bar at the bottom
    codes = data["code"].tolist()
    names = [label(dimension, c, lang) for c in codes]
    values = data[measure].fillna(0).tolist()
    title = measure_title(measure, lang)
    texts = [fmt(measure, v, lang) for v in values]
    bar = {
        "type": "bar",
        "x": values,
        "y": names,
        "orientation": "h",
        "marker": {"color": [colour_for(dimension, c) for c in codes]},
        "customdata": [[c] for c in codes],
        "hovertext": [f"<b>{n}</b><br>{title}: {t}" for n, t in zip(names, texts, strict=True)],
        "hoverinfo": "text",
        "text": texts,
        "textposition": "auto",
        "cliponaxis": False,
    }
    fig = spec.new_figure(
        [bar],
        {
            "xaxis": {"title": {"text": title}},
            "height": max(260, 38 * len(data) + 90),
            "showlegend": False,
        },
    )
    value_axis(fig, "x", measure, float(max(values)), lang)
    return spec.themed(fig, lang)


@spec.builder
def stacked_by_year(
    frame: pd.DataFrame, lang: str, dimension: str | None, measure: str = "activities"
) -> Spec:
    """Bars per year, stacked by a dimension's codes (fixed colours), or single bars."""
    if frame.empty:
        return empty_figure.spec(lang)
    title = measure_title(measure, lang)
    if dimension is None:
        years = [int(y) for y in frame["year"]]
        traces = [
            {
                "type": "bar",
                "x": frame["year"].tolist(),
                "y": frame[measure].tolist(),
                "customdata": [[y] for y in years],
                "marker": {"color": UN_BLUE},
                "hovertext": [
                    f"<b>{y}</b><br>{title}: {fmt(measure, v, lang)}"
                    for y, v in zip(years, frame[measure], strict=True)
                ],
                "hoverinfo": "text",
                "name": title,
            }
        ]
    else:
        # groupby splits the frame in one pass.
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
    fig = spec.new_figure(
        traces,
        {
            "barmode": "stack",
            "yaxis": {"title": {"text": title}},
            "xaxis": {"dtick": 1, "tickformat": "d"},
            "height": 380,
        },
    )
    tallest = frame[frame[measure] > 0].groupby("year")[measure].sum().max()
    value_axis(fig, "y", measure, tallest, lang)
    mark_incomplete_years(fig, frame["year"], lang)
    return spec.themed(fig, lang)


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


@spec.builder
def lines_by_year(
    frame: pd.DataFrame, lang: str, dimension: str, measure: str = "activities"
) -> Spec:
    """One line per code over the years (fixed colours), for comparisons over time."""
    if frame.empty:
        return empty_figure.spec(lang)
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
    fig = spec.new_figure(
        traces,
        {
            "yaxis": {"title": {"text": measure_title(measure, lang)}},
            "xaxis": {"dtick": 1, "tickformat": "d"},
            "height": 380,
        },
    )
    value_axis(fig, "y", measure, frame[measure].max(), lang)
    mark_incomplete_years(fig, frame["year"], lang)
    return spec.themed(fig, lang)


@spec.builder
def matrix(
    frame: pd.DataFrame, lang: str, rows: str, cols: str, measure: str = "activities"
) -> Spec:
    """A heatmap of counts per (row code, column code), with the numbers written in the cells."""
    if frame.empty:
        return empty_figure.spec(lang)
    row_codes = [c for c in vocab.codes(_vocabulary(rows)) if c in set(frame[rows])]
    col_codes = [c for c in vocab.codes(_vocabulary(cols)) if c in set(frame[cols])]
    # Summed per cell in Python: a matrix has a few dozen cells, where pivot_table cost ~5 ms.
    cells: dict[tuple, float] = {}
    for r, c, v in zip(frame[rows], frame[cols], frame[measure].tolist(), strict=True):
        if v == v and v is not None:  # NaN and None add nothing, as in a pandas sum
            cells[(r, c)] = cells.get((r, c), 0) + v
    row_names = [label(rows, c, lang) for c in row_codes]
    col_names = [label(cols, c, lang) for c in col_codes]
    z = [[cells.get((r, c), 0) for c in col_codes] for r in row_codes]
    title = measure_title(measure, lang)
    text = [[fmt(measure, v, lang) for v in row] for row in z]
    hover = [
        [f"<b>{rn}</b> × <b>{cn}</b><br>{title}: {text[i][j]}" for j, cn in enumerate(col_names)]
        for i, rn in enumerate(row_names)
    ]
    heat = {
        "type": "heatmap",
        "z": z,
        "x": col_names,
        "y": row_names,
        "colorscale": [list(stop) for stop in SEQUENTIAL],
        "text": text,
        "texttemplate": "%{text}",
        "hovertext": hover,
        "hoverinfo": "text",
        "showscale": False,
        "customdata": [[[r, c] for c in col_codes] for r in row_codes],
    }
    fig = spec.new_figure(
        [heat],
        {"height": max(300, 56 * len(row_codes) + 120), "yaxis": {"autorange": "reversed"}},
    )
    return spec.themed(fig, lang)


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
