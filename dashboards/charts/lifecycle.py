"""Charts of the Lifecycle page: reviews to decide, reports, status changes, risks, balances.

The rules count from `today()` (`dashboards.clock`: the calendar's date, or `DASHBOARD_TODAY`, an
ISO date, to brief as of another day). It is each chart's `context`, so cached frames change with the day.
"""

from __future__ import annotations

import pandas as pd

from dashboards.charts import Chart, register
from dashboards.clock import today
from dashboards.figures import lifecycle as fig
from dashboards.filters import Filters
from dashboards.i18n import N_
from dashboards.queries import lifecycle as q


def pipeline(filters: Filters) -> pd.DataFrame:
    """Reviews by deciding session, overdue first (as of today)."""
    return q.renewal_pipeline(filters, today())


def reports(filters: Filters) -> pd.DataFrame:
    """Reports by due year and state (as of today)."""
    return q.report_states(filters, today())


def at_risk(filters: Filters) -> pd.DataFrame:
    """Partners without recorded cooperation for two years, by region and status."""
    return q.no_cooperation_by_region(filters, today())


def for_decision(filters: Filters) -> pd.DataFrame:
    """Reviews the next Executive Board session decides (as of today)."""
    return q.for_decision(filters, today())


def since_previous_session(filters: Filters) -> pd.DataFrame:
    """Status events since the previous Executive Board session."""
    now = today()
    previous = q.previous_session(now)
    return q.changes_since(filters, previous.start if previous else None, now)


register(
    Chart(
        page="lifecycle",
        name="renewal_pipeline",
        title=N_("Status reviews by the Executive Board session that must decide them"),
        query=pipeline,
        figure=fig.pipeline,
        cross_filter="statuses",
        note=N_(
            "A status falls due for review at the end of its period, counted from its last "
            "admission, renewal or reclassification (or the date the partner list gives). The "
            "deciding session is the last Board session before that date whose request cut-off "
            "has not passed; overdue reviews come first. Filters applied: partner status, type "
            "and region of headquarters."
        ),
        table=fig.pipeline_table,
        description=N_(
            "Partners whose status must be reviewed, grouped by the Executive Board session that "
            "must decide it, overdue reviews first."
        ),
        measure="partners",
        internal=True,
        context=today,
    )
)
register(
    Chart(
        page="lifecycle",
        name="renewals_for_decision",
        title=N_("Renewals for decision at the next Executive Board session"),
        query=for_decision,
        figure=fig.decision_list,
        cross_filter="statuses",
        note=N_(
            "Partners whose status review the next Board session that can still take requests "
            "(its cut-off not passed) is to decide, overdue ones included, with the days left to "
            "the date the status runs out. Filters applied: partner status, type and region."
        ),
        table=fig.decision_table,
        description=N_(
            "The list of status reviews (renewals) for decision at the next session of the "
            "Executive Board."
        ),
        measure="partners",
        internal=True,
        context=today,
    )
)
register(
    Chart(
        page="lifecycle",
        name="reports_due",
        title=N_("Partner reports: due, late and received"),
        query=reports,
        figure=fig.reports,
        note=N_(
            "Each report once, in the year of its due date. Late: past due and not received. "
            "Filters applied: years (of the due date), partner status, type and region."
        ),
        table=fig.reports_table,
        description=N_(
            "Reports partners owe UNESCO (periodic, activity, financial), by year due and whether "
            "they were received on time, late, or not yet."
        ),
        code_vocabulary="report_state",
        category=N_("Reports"),
        measure="reports",
        internal=True,
        context=today,
    )
)
register(
    Chart(
        page="lifecycle",
        name="status_changes",
        title=N_("Status changes per year"),
        query=q.status_changes,
        figure=fig.status_changes,
        note=N_(
            "Admissions, renewals, reclassifications, suspensions, terminations and withdrawals "
            "recorded, in the year of the decision; 'show as table' gives the status after each. "
            "Filters applied: years, partner status (current), type and region."
        ),
        table=fig.changes_table,
        description=N_(
            "Status events per year: admissions, renewals, reclassifications and departures."
        ),
        code_vocabulary="status_event",
        category=N_("Status events"),
        measure="events",
    )
)
register(
    Chart(
        page="lifecycle",
        name="no_cooperation",
        title=N_("Partners with no recorded cooperation for two years"),
        query=at_risk,
        figure=fig.by_region_and_status,
        cross_filter="regions",
        note=N_(
            "Partners in official partnership with no activity and no collective participation "
            "recorded in the two years before today (a risk at renewal), by region of "
            "headquarters. Filters applied: partner status, type and region."
        ),
        table=fig.region_balance_table,
        description=N_(
            "Partners in official partnership with no cooperation recorded for two years, by "
            "region of headquarters and status."
        ),
        measure="partners",
        internal=True,
        context=today,
    )
)
register(
    Chart(
        page="lifecycle",
        name="partners_by_status",
        title=N_("Partners by status"),
        query=q.partners_by_status,
        figure=fig.partners_by_status,
        cross_filter="statuses",
        note=N_("Current status of each partner. Filters applied: partner status, type, region."),
        table=fig.status_table,
        description=N_("Number of partners by their current status."),
        measure="partners",
    )
)
register(
    Chart(
        page="lifecycle",
        name="changes_since_session",
        title=N_("Status changes since the previous Executive Board session"),
        query=since_previous_session,
        figure=fig.changes_since,
        note=N_(
            "Status events dated from the first day of the last Board session held to today. "
            "Filters applied: partner status, type and region."
        ),
        table=fig.changes_table,
        description=N_(
            "Admissions, renewals, reclassifications and departures since the previous session "
            "of the Executive Board."
        ),
        code_vocabulary="status_event",
        category=N_("Status events"),
        measure="events",
        context=today,
    )
)
register(
    Chart(
        page="lifecycle",
        name="regional_balance",
        title=N_("Regional balance of partners"),
        query=q.regional_balance,
        figure=fig.by_region_and_status,
        cross_filter="regions",
        note=N_(
            "Each partner once, in the UNESCO region of its headquarters. Filters applied: "
            "partner status, type and region."
        ),
        table=fig.region_balance_table,
        description=N_("Partners by UNESCO region of their headquarters and status."),
        measure="partners",
    )
)
register(
    Chart(
        page="lifecycle",
        name="field_balance",
        title=N_("Field balance of partners"),
        query=q.field_balance,
        figure=fig.by_field_and_status,
        note=N_(
            "Fields of competence partners list; a partner listing two fields counts in both. "
            "Filters applied: partner status, type and region."
        ),
        table=fig.field_balance_table,
        description=N_("Partners by the fields of competence they list, and status."),
        overlap=N_("A partner listing several fields counts in each of them."),
        measure="partners",
    )
)
