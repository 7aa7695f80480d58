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


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Compare-key for names: no accents, no case, no punctuation or spaces."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


_MISSING = object()


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
        cached = self._memo.get((vocabulary, text), _MISSING)
        if cached is not _MISSING:
            return cached
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


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


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
