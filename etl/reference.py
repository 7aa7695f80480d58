"""Reference data: code lists and countries, read from `data/reference/*.csv`.

The same `Reference` serves the ETL (to recognise codes and names in input files) and the
dashboard (to check URL filter values and to name codes in English or French).
"""

from __future__ import annotations

import csv
import functools
import gettext
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pycountry

from etl.reasons import Reason

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

# vocabulary name → file (files with one vocabulary each); `vocabularies.csv` holds the rest.
_FILES = {
    "field": "fields_of_competence.csv",
    "area": "functional_areas.csv",
    "region": "regions.csv",
    "partner_status": "partner_statuses.csv",
    "partner_type": "partner_types.csv",
}


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary, with its names and its bit for bitmask filters."""

    code: str
    name_en: str
    name_fr: str
    sort_order: int
    aliases: tuple[str, ...] = ()

    @property
    def bit(self) -> int:
        """The bit of this code in bitmask columns (1 << (sort_order - 1))."""
        return 1 << (self.sort_order - 1)

    def name(self, lang: str = "en") -> str:
        """The name in a language ('en' or 'fr')."""
        return self.name_fr if lang == "fr" else self.name_en


@dataclass(frozen=True)
class Country:
    """A country or territory with its UNESCO region (None for Antarctica, Taiwan)."""

    iso3: str
    iso2: str
    name_en: str
    name_fr: str
    region_code: str | None
    region_source: str
    aliases: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        """The code used in filters and tables (ISO 3166-1 alpha-3)."""
        return self.iso3

    def name(self, lang: str = "en") -> str:
        """The name in a language ('en' or 'fr')."""
        return self.name_fr if lang == "fr" else self.name_en


class ReferenceDataError(ValueError):
    """A reference file an administrator edited cannot be used: the message names file:line."""


@dataclass(frozen=True)
class CountryMatch:
    """How a country cell as people write it reads: the country, a city found in it, and why.

    `reason` is set when the reading is an interpretation or failed (it becomes a warning);
    `iso3` is None when the text names no country the reference can stand behind.
    """

    iso3: str | None
    city: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CodeMatch:
    """A coded value as the source worded it: its code, and a warning when it was interpreted."""

    code: str
    reason: str | None = None


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Compare-key for names: no accents, no case, no punctuation or spaces."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


class Reference:
    """All code lists and countries, with lookup from any accepted spelling to the code."""

    def __init__(self, directory: Path = REFERENCE_DIR):
        self.directory = Path(directory)
        self.terms: dict[str, list[Term]] = {}
        for vocabulary, filename in _FILES.items():
            self.terms[vocabulary] = [_term(row) for row in _read(self.directory / filename)]
        for row in _read(self.directory / "vocabularies.csv"):
            self.terms.setdefault(row["vocabulary"], []).append(_term(row))
        for terms in self.terms.values():
            terms.sort(key=lambda t: t.sort_order)
        self.countries: list[Country] = [
            Country(
                r["iso3"],
                r["iso2"],
                r["name_en"],
                r["name_fr"],
                r["region_code"] or None,
                r["region_source"],
                tuple(a.strip() for a in (r.get("aliases") or "").split(";") if a.strip()),
            )
            for r in _read(self.directory / "countries.csv")
        ]
        self.country_by_iso3 = {c.iso3: c for c in self.countries}
        self.un_names = _un_names(
            self.directory / "un_country_names.csv", set(self.country_by_iso3)
        )
        self._un_by_iso3 = {r["iso3"]: r for r in self.un_names}
        self.country_aliases = _country_aliases(
            self.directory / "country_aliases.csv", set(self.country_by_iso3)
        )
        # Official names that fold like a name of another country (should stay empty: tested).
        self.country_conflicts: list[tuple[str, str, str]] = []
        self._index: dict[str, dict[str, str]] = {}
        self._memo: dict[tuple[str, str], str | None] = {}
        for vocabulary, terms in self.terms.items():
            idx: dict[str, str] = {}
            for t in terms:
                for spelling in (t.code, t.name_en, t.name_fr, *t.aliases):
                    idx.setdefault(fold(spelling), t.code)
            self._index[vocabulary] = idx
        self._index["country"] = self._country_index()

    def _country_index(self) -> dict[str, str]:
        idx: dict[str, str] = {}
        fr = _french_iso3166()
        for c in self.countries:
            for spelling in (c.iso3, c.iso2, c.name_en, c.name_fr, *c.aliases):
                idx.setdefault(fold(spelling), c.iso3)
        # The UN's official names (UNTERM short and formal, M49), EN/FR/ES, as written and
        # without the articles UNTERM writes ("Bahamas (the)", "la République d'Albanie").
        for row in self.un_names:
            iso3 = row["iso3"]
            if iso3 not in self.country_by_iso3:
                continue
            for column in UN_NAME_COLUMNS:
                for spelling in _un_spellings(row.get(column) or "", column.startswith("formal")):
                    key = fold(spelling)
                    if not key:
                        continue
                    known = idx.setdefault(key, iso3)
                    if known != iso3:
                        self.country_conflicts.append((spelling, iso3, known))
        for alias in self.country_aliases.values():
            # Plain synonyms only: an interpretation or a name with no successor must be warned,
            # which `resolve_country` does; `normalise` has no way to say why.
            if alias.iso3 and not alias.interpretation:
                idx.setdefault(fold(alias.alias), alias.iso3)
        # pycountry: ISO short, official and common names, and their French translations.
        for pc in pycountry.countries:
            if pc.alpha_3 not in self.country_by_iso3:
                continue
            for attr in ("name", "official_name", "common_name"):
                value = getattr(pc, attr, None)
                if value:
                    idx.setdefault(fold(value), pc.alpha_3)
                    idx.setdefault(fold(fr(value)), pc.alpha_3)
                    # "Iran, Islamic Republic of" is written "Iran (Islamic Republic of)" at the UN.
                    if ", " in value:
                        head, tail = value.split(", ", 1)
                        idx.setdefault(fold(f"{tail} {head}"), pc.alpha_3)
        return idx

    # -- lookups -------------------------------------------------------------------------------
    def normalise(self, vocabulary: str, text: str | None) -> str | None:
        """The code for any accepted spelling of a value, or None if unknown."""
        if text is None:
            return None
        # The same few hundred spellings recur across a million rows: remember the answers.
        key = (vocabulary, text)
        if key in self._memo:
            return self._memo[key]
        code = self._normalise(vocabulary, text)
        if len(self._memo) < 200_000:
            self._memo[(vocabulary, text)] = code
        return code

    def _normalise(self, vocabulary: str, text: str) -> str | None:
        key = fold(text)
        if not key:
            return None
        idx = self._index.get(vocabulary)
        if idx is None:
            raise KeyError(f"unknown vocabulary {vocabulary!r}")
        code = idx.get(key)
        if code is None and vocabulary == "country":
            code = self._country_fuzzy(text)
        return code

    def _country_fuzzy(self, text: str) -> str | None:
        # UN long forms: "Bolivia (Plurinational State of)" → "Plurinational State of Bolivia".
        m = re.match(r"^(.*?)\s*\((.*)\)\s*$", text)
        if m:
            head, inner = m.group(1), m.group(2)
            for candidate in (f"{inner} {head}", f"{head}, {inner}", head):
                code = self._index["country"].get(fold(candidate))
                if code:
                    return code
        return None

    def codes(self, vocabulary: str) -> list[str]:
        """All codes of a vocabulary in display order."""
        if vocabulary == "country":
            return [c.iso3 for c in self.countries]
        return [t.code for t in self.terms[vocabulary]]

    def term(self, vocabulary: str, code: str) -> Term | Country | None:
        """The term (or country) for a code."""
        if vocabulary == "country":
            return self.country_by_iso3.get(code)
        return next((t for t in self.terms[vocabulary] if t.code == code), None)

    def label(self, vocabulary: str, code: str | None, lang: str = "en") -> str:
        """The display name of a code in a language (the code itself if unknown)."""
        if code is None:
            return ""
        t = self.term(vocabulary, code)
        return t.name(lang) if t else str(code)

    def region_of(self, iso3: str) -> str | None:
        """The UNESCO region code of a country."""
        c = self.country_by_iso3.get(iso3)
        return c.region_code if c else None

    def un_name(self, iso3: str, lang: str = "en", formal: bool = False) -> str | None:
        """The UN's official name of a country (UNTERM; M49 for territories), or None."""
        row = self._un_by_iso3.get(iso3)
        if row is None:
            return None
        lang = lang if lang in ("en", "fr", "es") else "en"
        name = row.get(f"{'formal' if formal else 'short'}_{lang}") or row.get(f"m49_{lang}")
        return name or None

    def unesco_membership(self, iso3: str) -> str | None:
        """'member' or 'associate' (UNESCO Member State or Associate Member), else None."""
        row = self._un_by_iso3.get(iso3)
        return (row.get("unesco_membership") or None) if row else None

    def resolve_country(self, text: str | None) -> CountryMatch:
        """Read a headquarters country as people write it ("UK", "Paris, France", "Zaïre")."""
        text = (text or "").strip()
        if not fold(text):
            return CountryMatch(None)
        found = self._country_or_alias(text)
        if found is not None:
            return found
        # "Paris, France", "PARIS (France)", "Montreal (Quebec), Canada", "France - Paris".
        for country_part, city_part in _place_splits(text):
            found = self._country_or_alias(country_part)
            if found is not None and found.iso3:
                why = Reason(
                    "%(city)r read as the city and %(country)r as the country",
                    city=city_part,
                    country=country_part,
                )
                reason = Reason("%(a)s; %(b)s", a=why, b=found.reason) if found.reason else why
                return CountryMatch(found.iso3, city_part, reason)
            if found is not None:  # e.g. "Prague, Czechoslovakia": known, no successor
                return CountryMatch(None, city_part, found.reason)
        return CountryMatch(
            None,
            None,
            Reason("unknown country: loaded without a country (text kept in hq_country_as_given)"),
        )

    def _country_or_alias(self, text: str) -> CountryMatch | None:
        alias = self.country_aliases.get(fold(text))
        if alias is not None:
            if not alias.iso3:
                # The note is reference data (country_aliases.csv): shown as written there.
                why = Reason("%(note)s: loaded without a country", note=alias.note)
                return CountryMatch(None, None, why)
            if alias.interpretation:
                name = self.country_by_iso3[alias.iso3].name_en
                why = Reason("read as %(name)s: %(note)s", name=name, note=alias.note)
                return CountryMatch(alias.iso3, None, why)
            return CountryMatch(alias.iso3)
        iso3 = self.normalise("country", text)
        return CountryMatch(iso3) if iso3 else None

    def resolve_term(self, vocabulary: str, text: str | None) -> CodeMatch | None:
        """A code for a value worded as sources word it ("Vice-présidente", "Member of the ...").

        The whole text first; failing that, its head before a qualifier ("Member of the Liaison
        Committee" → member), with a warning saying so. None when nothing matches.
        """
        text = (text or "").strip()
        if not fold(text):
            return None
        code = self.normalise(vocabulary, text)
        if code is not None:
            return CodeMatch(code)
        parts = _QUALIFIER.split(text, maxsplit=1)
        if len(parts) > 1 and fold(parts[0]):
            code = self.normalise(vocabulary, parts[0])
            if code is not None:
                return CodeMatch(
                    code,
                    Reason(
                        "read as %(code)r from the start of the text (%(head)r)",
                        code=code,
                        head=parts[0].strip(),
                    ),
                )
        return None


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _read_optional(path: Path) -> list[dict[str, str]]:
    """Rows of a reference file an older reference folder may not have (then none)."""
    return _read(path) if path.exists() else []


