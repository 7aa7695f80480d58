"""Headline figures of the Overview page, with the change against the previous period."""

from __future__ import annotations

import datetime as dt

from dashboards import cache, clock, dimensions
from dashboards.filters import Filters
from dashboards.i18n import gettext
from dashboards.queries import activities


def comparison_periods(
    filters: Filters, today: dt.date | None = None
) -> tuple[tuple[int, int], tuple[int, int]]:
    """(current, previous) year ranges compared in the headlines.

    With a year filter, the previous period is the same number of years just before it; without,
    the latest complete year is compared with the one before. A year not over yet
    (`dashboards.clock`) is never compared: a filter reaching into it is compared up to the last
    complete year (`_headlines` states it; with no complete year selected, nothing is compared).
    """
    last_complete = clock.first_incomplete_year(today) - 1
    if filters.years:
        lo, hi = filters.years
        hi = max(lo, min(hi, last_complete))
        n = hi - lo + 1
        return (lo, hi), (lo - n, lo - 1)
    _, last = activities.year_range()
    year = min(last, last_complete)
    return (year, year), (year - 1, year - 1)


def _label(period: tuple[int, int]) -> str:
    return str(period[0]) if period[0] == period[1] else f"{period[0]}–{period[1]}"


def headlines(filters: Filters, lang: str = "en") -> dict:
    """Totals for the filters, and the compared values for the two periods (cached)."""
    today = clock.today()
    return cache.cached(
        "headlines",
        filters.cache_key(),
        lang,
        today.year,
        compute=lambda: _headlines(filters, lang, today),
    )


def _headlines(filters: Filters, lang: str, today: dt.date | None = None) -> dict:
    total = activities.totals(filters)
    now, before = comparison_periods(filters, today)
    first_year, _ = activities.year_range()
    incomplete_only = now[1] >= clock.first_incomplete_year(today)  # nothing complete chosen
    # A previous period that starts before the data does would compare with missing years.
    comparable = before[0] >= first_year and not incomplete_only
    periods = {"now": now, **({"before": before} if comparable else {})}
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
        if filters.years and filters.years[1] > now[1]:
            note += " " + gettext(
                "Years after %(year)s are not over and are not compared.", lang, year=now[1]
            )
    elif incomplete_only:
        note = gettext("The years chosen are not over: no change is compared.", lang)
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
        "current_label": _label(now),
        # What the totals cover: the years chosen, else every year of the data.
        "period_label": _label(filters.years)
        if filters.years
        else gettext("All years (%(years)s)", lang, years=_label(activities.year_range())),
        "period_note": note,
    }


def _named(dim: dimensions.Dimension, counts, lang: str) -> list[tuple[str, int]]:
    """(name, count) for the codes counted, in the dimension's display order."""
    return [(dim.name_of(c, lang), int(counts[c])) for c in dim.codes() if c in counts]
