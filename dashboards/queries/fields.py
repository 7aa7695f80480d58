"""Queries of the Fields of competence page (the rest comes from `queries.activities`)."""

from __future__ import annotations

import pandas as pd

from dashboards import db
from dashboards.filters import Filters, partner_where
from dashboards.queries import summary


def partners_by_field(filters: Filters) -> pd.DataFrame:
    """Distinct partners with at least one matching activity in each primary field (all fields).

    Partner status and type filters also apply to the partners counted, as in the headlines.
    Columns: code, partners, activities.
    """
    where, params = filters.where("f")
    pwhere, pparams = partner_where(filters, "f")
    # Without a partner filter every activity has a counted partner: count activities from
    # activity_facts (1 row each) instead of distinct ids over partner_facts (1 row per partner).
    if pwhere == "TRUE":
        src = summary.activities_source(filters, ("field_code",))
        acts = f"SELECT f.field_code, {src.count} AS n FROM {src.table} f WHERE {where} GROUP BY 1"  # noqa: S608
        act_params = params
    else:
        acts = f"""SELECT f.field_code, count(DISTINCT f.activity_id) AS n FROM partner_facts f
                   WHERE {where} AND {pwhere} GROUP BY 1"""  # noqa: S608
        act_params = params + pparams
    return db.query(
        f"""
        WITH p AS (
            SELECT f.field_code, count(DISTINCT f.partner_id) AS n
            FROM {summary.distinct_source("partner_facts", filters, ("field_code",))} f
            WHERE {where} AND {pwhere} GROUP BY 1
        ),
        a AS ({acts})
        SELECT r.code, COALESCE(p.n, 0) AS partners, COALESCE(a.n, 0) AS activities
        FROM fields_of_competence r
        LEFT JOIN p ON p.field_code = r.code LEFT JOIN a ON a.field_code = r.code
        ORDER BY partners DESC, r.sort_order
        """,  # noqa: S608 - predicates built by Filters.where / partner_where (parameters)
        params + pparams + act_params,
    )
