"""Charts of the Spending page: IATI budgets against disbursements and expenditure."""

from __future__ import annotations

from functools import partial

from dashboards.charts import Chart, register
from dashboards.figures import spending as fig
from dashboards.i18n import N_
from dashboards.queries import iati as q

COUNTED = N_(
    "IATI activities only (budgets and transactions). Budgets are spread over the years of "
    "their periods, a revised budget replacing the original; disbursements (transaction type 3) "
    "and expenditure (type 4) are counted in the year of their date. A programme whose "
    "projects report the money is not counted again. Only US$ values are summed: values in "
    "other currencies without a rate are left out (see the table)."
)

register(
    Chart(
        page="spending",
        name="by_year",
        title=N_("Budget, disbursed and spent by year"),
        query=q.spending_by_year,
        figure=fig.by_year,
        cross_filter=None,
        note=COUNTED,
        table=fig.table,
        internal=True,  # money: absent from a public deployment
        description=N_(
            "US$ budget per year of its budget periods beside US$ disbursed and spent per "
            "year of the transactions, for the IATI activities matching the filters."
        ),
        measure="budget",
    )
)
register(
    Chart(
        page="spending",
        name="by_field",
        title=N_("Budget, disbursed and spent by field of competence"),
        query=q.spending_by_field,
        figure=partial(fig.by_code, dimension="field"),
        cross_filter="fields",
        note=COUNTED,
        table=partial(fig.table, dimension="field"),
        internal=True,  # money: absent from a public deployment
        description=N_(
            "US$ budget, disbursed and spent of IATI activities per primary field of competence."
        ),
        measure="budget",
    )
)
register(
    Chart(
        page="spending",
        name="by_region",
        title=N_("Budget, disbursed and spent by region"),
        query=q.spending_by_region,
        figure=partial(fig.by_code, dimension="region"),
        cross_filter="regions",
        note=N_(
            "Each activity's money is split over its UNESCO regions by their shares (recipient "
            "percentages), so regions add up to the located total once. Otherwise as above."
        ),
        table=partial(fig.table, dimension="region"),
        internal=True,  # money: absent from a public deployment
        description=N_(
            "US$ budget, disbursed and spent of IATI activities per UNESCO region, by share."
        ),
        measure="budget",
    )
)
