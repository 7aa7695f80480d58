"""Demo lifecycles (issue 12): status events and reports consistent with the demo partners.

Admissions years ago (consultative by the Director-General, associate by the Executive Board at
a real session of `governing_sessions.csv`), the 2012 reclassification at the 189th session,
renewals of associate status at the rule's period (`lifecycle_rules.csv`), a few deferred
reviews, reclassifications, suspensions and pending applications; periodic reports due with
some late and some missing. Each partner's last status-setting event gives the status the
partners file gives it, except the few deliberate terminations (`TERMINATED`: the load warns
that the partners file still lists them).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from etl.reference import REFERENCE_DIR, lifecycle_frames

EVENT_COLUMNS = ["partner", "event", "status_after", "date", "deciding_body", "decision"]
REPORT_COLUMNS = ["partner", "report_type", "period", "due_date", "received"]
AS_OF = dt.date(2026, 11, 1)  # the demo's "as of" date (etl.demo.AS_OF)
TERMINATED = ("NGO-0013", "NGO-0031")  # terminated by the Board; still in the partners list
UNKNOWN_PARTNER = "NGO-7777"

_WORDING = {
    ("admission", "consultative"): ("Admission to consultative status", "Admission au statut consultatif"),
    ("admission", "associate"): ("Admission to associate status", "Admission au statut d'associé"),
    ("renewal", "associate"): ("Renewal of associate status", "Renouvellement du statut d'associé"),
    ("reclassification", "consultative"): (
        "Reclassification from associate to consultative status",
        "Reclassement du statut d'associé au statut consultatif",
    ),
    ("reclassification_2012", "consultative"): (
        "Reclassification in consultative status (2011 Directives)",
        "Reclassement au statut consultatif (directives de 2011)",
    ),
    ("review_deferred", ""): ("Review deferred to the next session", "Examen reporté à la session suivante"),
    ("suspension", ""): ("Suspension of the partnership", "Suspension du partenariat"),
    ("termination", ""): ("Termination of official partnership", "Fin du partenariat officiel"),
    ("application", ""): ("Application for associate status", "Demande de statut d'associé"),
}  # fmt: skip
_STATUS = {"consultative": ("consultative", "consultatif"), "associate": ("associate", "associé")}
_BODY = {"executive_board": ("Executive Board", "Conseil exécutif"), "director_general": ("DG", "Directrice générale")}  # fmt: skip
_MONTHS_FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"


def _sessions() -> list[tuple[dt.date, str]]:
    """(start, '215 EX') of the Board's ordinary sessions (those of its NGP committee)."""
    rows = lifecycle_frames(REFERENCE_DIR)["governing_sessions"]
    return sorted((r["start_date"], r["session"]) for r in rows if r["body"] == "ngp_committee")


def _session_on_or_after(sessions, day: dt.date):
    return next(((d, s) for d, s in sessions if d >= day), None)


def _month_text(rng: np.random.Generator, day: dt.date, fr: bool) -> str:
    """A month as lists write it: 'March 2016', 'mars 2016' or '2016-03'."""
    if rng.random() < 0.3:
        return f"{day.year}-{day.month:02d}"
    if fr:
        return f"{_MONTHS_FR.split()[day.month - 1]} {day.year}"
    return day.strftime("%B %Y")


