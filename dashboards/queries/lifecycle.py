"""The partnership lifecycle: reviews, the Board session that decides them, reports, risks.

The rules (renewal periods, the request cut-off, report periods) are reference data in the
warehouse's `lifecycle_rules` table (edited in `data/reference/lifecycle_rules.csv`), evaluated
here rather than at load because "time left" depends on the day: every function takes `today`
as a parameter and none reads the clock. The pure functions (`add_years`, `next_review`,
`request_deadline`, `deciding_session`, `assumed_day`) hold the rules; the SQL functions read
the warehouse with parameters and return small frames.

Filters that apply: partner status (current), type and region of headquarters on every frame;
the years on event and report frames (year of the event, of the due date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dashboards import db, dimensions
from dashboards.filters import Filters

# Events that establish or renew the current status (the start of its period).
ESTABLISHING = ("admission", "renewal", "reclassification")
# Events shown as "status changes" (order of the legend).
CHANGE_EVENTS = (
    "admission",
    "renewal",
    "reclassification",
    "suspension",
    "termination",
    "withdrawal",
)
# Rules read when the warehouse has no `lifecycle_rules` row for them: the 2011 Directives
# (36 C/Res.108) and issue 12. Each use is reported (`Rules.assumed`), never silent.
DEFAULT_RULES = {
    "associate_renewal_years": "8",
    "request_cutoff_month_day": "11-30",
    "no_cooperation_years": "2",
}
EXECUTIVE_BOARD = "executive_board"

# Filters dimension → column of the partner subquery it restricts (identifiers from code).
_COLUMNS = {d.key: d.participant_column for d in dimensions.FILTERS if d.participant_column}


@dataclass(frozen=True)
class Rules:
    """The lifecycle rules in force: rule name → value as written, and which were assumed."""

    values: dict[str, str]
    assumed: tuple[str, ...] = ()

    def integer(self, name: str) -> int | None:
        """A whole-number rule (years, months), or None when it is not set or not a number."""
        text = (self.values.get(name) or "").strip()
        return int(text) if text.lstrip("-").isdigit() else None

    def month_day(self, name: str) -> tuple[int, int] | None:
        """A 'MM-DD' rule as (month, day), or None."""
        text = (self.values.get(name) or "").strip()
        try:
            month, day = (int(x) for x in text.split("-"))
            dt.date(2001, month, day)  # a real day of a non-leap year
        except ValueError:
            return None
        return month, day

    def review_years(self, status: str | None) -> int | None:
        """Years a status lasts before its review, or None for statuses without one."""
        if status == "associate":
            return self.integer("associate_renewal_years")
        if status == "consultative":
            return self.integer("consultative_review_years")
        return None


@dataclass(frozen=True)
class Session:
    """An Executive Board session: label (e.g. '221 EX'), number, first and last day, status."""

    session: str
    number: int | None
    start: dt.date
    end: dt.date | None = None
    status: str = "held"


@dataclass(frozen=True)
class Assignment:
    """Which session decides a review, the request deadline for it, and whether it is late."""

    session: Session | None
    deadline: dt.date | None  # the last day to submit the request for that session
    late: bool  # the review falls due before a session can decide it (or the deadline passed)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def next_review(status: str | None, last_decision: dt.date | None, rules: Rules) -> dt.date | None:
    """When a status must be reviewed: its last admission/renewal plus the status's period."""
    years = rules.review_years(status)
    if years is None or last_decision is None:
        return None
    return add_years(last_decision, years)


def request_deadline(session: Session, sessions: list[Session], rules: Rules) -> dt.date | None:
    """The cut-off for requests to a session: set only for the Board's first session of a year.

    With the rule '11-30', requests for the first session of 2027 are due by 30 November 2026.
    Other sessions have no published cut-off (None).
    """
    cutoff = rules.month_day("request_cutoff_month_day")
    if cutoff is None:
        return None
    same_year = [s for s in sessions if s.start.year == session.start.year]
    if not same_year or min(s.start for s in same_year) != session.start:
        return None
    return dt.date(session.start.year - 1, *cutoff)


