"""IATI queries: the Data page's IATI files, crosswalk and rule warnings; the spending view.

Spending figures come from `budget_years` and `transactions` (etl/iati.py): only rows marked
`counted` (a revised budget replaces its original; a programme whose projects carry the money is
not counted again), and only US$ values (values in a currency without a rate are left out and
counted in `not_in_usd`).
"""

from __future__ import annotations

import pandas as pd

from dashboards import db
from dashboards.filters import Filters

DISBURSEMENT, EXPENDITURE = "3", "4"
# Rule warnings are grouped without their specifics ("… sum to 90, not 100" → "… sum to N").
_REASON_GROUP = r"'[^']*'|\b\d[\d.,]*\b"


def files() -> pd.DataFrame:
    """IATI files of the load: version, reporting orgs, counts, unmapped sectors."""
    return db.query(
        """
        SELECT file, iati_version, reporting_orgs, activities, loaded, rejected,
               with_official_partner, unmapped_sectors
        FROM iati_files ORDER BY file
        """
    )


def crosswalk(lang: str) -> pd.DataFrame:
    """The DAC/SDG sector → field of competence crosswalk, with names in the language."""
    name = "name_fr" if lang == "fr" else "name_en"
    other = "name_en" if lang == "fr" else "name_fr"
    return db.query(
        f"""
        SELECT x.vocabulary, x.code,
               COALESCE(s.{name}, s.{other}) AS code_name,
               x.field, COALESCE(f.{name}, x.field) AS field_name, x.weight, x.source
        FROM dac_field_crosswalk x
        LEFT JOIN iati_codelists s ON s.code = x.code AND s.codelist = CASE x.vocabulary
            WHEN '1' THEN 'Sector' WHEN '2' THEN 'SectorCategory'
            WHEN '7' THEN 'UNSDG-Goals' WHEN '8' THEN 'UNSDG-Targets' END
        LEFT JOIN fields_of_competence f ON f.code = x.field
        ORDER BY x.vocabulary, x.code, x.field
        """  # noqa: S608 - the two column names come from the fixed pair above
    )


def rule_warnings() -> pd.DataFrame:
    """Warnings on IATI files grouped by rule: file, element, rule, activities, example line.

    A rule is the reason's template where it has one (`template`, with the `args` of one of
    its rows, for the page to show it in the UI language), else the English reason with its
    numbers and quoted values as N.
    """
    return db.query(
        """
        SELECT w.file, w.column_name AS element,
               COALESCE(w.reason_template, trim(regexp_replace(w.reason, ?, 'N', 'g'))) AS key,
               trim(regexp_replace(any_value(w.reason), ?, 'N', 'g')) AS rule,
               any_value(w.reason_template) AS template, any_value(w.reason_args) AS args,
               count(DISTINCT w.line) AS activities, min(w.line) AS first_line
        FROM load_warnings w JOIN etl_files e ON e.file = w.file AND e.run_id = w.run_id
        WHERE e.kind = 'iati'
        GROUP BY w.file, w.column_name, key ORDER BY w.file, activities DESC, key
        """,
        [_REASON_GROUP, _REASON_GROUP],
    )


def has_spending() -> bool:
    """Whether the warehouse holds any IATI budget or transaction."""
    return bool(
        db.scalar(
            "SELECT (SELECT count(*) FROM budget_years) + (SELECT count(*) FROM transactions)"
        )
    )


def _money_by(filters: Filters, key: str, table: str, extra: str) -> tuple[str, list]:
    """SQL (and parameters) of budget, disbursed and spent per key for the filtered activities.

    `key` is 'year' (the budget's year / the transaction's year) or a column of `table`;
    `extra` selects that column and the weight `w` of each row of `table` (1, or a share).
    """
    where, params = filters.where("f")
    by_budget = "y.year" if key == "year" else f"acts.{key}"
    by_tx = "t.year" if key == "year" else f"acts.{key}"
    sql = f"""
        WITH acts AS (SELECT f.activity_id{extra} FROM {table} f WHERE {where}),
        b AS (SELECT {by_budget} AS code, sum(y.value_usd * acts.w) AS budget,
                     count(*) FILTER (WHERE y.value_usd IS NULL) AS b_missing
              FROM budget_years y JOIN acts USING (activity_id) WHERE y.counted GROUP BY 1),
        t AS (SELECT {by_tx} AS code,
                     sum(t.value_usd * acts.w) FILTER (WHERE t.transaction_type = ?) AS disbursed,
                     sum(t.value_usd * acts.w) FILTER (WHERE t.transaction_type = ?) AS spent,
                     count(*) FILTER (WHERE t.value_usd IS NULL) AS t_missing
              FROM transactions t JOIN acts USING (activity_id)
              WHERE t.counted AND t.transaction_type IN (?, ?) GROUP BY 1)
        SELECT code, COALESCE(b.budget, 0) AS budget, COALESCE(t.disbursed, 0) AS disbursed,
               COALESCE(t.spent, 0) AS spent,
               COALESCE(b.b_missing, 0) + COALESCE(t.t_missing, 0) AS not_in_usd
        FROM b FULL JOIN t USING (code) WHERE code IS NOT NULL ORDER BY code
    """  # noqa: S608 - table, key and extra are fixed in this module; values are parameters
    return sql, [*params, DISBURSEMENT, EXPENDITURE, DISBURSEMENT, EXPENDITURE]


def spending_by_year(filters: Filters) -> pd.DataFrame:
    """Budget (by budget period), disbursed and spent (by transaction date) per year, US$."""
    sql, params = _money_by(filters, "year", "activity_facts", ", 1.0 AS w")
    frame = db.query(sql, params).rename(columns={"code": "year"})
    return frame.astype({"year": int}) if len(frame) else frame


def spending_by_field(filters: Filters) -> pd.DataFrame:
    """Budget, disbursed and spent per primary field of competence, US$."""
    sql, params = _money_by(filters, "field_code", "activity_facts", ", f.field_code, 1.0 AS w")
    return db.query(sql, params)


def spending_by_region(filters: Filters) -> pd.DataFrame:
    """Budget, disbursed and spent per UNESCO region, split by each region's share, US$."""
    sql, params = _money_by(filters, "region_code", "region_facts", ", f.region_code, f.share AS w")
    return db.query(sql, params)
