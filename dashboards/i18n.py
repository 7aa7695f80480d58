"""Translations and locale-aware formatting for the dashboard (English and French).

The language is chosen per request (``lang`` in the URL), never per process, so nothing here
holds a "current language": every function takes ``lang``. Messages live in gettext
catalogues under ``dashboards/locales/<lang>/LC_MESSAGES/messages.po`` (compiled to ``.mo``,
committed), so a translator can add a language without touching the code.

In a page::

    from dashboards.i18n import t, N_

    TITLE = N_("Overview")                    # marked for extraction, translated later

    def layout(lang="en", **_kw):
        _ = t(lang)
        return html.H1(_(TITLE)), html.P(_("Data as of %(date)s", date=format_date(d, lang)))

Maintenance (extract → update → compile; see docs/translations.md)::

    python -m dashboards.i18n all            # or: scripts/i18n.sh
    python -m dashboards.i18n init de        # start a new language

This module must not import Dash: figures and exports use it from the command line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import sys
from collections.abc import Callable
from decimal import Decimal
from numbers import Real
from pathlib import Path

from babel import Locale, dates, numbers
from babel.support import NullTranslations, Translations

SUPPORTED: tuple[str, ...] = ("en", "fr")
DEFAULT = "en"

# The babel locale behind each language: British English (UNESCO's usage, "5 Mar 2024",
# "US$1.2M" — the "US" keeps the dollar unambiguous) and the French of France.
LOCALES: dict[str, str] = {"en": "en_GB", "fr": "fr_FR"}

DOMAIN = "messages"
PACKAGE_DIR = Path(__file__).resolve().parent
LOCALES_DIR = PACKAGE_DIR / "locales"
ROOT_DIR = PACKAGE_DIR.parent

# Extraction keywords, shared by the CLI below and the catalogue test: name → argument spec.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    # etl/reasons.py: Reason("template %(name)s", name=…) — rejection and warning reasons.
    "Reason": None,
}

MISSING = "—"  # shown for None / NaN in every format_* function


def normalise_lang(lang: str | None) -> str:
    """A supported language code for any input ('FR', 'fr-CA', None …); English by default."""
    if not lang:
        return DEFAULT
    code = str(lang).strip().lower().replace("_", "-").split("-")[0]
    return code if code in SUPPORTED else DEFAULT


def locale_for(lang: str | None) -> Locale:
    """The babel Locale used to format numbers and dates in a language."""
    return _locale(normalise_lang(lang))


@functools.cache
def _locale(lang: str) -> Locale:
    return Locale.parse(LOCALES[lang])


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------


def translations(lang: str | None) -> Translations | NullTranslations:
    """The compiled catalogue of a language (cached); NullTranslations when there is none."""
    # Cached on the normalised code: `lang` can come from the client (the language store), and
    # a cache keyed on the raw string kept one catalogue per string sent (issue 9).
    return _catalogue(normalise_lang(lang))


@functools.cache
def _catalogue(code: str) -> Translations | NullTranslations:
    # Translations.load returns NullTranslations when the .mo file is missing, which is the
    # case for English: the msgids are the English text.
    return Translations.load(str(LOCALES_DIR), [code], DOMAIN)


def _interpolate(text: str, variables: dict[str, object]) -> str:
    return text % variables if variables else text


def gettext(msgid: str, lang: str | None, **variables: object) -> str:
    """The translation of a message; ``%(name)s`` placeholders are filled from keywords."""
    if not msgid:
        # gettext("") would return the catalogue's header (translator, dates…), not "".
        return ""
    return _interpolate(translations(lang).gettext(msgid), variables)


def ngettext(singular: str, plural: str, n: int, lang: str | None, **variables: object) -> str:
    """The singular or plural translation for ``n``; ``%(num)s`` is filled with ``n``."""
    text = translations(lang).ngettext(singular, plural, n)
    return text % {"num": format_number(n, lang), **variables}


def reason_text(text: object, template: object, args: object, lang: str | None) -> str:
    """A stored rejection/warning reason in a language (etl/reasons.py), else its stored text.

    `template` is the msgid (`reason_template`), `args` its JSON arguments (`reason_args`);
    an argument that is itself {"template", "args"} is translated too, any other is a value
    from the data and stays as given. A reason stored without a template (a warehouse built
    before reasons had one) is shown as stored, in English.
    """
    stored = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    if not isinstance(template, str) or not template:
        return stored
    try:
        values = json.loads(args) if isinstance(args, str) and args else {}
        return _reason(template, values if isinstance(values, dict) else {}, normalise_lang(lang))
    except (ValueError, KeyError, TypeError):
        return stored  # arguments that do not fit the template: the English text is still true


def reason_rule(template: object, args: object, lang: str | None) -> str | None:
    """A reason's template as a rule in a language: values from the data shown as N.

    Words of the product among the arguments (nested templates) are translated; None when
    the template or its arguments cannot be read.
    """
    if not isinstance(template, str) or not template:
        return None
    try:
        values = json.loads(args) if isinstance(args, str) and args else {}
        code = normalise_lang(lang)
        filled = {
            k: _reason(v["template"], v.get("args") or {}, code)
            if isinstance(v, dict) and isinstance(v.get("template"), str)
            else "N"
            for k, v in (values if isinstance(values, dict) else {}).items()
        }
        if not filled and "%(" in template:
            return None
        text = translations(code).gettext(template)
        return text % filled if filled else text
    except (ValueError, KeyError, TypeError):
        return None


def _reason(template: str, args: dict, lang: str) -> str:
    values = {
        k: _reason(v["template"], v.get("args") or {}, lang)
        if isinstance(v, dict) and isinstance(v.get("template"), str)
        else v
        for k, v in args.items()
    }
    if not values and "%(" in template:
        raise KeyError(template)  # placeholders without arguments: not this template's args
    text = translations(lang).gettext(template)
    return text % values if values else text


def t(lang: str | None) -> Callable[..., str]:
    """A ``_(msgid, **variables)`` function bound to one language, for use in a layout."""
    code = normalise_lang(lang)

    def _(msgid: str, **variables: object) -> str:
        return gettext(msgid, code, **variables)

    _.lang = code  # type: ignore[attr-defined]
    return _


def N_(msgid: str) -> str:
    """Mark a string for translation without translating it (module-level constants)."""
    return msgid


# ---------------------------------------------------------------------------------------------
# Numbers and dates
# ---------------------------------------------------------------------------------------------


def _is_missing(x: object) -> bool:
    return x is None or (isinstance(x, Real | Decimal) and math.isnan(x))


@functools.lru_cache(maxsize=64)
def _with_decimals(pattern_text: str, decimals: int) -> numbers.NumberPattern:
    """The locale's own pattern with a fixed number of decimals (keeps its spacing and sign).

    Cached: parsing the pattern cost more than applying it, for every number on every chart.
    """
    pattern = numbers.parse_pattern(pattern_text)
    pattern.frac_prec = (decimals, decimals)
    return pattern


def format_number(x: float | int | Decimal | None, lang: str | None, decimals: int = 0) -> str:
    """A number with the language's grouping and decimal mark: 1,234,567 / 1 234 567."""
    if x is None or _is_missing(x):  # `is None` narrows the type for mypy
        return MISSING
    locale = locale_for(lang)
    pattern = _with_decimals(locale.decimal_formats[None].pattern, decimals)
    return pattern.apply(x, locale)