def deciding_session(
    due: dt.date | None, sessions: list[Session], rules: Rules, today: dt.date
) -> Assignment:
    """The Board session that must decide a review falling due on `due`.

    The last session starting on or before the due date (a status is renewed before it runs
    out); a session that starts before today, or whose request cut-off has passed, can no
    longer take it, so the next one that can does, and the review is late. A due date before
    every known session gives the first session that can still take it (late). A due date
    after every known session has no session yet: the calendar does not reach it. With the
    rule request_decided_at = first_session_next_year, only the first session of each year
    decides.
    """
    ordered = _deciding_sessions(sessions, rules)
    if due is None or not ordered or ordered[-1].start < due:
        return Assignment(None, None, False)

    # Each session's cut-off, computed once (reviews() calls this for every partner).
    deadlines = _deadlines(ordered, rules)

    def open_for(s: Session) -> bool:
        deadline = deadlines[s.session, s.start]
        return s.start >= today and (deadline is None or deadline >= today)

    before = [s for s in ordered if s.start <= due]
    target = before[-1] if before else None
    if target is not None and open_for(target):
        return Assignment(target, deadlines[target.session, target.start], False)
    later = [s for s in ordered if open_for(s)]
    if not later:
        return Assignment(None, None, True)
    return Assignment(later[0], deadlines[later[0].session, later[0].start], True)


def _deciding_sessions(sessions: list[Session], rules: Rules) -> list[Session]:
    """The sessions that decide status reviews, in order (first of each year only, by rule)."""
    ordered = sorted(sessions, key=lambda s: s.start)
    if rules.values.get("request_decided_at", "").strip() == "first_session_next_year":
        # requests are decided at the Board's first session of a year only
        firsts: dict[int, Session] = {}
        for s in ordered:
            firsts.setdefault(s.start.year, s)
        ordered = list(firsts.values())
    return ordered


def next_deciding_session(sessions: list[Session], rules: Rules, today: dt.date) -> Session | None:
    """The next Board session that can still take a review: not begun, its cut-off not passed."""
    ordered = _deciding_sessions(sessions, rules)
    deadlines = _deadlines(ordered, rules)
    for s in ordered:
        deadline = deadlines[s.session, s.start]
        if s.start >= today and (deadline is None or deadline >= today):
            return s
    return None


def _deadlines(ordered: list[Session], rules: Rules) -> dict[tuple[str, dt.date], dt.date | None]:
    """Every session's request cut-off (only the first session of a year has one)."""
    cutoff = rules.month_day("request_cutoff_month_day")
    firsts: dict[int, dt.date] = {}
    for s in ordered:
        firsts[s.start.year] = min(firsts.get(s.start.year, s.start), s.start)
    return {
        (s.session, s.start): dt.date(s.start.year - 1, *cutoff)
        if cutoff and firsts[s.start.year] == s.start
        else None
        for s in ordered
    }


def assumed_day(value: dt.date | None, precision: str | None) -> dt.date | None:
    """The day a rule counts from when the source gave only a month or a year (its first day).

    None when the source gave the day itself (nothing is assumed).
    """
    if value is None or (precision or "day") == "day":
        return None
    return value


# --- reading the warehouse -------------------------------------------------------------------


def _has_table(name: str) -> bool:
    from dashboards.queries.columns import columns

    return any(table == name for table, _ in columns())


def rules() -> Rules:
    """The rules from `lifecycle_rules`, with the defaults for rules it does not set (reported)."""
    values: dict[str, str] = {}
    if _has_table("lifecycle_rules"):
        # Named rule_value: a public deployment drops answer columns called `value` (money).
        frame = db.query("SELECT rule, value AS rule_value FROM lifecycle_rules ORDER BY rule")
        values = {str(r): str(v) for r, v in zip(frame["rule"], frame["rule_value"], strict=True)}
    assumed = tuple(k for k in DEFAULT_RULES if k not in values)
    return Rules({**{k: DEFAULT_RULES[k] for k in assumed}, **values}, assumed)


