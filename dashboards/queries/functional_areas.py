"""Queries of the Functional areas page (the rest comes from `queries.activities`)."""

from __future__ import annotations

import pandas as pd

from dashboards import db
from dashboards.filters import Filters, partner_where
from dashboards.queries import activities, summary
from dashboards.queries.regions import complete_years


def by_year(filters: Filters) -> pd.DataFrame:
    """Activities and (whole) budget per year and functional area, years without any as zero.

    An activity counts in each of its areas. Columns: year, code, activities, budget_usd.
    """
    return complete_years(activities.by_masked(filters, "area", by_year=True))


def partners_by_area(filters: Filters) -> pd.DataFrame:
    """Distinct partners with at least one matching activity in each functional area (all areas).

    Columns: code, partners, activities.
    """
    where, params = filters.where("f")
    pwhere, pparams = partner_where(filters, "f")
    # Distinct (area mask, partner) pairs are few (at most 128 × partners): take them before
    # the bitmask join. Activities come from activity_facts unless a partner filter is set.
    if pwhere == "TRUE":
        src = summary.activities_source(filters, ("area_mask",))
        acts = f"SELECT f.area_mask, {src.count} AS n FROM {src.table} f WHERE {where} GROUP BY 1"  # noqa: S608
        act_params = params
    else:
        acts = f"""SELECT f.area_mask, count(DISTINCT f.activity_id) AS n FROM partner_facts f
                   WHERE {where} AND {pwhere} GROUP BY 1"""  # noqa: S608
        act_params = params + pparams
    return db.query(
        f"""
        WITH x AS (
            SELECT DISTINCT f.area_mask, f.partner_id FROM partner_facts f
            WHERE {where} AND {pwhere}
        ),
        p AS (
            SELECT a.code, count(DISTINCT x.partner_id) AS n
            FROM functional_areas a JOIN x ON (x.area_mask & a.bit) <> 0 GROUP BY 1
        ),
        m AS ({acts}),
        c AS (
            SELECT a.code, sum(m.n) AS n
            FROM functional_areas a JOIN m ON (m.area_mask & a.bit) <> 0 GROUP BY 1
        )
        SELECT a.code, COALESCE(p.n, 0) AS partners, COALESCE(c.n, 0)::BIGINT AS activities
        FROM functional_areas a LEFT JOIN p USING (code) LEFT JOIN c USING (code)
        ORDER BY partners DESC, a.sort_order
        """,  # noqa: S608 - predicates built by Filters.where / partner_where (parameters)
        params + pparams + act_params,
    )


def area_region_matrix(filters: Filters) -> pd.DataFrame:
    """Activities per (functional area, UNESCO region) cell; global activities have no region.

    Columns: area, region, activities.
    """
    where, params = filters.where("f")
    src = summary.activities_source(filters, ("area_mask", "region_mask"))
    return db.query(
        f"""
        SELECT a.code AS area, r.code AS region, {src.count} AS activities
        FROM {src.table} f
        JOIN functional_areas a ON (f.area_mask & a.bit) <> 0
        JOIN regions r ON (f.region_mask & r.bit) <> 0
        WHERE {where} GROUP BY ALL ORDER BY ALL
        """,  # noqa: S608 - predicate built by Filters.where (whitelisted columns, parameters)
        params,
    )
