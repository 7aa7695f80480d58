"""Words for exports: the active filters as a phrase, the data's as-of date, the source line.

"Africa and Arab States · Education · 2018–2024 · associate partners" — the subtitle printed on
every exported figure, pack and data file, so a page taken out of context still says what it is.
"""

from __future__ import annotations

import datetime as dt
import re

from dashboards import cache, db, dimensions
from dashboards.filters import Filters
from dashboards.i18n import N_, format_date, gettext

SOURCE = N_("Source: UNESCO partner records")
NO_FILTER = N_("All activities, all years")
# Filters.without_flagged in words, last in a subtitle.
FLAGGED_PHRASE = N_("budgets flagged at load left out")
FLAGGED_RANK = 100
NO_FILTER_APPLIED = N_("No filter applied")
# French typography puts a space before a semicolon (as the catalogue does before a colon).
SEMICOLON = {"en": "; ", "fr": " ; "}


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


def _keyed_phrases(filters: Filters, lang: str) -> list[tuple[str, str]]:
    """(Filters key, phrase) per active filter, in reading order (`Dimension.phrase_rank`)."""
    out: list[tuple[int, str, str]] = []
    if filters.years:
        out.append((dimensions.YEARS_PHRASE_RANK, "years", years_text(filters.years)))
    for dim in dimensions.FILTERS:
        codes = getattr(filters, dim.key)
        if codes:
            out.append((dim.phrase_rank, dim.key, dim.phrase_of(codes, lang, join_words)))
    if filters.without_flagged:
        out.append((FLAGGED_RANK, "flagged", gettext(FLAGGED_PHRASE, lang)))
    return [(key, text) for _, key, text in sorted(out, key=lambda item: item[0])]


def filter_phrases(filters: Filters, lang: str) -> list[str]:
    """One short phrase per active dimension, in reading order (`Dimension.phrase_rank`)."""
    return [text for _, text in _keyed_phrases(filters, lang)]


def filters_text(filters: Filters, lang: str, ignores: tuple[str, ...] = ()) -> str:
    """The filters in words, joined by ' · ' ('All activities, all years' when none).

    `ignores`: Filters keys a chart does not apply (`Chart.ignores`); active ones are not
    claimed but named as not applied, so a chart's subtitle only says what shaped it.
    """
    phrases = _keyed_phrases(filters, lang)
    applied = [text for key, text in phrases if key not in ignores]
    skipped = [text for key, text in phrases if key in ignores]
    if not skipped:
        return " · ".join(applied) if applied else gettext(NO_FILTER, lang)
    # TRANSLATORS: after a chart's filters, those its data cannot be filtered by.
    tail = gettext(
        "not applied to this chart: %(filters)s",
        lang,
        filters=SEMICOLON.get(lang, "; ").join(skipped),
    )
    return (
        " · ".join([*applied, tail]) if applied else gettext(NO_FILTER_APPLIED, lang) + " · " + tail
    )


# Words that tell a reader on screen to interact; a sentence (or the clause after a colon)
# holding one is left out on paper and slides, where nothing can be clicked.
SCREEN_ONLY = {
    "en": ("click", "hover", "tap ", "show the table", "select "),
    "fr": ("cliquez", "cliquer", "survol", "affichez le tableau", "sélectionnez"),
}


def paper_text(text: str, lang: str) -> str:
    """A note without its on-screen instructions ('Click a cell to filter by both.')."""
    words = SCREEN_ONLY.get(lang, ()) + SCREEN_ONLY["en"]
    kept: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        lower = sentence.lower()
        if not any(w in lower for w in words):
            kept.append(sentence)
            continue
        head, colon, _tail = sentence.partition(":")
        if colon and not any(w in head.lower() for w in words):
            kept.append(head.rstrip(" \u202f\u00a0") + ".")
    return " ".join(kept)


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
