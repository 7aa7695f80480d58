"""Cross-tabulations (dimension × dimension) drawn with `common.matrix`, and their tables."""

from __future__ import annotations

import textwrap

import pandas as pd

from dashboards import dimensions
from dashboards.figures import common, spec
from dashboards.figures.common import label, measure_title
from dashboards.figures.spec import Spec

WRAP = 11  # characters per line of a column label: five columns fit a half-width card


@spec.builder
def matrix(
    frame: pd.DataFrame, lang: str, rows: str, cols: str, measure: str = "activities"
) -> Spec:
    """`common.matrix` with column labels wrapped on several lines rather than slanted, so the
    grid keeps the card's width, and cells that can be clicked.

    plotly.js leaves `customdata` out of a heatmap's click events, so the codes of each cell
    ride on an invisible marker at its centre; with `hoverdistance=-1` the nearest marker, the
    one in the cell under the pointer, takes the hover and the click ([row code, column code]).
    """
    fig = common.matrix.spec(frame, lang, rows=rows, cols=cols, measure=measure)
    if not fig["data"]:
        return fig
    heat = fig["data"][0]
    names = list(heat["x"])
    cells = [
        (col, row, heat["customdata"][i][j], heat["hovertext"][i][j])
        for i, row in enumerate(heat["y"])
        for j, col in enumerate(heat["x"])
    ]
    heat["hoverinfo"] = "skip"
    fig["data"].append(
        {
            "type": "scatter",
            "x": [c[0] for c in cells],
            "y": [c[1] for c in cells],
            "customdata": [list(c[2]) for c in cells],
            "hovertext": [c[3] for c in cells],
            "hoverinfo": "text",
            "mode": "markers",
            "marker": {"size": 2, "opacity": 0},
            "showlegend": False,
        }
    )
    spec.update_layout(
        fig,
        {
            "hoverdistance": -1,
            "xaxis": {
                "tickmode": "array",
                "tickvals": names,
                "ticktext": [
                    "<br>".join(textwrap.wrap(n, WRAP, break_long_words=False)) or n for n in names
                ],
                "tickangle": 0,
            },
        },
    )
    return fig


def matrix_table(frame: pd.DataFrame, lang: str, rows: str, cols: str) -> pd.DataFrame:
    """A (row code, column code, measures…) frame with names for both codes, headers translated."""
    out = pd.DataFrame(
        {
            dimensions.get(rows).column_title(lang): [label(rows, c, lang) for c in frame[rows]],
            dimensions.get(cols).column_title(lang): [label(cols, c, lang) for c in frame[cols]],
        }
    )
    for measure in (c for c in frame.columns if c not in (rows, cols)):
        out[measure_title(measure, lang)] = frame[measure].fillna(0).to_numpy()
    return out
