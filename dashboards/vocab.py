"""Code lists of the warehouse the app serves: codes, English/French names, order, filter bits.

The ETL loads `data/reference/` into the warehouse tables `fields_of_competence`,
`functional_areas`, `regions`, `countries` and `vocabularies` (docs/data-model.md); this module
reads them back, once per warehouse version (`dashboards.db.version()`), so a reference edit
followed by a load is right in the running app at its next request, without a restart. It never
reads a CSV and never imports `etl/`: the warehouse's tables are the contract between the two.

Vocabulary names: `field`, `area`, `region`, `country`, and every `vocabularies.vocabulary`
(`partner_status`, `partner_type`, `modality`, `activity_status`, `scope`, `mechanism`, `role`,
and any list a later load adds). `dashboards.dimensions` says which dimension uses which.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dashboards import db
from dashboards.text import fold

# Vocabulary name → its own reference table (the small lists share `vocabularies`).
TABLES: dict[str, str] = {
    "field": "fields_of_competence",
    "area": "functional_areas",
    "region": "regions",
}


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary as the warehouse has it."""

    code: str
    name_en: str
    name_fr: str
    sort_order: int
    bit: int = 0
    iso2: str | None = None  # countries only
    region_code: str | None = None  # countries only: the UNESCO region

    def name(self, lang: str = "en") -> str:
        """The name in a language ('en' or 'fr')."""
        return self.name_fr if lang == "fr" else self.name_en


@dataclass(frozen=True)
class Vocabulary:
    """The codes of one list in display order, with lookups from any accepted spelling."""

    name: str
    terms: tuple[Term, ...] = ()
    _by_code: dict[str, Term] = field(default_factory=dict, repr=False, compare=False)
    _index: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_code.update({t.code: t for t in self.terms})
        # Codes first, so a code always means itself even when it folds like another's name.
        for t in self.terms:
            self._index.setdefault(fold(t.code), t.code)
        for t in self.terms:
            for spelling in (t.name_en, t.name_fr, t.iso2):
                if spelling:
                    self._index.setdefault(fold(spelling), t.code)

    def codes(self) -> list[str]:
        """All codes in display order."""
        return [t.code for t in self.terms]

    def term(self, code: str | None) -> Term | None:
        """The term of a code (None when unknown)."""
        return self._by_code.get(code) if code is not None else None

    def normalise(self, text: str | None) -> str | None:
        """The code for a code or an English/French name in any case or accents, else None."""
        key = fold(text)
        return self._index.get(key) if key else None

    def label(self, code: str | None, lang: str = "en") -> str:
        """The display name of a code in a language (the code itself if unknown, '' for None)."""
        if code is None:
            return ""
        t = self._by_code.get(code)
        return t.name(lang) if t else str(code)

    def mask(self, codes: Iterable[str]) -> int:
        """The OR of the codes' bits (the value the warehouse's `*_mask` columns are built with)."""
        wanted = set(codes)
        out = 0
        for t in self.terms:
            if t.code in wanted:
                out |= t.bit
        return out

    def sorted(self, codes: Iterable[str]) -> list[str]:
        """Codes in display order (unknown codes last, as given)."""
        order = {t.code: i for i, t in enumerate(self.terms)}
        return sorted(codes, key=lambda c: order.get(c, len(order)))


_EMPTY: dict[str, Vocabulary] = {}


@dataclass(frozen=True)
class Snapshot:
    """Every vocabulary of one warehouse version."""

    version: str
    vocabularies: dict[str, Vocabulary]

    def get(self, name: str) -> Vocabulary:
        """A vocabulary by name (empty when the warehouse has none of that name)."""
        found = self.vocabularies.get(name)
        if found is None:
            found = _EMPTY.setdefault(name, Vocabulary(name))
        return found


