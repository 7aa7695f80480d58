"""Charts of the Functional areas page."""

from __future__ import annotations

from functools import partial

from dashboards.charts import Chart, register
from dashboards.figures import breakdowns, common
from dashboards.i18n import N_
from dashboards.queries import activities as q
from dashboards.queries import functional_areas as qa

register(
    Chart(
        page="functional_areas",
        name="activities_by_year",
        title=N_("Activities over time, by functional area"),
        query=qa.by_year,
        figure=partial(common.lines_by_year, dimension="area"),
        cross_filter="areas",
        note=N_(
            "An activity is counted once in each of its functional areas (in its start year), "
            "so the lines add up to more than the total."
        ),
        table=partial(common.table_frame, dimension="area"),
        description=N_(
            "Number of activities per start year and functional area; activities with several "
            "areas count in each."
        ),
        measure="activities",
        overlap=N_("An activity counts once in each of its functional areas."),
    )
)
register(
    Chart(
        page="functional_areas",
        name="budget_by_year",
        title=N_("Budget over time, by functional area"),
        query=qa.by_year,
        figure=partial(common.lines_by_year, dimension="area", measure="budget_usd"),
        cross_filter="areas",
        note=N_(
            "An activity's whole budget is counted in each of its functional areas, so the "
            "lines add up to more than the total budget."
        ),
        table=partial(common.table_frame, dimension="area"),
        internal=True,  # money: absent from a public deployment
        description=N_(
            "Budget (US$) of the activities of each functional area, per start year; "
            "activities with several areas count in each."
        ),
        measure="budget_usd",
        overlap=N_("An activity's whole budget counts in each of its functional areas."),
    )
)
register(
    Chart(
        page="functional_areas",
        name="area_field_matrix",
        title=N_("Functional areas × fields of competence"),
        query=q.field_area_matrix,
        figure=partial(breakdowns.matrix, rows="area", cols="field"),
        cross_filter=("areas", "fields"),
        note=N_(
            "Activities per functional area and primary field. An activity is counted once in "
            "each of its functional areas. Click a cell to filter by both."
        ),
        table=partial(breakdowns.matrix_table, rows="area", cols="field"),
        description=N_(
            "Number of activities per functional area and primary field of competence; "
            "activities with several areas count in each."
        ),
        measure="activities",
        overlap=N_("An activity counts once in each of its functional areas."),
    )
)
register(
    Chart(
        page="functional_areas",
        name="area_region_matrix",
        title=N_("Functional areas × UNESCO regions"),
        query=qa.area_region_matrix,
        figure=partial(breakdowns.matrix, rows="area", cols="region"),
        cross_filter=("areas", "regions"),
        note=N_(
            "An activity is counted once per functional area and per region it reaches "
            "(through its countries or as a regional activity); global activities are not "
            "shown. Click a cell to filter by both."
        ),
        table=partial(breakdowns.matrix_table, rows="area", cols="region"),
        description=N_(
            "Number of activities per functional area and UNESCO region reached; activities "
            "with several areas or regions count in each."
        ),
        measure="activities",
        overlap=N_("An activity counts once per functional area and region it reaches."),
    )
)
register(
    Chart(
        page="functional_areas",
        name="partners_by_area",
        title=N_("Partners per functional area"),
        query=qa.partners_by_area,
        figure=partial(common.ranked_bars, dimension="area", measure="partners"),
        cross_filter="areas",
        note=N_(
            "Distinct partners with at least one activity (matching the filters) in the "
            "functional area; a partner counts in each area it works in."
        ),
        table=partial(common.table_frame, dimension="area"),
        description=N_(
            "Number of distinct partners taking part in at least one activity of each "
            "functional area."
        ),
        measure="partners",
        overlap=N_("A partner counts once in each functional area it works in."),
    )
)
register(
    Chart(
        page="functional_areas",
        name="budget_by_area",
        title=N_("Budget by functional area"),
        query=partial(q.by_masked, dimension="area"),
        figure=partial(common.ranked_bars, dimension="area", measure="budget_usd"),
        cross_filter="areas",
        note=N_(
            "An activity's whole budget is counted in each of its functional areas, so the bars "
            "add up to more than the total budget."
        ),
        table=partial(common.table_frame, dimension="area"),
        internal=True,  # money: absent from a public deployment
        description=N_(
            "Budget (US$) of the activities of each functional area; activities with several "
            "areas count in each."
        ),
        measure="budget_usd",
        overlap=N_("An activity's whole budget counts in each of its functional areas."),
    )
)