UN_NAME_COLUMNS = (
    "short_en", "formal_en", "short_fr", "formal_fr", "short_es", "formal_es",
    "m49_en", "m49_fr", "m49_es",
)  # fmt: skip
_ARTICLE_SUFFIX = re.compile(r"\s*\((?:the|le|la|les|l['’]|el|los|las)\)\s*$", re.I)
_ARTICLE_PREFIX = re.compile(r"^(?:(?:the|le|la|les|el|los|las)\s+|l['’]\s*)", re.I)
# Where a role's head ends: "Member of the Liaison Committee", "Membre du Comité", "Miembro del".
_QUALIFIER = re.compile(
    r"\s+(?:of|for|at|on|du|de|des|d['’]|au|aux|del|en)\s+|\s*[,(;:–—-]\s+|\s*\(", re.I
)


def _un_spellings(name: str, formal: bool = False) -> list[str]:
    """A UN name as written, without its article, and turned around its parenthesis.

    Only formal names lose a leading article ("the Republic of Albania"); a short name keeps it
    ("El Salvador").
    """
    name = name.strip()
    if not name:
        return []
    bare = _ARTICLE_SUFFIX.sub("", name)
    if formal:
        bare = _ARTICLE_PREFIX.sub("", bare)
    out = [name, bare]
    # "Bolivia (Plurinational State of)" → "Plurinational State of Bolivia".
    m = re.match(r"^(.*?)\s*\((.*)\)\s*$", bare)
    if m:
        out.append(f"{m.group(2)} {m.group(1)}")
    return out


