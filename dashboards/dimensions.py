"""The dimensions of the data, each defined once: the registry every other module reads.

A `Dimension` holds everything the app knows about one way of slicing the data: its URL key,
the warehouse column it filters on and how (its SQL predicate), its vocabulary (codes, EN/FR
names, order and bits, read from the warehouse by `dashboards.vocab`), its heading in the filter
bar and on chips, its colours, and how an export's subtitle names it. `Filters`, the filter bar,
chips, queries, chart summaries, exports and benchmarks look a dimension up here instead of
keeping their own per-dimension dicts (datasette's `filters.py` is the model: one object per
filter holds its key, its SQL and its human text).

    >>> from dashboards import dimensions
    >>> areas = dimensions.get("areas")
    >>> areas.url_key, areas.vocabulary, areas.facts_column
    ('area', 'area', 'area_mask')
    >>> areas.predicate("f", ("advocacy",))      # doctest: +SKIP
    ('(f.area_mask & ?) <> 0', [2])

No Dash here: figures and exports use the registry from the command line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from dashboards import palette, vocab
from dashboards.i18n import N_, gettext

Match = Literal["in", "mask", "bridge"]
_IDENTIFIER = re.compile(r"[a-z_]+")


@dataclass(frozen=True)
class Dimension:
    """One dimension: key, vocabulary, SQL, words and colours (see the module docstring)."""

    key: str  # registry key; for a filter, the `Filters` attribute ("areas")
    vocabulary: str  # the `dashboards.vocab` list its codes come from ("area")
    label: str  # msgid of its heading: filter bar, chips ("Functional areas")
    singular: str  # msgid naming one of its values: a table's column header ("Functional area")
    url_key: str | None = None  # query-string key ("area"); None: not a filter
    facts_column: str | None = None  # its column in activity_facts (and *_facts tables)
    match: Match | None = None  # how facts_column matches: IN list, bitmask, or bridge table
    partner_column: str | None = None  # its column in `partners`: a partner-level filter
    participant_column: str | None = None  # its column among collective-mechanism participants
    bar: Literal["primary", "secondary"] | None = None  # filter-bar row (None: not shown)
    bar_width: int = 3  # columns of 12 its dropdown takes in the filter bar
    phrase: str | None = None  # msgid naming the values in a subtitle ("%(values)s partners")
    phrase_rank: int = 99  # reading order of the subtitle ("Africa · Education · 2018–2024")
    lowercase: bool = False  # values in lower case inside the phrase ("associate partners")
    # Codes whose names do not read inside `phrase` ("status not stated partners"), and the
    # phrase used instead when one of them is chosen ("partner status: status not stated").
    phrase_misfits: tuple[str, ...] = ()
    phrase_otherwise: str | None = None
    colours: Mapping[str, str] = field(default_factory=dict)  # fixed colour per code

    # -- vocabulary ----------------------------------------------------------------------------
    @property
    def filterable(self) -> bool:
        """True when the dimension is a filter (it has a URL key and a predicate)."""
        return self.url_key is not None

    @property
    def partner_level(self) -> bool:
        """True for the filters that choose partners (status, type), not activities."""
        return self.partner_column is not None

    def codes(self) -> list[str]:
        """Its codes in the warehouse's display order."""
        return vocab.codes(self.vocabulary)

    def normalise(self, text: str | None) -> str | None:
        """The code for a URL value (a code or an EN/FR name), or None when it is unknown."""
        return vocab.normalise(self.vocabulary, text)

    def sorted(self, codes) -> tuple[str, ...]:
        """Codes in display order, each once."""
        return tuple(vocab.sorted_codes(self.vocabulary, dict.fromkeys(codes)))

    def name_of(self, code: str | None, lang: str) -> str:
        """The display name of one of its codes in a language."""
        return vocab.label(self.vocabulary, code, lang)

    def heading(self, lang: str) -> str:
        """Its heading in a language ("Functional areas" / "Domaines fonctionnels")."""
        return gettext(self.label, lang)

    def column_title(self, lang: str) -> str:
        """The header of a column of its names ("Functional area" / "Domaine fonctionnel")."""
        return gettext(self.singular, lang)

    def options(self, lang: str) -> list[dict]:
        """Dropdown options {label, value} in display order (countries by name in the language)."""
        terms = vocab.get(self.vocabulary).terms
        items = [{"label": t.name(lang), "value": t.code} for t in terms]
        if self.vocabulary == "country":
            items.sort(key=lambda o: o["label"])
        return items

    def phrase_of(self, codes: tuple[str, ...], lang: str, join) -> str:
        """Its values named for a subtitle ("functional areas: Advocacy and Research")."""
        names = [self.name_of(c, lang) for c in codes]
        if self.lowercase:
            names = [n[:1].lower() + n[1:] for n in names]
        words = join(names, lang)
        phrase = self.phrase
        if self.phrase_otherwise and any(c in self.phrase_misfits for c in codes):
            phrase = self.phrase_otherwise
        return gettext(phrase, lang, values=words) if phrase else words

    # -- colours -------------------------------------------------------------------------------
    def colour(self, code: str | None) -> str:
        """The fixed colour of a code; a spare colour-blind-safe one for a code the reference
        added later (stable while the list is); neutral grey for an unknown code."""
        if code is None:
            return palette.NEUTRAL
        fixed = self.colours.get(code)
        if fixed is not None:
            return fixed
        unset = [c for c in self.codes() if c not in self.colours]
        if code not in unset:
            return palette.NEUTRAL
        used = {c.upper() for c in self.colours.values()}
        spare = [c for c in palette.COLORWAY if c.upper() not in used]
        i = unset.index(code)
        return spare[i] if i < len(spare) else palette.NEUTRAL

    # -- SQL -----------------------------------------------------------------------------------
    def predicate(self, alias: str, codes: tuple[str, ...] | list[str]) -> tuple[str, list]:
        """SQL over `activity_facts` (or a `*_facts` table) aliased `alias`, and its parameters.

        Identifiers come from this registry only; values always travel as parameters.
        """
        _check_alias(alias)
        if not self.facts_column or not self.match:
            raise ValueError(f"{self.key} is not an activity filter")
        column = f"{alias}.{self.facts_column}"
        marks = ", ".join("?" * len(codes))
        if self.match == "in":
            return f"{column} IN ({marks})", list(codes)
        if self.match == "mask":
            # The bits are the warehouse's own (vocab reads them from the table the facts were
            # built from), so a reordered reference cannot mismatch the masks.
            return f"({column} & ?) <> 0", [vocab.mask(self.vocabulary, codes)]
        # A semi-join on the activities' integer keys by country (etl/derived.sql
        # activity_country_keys): faster than list_has_any over the `countries` lists, and
        # than probing the million-row fact tables' string ids (5x at 1M).
        sub = f"SELECT activity_key FROM activity_country_keys WHERE iso3 IN ({marks})"  # noqa: S608
        return f"{alias}.activity_key IN ({sub})", list(codes)

    def partner_predicate(self, alias: str, codes: tuple[str, ...] | list[str]) -> tuple[str, list]:
        """SQL over `partners` (or `partner_facts`) aliased `alias`, for a partner-level filter."""
        _check_alias(alias)
        if not self.partner_column:
            raise ValueError(f"{self.key} is not a partner filter")
        marks = ", ".join("?" * len(codes))
        return f"{alias}.{self.partner_column} IN ({marks})", list(codes)