def format_money(
    x: float | int | Decimal | None, lang: str | None, compact: bool = True, currency: str = "USD"
) -> str:
    """An amount in US dollars, compact by default: "US$1.2M" / "1,2 M $US"."""
    if x is None or _is_missing(x):  # `is None` narrows the type for mypy
        return MISSING
    locale = locale_for(lang)
    if compact:
        return numbers.format_compact_currency(x, currency, locale=locale, fraction_digits=1)
    pattern = _with_decimals(locale.currency_formats["standard"].pattern, 0)
    return pattern.apply(x, locale, currency=currency, currency_digits=False)


def format_compact(x: float | int | Decimal | None, lang: str | None, decimals: int = 1) -> str:
    """A large number in short form: "1.2M" / "1,2 M"."""
    if x is None or _is_missing(x):  # `is None` narrows the type for mypy
        return MISSING
    return numbers.format_compact_decimal(x, locale=locale_for(lang), fraction_digits=decimals)


def format_percent(x: float | int | Decimal | None, lang: str | None, decimals: int = 0) -> str:
    """A share (0.256) as a percentage: "26%" / "26 %"."""
    if x is None or _is_missing(x):  # `is None` narrows the type for mypy
        return MISSING
    locale = locale_for(lang)
    pattern = _with_decimals(locale.percent_formats[None].pattern, decimals)
    return pattern.apply(x, locale)


def _as_date(d: dt.date | dt.datetime | str) -> dt.date | dt.datetime:
    return dt.datetime.fromisoformat(d) if isinstance(d, str) else d


def format_date(
    d: dt.date | dt.datetime | str | None, lang: str | None, format: str = "medium"
) -> str:
    """A date in the language: "5 Mar 2024" / "5 mars 2024" (format: short|medium|long|full)."""
    if d is None:
        return MISSING
    value = _as_date(d)
    if isinstance(value, dt.datetime):
        value = value.date()
    return _babel_day(value, "day", format, lang)


