"""The partnership lifecycle inputs (issue 12): status events and partner reports.

`status_events*` files say what was decided about a partner's status (application, admission,
renewal, reclassification, suspension, termination, ...), by whom and when; `reports*` files say
which reports a partner owes and when they came in. Both name the partner by id or by name
(resolved like participation rows); a row naming no loaded partner is rejected, never loaded
with an invented id. `rebuild_status_history` then makes `partner_status_history` follow the
events (docs/data-contract.md, "Status events and the status history").
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import numpy as np
import pandas as pd

from etl.extract import RawTable
from etl.partner_status import NOT_STATED, load_wordings, read_status
from etl.reasons import Reason, args_of, template_of
from etl.reference import Reference, fold
from etl.validate import Dates, PerValue, Validated, _Checks, _extra

# Events that end a partnership: the period of the status before them ends at their date.
ENDING_EVENTS = ("termination", "withdrawal")
# Events whose status-after may be read from their wording ("Admission to associate status").
_STATUS_EVENTS = ("admission", "renewal", "reclassification")
# "215 EX/Decision 29", "215 EX/Décision 29", "215EX/Dec.29", "Décision 215 EX/29".
_SESSION = re.compile(r"\b(\d{3})\s*EX\b", re.I)
# Status words in an event's wording, folded: the status the event leads to.
_STATUS_WORDS = {
    "associate": ("associate", "associe", "associee", "asociado"),
    "consultative": ("consultative", "consultatif", "consultant", "consultation", "consultivo"),
}
# A received cell that says "not received" in words: loaded as not received, warned.
_NOT_RECEIVED = {
    fold(w)
    for w in (
        "no",
        "non",
        "not received",
        "non reçu",
        "non recu",
        "pending",
        "en attente",
        "missing",
        "manquant",
        "-",
        "—",
    )
}


def read_event(ref: Reference, text: str) -> str | None:
    """The event code of a wording: a name or alias, else the longest alias it starts with."""
    code = ref.normalise("status_event", text)
    if code is not None or not fold(text):
        return code
    key = fold(text)
    best: tuple[int, str] | None = None
    for term in ref.terms.get("status_event", []):
        for spelling in (term.code, term.name_en, term.name_fr, *term.aliases):
            f = fold(spelling)
            if len(f) >= 5 and key.startswith(f) and (best is None or len(f) > best[0]):
                best = (len(f), term.code)
    return best[1] if best else None


def _status_in_wording(text: str) -> str | None:
    """The one status an event's wording names ("Admission au statut d'associé"), else None."""
    words = set(re.findall(r"[a-z]+", fold_words(text)))
    found = [code for code, names in _STATUS_WORDS.items() if words & set(names)]
    if len(found) == 1:
        return found[0]
    # "from associate to consultative", "du statut d'associé au statut consultatif": the last one
    m = re.search(r"\b(?:to|au|en|a)\b(?:\s+\w+){0,3}?\s+(\w+)\s*$", fold_words(text))
    if len(found) == 2 and m:
        last = m.group(1)
        return next((c for c, names in _STATUS_WORDS.items() if last in names), None)
    return None