@dataclass(frozen=True)
class CountryAlias:
    """A name people write for a country (data/reference/country_aliases.csv)."""

    alias: str
    iso3: str | None  # None: a known name with no single successor (Czechoslovakia)
    interpretation: bool  # True: resolved with a warning saying what was assumed
    note: str


def _country_aliases(path: Path, iso3s: set[str]) -> dict[str, CountryAlias]:
    """The aliases file, checked: known iso3, yes/no, no alias twice (errors name file:line)."""
    out: dict[str, CountryAlias] = {}
    for line, row in enumerate(_read_optional(path), start=2):
        where = f"{path.name}:{line}"
        alias, iso3 = (row.get("alias") or "").strip(), (row.get("iso3") or "").strip()
        flag = (row.get("interpretation") or "").strip().lower()
        if not fold(alias):
            raise ReferenceDataError(f"{where}: column alias is empty")
        if iso3 and iso3 not in iso3s:
            raise ReferenceDataError(
                f"{where}: column iso3: {iso3!r} is not a code of countries.csv"
            )
        if flag not in ("yes", "no"):
            raise ReferenceDataError(
                f"{where}: column interpretation must be yes or no, not {flag!r}"
            )
        if fold(alias) in out:
            raise ReferenceDataError(f"{where}: column alias: {alias!r} is listed twice")
        note = (row.get("note") or "").strip() or ("no single successor state" if not iso3 else "")
        out[fold(alias)] = CountryAlias(alias, iso3 or None, flag == "yes" or not iso3, note)
    return out


