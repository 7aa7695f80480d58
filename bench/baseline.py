"""The baseline: each page's charts the way a typical Dash app computes them.

A pandas DataFrame of activities (and exploded frames of their areas, regions, countries and
partners) is loaded once from the warehouse and held in memory; each page update filters it
with boolean masks, groups it, draws every chart with plotly express and serialises the figure
(`fig.to_json()`), in-process. Same filters, same aggregations as the app's charts; no caching.
Pages without an entry here (pages added later) have no baseline (null in the results).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd
import plotly.express as px


@dataclass
class Data:
    """The warehouse as in-memory frames (loaded once)."""

    acts: (
        pd.DataFrame
    )  # activity_id, year, field_code, modality, activity_status, geo_scope, budget_usd
    areas: pd.DataFrame  # activity_id, code
    regions: pd.DataFrame  # activity_id, code, via, budget_share_usd
    countries: pd.DataFrame  # activity_id, code, region_code, budget_share_usd
    partners: pd.DataFrame  # activity_id, partner_id, status, partner_type

    @property
    def nbytes(self) -> int:
        """Memory held by the frames."""
        return sum(
            int(f.memory_usage(deep=True).sum())
            for f in (self.acts, self.areas, self.regions, self.countries, self.partners)
        )


def load(db_path: str) -> Data:
    """Read the frames from a warehouse file."""
    con = duckdb.connect(db_path, read_only=True)
    try:
        q = lambda sql: con.execute(sql).df()  # noqa: E731
        return Data(
            acts=q(
                "SELECT activity_id, year, field_code, modality, activity_status, geo_scope, "
                "budget_usd FROM activity_facts"
            ),
            areas=q("SELECT activity_id, area_code AS code FROM activity_functional_areas"),
            regions=q(
                "SELECT activity_id, region_code AS code, via, budget_share_usd FROM activity_regions"
            ),
            countries=q(
                "SELECT activity_id, iso3 AS code, region_code, budget_share_usd "
                "FROM activity_countries"
            ),
            partners=q(
                "SELECT ap.activity_id, ap.partner_id, p.status, p.partner_type "
                "FROM activity_partners ap JOIN partners p USING (partner_id)"
            ),
        )
    finally:
        con.close()


def filter_activities(data: Data, f) -> pd.DataFrame:
    """The activities matching the filters (boolean masks; list dimensions via exploded frames)."""
    d = data.acts
    mask = pd.Series(True, index=d.index)
    if f.years:
        mask &= d["year"].between(f.years[0], f.years[1])
    for dim, column in (
        ("fields", "field_code"),
        ("modalities", "modality"),
        ("activity_statuses", "activity_status"),
    ):
        if getattr(f, dim):
            mask &= d[column].isin(getattr(f, dim))
    for dim, frame, column in (
        ("areas", data.areas, "code"),
        ("regions", data.regions, "code"),
        ("countries", data.countries, "code"),
        ("statuses", data.partners, "status"),
        ("types", data.partners, "partner_type"),
    ):
        values = getattr(f, dim)
        if values:
            ids = frame.loc[frame[column].isin(values), "activity_id"].unique()
            mask &= d["activity_id"].isin(ids)
    return d[mask]


def _partners(data: Data, f) -> pd.DataFrame:
    p = data.partners
    if f.statuses:
        p = p[p["status"].isin(f.statuses)]
    if f.types:
        p = p[p["partner_type"].isin(f.types)]
    return p


def _by_year(d, measure="activities"):
    g = (
        d.dropna(subset=["year"])
        .groupby(["year", "field_code"])
        .agg(activities=("activity_id", "size"), budget_usd=("budget_usd", "sum"))
        .reset_index()
    )
    return px.bar(g, x="year", y=measure, color="field_code", barmode="stack")


def _by_field(d, measure="activities"):
    g = (
        d.groupby("field_code")
        .agg(activities=("activity_id", "size"), budget_usd=("budget_usd", "sum"))
        .reset_index()
        .sort_values(measure)
    )
    return px.bar(g, x=measure, y="field_code", orientation="h")


def _with_areas(d, data):
    return d[["activity_id", "year", "field_code", "budget_usd"]].merge(
        data.areas, on="activity_id"
    )


def _top_areas(d, data, f, measure="activities"):
    g = (
        _with_areas(d, data)
        .groupby("code")
        .agg(activities=("activity_id", "size"), budget_usd=("budget_usd", "sum"))
        .reset_index()
    )
    return px.bar(g.sort_values(measure), x=measure, y="code", orientation="h")


def _regions_with_global(d, data, by_year=False):
    keys = ["year", "code"] if by_year else ["code"]
    r = d[["activity_id", "year"]].merge(data.regions, on="activity_id")
    g = r.groupby(keys).agg(
        activities=("activity_id", "nunique"), budget_usd=("budget_share_usd", "sum")
    )
    glob = d[d["geo_scope"] == "global"]
    if by_year:
        gg = glob.groupby("year").agg(
            activities=("activity_id", "size"), budget_usd=("budget_usd", "sum")
        )
        gg["code"] = "GLOBAL"
        gg = gg.reset_index().set_index(keys)
    else:
        gg = pd.DataFrame(
            {"activities": [len(glob)], "budget_usd": [glob["budget_usd"].sum()]},
            index=pd.Index(["GLOBAL"], name="code"),
        )
    return pd.concat([g, gg]).reset_index()


def _top_regions(d, data, f):
    g = _regions_with_global(d, data).sort_values("activities")
    return px.bar(g, x="activities", y="code", orientation="h")


def _matrix(frame, rows, cols):
    ct = pd.crosstab(frame[rows], frame[cols])
    return px.imshow(ct, text_auto=True, aspect="auto")


def _field_area(d, data, f):
    return _matrix(_with_areas(d, data), "field_code", "code")


def _area_field(d, data, f):
    return _matrix(_with_areas(d, data), "code", "field_code")


def _area_region(d, data, f):
    a = _with_areas(d, data)[["activity_id", "code"]].rename(columns={"code": "area"})
    r = a.merge(data.regions[["activity_id", "code"]], on="activity_id")
    return _matrix(r, "area", "code")


def _partners_by(d, data, f, by):
    p = _partners(data, f)
    if by == "field":
        x = (
            d[["activity_id", "field_code"]]
            .merge(p, on="activity_id")
            .rename(columns={"field_code": "code"})
        )
    else:
        x = _with_areas(d, data)[["activity_id", "code"]].merge(p, on="activity_id")
    g = x.groupby("code")["partner_id"].nunique().reset_index(name="partners")
    return px.bar(g.sort_values("partners"), x="partners", y="code", orientation="h")


def _areas_by_year(d, data, f, measure="activities"):
    g = (
        _with_areas(d, data)
        .dropna(subset=["year"])
        .groupby(["year", "code"])
        .agg(activities=("activity_id", "size"), budget_usd=("budget_usd", "sum"))
        .reset_index()
    )
    return px.line(g, x="year", y=measure, color="code", markers=True)


def _regions_by_year(d, data, f, measure="activities"):
    g = _regions_with_global(d.dropna(subset=["year"]), data, by_year=True)
    return px.line(g, x="year", y=measure, color="code", markers=True)


def _map(d, data, f):
    c = d[["activity_id"]].merge(data.countries, on="activity_id")
    g = (
        c.groupby("code")
        .agg(
            activities=("activity_id", "size"),
            budget_usd=("budget_share_usd", "sum"),
            region_code=("region_code", "first"),
        )
        .reset_index()
    )
    return px.choropleth(g, locations="code", color="activities", hover_data=["budget_usd"])


def _beyond(d, data, f):
    r = data.regions[data.regions["via"] == "regional"]
    r = r[r["activity_id"].isin(d["activity_id"])]
    g = r.groupby("code").agg(
        activities=("activity_id", "nunique"), budget_usd=("budget_share_usd", "sum")
    )
    glob = d[d["geo_scope"] == "global"]
    g.loc["GLOBAL"] = [len(glob), glob["budget_usd"].sum()]
    return px.bar(g.reset_index(), x="code", y="activities")


Builder = Callable[[pd.DataFrame, Data, object], object]

CHARTS: dict[str, Builder] = {
    "overview.activities_by_year": lambda d, data, f: _by_year(d),
    "overview.top_fields": lambda d, data, f: _by_field(d),
    "overview.top_areas": _top_areas,
    "overview.top_regions": _top_regions,
    "fields.activities_by_year": lambda d, data, f: _by_year(d),
    "fields.budget_by_year": lambda d, data, f: _by_year(d, "budget_usd"),
    "fields.field_area_matrix": _field_area,
    "fields.partners_by_field": lambda d, data, f: _partners_by(d, data, f, "field"),
    "fields.budget_by_field": lambda d, data, f: _by_field(d, "budget_usd"),
    "functional_areas.activities_by_year": _areas_by_year,
    "functional_areas.budget_by_year": lambda d, data, f: _areas_by_year(d, data, f, "budget_usd"),
    "functional_areas.area_field_matrix": _area_field,
    "functional_areas.area_region_matrix": _area_region,
    "functional_areas.partners_by_area": lambda d, data, f: _partners_by(d, data, f, "area"),
    "functional_areas.budget_by_area": lambda d, data, f: _top_areas(d, data, f, "budget_usd"),
    "regions.map": _map,
    "regions.beyond_countries": _beyond,
    "regions.activities_by_year": _regions_by_year,
    "regions.budget_by_year": lambda d, data, f: _regions_by_year(d, data, f, "budget_usd"),
}


def covers(chart_keys: list[str]) -> bool:
    """True when every chart of a page has a baseline equivalent."""
    return bool(chart_keys) and all(k in CHARTS for k in chart_keys)


def page_update(data: Data, chart_keys: list[str], f) -> tuple[float, int]:
    """One page update the baseline way: (ms, total JSON bytes). Filters once, then each chart."""
    started = time.perf_counter()
    d = filter_activities(data, f)
    size = 0
    for key in chart_keys:
        size += len(CHARTS[key](d, data, f).to_json())
    return (time.perf_counter() - started) * 1000, size
