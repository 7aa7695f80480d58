"""Queries of the Fields of competence page (the rest comes from `queries.activities`)."""

from __future__ import annotations

import pandas as pd

from dashboards import db
from dashboards.filters import Filters, partner_where


def partners_by_field(filters: Filters) -> pd.DataFrame:
    """Distinct partners with at least one matching activity in each primary field (all fields).

    Partner status and type filters also apply to the partners counted, as in the headlines.
    Columns: code, partners, activities.
    """
    where, params = filters.where("f")
    pwhere, pparams = partner_where(filters, "f")
    return db.query(
        f"""
        WITH x AS (
            SELECT f.field_code, f.activity_id, f.partner_id
            FROM partner_facts f
            WHERE {where} AND {pwhere}
        )
        SELECT r.code, count(DISTINCT x.partner_id) AS partners,
               count(DISTINCT x.activity_id) AS activities
        FROM fields_of_competence r LEFT JOIN x ON x.field_code = r.code
        GROUP BY r.code, r.sort_order ORDER BY partners DESC, r.sort_order
        """,  # noqa: S608 - predicates built by Filters.where / partner_where (parameters)
        params + pparams,
    )
