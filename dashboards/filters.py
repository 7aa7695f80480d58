"""The one filter model: URL query string ⇄ `Filters` ⇄ `(where_sql, params)`.

Every page reads a `Filters`; the filter bar writes it into the URL; exports print it on figures.
Values from the URL are checked against the vocabularies of the warehouse being served; anything
unknown or malformed is dropped and reported as a `Notice`, never passed to SQL. Column names
come from the dimension registry (`dashboards.dimensions`, a whitelist); values always travel as
parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, cast
from urllib.parse import parse_qs, urlencode

from dashboards import dimensions

YEAR_MIN, YEAR_MAX = 1945, 2100

# The filterable dimensions (a `Filters` attribute each); their definitions are in
# `dashboards.dimensions`. The two dicts below are views of that registry, kept for callers.
Dimension = Literal[
    "fields",
    "areas",
    "regions",
    "countries",
    "statuses",
    "types",
    "modalities",
    "activity_statuses",
]
URL_KEYS: dict[str, str] = {d.key: d.url_key for d in dimensions.FILTERS if d.url_key}
VOCABULARY_OF: dict[str, str] = {d.key: d.vocabulary for d in dimensions.FILTERS}
LANGS = ("en", "fr")
# `flagged=exclude` leaves out the activities flagged at load (`activity_facts.flagged`: a load
# warning on their budget, e.g. an outlier); any other value is dropped with a notice.
FLAGGED_KEY, FLAGGED_EXCLUDE = "flagged", "exclude"


@dataclass(frozen=True)
class Notice:
    """A URL value that was dropped, and why (shown to the user, never an error page)."""

    key: str
    value: str
    reason: Literal["unknown", "malformed"]


@dataclass(frozen=True)
class Filters:
    """The filter state shared by every page, chart and export. Empty tuple = no restriction."""

    years: tuple[int, int] | None = None
    fields: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    activity_statuses: tuple[str, ...] = ()
    without_flagged: bool = False  # leave out activities flagged at load (URL `flagged=exclude`)

    # -- URL -----------------------------------------------------------------------------------
    @classmethod
    def from_query(cls, query: str | dict | None) -> tuple[Filters, list[Notice]]:
        """Parse a URL query string (with or without '?'); return filters and dropped values."""
        if isinstance(query, dict):
            raw = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
        else:
            raw = parse_qs((query or "").lstrip("?"), keep_blank_values=False)
        notices: list[Notice] = []
        kwargs: dict = {}
        if "years" in raw:
            text = raw["years"][-1].strip()
            years = _parse_years(text)
            if years is None:
                notices.append(Notice("years", text, "malformed"))
            else:
                kwargs["years"] = years
        if FLAGGED_KEY in raw:
            text = raw[FLAGGED_KEY][-1].strip()
            if text.lower() == FLAGGED_EXCLUDE:
                kwargs["without_flagged"] = True
            else:
                notices.append(Notice(FLAGGED_KEY, text, "unknown"))
        for dim in dimensions.FILTERS:
            key = cast(str, dim.url_key)  # every FILTERS dimension has a URL key
            if key not in raw:
                continue
            kept: list[str] = []
            for part in _split(",".join(raw[key])):
                code = dim.normalise(part)
                if code is None:
                    notices.append(Notice(key, part, "unknown"))
                elif code not in kept:
                    kept.append(code)
            if kept:
                kwargs[dim.key] = dim.sorted(kept)
        return cls(**kwargs), notices

    def to_query(self, lang: str | None = None) -> str:
        """Serialise to a canonical query string ('' when nothing is set), `?` included."""
        pairs: list[tuple[str, str]] = []
        if self.years:
            pairs.append(("years", f"{self.years[0]}-{self.years[1]}"))
        for dim in dimensions.FILTERS:
            values = getattr(self, dim.key)
            if values:
                pairs.append((cast(str, dim.url_key), ",".join(values)))
        if self.without_flagged:
            pairs.append((FLAGGED_KEY, FLAGGED_EXCLUDE))
        if lang and lang != "en":
            pairs.append(("lang", lang))
        return ("?" + urlencode(pairs, safe=",-")) if pairs else ""

    # -- editing -------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """True when no filter is set."""
        return self == Filters()

    def with_values(self, dim: str, values: tuple[str, ...] | list[str]) -> Filters:
        """Return a copy with one dimension replaced (values normalised and ordered)."""
        d = dimensions.get(dim)
        codes = [c for c in (d.normalise(v) for v in values) if c]
        changes: dict[str, Any] = {d.key: d.sorted(codes)}
        return replace(self, **changes)

    def toggle(self, dim: str, value: str) -> Filters:
        """Make a value the only one of its dimension, or clear it if it already is (a click).

        A value that is not a code of the dimension (e.g. the "Global" bar, which is no region)
        leaves the filters as they are.
        """
        if dimensions.get(dim).normalise(value) is None:
            return self
        current = getattr(self, dim)
        if current == (value,):
            return self.with_values(dim, ())
        return self.with_values(dim, (value,))

    def without(self, dim: str, value: str | None = None) -> Filters:
        """Remove one value of a dimension (or the whole dimension, or the years)."""
        if dim == "years":
            return replace(self, years=None)
        if dim == FLAGGED_KEY:
            return replace(self, without_flagged=False)
        if value is None:
            cleared: dict[str, Any] = {dim: ()}
            return replace(self, **cleared)
        remaining: dict[str, Any] = {dim: tuple(v for v in getattr(self, dim) if v != value)}
        return replace(self, **remaining)

    def active(self) -> list[tuple[str, str | None]]:
        """The active filters as (dimension, value) pairs, for chips; years has value None."""
        out: list[tuple[str, str | None]] = []
        if self.years:
            out.append(("years", None))
        for dim in dimensions.FILTER_KEYS:
            out.extend((dim, v) for v in getattr(self, dim))
        if self.without_flagged:
            out.append((FLAGGED_KEY, None))
        return out

    def cache_key(self) -> str:
        """A stable string for caches."""
        return self.to_query() or "?"

    # -- SQL -----------------------------------------------------------------------------------
    def where(self, alias: str = "f", skip: tuple[str, ...] = ()) -> tuple[str, list]:
        """SQL predicate over `activity_facts` (aliased `alias`) and its parameters.

        `skip` names dimensions to leave out (e.g. a year chart may ignore the year filter).
        """
        if not re.fullmatch(r"[a-z_]+", alias):
            raise ValueError("alias must be an identifier")
        bits: list[str] = []
        params: list = []
        if self.years and "years" not in skip:
            bits.append(f"{alias}.year BETWEEN ? AND ?")
            params += [self.years[0], self.years[1]]
        for dim in dimensions.FILTERS:
            values = getattr(self, dim.key)
            if not values or dim.key in skip:
                continue
            sql, values_params = dim.predicate(alias, values)
            bits.append(sql)
            params += values_params
        if self.without_flagged and FLAGGED_KEY not in skip:
            bits.append(f"NOT {alias}.flagged")  # a column of activity_facts and *_facts
        return (" AND ".join(bits) or "TRUE"), params


def partner_where(filters: Filters, alias: str = "p") -> tuple[str, list]:
    """SQL predicate over `partners` (aliased) for the partner-level dimensions (status, type)."""
    if not re.fullmatch(r"[a-z_]+", alias):
        raise ValueError("alias must be an identifier")
    bits: list[str] = []
    params: list = []
    for key in dimensions.PARTNER_LEVEL:
        values = getattr(filters, key)
        if values:
            sql, values_params = dimensions.get(key).partner_predicate(alias, values)
            bits.append(sql)
            params += values_params
    return (" AND ".join(bits) or "TRUE"), params


# The registry's filters are exactly the Filters fields (besides the years).
assert set(dimensions.FILTER_KEYS) == {f.name for f in fields(Filters)} - {
    "years",
    "without_flagged",
}
assert set(Dimension.__args__) == set(dimensions.FILTER_KEYS)  # type: ignore[attr-defined]

_YEARS = re.compile(r"^(\d{4})(?:\s*[-–:]\s*(\d{4}))?$")


def _parse_years(text: str) -> tuple[int, int] | None:
    m = _YEARS.match(text)
    if not m:
        return None
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    if lo > hi:
        lo, hi = hi, lo
    if lo < YEAR_MIN or hi > YEAR_MAX:
        return None
    return lo, hi


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;|]", text) if p.strip()]


def parse_lang(query: str | None) -> str:
    """The language from a query string ('en' unless a supported `lang` is given)."""
    raw = parse_qs((query or "").lstrip("?"))
    lang = (raw.get("lang") or ["en"])[-1].lower()
    return lang if lang in LANGS else "en"


__all__ = ["LANGS", "partner_where", "URL_KEYS", "VOCABULARY_OF", "Filters", "Notice", "parse_lang"]
