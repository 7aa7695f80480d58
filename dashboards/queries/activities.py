"""Aggregations of activities by year, field, functional area, region and country."""

from __future__ import annotations

import pandas as pd

from dashboards import cache, db, dimensions, vocab
from dashboards.filters import Filters, partner_where
from dashboards.queries import summary


def _masked(dimension: str) -> tuple[str, str]:
    """(reference table, activity_facts mask column) of a dimension with its own table."""
    dim = dimensions.get(dimension)
    if dim.match != "mask" or dim.vocabulary not in vocab.TABLES:
        raise ValueError(f"{dimension!r} is not a bitmask dimension with its own table")
    return vocab.TABLES[dim.vocabulary], str(dim.facts_column)


def totals(filters: Filters) -> dict:
    """Headline numbers: activities, budget, countries reached, active partners by status/type."""
    where, params = filters.where("f")
    src = summary.activities_source(filters)
    row = db.query(
        f"""
        SELECT {src.count} AS activities, COALESCE(sum(f.budget_usd), 0) AS budget_usd
        FROM {src.table} f WHERE {where}
        """,  # noqa: S608 - predicate built by Filters.where (whitelisted columns, parameters)
        params,
    ).iloc[0]
    countries = db.scalar(
        f"SELECT count(DISTINCT f.iso3) FROM {summary.distinct_source('country_facts', filters)} f "  # noqa: S608
        f"WHERE {where}",
        params,
    )
    return {
        "activities": int(row["activities"]),
        # Absent in a public deployment (db.query drops money columns there).
        **({"budget_usd": float(row["budget_usd"])} if "budget_usd" in row else {}),
        "countries": int(countries or 0),
        "partners": active_partners(filters),
    }


def period_totals(filters: Filters, periods: dict[str, tuple[int, int]]) -> dict[str, dict]:
    """Activities, budget, countries and active partners for several year ranges at once.

    The filters apply except their years; each period becomes a FILTER clause, so the three
    tables are scanned once whatever the number of periods.
    """
    names = list(periods)
    where, params = filters.where("f", skip=("years",))
    pwhere, pparams = partner_where(filters, "f")
    clause = "FILTER (WHERE f.year BETWEEN ? AND ?)"
    years = [y for name in names for y in periods[name]]
    n = range(len(names))
    # Only our own clause texts and the whitelisted predicate are put into these statements.
    src = summary.activities_source(filters, ("year",), skip=("years",))
    facts_sql = ", ".join(
        (f"COALESCE(sum(f.activities) {clause}, 0)" if src.summarised else f"count(*) {clause}")
        + f" AS a{i}, sum(f.budget_usd) {clause} AS budget_usd{i}"
        for i in n
    )
    facts = db.query(
        f"SELECT {facts_sql} FROM {src.table} f WHERE {where}",  # noqa: S608
        [y for name in names for y in (*periods[name], *periods[name])] + params,
    ).iloc[0]
    countries_sql = ", ".join(f"count(DISTINCT f.iso3) {clause} AS c{i}" for i in n)
    country_table = summary.distinct_source("country_facts", filters, ("year",), ("years",))
    partner_table = summary.distinct_source("partner_facts", filters, ("year",), ("years",))
    countries = db.query(
        f"SELECT {countries_sql} FROM {country_table} f WHERE {where}",  # noqa: S608
        years + params,
    ).iloc[0]
    partners_sql = ", ".join(f"count(DISTINCT f.partner_id) {clause} AS p{i}" for i in n)
    partners = db.query(
        f"SELECT {partners_sql} FROM {partner_table} f WHERE {where} AND {pwhere}",  # noqa: S608
        years + params + pparams,
    ).iloc[0]
    return {
        name: {
            "activities": int(facts[f"a{i}"]),
            # absent in a public deployment (db.query drops money columns there)
            **(
                {"budget_usd": float(facts[b] if pd.notna(facts[b]) else 0)}
                if (b := f"budget_usd{i}") in facts
                else {}
            ),
            "countries": int(countries[f"c{i}"]),
            "partners": int(partners[f"p{i}"]),
        }
        for i, name in enumerate(names)
    }