def _un_names(path: Path, iso3s: set[str]) -> list[dict[str, str]]:
    """The UN names file, checked: its columns, known and unique iso3, membership values."""
    rows = _read_optional(path)
    if not rows:
        return rows
    missing = [c for c in ("iso3", "unesco_membership", *UN_NAME_COLUMNS) if c not in rows[0]]
    if missing:
        raise ReferenceDataError(f"{path.name}:1: missing column(s) {', '.join(missing)}")
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        iso3 = row["iso3"]
        if iso3 not in iso3s:
            raise ReferenceDataError(
                f"{path.name}:{line}: column iso3: {iso3!r} is not a code of countries.csv"
            )
        if iso3 in seen:
            raise ReferenceDataError(f"{path.name}:{line}: column iso3: {iso3!r} is listed twice")
        seen.add(iso3)
        if row["unesco_membership"] not in ("member", "associate", ""):
            raise ReferenceDataError(
                f"{path.name}:{line}: column unesco_membership must be member, associate or "
                f"empty, not {row['unesco_membership']!r}"
            )
    return rows


def _place_splits(text: str) -> list[tuple[str, str]]:
    """(country part, place part) readings of "City, Country", "City (Country)", "Country - City".

    After a comma or in parentheses the country is the last part ("Lebanon, New Hampshire" is
    not Lebanon); only a dash reads both ways ("France - Paris", "Paris - France").
    """
    out: list[tuple[str, str]] = []
    m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", text)
    if m and m.group(1).strip() and m.group(2).strip():
        out.append((m.group(2).strip(), m.group(1).strip()))
    head, _, tail = text.rpartition(",")
    if head.strip() and tail.strip():
        out.append((tail.strip(), head.strip()))
    for sep in (" - ", " – ", " — ", " / "):
        if sep in text:
            head, _, tail = text.rpartition(sep)
            if head.strip() and tail.strip():
                out.append((tail.strip(), head.strip()))
            first, _, rest = text.partition(sep)
            if first.strip() and rest.strip():
                out.append((first.strip(), rest.strip()))
    return out


