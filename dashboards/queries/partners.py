"""Partners: the directory (with activity counts for the filters) and one partner's profile.

Partner-level filters (status, type) restrict which partners are listed; activity filters
(years, fields, areas, regions, countries, modality, activity status) restrict what is counted.
Names of codes come from the reference tables in the requested language.
"""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd

from dashboards import db, dimensions
from dashboards.filters import Filters, partner_where
from dashboards.queries.columns import precision

# Language → name column of the reference tables (a whitelist: the only identifiers built here).
_NAME = {"en": "name_en", "fr": "name_fr"}

# The partner-level dimensions: applied to the partner rows, not to the counted activities.
PARTNER_DIMS = dimensions.PARTNER_LEVEL


def _name(lang: str) -> str:
    return _NAME.get(lang, "name_en")


def has_activity_filter(filters: Filters) -> bool:
    """True when a filter other than partner status/type is set (it restricts the counts)."""
    return any(dim not in PARTNER_DIMS for dim, _ in filters.active())


def profile_href(partner_id: str, filters: Filters, lang: str = "en") -> str:
    """The address of a partner's profile, keeping the filters and the language."""
    return "/partners/" + quote(str(partner_id), safe="") + filters.to_query(lang)


def directory(filters: Filters, lang: str = "en", include_inactive: bool | None = None):
    """One row per partner: names of status, type, headquarters and fields, matching activities.

    `activities` counts the partner's activities that match the activity filters. When an
    activity filter is set, partners with no matching activity are left out unless
    `include_inactive` is True (by default they are kept only when no activity filter is set).
    """
    name = _name(lang)
    where, params = filters.where("f", skip=PARTNER_DIMS)
    pwhere, pparams = partner_where(filters, "p")
    if include_inactive is None:
        include_inactive = not has_activity_filter(filters)
    keep = "" if include_inactive else "AND COALESCE(m.activities, 0) > 0"
    return db.query(
        f"""
        WITH m AS (
            SELECT f.partner_id, count(DISTINCT f.activity_id) AS activities
            FROM partner_facts f
            WHERE {where} GROUP BY 1
        ),
        pf AS (
            SELECT pf.partner_id,
                   string_agg(fc.{name}, '; ' ORDER BY fc.sort_order) AS fields,
                   list(pf.field_code ORDER BY fc.sort_order) AS field_codes
            FROM partner_fields pf JOIN fields_of_competence fc ON fc.code = pf.field_code
            GROUP BY 1
        )
        SELECT p.partner_id, p.name, p.acronym, p.status, vs.{name} AS status_name,
               p.partner_type, vt.{name} AS type_name, p.hq_city,
               c.{name} AS hq_country, p.hq_country_iso3, r.{name} AS hq_region,
               p.hq_region_code, pf.fields, COALESCE(pf.field_codes, []::VARCHAR[]) AS field_codes,
               COALESCE(m.activities, 0)::BIGINT AS activities, p.relations_since,
               p.status_since, {precision("p", "partners", "status_since")} AS status_since_precision
        FROM partners p
        LEFT JOIN m ON m.partner_id = p.partner_id
        LEFT JOIN pf ON pf.partner_id = p.partner_id
        LEFT JOIN countries c ON c.iso3 = p.hq_country_iso3
        LEFT JOIN regions r ON r.code = p.hq_region_code
        LEFT JOIN vocabularies vs ON vs.vocabulary = 'partner_status' AND vs.code = p.status
        LEFT JOIN vocabularies vt ON vt.vocabulary = 'partner_type' AND vt.code = p.partner_type
        WHERE {pwhere} {keep}
        ORDER BY activities DESC, p.name, p.partner_id
        """,  # noqa: S608 - name column from _NAME; predicates from Filters (parameters)
        params + pparams,
    )