def _check_alias(alias: str) -> None:
    if not _IDENTIFIER.fullmatch(alias):
        raise ValueError("alias must be an identifier")


# The registry, in filter-bar and URL order. Colours: dashboards/palette.py.
REGISTRY: dict[str, Dimension] = {
    d.key: d
    for d in (
        Dimension(
            "fields",
            "field",
            N_("Fields of competence"),
            N_("Field of competence"),
            url_key="field",
            facts_column="field_code",
            match="in",
            bar="primary",
            bar_width=2,
            phrase_rank=3,
            colours=palette.FIELD_COLOURS,
        ),
        Dimension(
            "areas",
            "area",
            N_("Functional areas"),
            N_("Functional area"),
            url_key="area",
            facts_column="area_mask",
            match="mask",
            bar="primary",
            bar_width=2,
            phrase=N_("functional areas: %(values)s"),
            phrase_rank=5,
            colours=palette.AREA_COLOURS,
        ),
        Dimension(
            "regions",
            "region",
            N_("Regions"),
            N_("Region"),
            url_key="region",
            facts_column="region_mask",
            match="mask",
            participant_column="hq_region_code",  # the region of the partner's headquarters
            bar="primary",
            bar_width=2,
            phrase_rank=1,
            colours=palette.REGION_COLOURS,
        ),
        Dimension(
            "countries",
            "country",
            N_("Countries"),
            N_("Country"),
            url_key="country",
            facts_column="countries",
            match="bridge",
            bar="primary",
            bar_width=3,
            phrase_rank=2,
        ),
        Dimension(
            "statuses",
            "partner_status",
            N_("Partner status"),
            N_("Partner status"),
            url_key="status",
            facts_column="partner_status_mask",
            match="mask",
            partner_column="status",
            participant_column="status",  # the status at the event's date
            bar="secondary",
            # TRANSLATORS: e.g. "associate partners"; values are partner statuses in lower case.
            phrase=N_("%(values)s partners"),
            phrase_rank=6,
            lowercase=True,
            phrase_misfits=("not_stated",),
            # TRANSLATORS: values are partner statuses in lower case, e.g. "status not stated".
            phrase_otherwise=N_("partner status: %(values)s"),
            colours=palette.PARTNER_STATUS_COLOURS,
        ),
        Dimension(
            "types",
            "partner_type",
            N_("Partner type"),
            N_("Partner type"),
            url_key="type",
            facts_column="partner_type_mask",
            match="mask",
            partner_column="partner_type",
            participant_column="partner_type",
            bar="secondary",
            # TRANSLATORS: values are partner types, e.g. "partner type: NGO".
            phrase=N_("partner type: %(values)s"),
            phrase_rank=7,
            colours=palette.PARTNER_TYPE_COLOURS,
        ),
        Dimension(
            "modalities",
            "modality",
            N_("Modality"),
            N_("Modality"),
            url_key="modality",
            facts_column="modality",
            match="in",
            bar="secondary",
            # TRANSLATORS: values are modalities in lower case, e.g. "bilateral cooperation".
            phrase=N_("%(values)s cooperation"),
            phrase_rank=8,
            lowercase=True,
        ),
        Dimension(
            "activity_statuses",
            "activity_status",
            N_("Activity status"),
            N_("Activity status"),
            url_key="activity_status",
            facts_column="activity_status",
            match="in",
            bar="secondary",
            # TRANSLATORS: values are activity statuses in lower case, e.g. "ongoing activities".
            phrase=N_("%(values)s activities"),
            phrase_rank=9,
            lowercase=True,
        ),
        # Not filters (yet): named and coloured from the same registry.
        Dimension("mechanisms", "mechanism", N_("Mechanisms"), N_("Mechanism")),
        Dimension("roles", "role", N_("Roles"), N_("Role")),
        Dimension("scopes", "scope", N_("Scopes"), N_("Scope")),
    )
}
# Where the years sit in a subtitle's reading order (years are a range, not a vocabulary).
YEARS_PHRASE_RANK = 4
YEARS_LABEL = N_("Years")

