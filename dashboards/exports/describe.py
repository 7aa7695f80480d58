"""Words for exports: the active filters as a phrase, the data's as-of date, the source line.

"Africa and Arab States · Education · 2018–2024 · associate partners" — the subtitle printed on
every exported figure, pack and data file, so a page taken out of context still says what it is.
"""

from __future__ import annotations

import datetime as dt

from dashboards import cache, db, vocab
from dashboards.filters import VOCABULARY_OF, Filters
from dashboards.i18n import N_, format_date, gettext

SOURCE = N_("Source: UNESCO partner records")
NO_FILTER = N_("All activities, all years")

# Order in which the dimensions are named, and how each reads (msgid with %(values)s, or None
# for the bare list of names).
_PHRASES: tuple[tuple[str, str | None], ...] = (
    ("regions", None),
    ("countries", None),
    ("fields", None),
    ("years", None),
    ("areas", N_("functional areas: %(values)s")),
    # TRANSLATORS: e.g. "associate partners"; values are partner statuses in lower case.
    ("statuses", N_("%(values)s partners")),
    # TRANSLATORS: values are partner types, e.g. "partner type: NGO".
    ("types", N_("partner type: %(values)s")),
    # TRANSLATORS: values are modalities in lower case, e.g. "bilateral cooperation".
    ("modalities", N_("%(values)s cooperation")),
    # TRANSLATORS: values are activity statuses in lower case, e.g. "ongoing activities".
    ("activity_statuses", N_("%(values)s activities")),
)
_LOWER = {"statuses", "modalities", "activity_statuses"}


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
    """One short phrase per active dimension, in reading order."""
    out: list[str] = []
    for dim, msgid in _PHRASES:
        if dim == "years":
            if filters.years:
                out.append(years_text(filters.years))
            continue
        codes = getattr(filters, dim)
        if not codes:
            continue
        names = [vocab.label(VOCABULARY_OF[dim], c, lang) for c in codes]
        if dim in _LOWER:
            names = [n[:1].lower() + n[1:] for n in names]
        words = join_words(names, lang)
        out.append(gettext(msgid, lang, values=words) if msgid else words)
    return out


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