def _read(version: str) -> Snapshot:
    out: dict[str, Vocabulary] = {}
    for name, table in TABLES.items():
        frame = db.query(
            f"SELECT code, name_en, name_fr, sort_order, bit FROM {table} "  # noqa: S608 - table from TABLES
            "ORDER BY sort_order, code"
        )
        terms = tuple(
            Term(r.code, r.name_en, r.name_fr, int(r.sort_order), int(r.bit))
            for r in frame.itertuples(index=False)
        )
        out[name] = Vocabulary(name, terms)
    frame = db.query(
        "SELECT vocabulary, code, name_en, name_fr, sort_order, bit FROM vocabularies "
        "ORDER BY vocabulary, sort_order, code"
    )
    for name, group in frame.groupby("vocabulary", sort=False):
        terms = tuple(
            Term(r.code, r.name_en, r.name_fr, int(r.sort_order), int(r.bit))
            for r in group.itertuples(index=False)
        )
        out[str(name)] = Vocabulary(str(name), terms)
    # Countries: ordered by code, as the filter bar then sorts them by name in the language.
    frame = db.query(
        "SELECT iso3, name_en, name_fr, iso2, region_code FROM countries ORDER BY iso3"
    )
    out["country"] = Vocabulary(
        "country",
        tuple(
            Term(r.iso3, r.name_en, r.name_fr, i + 1, 0, _text(r.iso2), _text(r.region_code))
            for i, r in enumerate(frame.itertuples(index=False))
        ),
    )
    return Snapshot(version, out)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class _Snapshots:
    """The snapshot of each recent warehouse version (a few: old versions finish their requests)."""

    KEEP = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_version: dict[str, Snapshot] = {}

    def current(self) -> Snapshot:
        try:
            version = db.version()
        except db.WarehouseMissing:
            # No warehouse yet (first start): empty lists, not cached, so the next request
            # after a load reads the real ones.
            return Snapshot("", {})
        found = self._by_version.get(version)
        if found is not None:
            return found
        snapshot = _read(version)  # outside the lock: a slow read never blocks other versions
        with self._lock:
            self._by_version[version] = snapshot
            while len(self._by_version) > self.KEEP:
                self._by_version.pop(next(iter(self._by_version)))
        return snapshot

    def clear(self) -> None:
        with self._lock:
            self._by_version.clear()


SNAPSHOTS = _Snapshots()
_PINNED: contextvars.ContextVar[Snapshot | None] = contextvars.ContextVar("vocab", default=None)


def current() -> Snapshot:
    """The vocabularies of the warehouse being served (read once per warehouse version).

    Inside `pinned()`, the snapshot taken when the block began.
    """
    return _PINNED.get() or SNAPSHOTS.current()


@contextlib.contextmanager
def pinned() -> Iterator[Snapshot]:
    """One vocabulary snapshot for a whole answer (a figure, a table, a file).

    Every lookup inside reads the same lists without asking the warehouse for its version
    again: one check per figure rather than one per code named (a map names 200 countries).
    """
    token = _PINNED.set(current())
    try:
        yield _PINNED.get()  # type: ignore[misc]
    finally:
        _PINNED.reset(token)


def get(vocabulary: str) -> Vocabulary:
    """One vocabulary of the current warehouse."""
    return current().get(vocabulary)


def normalise(vocabulary: str, text: str | None) -> str | None:
    """The code for a URL or form value, or None when it is not a known code or name."""
    return get(vocabulary).normalise(text)


def sorted_codes(vocabulary: str, codes: Iterable[str]) -> list[str]:
    """Codes in their display order (the warehouse's sort_order; countries by code)."""
    return get(vocabulary).sorted(codes)


def mask(vocabulary: str, codes: Iterable[str]) -> int:
    """The bitmask of a set of codes, with the bits of the warehouse (see `activity_facts`)."""
    return get(vocabulary).mask(codes)


def codes(vocabulary: str) -> list[str]:
    """All codes of a vocabulary in display order."""
    return get(vocabulary).codes()


def label(vocabulary: str, code: str | None, lang: str = "en") -> str:
    """Display name of a code in the language."""
    return get(vocabulary).label(code, lang)


def term(vocabulary: str, code: str) -> Term | None:
    """The warehouse's term of a code (None when unknown)."""
    return get(vocabulary).term(code)