FILTERS: tuple[Dimension, ...] = tuple(d for d in REGISTRY.values() if d.filterable)
FILTER_KEYS: tuple[str, ...] = tuple(d.key for d in FILTERS)
PARTNER_LEVEL: tuple[str, ...] = tuple(d.key for d in FILTERS if d.partner_level)
_BY_VOCABULARY: dict[str, Dimension] = {d.vocabulary: d for d in REGISTRY.values()}


def get(key: str) -> Dimension:
    """A dimension by registry key ("areas") or by vocabulary name ("area")."""
    found = REGISTRY.get(key) or _BY_VOCABULARY.get(key)
    if found is None:
        raise KeyError(f"unknown dimension {key!r}; known: {sorted(REGISTRY)}")
    return found


def of_vocabulary(vocabulary: str) -> Dimension | None:
    """The dimension whose codes come from a vocabulary, if any."""
    return _BY_VOCABULARY.get(vocabulary)


def bar(row: Literal["primary", "secondary"]) -> tuple[Dimension, ...]:
    """The filters of one filter-bar row, in order."""
    return tuple(d for d in FILTERS if d.bar == row)


def by_phrase_rank() -> tuple[Dimension, ...]:
    """The filters in the reading order of a subtitle."""
    return tuple(sorted(FILTERS, key=lambda d: d.phrase_rank))
