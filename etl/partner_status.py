"""Partner statuses as sources word them: 2011 codes, older directives, other languages, none.

The mapping is data (`data/reference/partner_status_wordings.csv`, with its source directive and
whether reading it as a 2011 status is an interpretation); this module only applies it. A status
the source does not give is the code `not_stated`, never a real status.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from etl.reasons import Reason
from etl.reference import REFERENCE_DIR, Reference, fold

WORDINGS_FILE = "partner_status_wordings.csv"
NOT_STATED = "not_stated"


@dataclass(frozen=True)
class Wording:
    """One way a source words a status, and the status code it is read as."""

    wording: str
    lang: str
    status_code: str
    source: str
    interpretation: bool
    note: str


@dataclass(frozen=True)
class StatusReading:
    """How one status cell was read: its code (None if unknown) and a warning, if any."""

    code: str | None
    warning: str | None = None


def load_wordings(directory: Path = REFERENCE_DIR) -> dict[str, Wording]:
    """The wordings file as {folded wording: Wording} (empty when the file is absent)."""
    path = Path(directory) / WORDINGS_FILE
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    out: dict[str, Wording] = {}
    for r in rows:
        w = Wording(
            r["wording"].strip(),
            r["lang"].strip(),
            r["status_code"].strip(),
            r["source"].strip(),
            r["interpretation"].strip().lower() in ("yes", "true", "1"),
            (r.get("note") or "").strip(),
        )
        out.setdefault(fold(w.wording), w)
    return out


def read_status(text: str, ref: Reference, wordings: dict[str, Wording]) -> StatusReading:
    """Read one status cell: a code or name of the vocabulary, a known wording, or nothing."""
    text = text.strip()
    if not fold(text):  # empty, or only punctuation such as "-" or "?"
        reason = (
            Reason("no status given; loaded as 'Status not stated'")
            if not text
            else Reason("status %(text)r states nothing; loaded as 'Status not stated'", text=text)
        )
        return StatusReading(NOT_STATED, reason)
    code = ref.normalise("partner_status", text)
    w = wordings.get(fold(text))
    if code is None and w is not None and ref.term("partner_status", w.status_code):
        code = w.status_code
        if w.interpretation:
            return StatusReading(
                code,
                Reason(
                    "status %(text)r (%(source)s) read as %(code)s: an interpretation",
                    text=text,
                    source=w.source,
                    code=code,
                ),
            )
    if code == NOT_STATED:
        return StatusReading(
            code, Reason("status given as %(text)r; loaded as 'Status not stated'", text=text)
        )
    return StatusReading(code)
