"""Charts of the Regions page."""

from __future__ import annotations

from functools import partial

from dashboards.charts import Chart, register
from dashboards.figures import common, maps
from dashboards.i18n import N_
from dashboards.queries import regions as q

register(
    Chart(
        page="regions",
        name="map",
        title=N_("Activities by country"),
        query=q.by_country,
        figure=maps.world_map,
        variants=(("region", maps.world_map_by_region),),
        cross_filter="countries",
        note=N_(
            "Countries with at least one activity. An activity in several countries counts in "
            "each; its budget is split evenly between them. Regional and global activities "
            "have no single country and are shown beside the map. Small island states may be "
            "too small to see at this scale: show the table. Click a country to filter by it."
        ),
        table=maps.map_table,
        description=N_(
            "Number of activities and budget share (US$) per country reached, with the "
            "country's UNESCO region."
        ),
        measure="activities",
        overlap=N_("An activity in several countries counts in each."),
    )
)
register(
    Chart(
        page="regions",
        name="beyond_countries",
        title=N_("Regional and global activities"),
        query=q.beyond_countries,
        figure=maps.beyond_countries,
        cross_filter="regions",
        note=N_(
            "Activities addressed to a whole UNESCO region rather than to countries, and "
            "global activities. They are not on the map."
        ),
        table=partial(common.table_frame, dimension="region"),
        description=N_(
            "Number of regional activities per UNESCO region, and of global activities."
        ),
        measure="activities",
        overlap=N_("An activity addressed to several regions counts in each."),
    )
)
register(
    Chart(
        page="regions",
        name="activities_by_year",
        title=N_("Activities over time, by UNESCO region"),
        query=q.by_region_year,
        figure=partial(common.lines_by_year, dimension="region"),
        cross_filter="regions",
        note=N_(
            "An activity is counted once in each region it reaches (through its countries or "
            "as a regional activity), in its start year; global activities have their own line."
        ),
        table=partial(common.table_frame, dimension="region"),
        description=N_(
            "Number of activities per start year and UNESCO region reached, and of global "
            "activities."
        ),
        measure="activities",
        overlap=N_("An activity counts once in each region it reaches."),
    )
)
register(
    Chart(
        page="regions",
        name="budget_by_year",
        title=N_("Budget over time, by UNESCO region"),
        query=q.by_region_year,
        figure=partial(common.lines_by_year, dimension="region", measure="budget_usd"),
        cross_filter="regions",
        note=N_(
            "An activity's budget is shared between the regions it reaches, in proportion to "
            "its countries, so the lines (global included) add up to the total budget."
        ),
        table=partial(common.table_frame, dimension="region"),
        internal=True,  # money: absent from a public deployment
        description=N_(
            "Budget share (US$) per start year and UNESCO region, and budget of global activities."
        ),
        measure="budget_usd",
    )
)
