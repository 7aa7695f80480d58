"""Figures of a partner's profile (pure: frame, lang → go.Figure; no Dash, no SQL)."""

from __future__ import annotations

import pandas as pd

from dashboards.figures import common, spec
from dashboards.figures.spec import Spec


@spec.builder
def activities_by_year(frame: pd.DataFrame, lang: str) -> Spec:
    """The partner's activities per start year, stacked by primary field."""
    if frame.empty:
        return common.empty_figure.spec(lang)
    fig = common.stacked_by_year.spec(frame, lang, dimension="field")
    tallest = frame.groupby("year")["activities"].sum().max()
    # Counts are whole numbers: no "0.5" ticks when a partner has only a few activities a year.
    spec.update_axis(
        fig,
        "yaxis",
        {"dtick": 1 if tallest <= 8 else None, "tickformat": "d", "rangemode": "tozero"},
    )
    spec.update_layout(fig, {"height": 340, "showlegend": True})  # name a lone field too
    return spec.themed(fig, lang)


@spec.builder
def activities_by_region(frame: pd.DataFrame, lang: str) -> Spec:
    """The partner's activities per UNESCO region reached ('Global' for global activities)."""
    if frame.empty:
        return common.empty_figure.spec(lang)
    fig = common.ranked_bars.spec(frame, lang, dimension="region")
    if frame["activities"].max() <= 8:
        spec.update_axis(fig, "xaxis", {"dtick": 1})
    return spec.themed(fig, lang)
