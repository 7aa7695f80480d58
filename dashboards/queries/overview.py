"""Headline figures of the Overview page, with the change against the previous period."""

from __future__ import annotations

import datetime as dt

from dashboards import cache, dimensions
from dashboards.filters import Filters
from dashboards.i18n import gettext
from dashboards.queries import activities


def comparison_periods(
    filters: Filters, today: dt.date | None = None
) -> tuple[tuple[int, int], tuple[int, int]]:
    """(current, previous) year ranges compared in the headlines.

    With a year filter, the previous period is the same number of years just before it; without,
    the latest complete year is compared with the one before.
    """
    if filters.years:
        lo, hi = filters.years
        n = hi - lo + 1
        return (lo, hi), (lo - n, lo - 1)
    _, last = activities.year_range()
    year = min(last, (today or dt.date.today()).year - 1)
    return (year, year), (year - 1, year - 1)


def _label(period: tuple[int, int]) -> str:
    return str(period[0]) if period[0] == period[1] else f"{period[0]}–{period[1]}"


def headlines(filters: Filters, lang: str = "en") -> dict:
    """Totals for the filters, and the compared values for the two periods (cached)."""
    return cache.cached(
        "headlines", filters.cache_key(), lang, compute=lambda: _headlines(filters, lang)
    )


def _headlines(filters: Filters, lang: str) -> dict:
    total = activities.totals(filters)
    now, before = comparison_periods(filters)
    first_year, _ = activities.year_range()
    # A previous period that starts before the data does would compare with missing years.
    periods = {"now": now, **({"before": before} if before[0] >= first_year else {})}
    compared = activities.period_totals(filters, periods)
    t_now, t_before = compared["now"], compared.get("before")
    partners = total["partners"]
    by_status = partners.groupby("status")["partners"].sum() if len(partners) else {}
    by_type = partners.groupby("partner_type")["partners"].sum() if len(partners) else {}
    if t_before:
        note = gettext(
            "Change: %(now)s compared with %(before)s.",
            lang,
            now=_label(now),
            before=_label(before),
        )
    else:
        note = gettext("No earlier period of the same length in the data to compare with.", lang)
    return {
        "activities": total["activities"],
        "budget_usd": total.get("budget_usd"),  # None: not served (public)
        "countries": total["countries"],
        "partners": int(partners["partners"].sum()) if len(partners) else 0,
        "activities_now": t_now["activities"],
        "activities_before": t_before["activities"] if t_before else None,
        "budget_now": t_now.get("budget_usd"),
        "budget_before": t_before.get("budget_usd") if t_before else None,
        "countries_now": t_now["countries"],
        "countries_before": t_before["countries"] if t_before else None,
        "partners_now": t_now["partners"],
        "partners_before": t_before["partners"] if t_before else None,
        "partners_by_status": _named(dimensions.get("statuses"), by_status, lang),
        "partners_by_type": _named(dimensions.get("types"), by_type, lang),
        "previous_label": _label(before) if t_before else "",
        "period_note": note,
    }


def _named(dim: dimensions.Dimension, counts, lang: str) -> list[tuple[str, int]]:
    """(name, count) for the codes counted, in the dimension's display order."""
    return [(dim.name_of(c, lang), int(counts[c])) for c in dim.codes() if c in counts]