def active_partners(filters: Filters) -> pd.DataFrame:
    """Distinct partners with at least one matching activity, by status and type."""
    where, params = filters.where("f")
    pwhere, pparams = partner_where(filters, "f")
    return db.query(
        f"""
        SELECT f.status, f.partner_type, count(DISTINCT f.partner_id) AS partners
        FROM {summary.distinct_source("partner_facts", filters)} f
        WHERE {where} AND {pwhere}
        GROUP BY ALL ORDER BY ALL
        """,  # noqa: S608
        params + pparams,
    )


def by_year(filters: Filters, by: str | None = None) -> pd.DataFrame:
    """Activities and budget per year, optionally split by 'field' or 'modality'.

    Activities count in their start year. Budgets too, except those of IATI activities with
    budget periods (`budget_years`, issue 10), which count in the years of their periods.
    """
    column = {"field": "field_code", "modality": "modality", None: None}[by]
    where, params = filters.where("f")
    group = f", f.{column} AS code" if column else ""
    keys = "year, code" if column else "year"
    if not cache.cached("budget_years_counted", compute=_budget_years_counted):
        src = summary.activities_source(filters, ("year", *([column] if column else [])))
        return db.query(
            f"""
            SELECT f.year{group}, {src.count} AS activities, sum(f.budget_usd) AS budget_usd
            FROM {src.table} f WHERE {where} AND f.year IS NOT NULL
            GROUP BY ALL ORDER BY ALL
            """,  # noqa: S608
            params,
        )
    return db.query(
        f"""
        WITH f AS (SELECT f.activity_id, f.year{group}, f.budget_usd
                   FROM activity_facts f WHERE {where} AND f.year IS NOT NULL),
        spread AS (SELECT y.activity_id, y.year, sum(y.value_usd) AS v FROM budget_years y
                   WHERE y.counted GROUP BY ALL),
        by_start AS (SELECT {keys}, count(*) AS activities,
                            sum(budget_usd) FILTER (WHERE activity_id NOT IN
                                (SELECT activity_id FROM spread)) AS budget_usd
                     FROM f GROUP BY ALL),
        by_period AS (SELECT s.year{", f.code" if column else ""}, sum(s.v) AS budget_usd
                      FROM spread s JOIN f USING (activity_id) GROUP BY ALL)
        SELECT {keys}, COALESCE(a.activities, 0) AS activities,
               COALESCE(a.budget_usd, 0) + COALESCE(p.budget_usd, 0) AS budget_usd
        FROM by_start a FULL JOIN by_period p USING ({keys})
        ORDER BY ALL
        """,  # noqa: S608 - column from the fixed mapping above; values are parameters
        params,
    )


def _budget_years_counted() -> bool:
    """Whether any IATI budget period counts in its own years (then by_year reads the facts)."""
    return bool(db.scalar("SELECT EXISTS (SELECT 1 FROM budget_years WHERE counted)"))


def by_field(filters: Filters) -> pd.DataFrame:
    """Activities and budget per field of competence (each activity has one primary field)."""
    where, params = filters.where("f")
    src = summary.activities_source(filters, ("field_code",))
    count = "COALESCE(sum(f.activities), 0)::BIGINT" if src.summarised else "count(f.activity_id)"
    return db.query(
        f"""
        SELECT r.code, {count} AS activities, COALESCE(sum(f.budget_usd), 0) AS budget_usd
        FROM fields_of_competence r
        LEFT JOIN {src.table} f ON f.field_code = r.code AND {where}
        GROUP BY r.code, r.sort_order ORDER BY activities DESC, r.sort_order
        """,  # noqa: S608
        params,
    )


