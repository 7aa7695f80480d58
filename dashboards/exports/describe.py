"""Words for exports: the active filters as a phrase, the data's as-of date, the source line.

"Africa and Arab States · Education · 2018–2024 · associate partners" — the subtitle printed on
every exported figure, pack and data file, so a page taken out of context still says what it is.
"""

from __future__ import annotations

import datetime as dt

from dashboards import cache, db, dimensions
from dashboards.filters import Filters
from dashboards.i18n import N_, format_date, gettext

SOURCE = N_("Source: UNESCO partner records")
NO_FILTER = N_("All activities, all years")
# Filters.without_flagged in words, last in a subtitle.
FLAGGED_PHRASE = N_("budgets flagged at load left out")
FLAGGED_RANK = 100


def join_words(items: list[str], lang: str) -> str:
    """'A', 'A and B', 'A, B and C' in the language."""
    if len(items) <= 1:
        return "".join(items)
    # TRANSLATORS: joins the last two items of a list: "Africa and Arab States".
    return gettext("%(first)s and %(last)s", lang, first=", ".join(items[:-1]), last=items[-1])


def years_text(years: tuple[int, int]) -> str:
    """'2018–2024', or '2020' for a single year."""
    lo, hi = years
    return str(lo) if lo == hi else f"{lo}–{hi}"


def filter_phrases(filters: Filters, lang: str) -> list[str]:
    """One short phrase per active dimension, in reading order (`Dimension.phrase_rank`)."""
    out: list[tuple[int, str]] = []
    if filters.years:
        out.append((dimensions.YEARS_PHRASE_RANK, years_text(filters.years)))
    for dim in dimensions.FILTERS:
        codes = getattr(filters, dim.key)
        if codes:
            out.append((dim.phrase_rank, dim.phrase_of(codes, lang, join_words)))
    if filters.without_flagged:
        out.append((FLAGGED_RANK, gettext(FLAGGED_PHRASE, lang)))
    return [text for _, text in sorted(out, key=lambda item: item[0])]


def filters_text(filters: Filters, lang: str) -> str:
    """The filters in words, joined by ' · ' ('All activities, all years' when none)."""
    phrases = filter_phrases(filters, lang)
    return " · ".join(phrases) if phrases else gettext(NO_FILTER, lang)


def as_of() -> dt.datetime | None:
    """When the data was loaded: the finish time of the latest successful ETL run."""
    return cache.cached("exports.as_of", compute=_as_of)


def _as_of() -> dt.datetime | None:
    try:
        value = db.scalar("SELECT finished_at FROM v_latest_run")
    except Exception:  # an old warehouse without the view: say nothing rather than fail
        return None
    return value


def as_of_text(lang: str) -> str:
    """'Data as of 27 Nov 2026' in the language (or '' when unknown)."""
    when = as_of()
    return gettext("Data as of %(date)s", lang, date=format_date(when, lang)) if when else ""


def source_line(lang: str) -> str:
    """'Data as of 27 Nov 2026 · Source: UNESCO partner records'."""
    return " · ".join(p for p in (as_of_text(lang), gettext(SOURCE, lang)) if p)


def generated_text(lang: str, when: dt.datetime | None = None) -> str:
    """'Generated on 28 Nov 2026'."""
    when = when or dt.datetime.now()
    return gettext("Generated on %(date)s", lang, date=format_date(when, lang, "long"))
