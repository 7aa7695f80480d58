"""The world map of activity by country, and the bars of activities with no single country.

Pure plotly (no Dash, no SQL). The map draws countries by ISO3 code on plotly's built-in
world topojson (served from assets/ by the app, from a local folder by exports), always as the
whole world (`fitbounds=False`); a country without activity keeps the neutral land colour.
Each country carries its ISO3 code in `customdata[0]`, so a click filters by country.
"""

from __future__ import annotations

import pandas as pd

from dashboards import vocab
from dashboards.figures import common, spec
from dashboards.figures.spec import Spec
from dashboards.figures.theme import MUTED, NO_DATA, SEQUENTIAL, colour_for
from dashboards.i18n import N_, gettext

COLOUR_BY = ("activities", "region")

DISCLAIMER = N_(
    "The boundaries and names shown and the designations used on this map do not imply "
    "official endorsement or acceptance by the United Nations."
)

# Latitudes shown: the inhabited world (Antarctica would take a sixth of the height for nothing).
LATITUDES = (-58, 85)


def _hover(frame: pd.DataFrame, lang: str) -> list[str]:
    """Country, region and exact numbers, in the language."""
    activities = gettext("Activities", lang)
    budget = gettext("Budget (US$)", lang)
    # No budget column: a public deployment's frame (money is not served there).
    money = frame["budget_usd"].fillna(0) if "budget_usd" in frame else [None] * len(frame)
    return [
        f"<b>{common.label('country', code, lang)}</b><br>"
        f"{common.label('region', region, lang) if region else gettext('No UNESCO region', lang)}"
        f"<br>{activities}: {common.number_text(n, lang)}"
        + (f"<br>{budget}: {common.money_text(b, lang, compact=False)}" if b is not None else "")
        for code, region, n, b in zip(
            frame["code"], frame["region_code"], frame["activities"], money, strict=True
        )
    ]


@spec.builder
def world_map(frame: pd.DataFrame, lang: str, colour_by: str = "activities") -> Spec:
    """Choropleth of activities per country, coloured by count (sequential) or by UNESCO region.

    `frame`: code (ISO3), region_code, activities, budget_usd — one row per country reached.
    """
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by must be one of {COLOUR_BY}")
    if frame.empty or frame["activities"].sum() == 0:
        return common.empty_figure.spec(lang)
    data = frame[frame["activities"] > 0].reset_index(drop=True)
    data = data.assign(region_code=data["region_code"].where(data["region_code"].notna(), None))
    border = {"line": {"color": "white", "width": 0.5}}
    traces: list[dict] = []
    if colour_by == "activities":
        traces.append(
            {
                "type": "choropleth",
                "locations": data["code"].tolist(),
                "locationmode": "ISO-3",
                "z": data["activities"].tolist(),
                "zmin": 0,
                "zmax": float(data["activities"].max()),
                "colorscale": [list(stop) for stop in SEQUENTIAL],
                "customdata": [[c] for c in data["code"]],
                "hovertext": _hover(data, lang),
                "hoverinfo": "text",
                "marker": border,
                "colorbar": {
                    "title": {"text": gettext("Activities", lang), "side": "right"},
                    "orientation": "h",
                    "x": 0.5,
                    "xanchor": "center",
                    "y": 0,
                    "yanchor": "top",
                    "len": 0.5,
                    "thickness": 10,
                    "outlinewidth": 0,
                    "tickformat": ",d",
                },
                "name": gettext("Activities", lang),
                "showlegend": False,
            }
        )
    else:
        regions: list[str | None] = [
            c for c in vocab.codes("region") if c in set(data["region_code"])
        ]
        if data["region_code"].isna().any():
            regions.append(None)
        for region in regions:
            part = (
                data[data["region_code"] == region] if region else data[data["region_code"].isna()]
            )
            colour = colour_for("region", region)
            traces.append(
                {
                    "type": "choropleth",
                    "locations": part["code"].tolist(),
                    "locationmode": "ISO-3",
                    "z": [1] * len(part),
                    "colorscale": [[0, colour], [1, colour]],
                    "showscale": False,
                    "customdata": [[c] for c in part["code"]],
                    "hovertext": _hover(part, lang),
                    "hoverinfo": "text",
                    "marker": border,
                    "name": (
                        common.label("region", region, lang)
                        if region
                        else gettext("No UNESCO region", lang)
                    ),
                    "showlegend": True,
                }
            )
    fig = spec.new_figure(
        traces,
        {
            "geo": {
                "fitbounds": False,
                "projection": {"type": "natural earth"},
                "showcountries": True,
                "countrycolor": "white",
                "countrywidth": 0.5,
                "showland": True,
                "landcolor": NO_DATA,
                "showcoastlines": False,
                "showframe": False,
                "showocean": False,
                "showlakes": False,
                "lataxis": {"range": list(LATITUDES)},
                "bgcolor": "white",
            },
            # The UN disclaimer at the very foot of the figure (so exports carry it): the bottom
            # margin holds the colour bar or the region legend, then the disclaimer.
            "annotations": [
                {
                    "text": gettext(DISCLAIMER, lang),
                    "x": 0,
                    "y": 0,
                    "xref": "paper",
                    "yref": "paper",
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "yshift": -70,
                    "showarrow": False,
                    "font": {"size": 10, "color": MUTED},
                }
            ],
            "height": 500,
            "margin": {"l": 0, "r": 0, "t": 8, "b": 72},
            "legend": {"y": 0.035, "x": 0.5, "xanchor": "center"},
            "meta": {"colour_by": colour_by},
            "dragmode": False,
        },
    )
    return spec.themed(fig, lang)


@spec.builder
def world_map_by_region(frame: pd.DataFrame, lang: str) -> Spec:
    """The world map coloured by UNESCO region (the fixed region colours)."""
    return world_map.spec(frame, lang, colour_by="region")


@spec.builder
def beyond_countries(frame: pd.DataFrame, lang: str, measure: str = "activities") -> Spec:
    """Bars of regional activities per region and of global activities (fixed region colours).

    A click on a region's bar filters by that region; 'Global' is not a region, so its bar
    carries no code and a click on it does nothing.
    """
    # Regions with none are left out: under a region filter, only that region has any.
    data = frame[frame[measure].fillna(0) > 0]
    fig = common.ranked_bars.spec(data, lang, dimension="region", measure=measure)
    if common.is_empty(fig):
        return fig
    bar = fig["data"][0]
    bar["customdata"] = [[None] if c[0] == "GLOBAL" else c for c in bar["customdata"]]
    # With every region, as tall as the map beside it; bars kept slim.
    spec.update_layout(
        fig,
        {
            "height": max(260, min(500, 70 * len(data) + 90)),
            "bargap": 0.45 if len(data) > 2 else 0.65,
        },
    )
    return spec.themed(fig, lang)


def map_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The 'show as table' view of the map: country, region, activities, budget share."""
    return pd.DataFrame(
        {
            gettext("Country", lang): [common.label("country", c, lang) for c in frame["code"]],
            gettext("Code", lang): frame["code"],
            gettext("Region", lang): [
                common.label("region", r, lang) if isinstance(r, str) else ""
                for r in frame["region_code"]
            ],
            gettext("Activities", lang): frame["activities"],
            # not in a public deployment's frame
            **(
                {gettext("Budget (US$)", lang): frame["budget_usd"].fillna(0).round(0)}
                if "budget_usd" in frame
                else {}
            ),
        }
    )
