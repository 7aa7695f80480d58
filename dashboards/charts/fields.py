"""Charts of the Fields of competence page."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from dashboards.charts import Chart, register
from dashboards.charts.overview import ACTIVITIES_BY_YEAR
from dashboards.figures import breakdowns, common
from dashboards.i18n import N_
from dashboards.queries import activities as q
from dashboards.queries import fields as qf

# The same chart as on the overview, shown again beside the budget over time.
register(replace(ACTIVITIES_BY_YEAR, page="fields"))
register(
    Chart(
        page="fields",
        name="budget_by_year",
        title=N_("Budget over time, by field of competence"),
        query=partial(q.by_year, by="field"),
        figure=partial(common.stacked_by_year, dimension="field", measure="budget_usd"),
        cross_filter="fields",
        note=N_(
            "Each activity's budget is counted once, in its primary field and its start year "
            "(an IATI activity's budgets in the years of their budget periods); activities "
            "without a budget count as zero."
        ),
        table=partial(common.table_frame, dimension="field"),
        internal=True,  # money: absent from a public deployment
        description=N_("Budget (US$) per start year, stacked by primary field of competence."),
        measure="budget_usd",
    )
)
register(
    Chart(
        page="fields",
        name="field_area_matrix",
        title=N_("Fields of competence × functional areas"),
        query=q.field_area_matrix,
        figure=partial(breakdowns.matrix, rows="field", cols="area"),
        cross_filter=("fields", "areas"),
        note=N_(
            "Activities per primary field and functional area. An activity is counted once in "
            "each of its functional areas, so a row adds up to more than the field's total. "
            "Click a cell to filter by both."
        ),
        table=partial(breakdowns.matrix_table, rows="field", cols="area"),
        description=N_(
            "Number of activities per primary field of competence and functional area; "
            "activities with several areas count in each."
        ),
        measure="activities",
        overlap=N_("An activity counts once in each of its functional areas."),
    )
)
register(
    Chart(
        page="fields",
        name="partners_by_field",
        title=N_("Partners per field of competence"),
        query=qf.partners_by_field,
        figure=partial(common.ranked_bars, dimension="field", measure="partners"),
        cross_filter="fields",
        note=N_(
            "Distinct partners with at least one activity (matching the filters) in the field; "
            "a partner active in several fields counts in each. The fields partners declare "
            "are not used."
        ),
        table=partial(common.table_frame, dimension="field"),
        description=N_(
            "Number of distinct partners taking part in at least one activity of each primary "
            "field of competence."
        ),
        measure="partners",
        overlap=N_("A partner counts once in each field it works in."),
    )
)
register(
    Chart(
        page="fields",
        name="budget_by_field",
        title=N_("Budget by field of competence"),
        query=q.by_field,
        figure=partial(common.ranked_bars, dimension="field", measure="budget_usd"),
        cross_filter="fields",
        note=N_("Each activity's budget is counted once, in its primary field."),
        table=partial(common.table_frame, dimension="field"),
        internal=True,  # money: absent from a public deployment
        description=N_("Budget (US$) of the activities of each primary field of competence."),
        measure="budget_usd",
    )
)
