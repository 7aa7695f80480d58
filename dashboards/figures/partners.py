"""Figures of a partner's profile (pure: frame, lang → go.Figure; no Dash, no SQL)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.figures import common
from dashboards.figures.theme import apply_theme


def activities_by_year(frame: pd.DataFrame, lang: str) -> go.Figure:
    """The partner's activities per start year, stacked by primary field."""
    if frame.empty:
        return common.empty_figure(lang)
    fig = common.stacked_by_year(frame, lang, dimension="field")
    tallest = frame.groupby("year")["activities"].sum().max()
    # Counts are whole numbers: no "0.5" ticks when a partner has only a few activities a year.
    fig.update_yaxes(dtick=1 if tallest <= 8 else None, tickformat="d", rangemode="tozero")
    fig.update_layout(height=340, showlegend=True)  # name the field even when there is one
    return apply_theme(fig, lang)


def activities_by_region(frame: pd.DataFrame, lang: str) -> go.Figure:
    """The partner's activities per UNESCO region reached ('Global' for global activities)."""
    if frame.empty:
        return common.empty_figure(lang)
    fig = common.ranked_bars(frame, lang, dimension="region")
    if frame["activities"].max() <= 8:
        fig.update_xaxes(dtick=1)
    return apply_theme(fig, lang)