def board_sessions() -> list[Session]:
    """The Executive Board's sessions (held and scheduled), oldest first."""
    if not _has_table("governing_sessions"):
        return []
    frame = db.query(
        """SELECT session, number, start_date, end_date, status FROM governing_sessions
           WHERE body = ? AND start_date IS NOT NULL ORDER BY start_date""",
        [EXECUTIVE_BOARD],
    )
    return [
        Session(
            str(r.session),
            None if pd.isna(r.number) else int(r.number),
            pd.Timestamp(r.start_date).date(),
            None if pd.isna(r.end_date) else pd.Timestamp(r.end_date).date(),
            str(r.status),
        )
        for r in frame.itertuples(index=False)
    ]


def previous_session(today: dt.date, sessions: list[Session] | None = None) -> Session | None:
    """The last Board session that started before `today`."""
    past = [s for s in (board_sessions() if sessions is None else sessions) if s.start < today]
    return past[-1] if past else None


def partner_predicate(filters: Filters, alias: str = "x") -> tuple[str, list]:
    """SQL over the partner subquery (status, partner_type, hq_region_code) for the filters."""
    bits: list[str] = []
    params: list = []
    for dim, column in _COLUMNS.items():
        values = getattr(filters, dim)
        if values:
            bits.append(f"{alias}.{column} IN ({', '.join('?' * len(values))})")
            params += list(values)
    return (" AND ".join(bits) or "TRUE"), params


_PARTNERS = """
    SELECT p.partner_id, p.name, p.acronym, p.status, p.partner_type,
           COALESCE(p.hq_region_code, 'UNSPECIFIED') AS hq_region_code,
           p.status_since, {since_precision} AS status_since_precision
    FROM partners p
"""


def _partners_sql() -> str:
    from dashboards.queries.columns import precision

    return _PARTNERS.format(since_precision=precision("p", "partners", "status_since"))


def _years(filters: Filters, column: str) -> tuple[str, list]:
    if not filters.years:
        return "TRUE", []
    return f"year({column}) BETWEEN ? AND ?", list(filters.years)


def review_basis(filters: Filters) -> pd.DataFrame:
    """Per partner: status, region and the last decision that established its current status.

    The decision is the latest admission, renewal or reclassification to the current status in
    `status_events`; without one, the partner list's `status_since` (basis 'status_since').
    """
    where, params = partner_predicate(filters)
    events = (
        """LEFT JOIN (
             SELECT partner_id, status_after, max_by(event_date, event_date) AS decided,
                    max_by(event_date_precision, event_date) AS decided_precision,
                    max_by(event, event_date) AS decided_event,
                    max_by(decision_ref, event_date) AS decision_ref
             FROM status_events
             WHERE event IN ('admission', 'renewal', 'reclassification') AND event_date IS NOT NULL
             GROUP BY ALL) e ON e.partner_id = x.partner_id AND e.status_after = x.status"""
        if _has_table("status_events")
        else """LEFT JOIN (SELECT NULL::VARCHAR AS partner_id, NULL::DATE AS decided,
                 NULL::VARCHAR AS decided_precision, NULL::VARCHAR AS decided_event,
                 NULL::VARCHAR AS decision_ref) e ON FALSE"""
    )
    return db.query(
        f"""
        SELECT x.partner_id, x.name, x.acronym, x.status, x.partner_type, x.hq_region_code,
               COALESCE(e.decided, x.status_since) AS decided,
               CASE WHEN e.decided IS NOT NULL THEN COALESCE(e.decided_precision, 'day')
                    ELSE x.status_since_precision END AS decided_precision,
               CASE WHEN e.decided IS NOT NULL THEN e.decided_event
                    WHEN x.status_since IS NOT NULL THEN 'status_since' END AS basis,
               e.decision_ref
        FROM ({_partners_sql()}) x {events}
        WHERE {where}
        ORDER BY x.name, x.partner_id
        """,  # noqa: S608 - subqueries and predicate from code; values are parameters
        params,
    )


