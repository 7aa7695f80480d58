"""Queries of the Regions page: activity by country, by region over time, beyond countries.

Budgets by country or region use the shares of `activity_countries` / `activity_regions`
(an activity's budget split between the places it reaches), so they never double-count.
"""

from __future__ import annotations

import pandas as pd

from dashboards import db
from dashboards.filters import Filters
from dashboards.queries import activities, summary


def by_country(filters: Filters) -> pd.DataFrame:
    """Activities and budget share per country. Columns: code (ISO3), region_code, activities,
    budget_usd."""
    return activities.by_country(filters)


def beyond_countries(filters: Filters) -> pd.DataFrame:
    """Activities with no single country: regional activities per region (every region, zeros
    included) and a 'GLOBAL' row. Columns: code, activities, budget_usd."""
    where, params = filters.where("f")
    regions = summary.pick("region_facts", filters)
    src = summary.activities_source(filters, ("geo_scope",))
    if regions:  # per (region, filter columns): the counts and shares of its regional rows
        ra = f"""SELECT f.region_code, f.regional_activities AS n,
                        f.regional_budget_share_usd AS budget_share_usd
                 FROM {regions} f WHERE {where} AND f.regional_activities > 0"""  # noqa: S608
        count = "COALESCE(sum(ra.n), 0)::BIGINT"
    else:
        ra = f"""SELECT f.region_code, f.activity_id, f.budget_share_usd
                 FROM region_facts f WHERE {where} AND f.via = 'regional'"""  # noqa: S608
        count = "count(DISTINCT ra.activity_id)"
    return db.query(
        f"""
        WITH ra AS ({ra})
        SELECT * FROM (
            SELECT r.code, {count} AS activities,
                   COALESCE(sum(ra.budget_share_usd), 0) AS budget_usd
            FROM regions r LEFT JOIN ra ON ra.region_code = r.code
            GROUP BY r.code, r.sort_order ORDER BY r.sort_order
        )
        UNION ALL
        SELECT 'GLOBAL', {src.count}, COALESCE(sum(f.budget_usd), 0)
        FROM {src.table} f WHERE {where} AND f.geo_scope = 'global'
        """,  # noqa: S608 - predicate built by Filters.where (whitelisted columns, parameters)
        params + params,
    )


def by_region_year(filters: Filters) -> pd.DataFrame:
    """Activities and budget share per year and UNESCO region, plus 'GLOBAL' (global activities).

    An activity counts once in each region it reaches; its budget is split between them, so
    the budget column sums to the total. Years without activity in a region are zero rows.
    Columns: year, code, activities, budget_usd.
    """
    where, params = filters.where("f")
    regions = summary.pick("region_facts", filters, ("year",))
    src = summary.activities_source(filters, ("year", "geo_scope"))
    count = "COALESCE(sum(f.activities), 0)::BIGINT" if regions else "count(DISTINCT f.activity_id)"
    frame = db.query(
        f"""
        SELECT f.year, f.region_code AS code, {count} AS activities,
               COALESCE(sum(f.budget_share_usd), 0) AS budget_usd
        FROM {regions or "region_facts"} f
        WHERE {where} AND f.year IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT f.year, 'GLOBAL', {src.count}, COALESCE(sum(f.budget_usd), 0)
        FROM {src.table} f
        WHERE {where} AND f.year IS NOT NULL AND f.geo_scope = 'global' GROUP BY ALL
        """,  # noqa: S608 - predicate built by Filters.where (whitelisted columns, parameters)
        params + params,
    )
    return complete_years(frame)


def complete_years(frame: pd.DataFrame) -> pd.DataFrame:
    """A (year, code, measures…) frame with a zero row for every missing (year, code) pair
    between its first and last year, sorted by year then code (lines then drop to zero rather
    than jumping over a year)."""
    if frame.empty:
        return frame
    measures = [c for c in frame.columns if c not in ("year", "code")]
    years = range(int(frame["year"].min()), int(frame["year"].max()) + 1)
    codes = list(dict.fromkeys(frame["code"]))
    full = pd.MultiIndex.from_product([years, codes], names=["year", "code"])
    out = frame.set_index(["year", "code"])[measures].reindex(full, fill_value=0).reset_index()
    out[measures] = out[measures].fillna(0)
    # reindex keeps the input's int32 years when no pair was missing and the rows came in
    # order, else makes int64: one dtype whatever the order DuckDB returned the rows in.
    out["year"] = out["year"].astype("int64")
    return out.sort_values(["year", "code"], kind="stable", ignore_index=True)