def fold_words(text: str) -> str:
    """Lower case without accents, keeping word boundaries (fold() removes spaces too)."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _partner_checks(c: _Checks, f: pd.DataFrame, partners: set[str]) -> None:
    c.reject(
        f["partner_id"] == "", "partner_id", Reason("partner is required (its id or its name)")
    )
    c.reject(
        ~f["partner_id"].isin(partners).to_numpy(),
        "partner_id",
        Reason("unknown partner (no loaded partner has this id, name or acronym)"),
    )


def validate_status_events(table: RawTable, ref: Reference, partners: set[str]) -> Validated:
    """Check status event rows against the known partner ids (and names resolved to them)."""
    f = table.frame
    c = _Checks(f)
    _partner_checks(c, f, partners)
    c.reject(f["event"] == "", "event", Reason("event is required"))
    events = PerValue(f["event"], lambda v: read_event(ref, v) if v else None).take()
    unknown = (events.isna() & (f["event"] != "")).to_numpy()
    c.warning(
        unknown, "event", Reason("status event not in the reference: loaded as 'other', text kept")
    )
    events = events.where(~unknown, "other")

    wordings = load_wordings(ref.directory)
    after_read = PerValue(
        f["status_after"], lambda v: read_status(v, ref, wordings) if fold(v) else None
    )
    after = after_read.take(lambda r: r.code if r else None)
    c.reject(
        after_read.mask(lambda r: r is not None and r.code is None),
        "status_after",
        Reason(
            "unknown status after the event (expected consultative, associate, official "
            "relations, a wording of partner_status_wordings.csv, or nothing)"
        ),
    )
    c.warning(
        after_read.mask(lambda r: r is not None and r.code and r.warning),
        "status_after",
        after_read.take(lambda r: r.warning if r else None),
    )
    after = after.where(after != NOT_STATED, None)
    from_wording = PerValue(f["event"], _status_in_wording).take()
    infer = (
        after.isna().to_numpy()
        & (f["status_after"] == "").to_numpy()
        & events.isin(_STATUS_EVENTS).to_numpy()
        & from_wording.notna().to_numpy()
    )
    c.warning(
        infer,
        "status_after",
        pd.Series(
            [
                Reason(
                    "no status after given; read as %(status)r from the event's wording", status=s
                )
                for s in from_wording
            ],
            index=f.index,
            dtype=object,
        ),
        value=f["event"],
    )
    after = after.where(~infer, from_wording)

    when = Dates(f["event_date"])
    when.check(c, "event_date")
    c.warning(when.is_range, "event_date", Reason("a range was given; its start is the event date"))
    c.warning(
        (f["event_date"] == "").to_numpy(),
        "event_date",
        Reason("no date: the event is loaded but cannot be placed in the status history"),
    )

    ref_text = f["decision_ref"].map(lambda s: " ".join(s.split()))
    session = ref_text.map(lambda s: f"{m.group(1)} EX" if (m := _SESSION.search(s)) else None)
    body = PerValue(
        f["deciding_body"], lambda v: ref.normalise("deciding_body", v) if v else None
    ).take()
    unknown_body = (body.isna() & (f["deciding_body"] != "")).to_numpy()
    c.warning(
        unknown_body,
        "deciding_body",
        Reason(
            "deciding body not in the reference (Director-General or Executive Board): loaded "
            "empty, text kept"
        ),
    )
    from_ref = (f["deciding_body"] == "").to_numpy() & session.notna().to_numpy()
    c.warning(
        from_ref,
        "deciding_body",
        Reason("no deciding body given; taken as the Executive Board from the decision reference"),
        value=ref_text,
    )
    body = body.where(~from_ref, "executive_board")

    ok = c.ok
    dup = (
        pd.DataFrame({"p": f["partner_id"], "e": events, "d": when.start})
        .assign(ok=ok)
        .duplicated(["p", "e", "d"], keep="first")
        .to_numpy()
        & ok
        & when.start.notna().to_numpy()
    )
    first_line = (
        pd.DataFrame({"p": f["partner_id"], "e": events, "d": when.start, "line": f["_line"]})[ok]
        .drop_duplicates(["p", "e", "d"])
        .set_index(["p", "e", "d"])["line"]
        .to_dict()
    )
    c.warning(
        dup,
        "event",
        pd.Series(
            [
                Reason(
                    "same partner, event and date as line %(line)s: both loaded",
                    line=first_line.get((p, e, d)),
                )
                for p, e, d in zip(f["partner_id"], events, when.start, strict=True)
            ],
            index=f.index,
            dtype=object,
        ),
    )
    rec = pd.DataFrame(
        {
            "partner_id": f["partner_id"],
            "event": events,
            "event_as_given": f["event"].replace("", None),
            "status_after": after,
            "event_date": when.start,
            "event_date_precision": when.precision,
            "deciding_body": body,
            "decision_ref": ref_text.replace("", None),
            "source_file": table.path.name,
            "source_line": f["_line"],
            "status_after_as_given": f["status_after"].replace("", None),
            "deciding_body_as_given": f["deciding_body"].replace("", None),
            "session": session,
            "extra": _extra(f),
        }
    )[ok]
    rejected, warnings = c.outcome(table)
    return Validated(table, rec.reset_index(drop=True), {}, rejected, warnings)


def _received(text: str) -> tuple[str, object]:
    """('date', When/Bad/None) for a received cell, or ('no', None) for "not received" words."""
    from etl.parsing import parse_when

    if not text.strip():
        return ("date", None)
    if fold(text) in _NOT_RECEIVED or not fold(text):
        return ("no", None)
    return ("date", parse_when(text))


def validate_reports(table: RawTable, ref: Reference, partners: set[str]) -> Validated:
    """Check report rows (a report due from a partner, received or not) against known partners."""
    f = table.frame
    c = _Checks(f)
    _partner_checks(c, f, partners)
    c.reject(f["kind"] == "", "kind", Reason("kind of report is required"))
    read = PerValue(f["kind"], lambda v: ref.resolve_term("report_kind", v))
    kind = read.take(lambda m: m.code if m else None)
    unknown = (kind.isna() & (f["kind"] != "")).to_numpy()
    c.warning(
        unknown, "kind", Reason("kind of report not in the reference: loaded as 'other', text kept")
    )
    reason = read.take(lambda m: m.reason if m else None)
    c.warning(reason.notna().to_numpy(), "kind", reason)
    kind = kind.where(~unknown, "other")

    period, start_, end_ = Dates(f["period"]), Dates(f["period_start"]), Dates(f["period_end"])
    for d, column in ((period, "period"), (start_, "period_start"), (end_, "period_end")):
        d.check(c, column)
    start = start_.start.where(start_.start.notna(), period.start)
    end = end_.last_day.where(end_.last_day.notna(), period.last_day)
    c.warning(
        (start_.start.notna() & period.start.notna()).to_numpy()
        | (end_.last_day.notna() & period.start.notna()).to_numpy(),
        "period",
        Reason("both a period and its start or end were given; the start and end columns are used"),
    )
    backwards = np.array(
        [
            isinstance(a, dt.date) and isinstance(b, dt.date) and b < a
            for a, b in zip(start, end, strict=True)
        ],
        dtype=bool,
    )
    c.reject(backwards, "period_end", Reason("the period ends before it starts"))

    due = Dates(f["due_date"])
    due.check(c, "due_date")
    c.warning(due.is_range, "due_date", Reason("a range was given; its start is the due date"))
    got = PerValue(f["received_date"], _received)
    words = got.mask(lambda r: r[0] == "no")
    c.warning(words, "received_date", Reason("received given in words: loaded as not received"))
    bad = got.mask(lambda r: r[0] == "date" and r[1] is not None and not hasattr(r[1], "start"))
    c.reject(
        bad,
        "received_date",
        got.take(
            lambda r: (
                Reason(
                    "malformed received date: %(detail)s (leave it empty, or write 'not "
                    "received', when it has not come in)",
                    detail=r[1].reason,
                )
                if r[0] == "date" and r[1] is not None and not hasattr(r[1], "start")
                else None
            )
        ),
    )
    received = got.take(lambda r: r[1].start if r[0] == "date" and hasattr(r[1], "start") else None)
    c.warning(
        ((f["due_date"] == "") & (f["period"] == "") & (f["period_start"] == "")).to_numpy()
        & (f["period_end"] == "").to_numpy(),
        "due_date",
        Reason("no due date and no period: the report cannot be placed in time"),
    )
    early = np.array(
        [
            isinstance(r, dt.date) and isinstance(s, dt.date) and r < s
            for r, s in zip(received, start, strict=True)
        ],
        dtype=bool,
    )
    c.warning(early, "received_date", Reason("received before the period it reports on began"))

    ok = c.ok
    rec = pd.DataFrame(
        {
            "partner_id": f["partner_id"],
            "kind": kind,
            "kind_as_given": f["kind"].replace("", None),
            "period_start": start,
            "period_end": end,
            "due_date": due.start,
            "received_date": received,
            "source_file": table.path.name,
            "source_line": f["_line"],
            "extra": _extra(f),
        }
    )[ok]
    rejected, warnings = c.outcome(table)
    return Validated(table, rec.reset_index(drop=True), {}, rejected, warnings)


# -- the status history, from the events ------------------------------------------------------

_EVENT_FILES = "(SELECT file FROM etl_files WHERE kind = 'status_events')"


def rebuild_status_history(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Make partner_status_history follow the status events where a partner has dated ones.

    Runs in the building warehouse after kept datasets are copied, so it holds whatever mix of
    runs the load makes. For a partner with at least one dated event that sets or ends a status,
    the events are its history: each sets a status from its date until the next such event (an
    ending event closes the period). The partners file's rows for it are replaced; its current
    status (partners.status) stays as the partners file gives it: when the last event agrees,
    that event's period is the current one; when it does not, the partners file's status is kept
    as current from its own date and a warning says so. Returns {file of this run: warnings}.
    """
    con.execute(f"DELETE FROM partner_status_history WHERE source_file IN {_EVENT_FILES}")  # noqa: S608
    con.execute(
        """
        CREATE TEMP TABLE _changes AS
        SELECT e.partner_id, e.event, e.status_after, e.event_date, e.event_date_precision,
               coalesce(e.status_after_as_given, e.event_as_given) AS as_given,
               e.source_file, e.source_line,
               lead(e.event_date) OVER w AS next_date,
               lead(e.event_date_precision) OVER w AS next_precision,
               row_number() OVER w = count(*) OVER (PARTITION BY e.partner_id) AS is_last
        FROM status_events e JOIN partners p USING (partner_id)
        WHERE e.event_date IS NOT NULL
          AND (e.status_after IS NOT NULL OR e.event IN (SELECT unnest(?)))
        WINDOW w AS (PARTITION BY e.partner_id ORDER BY e.event_date, e.source_file, e.source_line)
        """,
        [list(ENDING_EVENTS)],
    )
    con.execute(
        "DELETE FROM partner_status_history WHERE partner_id IN (SELECT partner_id FROM _changes)"
    )
    con.execute(
        """
        INSERT INTO partner_status_history
            (partner_id, status, valid_from, valid_to, valid_from_precision, valid_to_precision,
             status_as_given, is_current, source_file, source_line)
        SELECT c.partner_id, c.status_after, c.event_date, c.next_date, c.event_date_precision,
               c.next_precision, c.as_given,
               c.is_last AND c.status_after = p.status, c.source_file, c.source_line
        FROM _changes c JOIN partners p USING (partner_id)
        WHERE c.status_after IS NOT NULL
        """
    )
    # A last event that disagrees with the partners file: its status stays current, warned.
    contradictions = con.execute(
        """
        SELECT p.partner_id, p.status, p.source_file, p.source_line, c.event, c.status_after,
               c.event_date, c.source_file AS event_file, c.source_line AS event_line
        FROM _changes c JOIN partners p USING (partner_id)
        WHERE c.is_last AND c.status_after IS DISTINCT FROM p.status
        ORDER BY p.source_file, p.source_line
        """
    ).fetchall()
    # Partners with no current row (no events, or events that disagree): the partners file's.
    con.execute(
        """
        UPDATE partner_status_history SET valid_to = p.status_since,
               valid_to_precision = p.status_since_precision
        FROM partners p, _changes c
        WHERE partner_status_history.partner_id = p.partner_id AND c.partner_id = p.partner_id
          AND c.is_last AND c.status_after IS DISTINCT FROM p.status
          AND partner_status_history.valid_to IS NULL
          AND p.status_since > partner_status_history.valid_from
        """
    )
    con.execute(
        """
        INSERT INTO partner_status_history
            (partner_id, status, valid_from, valid_to, valid_from_precision, valid_to_precision,
             status_as_given, is_current, source_file, source_line)
        SELECT p.partner_id, p.status, p.status_since, NULL, p.status_since_precision, NULL,
               p.status_as_given, TRUE, p.source_file, p.source_line
        FROM partners p
        WHERE NOT EXISTS (SELECT 1 FROM partner_status_history h
                          WHERE h.partner_id = p.partner_id AND h.is_current)
        """
    )
    con.execute("DROP TABLE _changes")
    rows = []
    for _pid, status, file, line, event, after, date, efile, eline in contradictions:
        said = Reason("%(event)s to %(status)s", event=event, status=after) if after else event
        found = con.execute(
            "SELECT max(run_id) FROM etl_files WHERE file = ? AND kind = 'partners'", [file]
        ).fetchall()
        rows.append(
            (
                found[0][0] or run_id,
                file,
                line,
                "status",
                status,
                Reason(
                    "current status %(status)r contradicts the partner's last status event "
                    "(%(event)s, %(date)s, %(at)s); the partners file's status is kept as current",
                    status=status,
                    event=said,
                    date=str(date),
                    at=f"{efile}:{eline}",
                ),
            )
        )
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        counts[(r[0], r[1])] = counts.get((r[0], r[1]), 0) + 1
    if rows:
        con.executemany(
            "INSERT INTO load_warnings (run_id, file, line, column_name, value, reason, "
            "reason_template, reason_args) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*r, template_of(r[5]), args_of(r[5])) for r in rows],
        )
        for (run, file), n in counts.items():
            con.execute(
                "UPDATE etl_files SET warnings = warnings + ? WHERE run_id = ? AND file = ?",
                [n, run, file],
            )
    return {file: n for (run, file), n in counts.items() if run == run_id}