def missing_reports(today: dt.date) -> pd.DataFrame:
    """Per partner: reports whose due date has passed and that were not received."""
    if not _has_table("partner_reports"):
        return pd.DataFrame({"partner_id": pd.Series(dtype=str), "missing": pd.Series(dtype=int)})
    return db.query(
        """SELECT partner_id, count(*) AS missing FROM partner_reports
           WHERE received_date IS NULL AND due_date < ? GROUP BY partner_id""",
        [today],
    )


def reviews(filters: Filters, today: dt.date) -> pd.DataFrame:
    """Partners whose status has a review date: when it falls due, who decides, time left.

    Columns: partner_id, name, status, hq_region_code, decided (+ _precision, basis,
    decision_ref), assumed_day (the day counted from when only a month or year was given),
    review_due, session, session_start, request_deadline, days_left, overdue, late,
    missing_reports. Overdue first, then by due date.
    """
    current = rules()
    sessions = board_sessions()
    basis = review_basis(filters)
    missing = dict(
        (str(k), int(v)) for k, v in missing_reports(today).itertuples(index=False, name=None)
    )
    rows = []
    for r in basis.to_dict("records"):
        decided = None if pd.isna(r["decided"]) else pd.Timestamp(r["decided"]).date()
        due = next_review(r["status"], decided, current)
        if due is None:
            continue
        choice = deciding_session(due, sessions, current, today)
        rows.append(
            {
                **r,
                "decided": decided,
                "assumed_day": assumed_day(decided, r["decided_precision"]),
                "review_due": due,
                "session": choice.session.session if choice.session else None,
                "session_start": choice.session.start if choice.session else None,
                "request_deadline": choice.deadline,
                "days_left": (due - today).days,
                "overdue": due < today,
                "late": choice.late,
                "missing_reports": missing.get(str(r["partner_id"]), 0),
            }
        )
    columns = [
        *basis.columns,
        "assumed_day",
        "review_due",
        "session",
        "session_start",
        "request_deadline",
        "days_left",
        "overdue",
        "late",
        "missing_reports",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    return frame.sort_values(
        ["overdue", "review_due", "name"], ascending=[False, True, True]
    ).reset_index(drop=True)


OVERDUE = "overdue"  # the pipeline's first group: reviews past their date
NO_SESSION = "no_session"  # no known Board session can take the review yet


def renewal_pipeline(filters: Filters, today: dt.date) -> pd.DataFrame:
    """Reviews to decide, by deciding session (overdue first) and status.

    Columns: group ('overdue', a session label, or 'no_session'), session_start, code (status),
    partners.
    """
    frame = reviews(filters, today)
    if frame.empty:
        return pd.DataFrame(columns=["group", "session_start", "code", "partners"])
    group = frame["session"].fillna(NO_SESSION).where(~frame["overdue"], OVERDUE)
    start = pd.to_datetime(frame["session_start"]).where(~frame["overdue"])
    out = (
        frame.assign(group=group, session_start=start, code=frame["status"])
        .groupby(["group", "code"], dropna=False)
        .agg(partners=("partner_id", "nunique"), session_start=("session_start", "min"))
        .reset_index()
    )
    rank = out["group"].map({OVERDUE: 0, NO_SESSION: 2}).fillna(1)
    out = out.assign(_rank=rank).sort_values(["_rank", "session_start", "code"], na_position="last")
    return out.drop(columns="_rank")[["group", "session_start", "code", "partners"]].reset_index(
        drop=True
    )


def for_decision(filters: Filters, today: dt.date) -> pd.DataFrame:
    """Reviews the next Board session that can still decide must take (its own, overdue ones).

    The next session whose request cut-off has not passed: with the cut-off rule '11-30', from
    1 December 2026 the first session of 2027 can no longer take a review, so the next is the
    first session of 2028 (when only first sessions of a year decide).

    Columns: code (status), partner_id, name, review_due, assumed_day, decided_precision,
    session, days_left, overdue, partners (1 per row, what a summary counts).
    """
    frame = reviews(filters, today)
    nxt = next_deciding_session(board_sessions(), rules(), today)
    if frame.empty or nxt is None:
        return frame.iloc[0:0].assign(code=None, partners=None)
    chosen = frame[(frame["session"] == nxt.session)]
    return chosen.assign(code=chosen["status"], partners=1).reset_index(drop=True)


def report_states(filters: Filters, today: dt.date) -> pd.DataFrame:
    """Reports per due year and state: received on time / late, late (not received), due.

    Columns: year (of the due date), code (state), reports.
    """
    if not _has_table("partner_reports"):
        return pd.DataFrame(columns=["year", "code", "reports"])
    where, params = partner_predicate(filters)
    years, yparams = _years(filters, "r.due_date")
    return db.query(
        f"""
        SELECT year(r.due_date) AS year,
               CASE WHEN r.received_date IS NOT NULL AND r.received_date <= r.due_date
                        THEN 'received_on_time'
                    WHEN r.received_date IS NOT NULL THEN 'received_late'
                    WHEN r.due_date < ? THEN 'late'
                    ELSE 'due' END AS code,
               count(*) AS reports
        FROM partner_reports r JOIN ({_partners_sql()}) x USING (partner_id)
        WHERE r.due_date IS NOT NULL AND {where} AND {years}
        GROUP BY ALL ORDER BY year, code
        """,  # noqa: S608 - subquery and predicates from code; values are parameters
        [today, *params, *yparams],
    )


def report_list(filters: Filters, today: dt.date) -> pd.DataFrame:
    """Reports late (not received, past due) or due: partner, kind, period, due date, days."""
    if not _has_table("partner_reports"):
        return pd.DataFrame(
            columns=["partner_id", "name", "kind", "period_start", "period_end", "due_date"]
        )
    where, params = partner_predicate(filters)
    years, yparams = _years(filters, "r.due_date")
    return db.query(
        f"""
        SELECT x.partner_id, x.name, x.status, r.kind, r.kind_as_given, r.period_start,
               r.period_end, r.due_date, date_diff('day', ?::DATE, r.due_date) AS days_left,
               r.due_date < ? AS late
        FROM partner_reports r JOIN ({_partners_sql()}) x USING (partner_id)
        WHERE r.received_date IS NULL AND r.due_date IS NOT NULL AND {where} AND {years}
        ORDER BY r.due_date, x.name
        """,  # noqa: S608 - subquery and predicates from code; values are parameters
        [today, today, *params, *yparams],
    )


def status_changes(filters: Filters) -> pd.DataFrame:
    """Status events per year and event (admission, renewal, ...), with the status after.

    Columns: year, code (event), status_after, events.
    """
    if not _has_table("status_events"):
        return pd.DataFrame(columns=["year", "code", "status_after", "events"])
    where, params = partner_predicate(filters)
    years, yparams = _years(filters, "e.event_date")
    marks = ", ".join("?" * len(CHANGE_EVENTS))
    return db.query(
        f"""
        SELECT year(e.event_date) AS year, e.event AS code, e.status_after,
               count(*) AS events
        FROM status_events e JOIN ({_partners_sql()}) x USING (partner_id)
        WHERE e.event_date IS NOT NULL AND e.event IN ({marks}) AND {where} AND {years}
        GROUP BY ALL ORDER BY year, code, e.status_after
        """,  # noqa: S608 - subquery and predicates from code; values are parameters
        [*CHANGE_EVENTS, *params, *yparams],
    )


def changes_since(filters: Filters, since: dt.date | None, today: dt.date) -> pd.DataFrame:
    """Status events from `since` (the previous Board session) to `today`, by event.

    Columns: code (event), status_after, events.
    """
    if since is None or not _has_table("status_events"):
        return pd.DataFrame(columns=["code", "status_after", "events"])
    where, params = partner_predicate(filters)
    return db.query(
        f"""
        SELECT e.event AS code, e.status_after, count(*) AS events
        FROM status_events e JOIN ({_partners_sql()}) x USING (partner_id)
        WHERE e.event_date >= ? AND e.event_date <= ? AND {where}
        GROUP BY ALL ORDER BY events DESC, code
        """,  # noqa: S608 - subquery and predicate from code; values are parameters
        [since, today, *params],
    )


def events_between(filters: Filters, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Status events dated from `start` to `end` (inclusive): partner, event, status, decision."""
    if not _has_table("status_events"):
        return pd.DataFrame(
            columns=["partner_id", "name", "event", "status_after", "event_date", "decision_ref"]
        )
    where, params = partner_predicate(filters)
    return db.query(
        f"""
        SELECT x.partner_id, x.name, e.event, e.status_after, e.event_date,
               COALESCE(e.event_date_precision, 'day') AS event_date_precision,
               e.deciding_body, e.decision_ref
        FROM status_events e JOIN ({_partners_sql()}) x USING (partner_id)
        WHERE e.event_date BETWEEN ? AND ? AND {where}
        ORDER BY e.event_date, x.name
        """,  # noqa: S608 - subquery and predicate from code; values are parameters
        [start, end, *params],
    )


def no_cooperation(filters: Filters, today: dt.date) -> pd.DataFrame:
    """Partners in official partnership with no recorded cooperation for the rule's years.

    Cooperation is an activity (its end, else its start) or a collective-mechanism
    participation. Columns: partner_id, name, status, hq_region_code, last_cooperation
    (NULL: none recorded), years_since.
    """
    years = rules().integer("no_cooperation_years") or 2
    cutoff = add_years(today, -years)
    where, params = partner_predicate(filters)
    return db.query(
        f"""
        WITH last AS (
            SELECT partner_id, max(d) AS last_cooperation FROM (
                -- an activity's end (else start), once it has begun (etl/derived.sql)
                SELECT f.partner_id, f.activity_end AS d FROM partner_facts f
                WHERE f.activity_start <= ?
                UNION ALL
                SELECT partner_id, event_date AS d FROM participation WHERE event_date <= ?
            ) GROUP BY partner_id
        )
        SELECT x.partner_id, x.name, x.status, x.hq_region_code, l.last_cooperation,
               date_diff('day', l.last_cooperation, ?::DATE) / 365.25 AS years_since
        FROM ({_partners_sql()}) x LEFT JOIN last l USING (partner_id)
        WHERE x.status IN ('associate', 'consultative')
          AND (l.last_cooperation IS NULL OR l.last_cooperation < ?) AND {where}
        ORDER BY l.last_cooperation NULLS FIRST, x.name
        """,  # noqa: S608 - subquery and predicate from code; values are parameters
        [today, today, today, cutoff, *params],
    )


def no_cooperation_by_region(filters: Filters, today: dt.date) -> pd.DataFrame:
    """Partners at risk (no cooperation recorded for two years) by region and status.

    Columns: code (region), status, partners.
    """
    frame = no_cooperation(filters, today)
    if frame.empty:
        return pd.DataFrame(columns=["code", "status", "partners"])
    return (
        frame.groupby(["hq_region_code", "status"])
        .agg(partners=("partner_id", "nunique"))
        .reset_index()
        .rename(columns={"hq_region_code": "code"})
        .sort_values(["partners", "code"], ascending=[False, True])
        .reset_index(drop=True)
    )


def partners_by_status(filters: Filters) -> pd.DataFrame:
    """Partners by current status. Columns: code (status), partners."""
    where, params = partner_predicate(filters)
    return db.query(
        f"""SELECT x.status AS code, count(*) AS partners FROM ({_partners_sql()}) x
            WHERE {where} GROUP BY ALL ORDER BY partners DESC, code""",  # noqa: S608 - from code
        params,
    )


def regional_balance(filters: Filters) -> pd.DataFrame:
    """Partners by region of headquarters and status. Columns: code (region), status, partners."""
    where, params = partner_predicate(filters)
    return db.query(
        f"""SELECT x.hq_region_code AS code, x.status, count(*) AS partners
            FROM ({_partners_sql()}) x WHERE {where}
            GROUP BY ALL ORDER BY code, x.status""",  # noqa: S608 - from code
        params,
    )


def field_balance(filters: Filters) -> pd.DataFrame:
    """Partners by field of competence they list, and status. Columns: code (field), status,
    partners (a partner listing two fields counts in both)."""
    where, params = partner_predicate(filters)
    return db.query(
        f"""SELECT pf.field_code AS code, x.status, count(DISTINCT x.partner_id) AS partners
            FROM ({_partners_sql()}) x JOIN partner_fields pf USING (partner_id)
            WHERE {where} GROUP BY ALL ORDER BY code, x.status""",  # noqa: S608 - from code
        params,
    )


def timeline(partner_id: str) -> pd.DataFrame:
    """One partner's status events and reports, oldest first.

    Columns: date, date_precision, kind ('event' | 'report'), what (event or report kind code),
    as_given, status_after, decision_ref, due_date, received_date.
    """
    parts = []
    params: list = []
    if _has_table("status_events"):
        parts.append(
            """SELECT event_date AS date, COALESCE(event_date_precision, 'day') AS date_precision,
                      'event' AS kind, event AS what, event_as_given AS as_given, status_after,
                      decision_ref, NULL::DATE AS due_date, NULL::DATE AS received_date
               FROM status_events WHERE partner_id = ?"""
        )
        params.append(partner_id)
    if _has_table("partner_reports"):
        parts.append(
            """SELECT COALESCE(received_date, due_date, period_end) AS date,
                      'day' AS date_precision, 'report' AS kind, kind AS what,
                      kind_as_given AS as_given, NULL AS status_after, NULL AS decision_ref,
                      due_date, received_date
               FROM partner_reports WHERE partner_id = ?"""
        )
        params.append(partner_id)
    if not parts:
        return pd.DataFrame(columns=["date", "date_precision", "kind", "what", "as_given"])
    return db.query(
        " UNION ALL ".join(parts) + " ORDER BY date NULLS LAST, kind",  # parts from code
        params,
    )


def next_step(partner_id: str, today: dt.date) -> dict | None:
    """A partner's next due step: its status review (with the deciding session) or a report.

    Returns {'kind': 'review' | 'report', 'date', 'session', 'deadline', 'overdue', ...}; None
    when nothing is due.
    """
    steps = []
    review = reviews(Filters(), today)
    mine = review[review["partner_id"] == partner_id] if not review.empty else review
    if not mine.empty:
        r = mine.iloc[0]
        steps.append(
            {
                "kind": "review",
                "date": r["review_due"],
                "session": r["session"],
                "deadline": r["request_deadline"],
                "overdue": bool(r["overdue"]),
                "assumed_day": r["assumed_day"],
                "precision": r["decided_precision"],
            }
        )
    if _has_table("partner_reports"):
        due = db.query(
            """SELECT kind, due_date FROM partner_reports
               WHERE partner_id = ? AND received_date IS NULL AND due_date IS NOT NULL
               ORDER BY due_date LIMIT 1""",
            [partner_id],
        )
        if not due.empty:
            day = pd.Timestamp(due["due_date"].iloc[0]).date()
            steps.append(
                {
                    "kind": "report",
                    "date": day,
                    "what": str(due["kind"].iloc[0]),
                    "overdue": day < today,
                }
            )
    if not steps:
        return None
    return min(steps, key=lambda s: s["date"])
