"""Strict parsers for the values people type: dates with their precision, ranges, amounts.

Pure functions of one string, no pandas: `validate` calls them once per distinct cell value.
A value is either understood (possibly with a `note` saying what was interpreted or cut, which
the load reports as a warning), or refused with a reason; nothing is guessed silently.

Dates keep the precision the source gives: "2015" is the year 2015, not 1 January 2015, and
"Oct 2006" is a month. A `When` holds the first day of its period and the precision; ranges
("2016-12-12 to 2016-12-14", "2015-2016", "12–14 December 2016", "du 12 au 14 décembre 2016")
give a start and an end. Only ASCII digits are digits here: `int()` and `strptime` accept
Arabic-Indic or full-width digits, which in a partner list are a paste accident, not a date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from etl.reasons import Reason

Precision = Literal["day", "month", "year"]
YEAR_MIN, YEAR_MAX = 1900, 2100

# Month names and abbreviations in English, French and Spanish, folded (no accents, no case).
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier janv enero ene",
        "february feb fevrier fevr fev febrero",
        "march mar mars marzo",
        "april apr avril avr abril abr",
        "may mai mayo",
        "june jun juin junio",
        "july jul juillet juil julio",
        "august aug aout agosto ago",
        "september sep sept septembre septiembre setiembre set",
        "october oct octobre octubre",
        "november nov novembre noviembre",
        "december dec decembre diciembre dic",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH = r"(?P<{}>[^\W\d_]+\.?)"  # a word (letters of any script), checked against _MONTHS
_D = "[0-9]"


@dataclass(frozen=True)
class When:
    """A date or a period as the source gave it: first day of the period, and its precision."""

    start: dt.date
    precision: Precision
    end: dt.date | None = None
    end_precision: Precision | None = None
    note: str | None = None  # what was interpreted or cut, reported as a warning

    @property
    def last_day(self) -> dt.date:
        """The last day the value covers (the end of the range, or of the period)."""
        if self.end is not None:
            return period_end(self.end, self.end_precision or "day")
        return period_end(self.start, self.precision)


@dataclass(frozen=True)
class Bad:
    """A value that cannot be read, with the reason shown to the user."""

    reason: str


def period_end(day: dt.date, precision: str) -> dt.date:
    """The last day of the period that starts at `day` with this precision."""
    if precision == "year":
        return dt.date(day.year, 12, 31)
    if precision == "month":
        return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


def non_ascii_digits(text: str) -> bool:
    """True when the text holds a digit other than 0-9 (Arabic-Indic, full-width, ...)."""
    return any(ch.isdigit() and not ("0" <= ch <= "9") for ch in text)


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return word.lower().rstrip(".")


def _month(word: str) -> int | None:
    return _MONTHS.get(_fold(word))


def _date(year: int, month: int = 1, day: int = 1) -> dt.date | Bad:
    if not YEAR_MIN <= year <= YEAR_MAX:
        return Bad(
            Reason(
                "year %(year)s is out of range (%(min)s–%(max)s)",
                year=year,
                min=YEAR_MIN,
                max=YEAR_MAX,
            )
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        return Bad(Reason("no such date"))


_ISO_TIME = re.compile(
    rf"^(?P<y>{_D}{{4}})-(?P<m>{_D}{{2}})-(?P<d>{_D}{{2}})[T ]"
    rf"(?P<H>{_D}{{2}}):(?P<M>{_D}{{2}})(?::(?P<S>{_D}{{2}})(?:\.{_D}+)?)?"
    rf"(?P<tz>Z|[+-]{_D}{{2}}:?{_D}{{2}})?$"
)
# (pattern, precision): named groups y, m (number), mon (name), d
_SINGLE: list[tuple[re.Pattern[str], Precision]] = [
    (re.compile(rf"^(?P<y>{_D}{{4}})-(?P<m>{_D}{{1,2}})-(?P<d>{_D}{{1,2}})$"), "day"),
    (re.compile(rf"^(?P<y>{_D}{{4}})/(?P<m>{_D}{{1,2}})/(?P<d>{_D}{{1,2}})$"), "day"),
    (re.compile(rf"^(?P<d>{_D}{{1,2}})([/.-])(?P<m>{_D}{{1,2}})\2(?P<y>{_D}{{4}})$"), "day"),
    (re.compile(rf"^(?P<y>{_D}{{4}})-(?P<m>{_D}{{1,2}})$"), "month"),
    (re.compile(rf"^(?P<m>{_D}{{1,2}})[/.](?P<y>{_D}{{4}})$"), "month"),
    (re.compile(rf"^(?P<y>{_D}{{4}})$"), "year"),
    # 12 December 2016, 1er juin 2015, 12 de diciembre de 2016
    (
        re.compile(
            rf"^(?P<d>{_D}{{1,2}})(?:er|st|nd|rd|th|º)?\s+(?:de\s+)?{_MONTH.format('mon')}"
            rf"\s+(?:de\s+)?(?P<y>{_D}{{4}})$"
        ),
        "day",
    ),
    # December 12, 2016
    (
        re.compile(
            rf"^{_MONTH.format('mon')}\s+(?P<d>{_D}{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{_D}{{4}})$"
        ),
        "day",
    ),
    # Oct 2006, octobre 2006, Oct-2006, octubre de 2006
    (re.compile(rf"^{_MONTH.format('mon')}(?:\s+de)?[\s-]+(?P<y>{_D}{{4}})$"), "month"),
]


def _single(text: str) -> When | Bad | None:
    """One date or period (no range); None when no pattern matches."""
    m = _ISO_TIME.match(text)
    if m:
        hour, minute, second = int(m["H"]), int(m["M"]), int(m["S"] or 0)
        if hour > 23 or minute > 59 or second > 59:
            return Bad(Reason("no such time of day"))
        day = _date(int(m["y"]), int(m["m"]), int(m["d"]))
        if isinstance(day, Bad):
            return day
        # Midnight is how spreadsheets write a plain date; any other time is information cut.
        cut = hour or minute or second or m["tz"]
        note = (
            Reason("time of day (%(time)s) not kept, only the date", time=text[11:])
            if cut
            else None
        )
        return When(day, "day", note=note)
    for pattern, precision in _SINGLE:
        m = pattern.match(text)
        if not m:
            continue
        groups = m.groupdict()
        if groups.get("mon") is not None:
            month = _month(groups["mon"])
            if month is None:
                return None
        else:
            month = int(groups.get("m") or 1)
        day = _date(int(m["y"]), month, int(groups.get("d") or 1))
        if isinstance(day, Bad):
            return day
        return When(day, precision)
    return None


_RANGE_WORDS = re.compile(
    r"^(?:from|du|des|depuis|del|de)\s+(?P<a>.+?)\s+(?:to|until|till|au|a|à|jusqu'au|jusqu’au|"
    r"hasta|al)\s+(?P<b>.+)$|^(?P<a2>.+?)\s+(?:to|until|till|au|à|hasta|al)\s+(?P<b2>.+)$",
    re.IGNORECASE,
)
_RANGE_DASH = re.compile(r"^(?P<a>.+?)\s*[-–—‒/]\s*(?P<b>.+)$")
_DAY_ONLY = re.compile(rf"^(?P<d>{_D}{{1,2}})(?:er|st|nd|rd|th)?$")
_DAY_MONTH = re.compile(
    rf"^(?P<d>{_D}{{1,2}})(?:er|st|nd|rd|th)?\s+(?:de\s+)?(?P<mon>[^\W\d_]+\.?)$"
)
_MONTH_ONLY = re.compile(r"^(?P<mon>[^\W\d_]+\.?)$")


def _range(text: str) -> When | Bad | None:
    m = _RANGE_WORDS.match(text)
    if m:
        a, b = (m["a"], m["b"]) if m["a"] else (m["a2"], m["b2"])
    else:
        # Try every dash as the separator ("2016-12-12 - 2016-12-14" has many dashes).
        for sep in re.finditer(r"\s*[-–—‒/]\s*", text):
            a, b = text[: sep.start()], text[sep.end() :]
            found = _range_parts(a.strip(), b.strip())
            if found is not None:
                return found
        return None
    return _range_parts(a.strip(), b.strip())


def _borrowed_start(a: str, end: When) -> dt.date | Bad | None:
    """The first day of a range whose left side lacks the year (and month) of its right side."""
    if (d := _DAY_ONLY.match(a)) and end.precision == "day":
        return _date(end.start.year, end.start.month, int(d["d"]))
    if (d := _DAY_MONTH.match(a)) and end.precision == "day" and (month := _month(d["mon"])):
        return _date(end.start.year, month, int(d["d"]))
    if (d := _MONTH_ONLY.match(a)) and end.precision == "month" and (month := _month(d["mon"])):
        return _date(end.start.year, month)
    return None


def _range_parts(a: str, b: str) -> When | Bad | None:
    end = _single(b)
    if end is None:
        return None
    if isinstance(end, Bad):  # "2016-12-12 to 2016-13-14": a range, with a bad end
        return end if _single(a) is not None else None
    start = _single(a)
    if start is None:
        # The left side borrows what it lacks from the right: "12–14 December 2016",
        # "12 June – 3 July 2016", "June–July 2016".
        first = _borrowed_start(a, end)
        if first is None or isinstance(first, Bad):
            return first
        start = When(first, end.precision)
    elif isinstance(start, Bad):
        return start
    if end.last_day < start.start:
        return Bad(Reason("the range ends before it starts"))
    notes = [n for n in (start.note, end.note) if n]
    note = (
        notes[0]
        if len(notes) == 1
        else Reason("%(a)s; %(b)s", a=notes[0], b=notes[1])
        if notes
        else None
    )
    return When(start.start, start.precision, end.start, end.precision, note)


def parse_when(text: str) -> When | Bad | None:
    """A date, period or range from text; None when empty; `Bad` with a reason otherwise."""
    text = " ".join(str(text).split())
    if not text:
        return None
    if non_ascii_digits(text):
        return Bad(Reason("holds digits other than 0-9"))
    # "2015-16": a year range written with a two-digit end (interpreted, so noted). "2011-12"
    # is ISO for December 2011, and people write bienniums that way too: noted either way.
    m = re.match(rf"^(?P<a>{_D}{{4}})\s*[-–—/]\s*(?P<b>{_D}{{2}})$", text)
    if m:
        return _short_year_range(int(m["a"]), m["b"])
    single = _single(text)
    if single is not None:
        return single
    found = _range(text)
    if found is not None:
        return found
    return Bad(
        Reason("not a date (expected e.g. 2016-12-14, 14/12/2016, Dec 2016, 2016 or a range)")
    )


def _short_year_range(a: int, b_text: str) -> When | Bad:
    b = int(b_text)
    if 1 <= b <= 12:
        month = _date(a, b)
        if isinstance(month, Bad):
            return month
        # Only "2011-12" (b is the next year's two digits) can also mean a biennium.
        biennium = b == (a + 1) % 100
        note = (
            Reason(
                "read as month %(month)s of %(year)s; write %(year)s-%(next)s for two years",
                month=b_text,
                year=a,
                next=a + 1,
            )
            if biennium
            else None
        )
        return When(month, "month", note=note)
    end_year = a - a % 100 + b + (100 if a % 100 > b else 0)
    start, end = _date(a), _date(end_year)
    if isinstance(start, Bad):
        return start
    if isinstance(end, Bad):
        return end
    note = Reason(
        "'%(given)s' read as %(start)s to %(end)s", given=f"{a}-{b_text}", start=a, end=end_year
    )
    return When(start, "year", end, "year", note)


def parse_amount(text: str) -> float | None:
    """A money amount: '12500', '12,500.50', '12 500,50', 'US$ 1,200' → float; NaN if malformed.

    Strict: only ASCII digits, one sign in front, and group separators where groups are;
    `1_000` (Python's literal syntax) and 'inf' are not amounts.
    """
    t = re.sub(r"(?i)us\$|usd|\$|[\s\u00a0\u202f']", "", text)
    if not t:
        return None
    if not re.fullmatch(r"[+-]?[0-9.,]*[0-9][0-9.,]*", t):
        return float("nan")
    if "," in t and "." in t:
        t = (
            t.replace(",", "")
            if t.rfind(".") > t.rfind(",")
            else t.replace(".", "").replace(",", ".")
        )
    elif "," in t:
        thousands = re.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+", t)
        t = t.replace(",", "") if thousands else t.replace(",", ".")
    try:
        value = float(t)
    except ValueError:
        return float("nan")
    return value if math.isfinite(value) else float("nan")
