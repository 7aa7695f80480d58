"""The public column policy: which warehouse tables and columns a public deployment may read.

In `ACCESS_MODE=public` the app's warehouse connection does not read the warehouse catalog: it
reads views, made when the file is opened, over the tables listed here, in which every internal
column (money, file names and lines, raw cells) is NULL. A table not listed here — load
history, rejected and warned rows, IATI transactions, a table added later — has no view, so a
query of it fails ("does not exist") rather than leaks: the policy fails closed.

The internal columns stay as typed NULLs (rather than being left out) so that the queries that
count activities and sum budgets in one statement still run; `db.query` then drops every
internal column from what it returns (`is_internal_column`), so no frame, figure, table,
callback response or export of a public app holds one. Nothing here imports Dash.
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
        "activity_country_keys",  # the country filter's semi-join (no internal column)
        "region_facts",
        "country_facts",
        "partner_facts",
        "activity_summary_small",  # summaries of activity_facts / region_facts (issue 14)
        "activity_summary",
        "activity_summary_partners",
        "region_summary",
        "country_summary",
        "partner_summary",
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
        "budget_years",  # its years say when an IATI activity ran; its money is NULL
        # Status decisions are published (Executive Board decisions) and so are the Board's
        # calendar and the Directives' rules; the reports a partner owes are internal.
        "status_events",
        "governing_sessions",
        "lifecycle_rules",
    }
)
# Columns never served publicly, whatever the table: money, the input file and line a row came
# from, cells outside the contract (they may hold contacts) and raw rows.
INTERNAL_COLUMN = re.compile(
    r"^(budget.*|.*_usd|value|currency|value_date|source_file|source_line|file|line|"
    r"file_[ab]|line_[ab]|extra|raw|source_dir|run_id|rows_in|loaded|rejected|warnings)$"
)

# Columns the pattern above names but that are not internal in their table: a lifecycle rule's
# `value` is a period or a date from the Directives, not money.
PUBLIC_COLUMNS = frozenset({("lifecycle_rules", "value")})


# Frame columns `db.query` drops in public mode: the internal columns and what queries name
# the sums of money they compute (budget_usd, budget_now, disbursed, spent, ...).
_INTERNAL_RESULT = re.compile(
    r"^(budget.*|.*_usd|disbursed|spent|value|currency|source_file|source_line|file|line|"
    r"extra|raw|warnings|source_dir)$"
)


def is_internal_column(name: str) -> bool:
    """Whether a column of a query's answer is internal (dropped in public mode)."""
    return bool(_INTERNAL_RESULT.match(str(name)))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def public_view_sql(catalog: str, table: str, columns: list[tuple[str, str]]) -> str | None:
    """CREATE VIEW of a table with its internal columns NULL (None: the table is not public).

    `columns`: (name, DuckDB type) in table order.
    """
    if table not in PUBLIC_TABLES or not columns:
        return None
    cols = ", ".join(
        f"CAST(NULL AS {kind}) AS {_ident(name)}"
        if INTERNAL_COLUMN.match(name) and (table, name) not in PUBLIC_COLUMNS
        else _ident(name)
        for name, kind in columns
    )
    return (
        f"CREATE VIEW memory.main.{_ident(table)} AS "  # noqa: S608 - names from the catalog
        f"SELECT {cols} FROM {_ident(catalog)}.main.{_ident(table)}"
    )