def by_masked(filters: Filters, dimension: str, by_year: bool = False) -> pd.DataFrame:
    """Activities per functional area or region (an activity counts once in each it has)."""
    table, column = _masked(dimension)
    where, params = filters.where("f")
    year = "f.year, " if by_year else ""
    src = summary.activities_source(filters, (column, *(["year"] if by_year else [])))
    return db.query(
        f"""
        SELECT {year}r.code, {src.count} AS activities, sum(f.budget_usd) AS budget_usd
        FROM {src.table} f JOIN {table} r ON (f.{column} & r.bit) <> 0
        WHERE {where} {"AND f.year IS NOT NULL" if by_year else ""}
        GROUP BY ALL ORDER BY {"f.year, " if by_year else ""}activities DESC, r.code
        """,  # noqa: S608 - table/column from the dimension registry
        params,
    )


def by_region(filters: Filters) -> pd.DataFrame:
    """Activities and budget share per UNESCO region, plus a 'GLOBAL' row for global activities.

    Budget uses each activity's share per region, so the budget column sums to the total.
    """
    where, params = filters.where("f")
    regions = summary.pick("region_facts", filters)
    src = summary.activities_source(filters, ("geo_scope",))
    count = "COALESCE(sum(f.activities), 0)::BIGINT" if regions else "count(DISTINCT f.activity_id)"
    return db.query(
        f"""
        SELECT f.region_code AS code, {count} AS activities,
               COALESCE(sum(f.budget_share_usd), 0) AS budget_usd
        FROM {regions or "region_facts"} f
        WHERE {where} GROUP BY 1
        UNION ALL
        SELECT 'GLOBAL', {src.count}, COALESCE(sum(f.budget_usd), 0)
        FROM {src.table} f WHERE {where} AND f.geo_scope = 'global'
        ORDER BY activities DESC, code
        """,  # noqa: S608
        params + params,
    )


def by_country(filters: Filters) -> pd.DataFrame:
    """Activities and budget share per country (iso3, region_code)."""
    where, params = filters.where("f")
    return db.query(
        f"""
        SELECT f.iso3 AS code, any_value(f.region_code) AS region_code,
               count(*) AS activities, COALESCE(sum(f.budget_share_usd), 0) AS budget_usd
        FROM country_facts f
        WHERE {where} GROUP BY 1 ORDER BY activities DESC, code
        """,  # noqa: S608
        params,
    )


def field_area_matrix(filters: Filters) -> pd.DataFrame:
    """Activities per (field, functional area) cell."""
    where, params = filters.where("f")
    src = summary.activities_source(filters, ("field_code", "area_mask"))
    return db.query(
        f"""
        SELECT f.field_code AS field, a.code AS area, {src.count} AS activities,
               sum(f.budget_usd) AS budget_usd
        FROM {src.table} f JOIN functional_areas a ON (f.area_mask & a.bit) <> 0
        WHERE {where} GROUP BY ALL ORDER BY ALL
        """,  # noqa: S608
        params,
    )


def year_range() -> tuple[int, int]:
    """The first and last activity year in the warehouse (cached per warehouse version)."""
    return cache.cached("year_range", compute=_year_range)


def _year_range() -> tuple[int, int]:
    row = db.query("SELECT min(year) AS lo, max(year) AS hi FROM activity_facts").iloc[0]
    if pd.isna(row["lo"]):
        return 2012, 2026
    return int(row["lo"]), int(row["hi"])


def flagged_budgets(filters: Filters) -> tuple[int, float]:
    """(count, US$ total) of the activities flagged at load for their budget among those
    matching the filters (`activity_facts.flagged`; none when the filters leave them out)."""
    where, params = filters.where("f")
    src = summary.activities_source(filters, ("flagged",))
    row = db.query(
        f"""
        SELECT {src.count} AS activities, COALESCE(sum(f.budget_usd), 0) AS budget_usd
        FROM {src.table} f WHERE {where} AND f.flagged
        """,  # noqa: S608 - predicate built by Filters.where (whitelisted columns, parameters)
        params,
    ).iloc[0]
    return int(row["activities"]), float(row["budget_usd"])