def make_lifecycle(
    rng: np.random.Generator, partners, renewal_years: int = 8, report_years: int = 4
) -> tuple[list[list[str]], list[list[str]]]:
    """(status event rows, report rows) for the demo partners frame (PARTNER_COLUMNS)."""
    sessions = _sessions()
    events: list[list[str]] = []
    reports: list[list[str]] = []

    def event(pid, kind, status, day, body, session, fr, ref_no=None):
        en, fr_text = _WORDING[(kind, status if kind != "review_deferred" else "")]
        words = fr_text if fr else en
        after = ""
        if status and rng.random() < 0.8:  # some lists leave it to the event's wording
            after = _STATUS[status][1 if fr else 0]
        decision = ""
        if body == "executive_board" and session:
            number = session.split()[0]
            k = ref_no or int(rng.integers(20, 46))
            decision = f"{number} EX/{'Décision' if fr else 'Decision'} {k}"
        body_text = _BODY[body][1 if fr else 0] if body and rng.random() < 0.9 else ""
        events.append([pid, words, after, _month_text(rng, day, fr), body_text, decision])

    for row in partners.itertuples(index=False):
        pid, status = row.partner_id, row.status
        if row.partner_type != "NGO":
            continue  # foundations: official relations under their own Directives
        fr = rng.random() < 0.35
        since = dt.date.fromisoformat(row.status_since)
        relations = int(row.relations_since)
        if status == "consultative":
            if relations <= 2011 and since.year == 2012:
                event(pid, "reclassification_2012", "consultative", sessions[0][0], "executive_board", sessions[0][1], fr, 20)  # fmt: skip
            else:
                event(pid, "admission", "consultative", since, "director_general", None, fr)
            if rng.random() < 0.04 and since < dt.date(2022, 1, 1):  # pending application
                day = dt.date(2026, int(rng.integers(3, 11)), 1)
                events.append([pid, _WORDING[("application", "")][fr], "", _month_text(rng, day, fr), "", ""])  # fmt: skip
        elif status == "associate":
            if row.previous_status:
                first = dt.date(max(relations, 2012), 1, 1)
                event(pid, "admission", "consultative", min(first, since), "director_general", None, fr)  # fmt: skip
            hit = _session_on_or_after(sessions, since) if since.year > 2012 else sessions[0]
            if hit is None:
                continue
            admitted, session = hit
            event(pid, "admission", "associate", admitted, "executive_board", session, fr, 20 if session == "189 EX" else None)  # fmt: skip
            due = dt.date(admitted.year + renewal_years, admitted.month, 1)
            while (hit := _session_on_or_after(sessions, due)) is not None and hit[0] <= AS_OF:
                day, session = hit
                if rng.random() < 0.08:  # deferred once, decided at the next session
                    event(pid, "review_deferred", "", day, "executive_board", session, fr)
                    hit = _session_on_or_after(sessions, day + dt.timedelta(days=1))
                    if hit is None or hit[0] > AS_OF:
                        break
                    day, session = hit
                event(pid, "renewal", "associate", day, "executive_board", session, fr)
                due = dt.date(day.year + renewal_years, day.month, 1)
        if rng.random() < 0.02:  # a suspension that was lifted: the status stays
            day = dt.date(int(rng.integers(2014, 2025)), int(rng.integers(1, 13)), 1)
            hit = _session_on_or_after(sessions, day)
            if hit and hit[0] <= AS_OF:
                event(pid, "suspension", "", hit[0], "executive_board", hit[1], fr)
        if pid in TERMINATED:
            hit = _session_on_or_after(sessions, dt.date(2025, 1, 1))
            event(pid, "termination", "", hit[0], "executive_board", hit[1], fr)
        # Periodic reports on each completed period since the partner's status began.
        start = max(2013, since.year + 1)
        for y0 in range(start, AS_OF.year - report_years + 1, report_years):
            y1 = y0 + report_years - 1
            due = dt.date(y1 + 1, 6, 30)
            if due > AS_OF:
                break
            draw = rng.random()
            if draw < 0.07:
                received = ""  # missing
            else:
                late = draw < 0.20
                delay = int(rng.integers(10, 200)) if late else -int(rng.integers(0, 90))
                received = (due + dt.timedelta(days=delay)).strftime("%d/%m/%Y")
            kind = "Rapport quadriennal" if fr else "Quadrennial report"
            reports.append([pid, kind, f"{y0}-{y1}", due.isoformat(), received])
        if status == "associate" and rng.random() < 0.5:
            y = AS_OF.year - 1
            due = dt.date(AS_OF.year, 3, 31)
            received = (
                "" if rng.random() < 0.25 else f"{AS_OF.year}-{int(rng.integers(2, 6)):02d}-15"
            )
            kind = "Rapport financier" if fr else "Financial report"
            reports.append([pid, kind, str(y), due.isoformat(), received])
    events.append([UNKNOWN_PARTNER, "Admission to consultative status", "consultative", "2019-05", "DG", ""])  # fmt: skip
    reports.append([UNKNOWN_PARTNER, "Quadrennial report", "2017-2020", "2021-06-30", ""])
    return events, reports
