"""The public column policy: which warehouse tables and columns a public deployment may read.

In `ACCESS_MODE=public` the app's warehouse connection does not read the warehouse catalog: it
reads views, made when the file is opened, over the tables listed here, without the internal
columns (money, file names and lines, raw cells). A table not listed here — load history,
rejected and warned rows, IATI budgets and transactions, a table added later — has no view, so a
query of it fails ("does not exist") rather than leaks: the policy fails closed. Nothing here
imports Dash.
"""

from __future__ import annotations

import re

# Tables and views a public deployment serves (their public columns only).
PUBLIC_TABLES = frozenset(
    {
        "fields_of_competence",
        "functional_areas",
        "regions",
        "countries",
        "vocabularies",
        "partners",
        "partner_status_history",
        "partner_fields",
        "activities",
        "activity_partners",
        "activity_functional_areas",
        "activity_countries",
        "activity_regions",
        "participation",
        "activity_facts",
        "region_facts",
        "country_facts",
        "partner_facts",
        "v_activities",
        "v_partners",
        "v_activity_by_field_year",
        "v_activity_by_country",
        "v_activity_by_region",
        "v_participation",
        "iati_activities",
        "activity_narratives",
        "activity_participating_orgs",
        "activity_sectors",
        "activity_fields",
        "activity_recipients",
        "activity_relations",
        "organisations",
        "activity_titles",
        "dac_field_crosswalk",
        "iati_codelists",
        "v_latest_run",
    }
)
# Columns never served publicly, whatever the table: money, the input file and line a row came
# from, cells outside the contract (they may hold contacts) and raw rows.
INTERNAL_COLUMN = re.compile(
    r"^(budget.*|.*_usd|value|currency|value_date|source_file|source_line|file|line|"
    r"file_[ab]|line_[ab]|extra|raw|source_dir|run_id|rows_in|loaded|rejected|warnings)$"
)


def public_columns(table: str, columns: list[str]) -> list[str]:
    """The columns of a table a public deployment may read (none for a table not listed)."""
    if table not in PUBLIC_TABLES:
        return []
    return [c for c in columns if not INTERNAL_COLUMN.match(c)]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def public_view_sql(catalog: str, table: str, columns: list[str]) -> str | None:
    """CREATE VIEW of a table's public columns in the default catalog (None: not public)."""
    keep = public_columns(table, columns)
    if not keep:
        return None
    cols = ", ".join(_ident(c) for c in keep)
    return (
        f"CREATE VIEW memory.main.{_ident(table)} AS "  # noqa: S608 - names from the catalog
        f"SELECT {cols} FROM {_ident(catalog)}.main.{_ident(table)}"
    )
