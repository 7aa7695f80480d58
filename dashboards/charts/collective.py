"""Charts of the Collective cooperation page."""

from __future__ import annotations

from functools import partial

from dashboards import dimensions
from dashboards.charts import Chart, register
from dashboards.figures import collective as fig
from dashboards.i18n import N_
from dashboards.queries import collective as q

# Activity filters (fields, areas, countries, modality, activity status) do not apply here.
NOT_APPLIED = tuple(d.key for d in dimensions.FILTERS if d.key not in q.applied_dimensions())

register(
    Chart(
        page="collective",
        name="conference_by_region",
        title=N_("International Conference of NGOs: participants by region"),
        query=q.conference_by_region,
        ignores=NOT_APPLIED,
        figure=fig.conference_by_region,
        cross_filter="regions",
        note=N_(
            "Each partner is counted once per session, in the UNESCO region of its headquarters. "
            "Filters applied: years (of the session), partner status and type, region of "
            "headquarters."
        ),
        table=partial(fig.session_table, dimension="region"),
        description=N_(
            "Number of partners taking part in each session of the International Conference of "
            "NGOs, by UNESCO region of the partner's headquarters."
        ),
        measure="partners",
        overlap=N_("A partner counts once per session it took part in."),
    )
)
register(
    Chart(
        page="collective",
        name="conference_by_status",
        title=N_("International Conference of NGOs: participants by status"),
        query=q.conference_by_status,
        ignores=NOT_APPLIED,
        figure=fig.conference_by_status,
        cross_filter="statuses",
        note=N_(
            "Each partner is counted once per session, in its status on the date of the session. "
            "Filters applied: years, partner status (at the session) and type, region of "
            "headquarters."
        ),
        table=partial(fig.session_table, dimension="partner_status"),
        description=N_(
            "Number of partners taking part in each session of the International Conference of "
            "NGOs, by their status on the date of the session."
        ),
        measure="partners",
        overlap=N_("A partner counts once per session it took part in."),
    )
)
register(
    Chart(
        page="collective",
        name="liaison_committee",
        title=N_("NGO-UNESCO Liaison Committee: composition per term"),
        query=q.liaison_committee,
        ignores=tuple(d.key for d in dimensions.FILTERS),  # only the years apply
        figure=fig.liaison_committee,
        note=N_(
            "Members by status on the date of their election; above each bar, whether the term "
            "meets the rule: ten members, four associate and six consultative, at least one per "
            "UNESCO region. Only the years filter applies (year the term starts)."
        ),
        table=fig.liaison_table,
        description=N_(
            "Members of the NGO-UNESCO Liaison Committee elected for each term, by status at the "
            "election, checked against the composition rule."
        ),
        measure="members",
    )
)
register(
    Chart(
        page="collective",
        name="committee_ngp",
        title=N_(
            "Committee on Non-Governmental Partners: participants per Executive Board session"
        ),
        query=q.committee_ngp,
        ignores=NOT_APPLIED,
        figure=fig.committee_ngp,
        cross_filter="statuses",
        note=N_(
            "Each partner is counted once per session, in its status on the date of the session. "
            "Filters applied: years, partner status (at the session) and type, region of "
            "headquarters."
        ),
        table=fig.ngp_table,
        description=N_(
            "Number of partners taking part in the Executive Board's Committee on "
            "Non-Governmental Partners at each Board session, by status on the date of the "
            "session."
        ),
        measure="partners",
        overlap=N_("A partner counts once per session it took part in."),
    )
)