def profile(partner_id: str, lang: str = "en") -> dict | None:
    """A partner's identity card (names in the language), or None when the id is unknown."""
    name = _name(lang)
    frame = db.query(
        f"""
        SELECT p.partner_id, p.name, p.acronym, p.partner_type, vt.{name} AS type_name,
               p.status, vs.{name} AS status_name, p.status_since,
               {precision("p", "partners", "status_since")} AS status_since_precision, p.hq_city,
               p.hq_country_iso3, c.{name} AS hq_country, p.hq_region_code,
               r.{name} AS hq_region, p.relations_since, p.scope, vsc.{name} AS scope_name,
               p.website,
               (SELECT list(fc.{name} ORDER BY fc.sort_order) FROM partner_fields pf
                JOIN fields_of_competence fc ON fc.code = pf.field_code
                WHERE pf.partner_id = p.partner_id) AS fields
        FROM partners p
        LEFT JOIN countries c ON c.iso3 = p.hq_country_iso3
        LEFT JOIN regions r ON r.code = p.hq_region_code
        LEFT JOIN vocabularies vs ON vs.vocabulary = 'partner_status' AND vs.code = p.status
        LEFT JOIN vocabularies vt ON vt.vocabulary = 'partner_type' AND vt.code = p.partner_type
        LEFT JOIN vocabularies vsc ON vsc.vocabulary = 'scope' AND vsc.code = p.scope
        WHERE p.partner_id = ?
        """,  # noqa: S608 - name column from _NAME
        [partner_id],
    )
    if frame.empty:
        return None
    row = frame.iloc[0].to_dict()
    fields = row.pop("fields")
    out = {k: _plain(v) for k, v in row.items()}
    # A DuckDB list arrives as a list or a numpy array; a partner without fields as NULL.
    out["fields"] = [] if fields is None or isinstance(fields, float) else [str(f) for f in fields]
    return out


def _plain(value):
    """A scalar from a frame as a plain Python value (None for NaN/NaT, date for Timestamp)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def status_history(partner_id: str, lang: str = "en") -> pd.DataFrame:
    """The partner's status periods, oldest first (valid_to is empty for the current one)."""
    name = _name(lang)
    # A period's ends are as precise as the dates they come from: their own precision column
    # where the warehouse has one, else the partner's status date's when it is that date.
    since = precision("p", "partners", "status_since")
    ends = {}
    for end in ("valid_from", "valid_to"):
        own = precision("h", "partner_status_history", end)
        ends[end] = (
            own
            if own != "'day'"
            else f"CASE WHEN h.{end} = p.status_since THEN {since} ELSE 'day' END"
        )
    return db.query(
        f"""
        SELECT h.status, v.{name} AS status_name, h.valid_from, h.valid_to,
               {ends["valid_from"]} AS valid_from_precision,
               {ends["valid_to"]} AS valid_to_precision
        FROM partner_status_history h
        LEFT JOIN partners p ON p.partner_id = h.partner_id
        LEFT JOIN vocabularies v ON v.vocabulary = 'partner_status' AND v.code = h.status
        WHERE h.partner_id = ?
        ORDER BY h.valid_from NULLS FIRST, h.valid_to NULLS LAST
        """,  # noqa: S608 - name column from _NAME; precision columns from code
        [partner_id],
    )


def activities(partner_id: str, filters: Filters, lang: str = "en") -> pd.DataFrame:
    """The partner's activities matching the filters, newest first, with names in the language.

    `places` lists the countries reached; for a regional activity, its regions; it is empty for
    a global activity (`geo_scope` = 'global'), which the page names "Global".
    """
    name = _name(lang)
    where, params = filters.where("f")
    flagged = _NOT_FLAGGED if db.is_public() else _FLAGGED
    return db.query(
        f"""
        WITH mine AS (
            SELECT f.activity_id, f.is_lead FROM partner_facts f
            WHERE f.partner_id = ? AND {where}
        ),
        areas AS (
            SELECT afa.activity_id, string_agg(fa.{name}, '; ' ORDER BY fa.sort_order) AS areas
            FROM activity_functional_areas afa JOIN mine USING (activity_id)
            JOIN functional_areas fa ON fa.code = afa.area_code GROUP BY 1
        ),
        ctry AS (
            SELECT ac.activity_id, string_agg(c.{name}, '; ' ORDER BY c.{name}) AS places
            FROM activity_countries ac JOIN mine USING (activity_id)
            JOIN countries c ON c.iso3 = ac.iso3 GROUP BY 1
        ),
        reg AS (
            SELECT ar.activity_id, string_agg(r.{name}, '; ' ORDER BY r.sort_order) AS places
            FROM activity_regions ar JOIN mine USING (activity_id)
            JOIN regions r ON r.code = ar.region_code
            WHERE ar.via = 'regional' GROUP BY 1
        )
        SELECT a.activity_id, COALESCE(tt.title_{name[-2:]}, a.title) AS title, a.field_code,
               fc.{name} AS field, areas.areas,
               COALESCE(ctry.places, reg.places) AS places, a.geo_scope, a.year,
               year(a.end_date) AS end_year, a.status, vs.{name} AS status_name,
               a.budget_usd, mine.is_lead, w.warnings, w.warnings_json
        FROM mine JOIN activities a USING (activity_id)
        JOIN fields_of_competence fc ON fc.code = a.field_code
        LEFT JOIN areas USING (activity_id)
        LEFT JOIN ctry USING (activity_id)
        LEFT JOIN reg USING (activity_id)
        LEFT JOIN vocabularies vs ON vs.vocabulary = 'activity_status' AND vs.code = a.status
        LEFT JOIN activity_titles tt USING (activity_id)  -- IATI titles in the UI language
        -- What the load flagged on this row (end before start, budget outlier, ...).
        {flagged}
        ORDER BY a.year DESC NULLS LAST, a.start_date DESC NULLS LAST, a.activity_id
        """,  # noqa: S608 - name column from _NAME; predicate from Filters (parameters)
        [partner_id, *params],
    )