PRECISIONS: tuple[str, ...] = ("day", "month", "year")
# babel skeletons per style and precision: "Oct 2006" / "oct. 2006", "October 2006" / "octobre 2006".
_MONTH_SKELETON = {"short": "yMM", "medium": "yMMM", "long": "yMMMM", "full": "yMMMM"}


def normalise_precision(precision: object) -> str:
    """'day', 'month' or 'year' for a `<col>_precision` value; 'day' when absent or unknown.

    A warehouse built before dates kept their precision has no such column: its dates are days.
    """
    if isinstance(precision, str) and precision.strip().lower() in PRECISIONS:
        return precision.strip().lower()
    return "day"


def _partial_value(value: object) -> dt.date | None:
    """A date from a date, datetime, pandas Timestamp, or ISO text ("2015", "2006-10", …)."""
    if value is None:
        return None
    try:
        if value != value:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        parts = text[:10].split("-")
        if len(parts) == 1:
            return dt.date(int(parts[0]), 1, 1)
        if len(parts) == 2:
            return dt.date(int(parts[0]), int(parts[1]), 1)
        return dt.date.fromisoformat(text[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "year") and hasattr(value, "month") and hasattr(value, "day"):
        return dt.date(int(value.year), int(value.month), int(value.day))
    raise TypeError(f"not a date: {value!r}")


def format_partial_date(
    value: dt.date | dt.datetime | str | None,
    precision: str | None,
    lang: str | None,
    style: str = "medium",
) -> str:
    """A date from the data, as precise as its source gave it and no more.

    The warehouse stores the first day of the period with a `<col>_precision` beside it
    ('day' | 'month' | 'year'; absent or unknown is read as 'day'):

    - year: "2015" (never "1 Jan 2015");
    - month: "Oct 2006" / "oct. 2006";
    - day: "12 Dec 2016" / "12 déc. 2016".

    `style` is babel's (short | medium | long | full), or "iso" for data files: "2015",
    "2006-10", "2016-12-12" (sortable, the same in every language). None, NaN, NaT → "—".
    """
    day = _partial_value(value)
    if day is None:
        return MISSING
    kind = normalise_precision(precision)
    if style == "iso":
        if kind == "year":
            return f"{day.year:04d}"
        if kind == "month":
            return f"{day.year:04d}-{day.month:02d}"
        return day.isoformat()
    if kind == "year":
        return str(day.year)
    return _babel_day(day, kind, style, lang)


@functools.lru_cache(maxsize=8192)
def _babel_day(day: dt.date, kind: str, style: str, lang: str | None) -> str:
    # Memoised: a grid formats the same few hundred dates thousands of times (lifecycle grids
    # at 1M: babel was a fifth of the rows' Python time); bounded, so client strings cannot grow it.
    locale = locale_for(lang)
    if kind == "month":
        return dates.format_skeleton(_MONTH_SKELETON.get(style, "yMMM"), day, locale=locale)
    return dates.format_date(day, format=style, locale=locale)


def format_datetime(
    d: dt.datetime | str | None,
    lang: str | None,
    format: str = "medium",
    tzinfo: dt.tzinfo | None = None,
) -> str:
    """A date and time in the language: "5 Mar 2024, 14:30:00" / "5 mars 2024, 14:30:00"."""
    if d is None:
        return MISSING
    return dates.format_datetime(_as_date(d), format=format, tzinfo=tzinfo, locale=locale_for(lang))


# ---------------------------------------------------------------------------------------------
# Strings shared by several pages, seeded before the pages exist. They are listed here so the
# extractor keeps them in the catalogue; once a page marks a string itself, its line here can go.
# ---------------------------------------------------------------------------------------------

SHARED_STRINGS: tuple[str, ...] = (
    # App frame
    N_("UNESCO partnerships with NGOs"),
    N_("Language"),
    N_("English"),
    N_("French"),
    N_("Loading…"),
    N_("Close"),
    N_("Page not found"),
    N_("Back to the overview"),
    N_("Data as of %(date)s"),
    N_("Source: UNESCO partner records"),
    # Page titles
    N_("Overview"),
    N_("Fields of competence"),
    N_("Functional areas"),
    N_("Regions"),
    N_("Partners"),
    N_("Collective cooperation"),
    N_("Data"),
    # Filter bar
    N_("Filters"),
    N_("Years"),
    N_("Countries"),
    N_("Partner status"),
    N_("Partner type"),
    N_("Modality"),
    N_("Activity status"),
    N_("All"),
    N_("Select…"),
    N_("Search…"),
    N_("Clear all"),
    # TRANSLATORS: notice shown when a value in the URL is not a known code; value is that text.
    N_("%(value)s was not recognised and was ignored"),
    # Charts, tables, key figures
    N_("No data for these filters"),
    N_("Show as table"),
    N_("Show as chart"),
    N_("Download"),
    N_("Download CSV"),
    N_("Download Excel"),
    N_("Download image"),
    N_("Activities"),
    N_("Number of activities"),
    N_("Share of activities"),
    # TRANSLATORS: axis and column title; amounts are in United States dollars.
    N_("Budget (US$)"),
    N_("Countries reached"),
    N_("Year"),
    N_("Region"),
    N_("Country"),
    N_("Partner"),
    N_("Field of competence"),
    N_("Functional area"),
    N_("Total"),
    N_("Other"),
    # TRANSLATORS: activities not tied to one region.
    N_("Global"),
    N_("Not specified"),
    # TRANSLATORS: the standard United Nations map disclaimer; use the official wording.
    N_(
        "The boundaries and names shown and the designations used on this map do not imply "
        "official endorsement or acceptance by the United Nations."
    ),
)


def count_text(kind: str, n: int, lang: str | None) -> str:
    """A count with its noun in the right plural: "1 activity", "1 234 activités"."""
    if kind == "activity":
        return ngettext("%(num)s activity", "%(num)s activities", n, lang)
    if kind == "partner":
        return ngettext("%(num)s partner", "%(num)s partners", n, lang)
    if kind == "country":
        return ngettext("%(num)s country", "%(num)s countries", n, lang)
    if kind == "filter":
        return ngettext("%(num)s filter active", "%(num)s filters active", n, lang)
    if kind == "report":
        return ngettext("%(num)s report", "%(num)s reports", n, lang)
    if kind == "event":
        return ngettext("%(num)s status event", "%(num)s status events", n, lang)
    if kind == "row":
        return ngettext("%(num)s row", "%(num)s rows", n, lang)
    raise ValueError(f"unknown kind of count: {kind!r}")


# ---------------------------------------------------------------------------------------------
# Catalogue maintenance: python -m dashboards.i18n extract|update|compile|all|init <lang>
# ---------------------------------------------------------------------------------------------

POT_FILE = LOCALES_DIR / f"{DOMAIN}.pot"
MAPPING_FILE = ROOT_DIR / "babel.cfg"


def _keyword_args() -> list[str]:
    args = ["--no-default-keywords"]
    for name, spec in KEYWORDS.items():
        args += ["-k", name if spec is None else f"{name}:{','.join(map(str, spec))}"]
    return args


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    # From the repository root, so file locations in the catalogues are relative paths.
    with contextlib.chdir(ROOT_DIR):
        CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    """Write ``messages.pot`` from the ``_()``/``gettext``/``ngettext``/``N_`` calls in dashboards/."""
    _pybabel(
        "extract",
        "-F", MAPPING_FILE.name,
        *_keyword_args(),
        "--sort-by-file",
        "--no-wrap",
        "--project", "unesco-ngo-dashboard",
        "--add-comments", "TRANSLATORS:",
        "--copyright-holder", "UNESCO",
        "-o", str(POT_FILE.relative_to(ROOT_DIR)),
        # The input is the repository root so that babel.cfg's "dashboards/**.py" matches and
        # the .pot says "dashboards/pages/x.py:12"; dot- and underscore-folders are skipped.
        ".",
    )  # fmt: skip


def update() -> None:
    """Merge ``messages.pot`` into every language's ``messages.po`` (new strings come empty)."""
    _pybabel(
        "update", "-i", str(POT_FILE), "-d", str(LOCALES_DIR), "-D", DOMAIN,
        "--no-wrap", "--ignore-obsolete", "--no-fuzzy-matching",
    )  # fmt: skip


def compile_catalogues() -> None:
    """Compile every ``messages.po`` to the ``messages.mo`` the app reads."""
    _pybabel("compile", "-d", str(LOCALES_DIR), "-D", DOMAIN, "--statistics")


def init(lang: str) -> None:
    """Start the catalogue of a new language from ``messages.pot``."""
    _pybabel(
        "init", "-i", str(POT_FILE), "-d", str(LOCALES_DIR), "-D", DOMAIN, "-l", lang, "--no-wrap"
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (see the module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "all"
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_catalogues()
    elif command == "all":
        extract()
        update()
        compile_catalogues()
    elif command == "init" and len(args) == 2:
        extract()
        init(args[1])
    else:
        print("usage: python -m dashboards.i18n [extract|update|compile|all|init <lang>]")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