def _term(row: dict[str, str]) -> Term:
    aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
    return Term(row["code"], row["name_en"], row["name_fr"], int(row["sort_order"]), aliases)


def _french_iso3166():
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"]).gettext
    except OSError:  # pragma: no cover - pycountry always ships French
        return lambda s: s


@functools.lru_cache(maxsize=4)
def get_reference(directory: str | None = None) -> Reference:
    """The reference data (cached per directory)."""
    return Reference(Path(directory) if directory else REFERENCE_DIR)


# -- lifecycle reference data (issue 12) --------------------------------------------------------

SESSIONS_FILE = "governing_sessions.csv"
RULES_FILE = "lifecycle_rules.csv"
SESSION_BODIES = ("executive_board", "ngo_conference", "ngp_committee")
SESSION_STATUSES = ("held", "scheduled")
SESSION_COLUMNS = (
    "body", "session", "number", "start_date", "end_date", "place", "status", "source",
    "date_quality",
)  # fmt: skip
RULE_COLUMNS = ("rule", "value", "unit", "description", "source")
# The Committee on Non-Governmental Partners meets during the Executive Board's ordinary
# sessions: its rows are the Board rows marked `ngp_committee = yes`, with this source.
NGP_SOURCE = (
    "assumed: the Committee on Non-Governmental Partners meets during this Executive Board "
    "session (governing_sessions.csv, column ngp_committee)"
)


def _iso_date(name: str, line: int, column: str, text: str):
    """A YYYY-MM-DD cell as a date (None when empty); a ReferenceDataError names file:line."""
    import datetime as dt

    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReferenceDataError(
            f"{name}:{line}: {column} {text!r} is not a date (expected YYYY-MM-DD)"
        ) from None


def lifecycle_frames(directory: Path = REFERENCE_DIR) -> dict[str, list[dict]]:
    """Rows of the warehouse tables governing_sessions and lifecycle_rules, from their files.

    Both files are optional (an older reference folder has none: the tables stay empty). Values
    are checked here, so an edited file that cannot be used stops the load naming file:line.
    """
    directory = Path(directory)
    sessions: list[dict] = []
    for line, r in enumerate(_read_optional(directory / SESSIONS_FILE), start=2):
        body, status = r["body"].strip(), r["status"].strip()
        if body not in SESSION_BODIES[:2]:
            raise ReferenceDataError(
                f"{SESSIONS_FILE}:{line}: body {body!r} is not executive_board or ngo_conference"
            )
        if status not in SESSION_STATUSES:
            raise ReferenceDataError(
                f"{SESSIONS_FILE}:{line}: status {status!r} is not held or scheduled"
            )
        number = (r.get("number") or "").strip()
        if number and not number.isdigit():
            raise ReferenceDataError(f"{SESSIONS_FILE}:{line}: number {number!r} is not a number")
        start = _iso_date(SESSIONS_FILE, line, "start_date", r["start_date"])
        end = _iso_date(SESSIONS_FILE, line, "end_date", r.get("end_date", ""))
        if start and end and end < start:
            raise ReferenceDataError(f"{SESSIONS_FILE}:{line}: end_date is before start_date")
        row = {
            "body": body,
            "session": r["session"].strip(),
            "number": int(number) if number else None,
            "start_date": start,
            "end_date": end,
            "place": (r.get("place") or "").strip() or None,
            "status": status,
            "source": r["source"].strip(),
            "date_quality": (r.get("date_quality") or "").strip() or None,
        }
        sessions.append(row)
        if body == "executive_board" and (r.get("ngp_committee") or "").strip().lower() == "yes":
            sessions.append(row | {"body": "ngp_committee", "source": NGP_SOURCE})
    rules = [
        {
            "rule": r["rule"].strip(),
            "value": r["value"].strip(),
            "unit": (r.get("unit") or "").strip() or None,
            "description": (r.get("description") or "").strip() or None,
            "source": r["source"].strip(),
        }
        for r in _read_optional(directory / RULES_FILE)
    ]
    return {"governing_sessions": sessions, "lifecycle_rules": rules}
