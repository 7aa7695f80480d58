"""Charts of the Overview page."""

from __future__ import annotations

from functools import partial

from dashboards.charts import Chart, register
from dashboards.figures import common
from dashboards.i18n import N_
from dashboards.queries import activities as q

ACTIVITIES_BY_YEAR = register(
    Chart(
        page="overview",
        name="activities_by_year",
        title=N_("Activities over time, by field of competence"),
        query=partial(q.by_year, by="field"),
        figure=partial(common.stacked_by_year, dimension="field"),
        cross_filter="fields",
        note=N_("Each activity is counted once, in its primary field and its start year."),
        table=partial(common.table_frame, dimension="field"),
        description=N_(
            "Number of activities per start year, stacked by primary field of competence."
        ),
        measure="activities",
    )
)
register(
    Chart(
        page="overview",
        name="top_fields",
        title=N_("Activities by field of competence"),
        query=q.by_field,
        figure=partial(common.ranked_bars, dimension="field"),
        cross_filter="fields",
        note=N_("Each activity is counted once, in its primary field."),
        table=partial(common.table_frame, dimension="field"),
        description=N_("Number of activities per primary field of competence."),
        measure="activities",
    )
)
register(
    Chart(
        page="overview",
        name="top_areas",
        title=N_("Activities by functional area"),
        query=partial(q.by_masked, dimension="area"),
        figure=partial(common.ranked_bars, dimension="area"),
        cross_filter="areas",
        note=N_(
            "An activity is counted once in each of its functional areas, so bars add up to more than the total."
        ),
        table=partial(common.table_frame, dimension="area"),
        description=N_(
            "Number of activities per functional area; activities with several areas count in each."
        ),
        measure="activities",
        overlap=N_("An activity counts once in each of its functional areas."),
    )
)
register(
    Chart(
        page="overview",
        name="top_regions",
        title=N_("Activities by UNESCO region"),
        query=q.by_region,
        figure=partial(common.ranked_bars, dimension="region"),
        cross_filter="regions",
        note=N_(
            "An activity is counted once in each region it reaches; global activities are shown apart."
        ),
        table=partial(common.table_frame, dimension="region"),
        description=N_(
            "Number of activities per UNESCO region reached, through their countries or as regional activities."
        ),
        measure="activities",
        overlap=N_("An activity counts once in each region it reaches."),
    )
)
