"""Collective cooperation: the International Conference of NGOs, the NGO-UNESCO Liaison Committee
and the Executive Board's Committee on Non-Governmental Partners.

A participant's status is its status *at the date of the event* (from partner_status_history;
the current status when the history does not cover that date). Filters that apply here:
partner status (at the event), partner type, region (of the partner's headquarters) and years
(of the event). Activity filters (fields, areas, countries, modality, activity status) do not.
"""

from __future__ import annotations

import pandas as pd

from dashboards import db, dimensions
from dashboards.filters import Filters
from dashboards.queries.columns import precision

MECHANISMS = ("conference", "liaison_committee", "committee_ngp", "forum")

# Participation rows with the partner's type, headquarters region and status at the event date.
_PARTICIPANTS = """
    SELECT pa.participation_id, pa.partner_id, pa.mechanism, pa.event, pa.event_date,
           {event_date_precision} AS event_date_precision, pa.year,
           pa.role, p.name, p.partner_type,
           COALESCE(p.hq_region_code, 'UNSPECIFIED') AS hq_region_code,
           COALESCE((
               SELECT h.status FROM partner_status_history h
               WHERE h.partner_id = pa.partner_id
                 AND (h.valid_from IS NULL OR h.valid_from <= pa.event_date)
                 AND (h.valid_to IS NULL OR h.valid_to > pa.event_date)
               ORDER BY h.valid_from DESC NULLS LAST LIMIT 1
           ), p.status) AS status
    FROM participation pa JOIN partners p USING (partner_id)
"""

# Filters dimension → column of _PARTICIPANTS it restricts (the only identifiers built here).
_COLUMNS = {d.key: d.participant_column for d in dimensions.FILTERS if d.participant_column}


def _participants() -> str:
    """The participants subquery, reading the event date's precision where the warehouse has it."""
    return _PARTICIPANTS.format(event_date_precision=precision("pa", "participation", "event_date"))


def applied_dimensions() -> tuple[str, ...]:
    """The Filters dimensions this page applies (besides the years)."""
    return tuple(_COLUMNS)


def participation_where(
    filters: Filters, alias: str = "x", dims: tuple[str, ...] = ("statuses", "types", "regions")
) -> tuple[str, list]:
    """SQL predicate over participants (`_PARTICIPANTS` aliased) for the years and `dims`."""
    bits: list[str] = []
    params: list = []
    if filters.years:
        bits.append(f"{alias}.year BETWEEN ? AND ?")
        params += list(filters.years)
    for dim in dims:
        values = getattr(filters, dim)
        if values:
            bits.append(f"{alias}.{_COLUMNS[dim]} IN ({', '.join('?' * len(values))})")
            params += list(values)
    return (" AND ".join(bits) or "TRUE"), params


def participants(filters: Filters, mechanism: str | None = None) -> pd.DataFrame:
    """Participation rows (one per partner and event) for the filters, oldest event first."""
    where, params = participation_where(filters)
    mech, mparams = ("AND x.mechanism = ?", [mechanism]) if mechanism else ("", [])
    return db.query(
        f"""SELECT x.* FROM ({_participants()}) x WHERE {where} {mech}
            ORDER BY x.event_date, x.event, x.partner_id""",  # noqa: S608 - predicate from code
        params + mparams,
    )


def conference_by(filters: Filters, by: str) -> pd.DataFrame:
    """Partners at each International Conference of NGOs session, by 'region' or 'status'.

    Columns: year (of the session), code, partners (distinct partners).
    """
    column = {"region": "hq_region_code", "status": "status"}[by]
    where, params = participation_where(filters)
    return db.query(
        f"""
        SELECT x.year, x.{column} AS code, count(DISTINCT x.partner_id) AS partners
        FROM ({_participants()}) x
        WHERE x.mechanism = 'conference' AND x.year IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY x.year, code
        """,  # noqa: S608 - column from a whitelist; predicate from code (parameters)
        params,
    )


def conference_by_region(filters: Filters) -> pd.DataFrame:
    """Partners at each conference session by UNESCO region of their headquarters."""
    return conference_by(filters, "region")


def conference_by_status(filters: Filters) -> pd.DataFrame:
    """Partners at each conference session by their status at the session."""
    return conference_by(filters, "status")


def liaison_committee(filters: Filters) -> pd.DataFrame:
    """Members of the Liaison Committee per term: term, year, partner, status, region, role.

    Only the years filter applies (on the year the term starts): the composition rule is about
    the whole committee, so partner filters would make every term look wrong.
    """
    where, params = participation_where(filters, dims=())
    return db.query(
        f"""
        SELECT x.event AS term, x.year, x.event_date, x.partner_id, x.name, x.status,
               x.hq_region_code AS region, x.role
        FROM ({_participants()}) x
        WHERE x.mechanism = 'liaison_committee' AND {where}
        ORDER BY x.year, x.event, (x.role = 'chair') DESC, x.name, x.partner_id
        """,  # noqa: S608 - predicate from code (parameters)
        params,
    )


def committee_ngp(filters: Filters) -> pd.DataFrame:
    """Partners at the Committee on Non-Governmental Partners per Executive Board session.

    Columns: event (session), event_date, year, code (status at the session), partners.
    """
    where, params = participation_where(filters)
    return db.query(
        f"""
        SELECT x.event, min(x.event_date) AS event_date,
               arg_min(x.event_date_precision, x.event_date) AS event_date_precision,
               min(x.year) AS year,
               x.status AS code, count(DISTINCT x.partner_id) AS partners
        FROM ({_participants()}) x
        WHERE x.mechanism = 'committee_ngp' AND {where}
        GROUP BY x.event, x.status ORDER BY event_date, x.event, code
        """,  # noqa: S608 - predicate from code (parameters)
        params,
    )
