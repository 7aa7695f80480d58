"""Today's date for everything that depends on it (incomplete years, time left), injectable.

Rules and summaries never read the system clock themselves: they take `today` as a parameter
and default to `today()`, which reads `DASHBOARD_TODAY` (an ISO date, e.g. `2026-06-30`) when it
is set, so tests and reproductions are deterministic, and the calendar date otherwise.
"""

from __future__ import annotations

import datetime as dt
import os

ENV = "DASHBOARD_TODAY"


def today() -> dt.date:
    """The date the app takes as today: `DASHBOARD_TODAY` if set (ISO), else the calendar's."""
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{ENV} must be an ISO date such as 2026-06-30, not {text!r}"
            ) from None
    return dt.date.today()


def first_incomplete_year(today_: dt.date | None = None) -> int:
    """The first year not over yet (the current year): it and later years are partial/planned."""
    return (today_ or today()).year