# Load warnings are internal (a public deployment has no load_warnings table: dashboards/policy.py).
_FLAGGED = """LEFT JOIN (
            SELECT file, line, string_agg(reason, '; ' ORDER BY reason) AS warnings,
                   -- each reason's template and arguments, to show it in the UI language
                   to_json(list(struct_pack(reason := reason, template := reason_template,
                                            args := reason_args) ORDER BY reason))::VARCHAR
                       AS warnings_json
            FROM load_warnings GROUP BY ALL
        ) w ON w.file = a.source_file AND w.line = a.source_line"""
_NOT_FLAGGED = (
    "LEFT JOIN (SELECT NULL::VARCHAR AS warnings, NULL::VARCHAR AS warnings_json) w ON false"
)


def activities_by_year(partner_id: str, filters: Filters) -> pd.DataFrame:
    """The partner's matching activities per start year and primary field (year, code, activities)."""
    where, params = filters.where("f")
    return db.query(
        f"""
        SELECT f.year, f.field_code AS code, count(*) AS activities,
               sum(f.budget_usd) AS budget_usd
        FROM partner_facts f
        WHERE f.partner_id = ? AND {where} AND f.year IS NOT NULL
        GROUP BY ALL ORDER BY ALL
        """,  # noqa: S608 - predicate from Filters (parameters)
        [partner_id, *params],
    )


def activities_by_region(partner_id: str, filters: Filters) -> pd.DataFrame:
    """The partner's matching activities per UNESCO region reached, plus 'GLOBAL' (code, activities)."""
    where, params = filters.where("f")
    return db.query(
        f"""
        WITH mine AS (
            SELECT f.activity_id, f.geo_scope FROM partner_facts f
            WHERE f.partner_id = ? AND {where}
        )
        SELECT ar.region_code AS code, count(DISTINCT ar.activity_id) AS activities
        FROM activity_regions ar JOIN mine USING (activity_id) GROUP BY 1
        UNION ALL
        SELECT 'GLOBAL', count(*) FROM mine WHERE geo_scope = 'global' HAVING count(*) > 0
        ORDER BY activities DESC, code
        """,  # noqa: S608 - predicate from Filters (parameters)
        [partner_id, *params],
    )


def countries_reached(partner_id: str, filters: Filters, lang: str = "en") -> pd.DataFrame:
    """Countries the partner's matching activities reach: iso3, country, region, activities."""
    name = _name(lang)
    where, params = filters.where("f")
    return db.query(
        f"""
        SELECT ac.iso3, c.{name} AS country, r.{name} AS region,
               count(DISTINCT ac.activity_id) AS activities
        FROM partner_facts f
        JOIN activity_countries ac USING (activity_id)
        LEFT JOIN countries c ON c.iso3 = ac.iso3
        LEFT JOIN regions r ON r.code = ac.region_code
        WHERE f.partner_id = ? AND {where}
        GROUP BY ALL ORDER BY activities DESC, country
        """,  # noqa: S608 - name column from _NAME; predicate from Filters (parameters)
        [partner_id, *params],
    )


def participation(partner_id: str, lang: str = "en") -> pd.DataFrame:
    """The partner's participation in collective mechanisms, newest first (all years)."""
    name = _name(lang)
    return db.query(
        f"""
        SELECT pa.mechanism, vm.{name} AS mechanism_name, pa.event, pa.event_date,
               {precision("pa", "participation", "event_date")} AS event_date_precision, pa.year,
               pa.role, vr.{name} AS role_name
        FROM participation pa
        LEFT JOIN vocabularies vm ON vm.vocabulary = 'mechanism' AND vm.code = pa.mechanism
        LEFT JOIN vocabularies vr ON vr.vocabulary = 'role' AND vr.code = pa.role
        WHERE pa.partner_id = ?
        ORDER BY pa.event_date DESC NULLS LAST, vm.sort_order, pa.event
        """,  # noqa: S608 - name column from _NAME
        [partner_id],
    )
