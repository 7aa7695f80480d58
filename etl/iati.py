"""IATI activity files (versions 2.01–2.03): recognise, read safely, map to the warehouse.

Issue 10. A file whose root element is `iati-activities` is an IATI file whatever its name. It is
read with lxml's `iterparse`, one `iati-activity` at a time, cleared as it goes, so memory stays
bounded on large files. The parser is hardened with lxml's own options (no entity substitution,
no DTD loading, no network, libxml2's size limits kept) and any DOCTYPE is refused outright:
IATI files never need one, and a DTD is where external entities and entity-expansion bombs
live. (defusedxml's lxml module is deprecated; these options are what it did.)

Every activity is loaded into `activities` (and its bridges) so every page and export works on
it, or rejected with file, line, element and reason into `rejected_rows`. IATI detail that the
activities contract has no room for lands in its own tables (schema.sql, "IATI" section).
The mapping is documented in docs/data-contract.md, section 10.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import math
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree
from pandas.api.types import union_categoricals

from etl.extract import ExtractError, sha256_of
from etl.reasons import Reason
from etl.reference import REFERENCE_DIR, Reference, fold
from etl.validate import Validated

IATI_DIR = REFERENCE_DIR / "iati"
CROSSWALK_FILE = REFERENCE_DIR / "dac_field_crosswalk.csv"
SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")
NGO_TYPES = frozenset(
    {"21", "22", "23", "24", "60"}
)  # NGOs (international … partner country), foundations
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# activity-status (IATI ActivityStatus codelist) → our activity statuses.
STATUS_MAP = {"1": "planned", "2": "ongoing", "3": "completed", "4": "completed", "5": "cancelled"}
# Sector vocabularies tried, in this order, for the field of competence (first that maps wins).
FIELD_VOCABULARIES = ("1", "2", "8", "7")
RAW_LIMIT = 4000  # characters of a rejected activity's XML kept in rejected_rows.raw


class IatiError(ExtractError):
    """An IATI file that cannot be used at all (the whole load stops, with this reason)."""


# -- the hardened parser -----------------------------------------------------------------------

_PARSER_OPTIONS = dict(
    resolve_entities=False,  # never substitute entities (no XXE, no billion laughs)
    load_dtd=False,
    dtd_validation=False,
    no_network=True,
    huge_tree=False,  # keep libxml2's limits on depth and text size
    remove_comments=True,
    remove_pis=True,
)


def _iterparse(path: Path, events: tuple[str, ...], tag: str | tuple[str, ...] | None = None):
    return etree.iterparse(str(path), events=events, tag=tag, **_PARSER_OPTIONS)


def _refuse_doctype(path: Path, root: etree._Element) -> None:
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise IatiError(
            f"{path.name}: refused: the file declares a DOCTYPE (IATI files never need one; "
            "a DTD can hold external entities or an entity-expansion bomb)"
        )


def sniff_root(path: Path) -> tuple[str | None, dict[str, str]]:
    """(root element name, its attributes) of an XML file, or (None, {}) if it is not XML."""
    try:
        with open(path, "rb") as f:
            head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return None, {}
    if not head.startswith(b"<"):
        return None, {}
    try:
        for _, elem in _iterparse(path, ("start",)):
            return elem.tag if isinstance(elem.tag, str) else None, dict(elem.attrib)
    except etree.XMLSyntaxError as e:
        # A DOCTYPE'd IATI file fails here when entities are declared: say so, do not skip it.
        if b"iati-activities" in _prolog(path):
            raise IatiError(f"{path.name}: not well-formed XML: {e}") from None
    return None, {}


def _prolog(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(65536)


def is_iati_file(path: Path) -> bool:
    """True when the file's root element is `iati-activities` (whatever its name or suffix)."""
    if not path.is_file() or path.name.startswith((".", "~$")):
        return False
    return sniff_root(path)[0] == "iati-activities"


def find_iati_files(directory: Path) -> list[Path]:
    """The IATI activity files of a folder, by content, in name order."""
    return [p for p in sorted(Path(directory).iterdir()) if is_iati_file(p)]


# -- reference data: codelists, crosswalk, regions, rates --------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@dataclass
class IatiReference:
    """The IATI codelists, the DAC → field crosswalk, region mapping and exchange rates."""

    directory: Path = REFERENCE_DIR
    codelists: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    crosswalk: dict[tuple[str, str], list[tuple[str, float]]] = field(default_factory=dict)
    crosswalk_rows: list[dict[str, str]] = field(default_factory=list)
    regions: dict[tuple[str, str], str] = field(default_factory=dict)
    rates: dict[tuple[str, int], float] = field(default_factory=dict)
    rate_sources: dict[tuple[str, int], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A reference folder without IATI data (older copies, tests) uses the shipped one.
        if not (Path(self.directory) / "iati").is_dir():
            self.directory = REFERENCE_DIR
        iati_dir = Path(self.directory) / "iati"
        for path in sorted(iati_dir.glob("*.csv")):
            if path.stem in ("region_to_unesco", "exchange_rates"):
                continue
            self.codelists[path.stem] = {r["code"]: r for r in _read_csv(path)}
        self.crosswalk_rows = _read_csv(Path(self.directory) / CROSSWALK_FILE.name)
        for r in self.crosswalk_rows:
            key = (r["vocabulary"].strip(), r["code"].strip())
            self.crosswalk.setdefault(key, []).append((r["field"].strip(), float(r["weight"])))
        for r in _read_csv(iati_dir / "region_to_unesco.csv"):
            self.regions[(r["vocabulary"], r["code"])] = r["region_code"]
        for r in _read_csv(iati_dir / "exchange_rates.csv"):
            rate_key = (r["currency"].strip().upper(), int(r["year"]))
            self.rates[rate_key] = float(r["usd_per_unit"])
            self.rate_sources[rate_key] = r["source"]

    def fields_for(self, vocabulary: str, code: str) -> list[tuple[str, float]] | None:
        """Crosswalk rows for a sector code, falling back to its DAC category or SDG goal."""
        rows = self.crosswalk.get((vocabulary, code))
        if rows is not None:
            return rows
        if vocabulary == "1":
            sector = self.codelists.get("Sector", {}).get(code)
            category = sector["category"] if sector and sector["category"] else code[:3]
            return self.crosswalk.get(("2", category))
        if vocabulary == "8" and "." in code:
            return self.crosswalk.get(("7", code.split(".", 1)[0]))
        return None

    def usd(self, value: float | None, currency: str | None, when: dt.date | None) -> float | None:
        """The value in US$: as is for USD, through the rates table otherwise (else None)."""
        if value is None or currency is None:
            return None
        if currency == "USD":
            return value
        if when is None:
            return None
        rate = self.rates.get((currency, when.year))
        return value * rate if rate is not None else None


# -- parsing one activity ------------------------------------------------------------------------


def _text(elem: etree._Element) -> str:
    return " ".join((elem.text or "").split())


def _narratives(elem: etree._Element, default_lang: str | None) -> list[tuple[str | None, str]]:
    out = []
    for n in elem.iterchildren("narrative"):
        text = n.text
        if text and (text[0].isspace() or text[-1].isspace() or "\n" in text):
            text = " ".join(text.split())
        if text:
            lang = n.get(XML_LANG)
            out.append((_intern(lang) if lang else default_lang, text))
    return out


def pick_text(narratives: list[tuple[str | None, str]], lang: str = "en") -> str | None:
    """The narrative in `lang`, else in the other of EN/FR, else the first one."""
    if not narratives:
        return None
    if len(narratives) == 1:
        return narratives[0][1]
    other = "fr" if lang == "en" else "en"
    for wanted in (lang, other):
        for code, text in narratives:
            if code and code.lower().split("-")[0] == wanted:
                return text
    return narratives[0][1]


# Attribute values repeat (codes, refs, dates): one shared object per distinct value keeps the
# millions of table cells of a large file small. Cleared after each load (`read_files`).
_INTERN: dict[str, str] = {}
_DATES: dict[str, dt.date | str | None] = {}


def _intern(value: str | None) -> str | None:
    return None if value is None else _INTERN.setdefault(value, value)


def _g(elem: etree._Element, key: str) -> str | None:
    """An attribute's value, shared with its earlier occurrences."""
    value = elem.get(key)
    return None if value is None else _INTERN.setdefault(value, value)


def _date(text: str | None) -> dt.date | None | str:
    """An ISO date (xsd:date, possibly with a time zone), None if absent, the text if malformed."""
    if text is None:
        return None
    d = _DATES.get(text, _INTERN)
    if d is not _INTERN:
        return d  # type: ignore[return-value]
    t = text.strip()
    if not t:
        d = None
    else:
        try:
            d = dt.date.fromisoformat(t[:10])
        except ValueError:
            d = t
    _DATES[text] = d
    return d


def _number(text: str | None) -> float | None | str:
    if text is None:
        return None
    try:
        v = float(text)  # float() ignores the surrounding whitespace str.strip() removes
    except ValueError:
        return text.strip() or None
    return v if math.isfinite(v) else text.strip()


class _Activity:
    """One parsed iati-activity, kept only while it is mapped."""

    __slots__ = (
        "line", "ident", "attrs", "lang", "raw", "reject", "titles", "descriptions",
        "reporting", "status_code", "scope_code", "dates", "orgs", "countries", "regions",
        "sectors", "budgets", "transactions", "relations", "fields", "unmapped", "field_code",
    )  # fmt: skip

    def __init__(self, line: int, attrs: dict[str, str], lang: str | None) -> None:
        self.line, self.ident, self.attrs, self.lang = line, "", attrs, lang
        self.raw: str | None = None
        self.reject: tuple[str, str | None, str] | None = None  # (element, value, reason)
        self.titles: list = []  # (lang, text)
        self.descriptions: list = []  # (type, lang, text)
        self.reporting: tuple = (None, None, None)  # (ref, type, name)
        self.status_code: str | None = None
        self.scope_code: str | None = None
        self.dates: dict[str, dt.date] = {}
        self.orgs: list = []  # (role, type, ref, name, activity-id, line)
        self.countries: list = []  # (code, percentage text)
        self.regions: list = []  # (vocabulary, code, percentage text)
        self.sectors: list = []  # (vocabulary, code, percentage text, level)
        self.budgets: list = []  # (type, status, start, end, value, currency, value-date, line)
        self.transactions: list = []
        self.relations: list = []  # (type, ref)
        self.fields: dict[str, float] = {}
        self.unmapped: list = []
        self.field_code: str | None = None  # the field with the largest share


def _parse_activity(elem: etree._Element, file_lang: str | None) -> _Activity:
    """One iati-activity element as an `_Activity` (one pass over its children)."""
    attrib = dict(elem.attrib)
    lang = attrib.get(XML_LANG) or file_lang
    a = _Activity(elem.sourceline or 0, attrib, lang)
    default_currency = _intern((attrib.get("default-currency") or "").strip().upper() or None)
    orgs, sectors, countries = a.orgs, a.sectors, a.countries
    for child in elem:
        tag = child.tag
        get = child.get
        # The most frequent children first (transactions, organisations, sectors, budgets).
        if tag == "transaction":
            a.transactions.append(_transaction(child, default_currency, lang, a))
        elif tag == "participating-org":
            ref = get("ref")
            orgs.append(
                (
                    get("role"),
                    get("type"),
                    (ref.strip() or None) if ref else None,
                    _intern(pick_text(_narratives(child, lang))),
                    get("activity-id"),
                    None,
                )
            )
        elif tag == "sector":
            code = get("code")
            sectors.append(
                (
                    get("vocabulary") or "1",
                    code.strip() if code else "",
                    get("percentage"),
                    "activity",
                )
            )
        elif tag == "budget":
            a.budgets.append(_budget(child, default_currency))
        elif tag == "recipient-country":
            code = get("code")
            countries.append((_intern(code.strip().upper() if code else ""), get("percentage")))
        elif tag == "activity-date":
            d = _date(get("iso-date"))
            kind = get("type")
            if isinstance(d, str):
                a.reject = a.reject or (
                    "activity-date",
                    d,
                    Reason("malformed activity-date (expected YYYY-MM-DD)"),
                )
            elif d is not None and kind:
                a.dates[kind] = d
        elif not isinstance(tag, str) or tag.startswith("{"):
            continue  # comments and extension elements of other namespaces
        elif tag == "iati-identifier":
            a.ident = _text(child)
        elif tag == "title":
            a.titles.extend(_narratives(child, lang))
        elif tag == "description":
            dtype = get("type") or "1"
            a.descriptions.extend((dtype, lg, t) for lg, t in _narratives(child, lang))
        elif tag == "reporting-org":
            a.reporting = (
                _g(child, "ref"),
                _g(child, "type"),
                _intern(pick_text(_narratives(child, lang))),
            )
        elif tag == "activity-status":
            a.status_code = get("code")
        elif tag == "activity-scope":
            a.scope_code = get("code")
        elif tag == "recipient-region":
            code = get("code")
            a.regions.append(
                (get("vocabulary") or "1", code.strip() if code else "", get("percentage"))
            )
        elif tag == "related-activity":
            ref = get("ref")
            a.relations.append((get("type"), ref.strip() if ref else ""))
    return a


def _value(elem: etree._Element | None, default_currency: str | None):
    if elem is None:
        return None, None, None
    get = elem.get
    currency = get("currency")
    currency = (_intern(currency.strip().upper() or None) if currency else None) or default_currency
    return _number(elem.text), currency, _date(get("value-date"))


def _budget(b: etree._Element, default_currency: str | None) -> tuple:
    start = end = None
    value_elem = None
    for c in b:
        tag = c.tag
        if tag == "period-start":
            start = _date(c.get("iso-date"))
        elif tag == "period-end":
            end = _date(c.get("iso-date"))
        elif tag == "value":
            value_elem = c
    value, currency, vdate = _value(value_elem, default_currency)
    get = b.get
    return (
        get("type") or "1",
        get("status") or "1",
        start,
        end,
        value,
        currency,
        vdate,
        b.sourceline,
    )


def _transaction(t: etree._Element, default_currency: str | None, lang, a: _Activity) -> tuple:
    ttype = date = None
    value_elem = None
    provider: tuple[str | None, str | None] = (None, None)
    receiver: tuple[str | None, str | None] = (None, None)
    for c in t:
        tag = c.tag
        if tag == "transaction-type":
            ttype = c.get("code")
        elif tag == "transaction-date":
            date = _date(c.get("iso-date"))
        elif tag == "value":
            value_elem = c
        elif tag == "provider-org":
            provider = (_g(c, "ref"), _intern(pick_text(_narratives(c, lang))))
        elif tag == "receiver-org":
            receiver = (_g(c, "ref"), _intern(pick_text(_narratives(c, lang))))
        elif tag == "sector":
            code = c.get("code")
            a.sectors.append(
                (c.get("vocabulary") or "1", code.strip() if code else "", None, "transaction")
            )
    value, currency, vdate = _value(value_elem, default_currency)
    return (t.get("ref"), ttype, date, value, currency, vdate, provider, receiver, t.sourceline)


# -- reading and mapping a file ------------------------------------------------------------------

# Columns of each table an IATI file fills, in the order `_Mapper` builds its row tuples.
COLUMNS: dict[str, tuple[str, ...]] = {
    "activities": (
        "activity_id", "title", "modality", "field_code", "start_date", "end_date", "year",
        "status", "budget_usd", "description", "geo_scope", "lead_partner_id", "source_file",
        "source_line",
    ),
    "iati_activities": (
        "activity_id", "file", "line", "iati_version", "hierarchy", "default_currency",
        "default_lang", "last_updated", "reporting_org_ref", "reporting_org_type",
        "reporting_org_name", "activity_status_code", "activity_scope_code", "planned_start",
        "actual_start", "planned_end", "actual_end", "partner_link", "money_level",
        "has_children", "has_parent",
    ),
    "activity_narratives": ("activity_id", "element", "type", "lang", "seq", "text"),
    "activity_participating_orgs": (
        "activity_id", "seq", "role", "org_type", "org_type_name", "ref", "name",
        "org_activity_id", "is_ngo_or_foundation", "partner_id",
    ),
    "activity_sectors": (
        "activity_id", "vocabulary", "code", "name_en", "percentage", "percentage_as_given", "level",
    ),
    "activity_fields": ("activity_id", "field_code", "share"),
    "activity_recipients": (
        "activity_id", "kind", "vocabulary", "code", "iso3", "region_code",
        "percentage_as_given", "share",
    ),
    "activity_budgets": (
        "activity_id", "seq", "budget_type", "budget_status", "period_start", "period_end",
        "value", "currency", "value_date", "value_usd", "superseded", "counted", "source_line",
    ),
    "budget_years": ("activity_id", "year", "value", "currency", "value_usd", "counted"),
    "transactions": (
        "activity_id", "seq", "ref", "transaction_type", "transaction_date", "year", "value",
        "currency", "value_date", "value_usd", "provider_org_ref", "provider_org_name",
        "receiver_org_ref", "receiver_org_name", "counted", "source_line",
    ),
    "activity_relations": ("activity_id", "related_activity_id", "relation_type", "in_load"),
    "activity_countries": ("activity_id", "iso3", "region_code", "share", "budget_share_usd"),
    "activity_regions": ("activity_id", "region_code", "via", "share", "budget_share_usd"),
}  # fmt: skip
CHUNK = 5_000  # activities between conversions of row tuples to DataFrames (bounds memory)


@dataclass(slots=True)
class _Info:
    """What the cross-file rules need to know of one accepted activity."""

    file: int
    line: int
    relations: tuple[tuple[str | None, str], ...]
    has_budget: bool
    tx_types: frozenset[str]


@dataclass
class IatiSource:
    """One IATI file, read and mapped (the counterpart of extract.RawTable for the loader)."""

    path: Path
    sha256: str
    encoding: str
    version: str
    generated: str | None
    rows_in: int
    frames: dict[str, pd.DataFrame]
    rejected: list[tuple]  # (line, element, value, reason, raw)
    warnings: list[tuple]  # (line, element, value, reason)
    reporting_orgs: str
    unmapped: set[tuple[str, str]]
    kind: str = "iati"
    ignored_columns: list[str] = field(default_factory=list)
    broken: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"_line": []}))


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none (musl, macOS, Windows)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Give the heap pages freed so far back to the operating system (issue 10 memory).

    Reading a large file frees millions of row tuples chunk by chunk; glibc keeps the freed
    pages in its arenas, so the process's RSS stays at its high-water mark (at 100,000
    activities, 136 of the 428 MB held after reading were such pages, measured with
    `malloc_trim(0)`). Trimming after each chunk and after each inserted frame keeps the peak
    near what is really in use. A no-op where the C library has no `malloc_trim`.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class _no_cyclic_gc:
    """Pause CPython's cyclic garbage collector while a file is read (issue 10 speed).

    Reading builds millions of small acyclic objects (row tuples, strings, dates) that live
    until the chunk is converted; each automatic collection re-walks all of them (15-20 % of
    the reading's CPU at 20,000 activities, measured). Reference counting still frees them;
    the young generations are collected after each chunk (`_Mapper.flush`), everything once
    the reading ends.
    """

    def __enter__(self) -> None:
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *_exc) -> None:
        if self.was:
            gc.enable()
            gc.collect()
        release_freed_memory()


def read_files(paths: list[Path], ref: Reference, reference_dir: Path = REFERENCE_DIR) -> list:
    """Read and map IATI files (ids unique across them); refuse any file that cannot be used."""
    iref = IatiReference(reference_dir)
    seen: dict[str, str] = {}
    infos: dict[str, _Info] = {}
    try:
        with _no_cyclic_gc():
            sources = [read_file(p, ref, iref, seen, infos, n) for n, p in enumerate(paths)]
    finally:
        _INTERN.clear()
        _DATES.clear()
    return [(s, infos) for s in sources]


def read_file(
    path: Path,
    ref: Reference,
    iref: IatiReference,
    seen: dict[str, str],
    infos: dict[str, _Info],
    file_no: int = 0,
) -> IatiSource:
    """Parse an IATI activity file (2.01–2.03) and map its activities to row tuples."""
    tag, attrs = sniff_root(path)
    if tag != "iati-activities":
        raise IatiError(f"{path.name}: not an IATI activity file (root element {tag!r})")
    version = (attrs.get("version") or "").strip()
    if version not in SUPPORTED_VERSIONS:
        if version.startswith("1."):
            raise IatiError(
                f"{path.name}: IATI version {version} is not read (versions 2.01–2.03 only): "
                "1.0x files use other codes and no narratives; ask the publisher for a 2.0x file "
                "or convert it (IATI's v1→v2 upgrade guidance)"
            )
        raise IatiError(
            f"{path.name}: IATI version {version or '(none given)'} is not supported "
            f"(expected {', '.join(SUPPORTED_VERSIONS)})"
        )
    file_lang = attrs.get(XML_LANG)
    m = _Mapper(path.name, version, ref, iref, seen, infos, file_no)
    encoding = _read_parallel(path, m, file_lang)
    if encoding is None:  # small file, one core, or read again serially
        m = _Mapper(path.name, version, ref, iref, seen, infos, file_no)
        encoding = _read_range(path, m, file_lang)
    return IatiSource(
        path,
        sha256_of(path),
        encoding,
        version,
        attrs.get("generated-datetime"),
        m.rows_in,
        m.finish(),
        m.rejected,
        m.warnings,
        "; ".join(sorted(m.reporting.values()))[:2000],
        m.unmapped,
    )


# Large files are read by two processes (this one and a spawned child) on machines with two
# cores or more: this one maps the first activities, the child the rest (it parses the first
# ones too but only skips them) and sends its DataFrame chunks back through a pipe. Both apply
# the same per-activity code, so the result is the serial one; a file whose two halves share an
# activity id (the duplicate rule needs the first half's ids) is read again serially.
# Estimated activities below which a file is read by one process (ETL_IATI_PARALLEL_MIN; a
# number larger than any file turns the second process off).
PARALLEL_MIN = int(os.environ.get("ETL_IATI_PARALLEL_MIN", "20000"))
_FIRST_SHARE = 0.54  # the first process's share (the child also parses what it skips)


def _read_range(path: Path, m: _Mapper, file_lang, start: int = 0, stop: int | None = None):
    """Map the file's activities number start (0-based) up to stop; return the file's encoding.

    Activities before `start` are parsed and cleared, not mapped; reading ends after `stop`
    (the rest of the file is then not checked: the process reading it does).
    """
    encoding = "utf-8"
    checked = False
    n = -1
    try:
        for event, elem in _events(path):
            if not checked:
                _refuse_doctype(path, elem)
                encoding = (elem.getroottree().docinfo.encoding or "utf-8").lower()
                checked = True
            if event != "end":
                continue
            n += 1
            if stop is not None and n >= stop:
                break
            if n >= start:
                a = _parse_activity(elem, file_lang)
                if (
                    _first_checks(a, m.iref, m.field_memo)
                    or a.ident in m.idents
                    or a.ident in m.seen
                ):
                    a.raw = etree.tostring(elem, encoding="unicode")[:RAW_LIMIT]
                m.activity(a)
            # Clear as we go: the element, and the finished siblings before it.
            elem.clear(keep_tail=False)
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as e:
        line = getattr(e, "lineno", "?")
        raise IatiError(f"{path.name}: line {line}: not well-formed XML: {e.msg}") from None
    return encoding


def _count_activities(path: Path) -> int:
    """About how many iati-activity elements a file holds (a byte count, to split the work)."""
    n = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            n += block.count(b"<iati-activity") - block.count(b"<iati-activities")
    return n


def _read_parallel(path: Path, m: _Mapper, file_lang) -> str | None:
    """Read a large file with a spawned child mapping its second part; None if not done so."""
    import multiprocessing as mp
    import os
    import threading

    if (os.cpu_count() or 1) < 2:
        return None
    total = _count_activities(path)
    if total < PARALLEL_MIN:
        return None
    split = int(total * _FIRST_SHARE)
    # Spawned, not forked: a fork copies DuckDB's and other libraries' threads and locks in an
    # unknown state (a forked child segfaulted in the test process); a fresh interpreter does not.
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child_m = _Mapper.like(m)
    child = ctx.Process(target=_child, args=(path, child_m, file_lang, split, send), daemon=True)
    child.start()
    send.close()
    got: list = []

    def pump() -> None:  # drain the pipe while this process maps its part
        try:
            while True:
                msg = receive.recv()
                got.append(msg)
                if msg[0] != "chunk":
                    return
        except EOFError:
            got.append(("error", "the reading process ended without its result"))

    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    seen_before, infos_before = len(m.seen), len(m.infos)
    try:
        encoding = _read_range(path, m, file_lang, 0, split)
    except BaseException:
        child.kill()
        raise
    pumper.join()
    child.join()
    receive.close()
    done = got[-1]
    if done[0] == "error":
        raise IatiError(done[1])
    state = done[1]
    if state["idents"] & m.idents:  # the duplicate rule needs the whole file in order: redo
        for d, n0 in ((m.seen, seen_before), (m.infos, infos_before)):
            for key in list(d)[n0:]:
                del d[key]
        return None
    m.flush()
    for msg in got[:-1]:
        for table, frame in msg[1].items():
            m.chunks[table].append(frame)
    m.absorb(state)
    return encoding


def _child(path: Path, m: _Mapper, file_lang, start: int, send) -> None:
    """In the spawned child: map activities from `start` on, send chunks, then the rest."""
    import os

    try:
        m.sink = lambda chunk: send.send(("chunk", chunk))
        with _no_cyclic_gc():
            _read_range(path, m, file_lang, start)
        m.flush()
        send.send(("done", m.state()))
    except IatiError as e:
        send.send(("error", str(e)))
    except BaseException as e:  # reported to the parent, which raises it
        send.send(("error", f"{path.name}: reading failed: {e!r}"))
    finally:
        send.close()
        os._exit(0)


def _events(path: Path):
    """The root's start event (to check its DOCTYPE) and each iati-activity's end event."""
    root_seen = False
    for event, elem in _iterparse(path, ("start", "end"), ("iati-activities", "iati-activity")):
        if event == "start":
            if not root_seen:
                root_seen = True
                yield event, elem
            continue
        if elem.tag == "iati-activity":
            yield event, elem


class _Mapper:
    """Maps parsed activities of one file to row tuples, converted to DataFrames by chunks."""

    def __init__(self, file, version, ref, iref, seen, infos, file_no) -> None:
        self.file, self.version, self.ref, self.iref = file, version, ref, iref
        self.seen, self.infos, self.file_no = seen, infos, file_no
        self.rows: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
        self.chunks: dict[str, list[pd.DataFrame]] = defaultdict(list)
        self.rejected: list[tuple] = []
        self.warnings: list[tuple] = []
        self.idents: set[str] = set()
        self.reporting: dict[str, str] = {}
        self.unmapped: set[tuple[str, str]] = set()
        self.field_memo: dict[tuple, Any] = {}  # (vocabulary, code) and sector lists
        self.rows_in = 0
        self.pending = 0
        self.region_of = {c.iso3: c.region_code for c in ref.countries}
        self.country_memo: dict[str, str | None] = {}
        self.sector_names = iref.codelists.get("Sector", {})
        self.org_types = iref.codelists.get("OrganisationType", {})
        self.status_names = iref.codelists.get("ActivityStatus", {})
        self.sink: Callable[[Any], Any] | None = None  # in the reading child: where chunks go
        self.tx_sets: dict[frozenset, frozenset] = {}
        self.seen_at_start, self.infos_at_start = len(seen), len(infos)

    @classmethod
    def like(cls, m: _Mapper) -> _Mapper:
        """A new mapper for the same file and load (for the reading child)."""
        return cls(m.file, m.version, m.ref, m.iref, m.seen, m.infos, m.file_no)

    def flush(self) -> None:
        chunk = {}
        for table, rows in self.rows.items():
            if rows:
                # Column by column: from_records would keep one 2-D object array of every row
                # alive behind the object columns (each cell's Python object with it).
                columns = zip(*rows, strict=True)
                frame = pd.DataFrame(dict(zip(COLUMNS[table], map(list, columns), strict=True)))
                chunk[table] = _compact(frame)
                rows.clear()
        self.pending = 0
        if not gc.isenabled():
            # The collector is paused while reading (`_no_cyclic_gc`): collect the young
            # generations here, so cycles made by the conversion (pandas' temporaries) are
            # freed chunk by chunk; what survives moves to the old generation, not walked again.
            gc.collect(1)
        release_freed_memory()
        if self.sink is not None:
            if chunk:
                self.sink(chunk)
            return
        for table, frame in chunk.items():
            self.chunks[table].append(frame)

    def state(self) -> dict:
        """What the reading child found besides its chunks (for `absorb`)."""
        return {
            "rejected": self.rejected,
            "warnings": self.warnings,
            "idents": self.idents,
            "reporting": self.reporting,
            "unmapped": self.unmapped,
            "rows_in": self.rows_in,
            "seen": list(self.seen.items())[self.seen_at_start :],
            "infos": list(self.infos.items())[self.infos_at_start :],
        }

    def absorb(self, state: dict) -> None:
        """Add what the reading child found after this mapper's activities, in file order."""
        self.rejected += state["rejected"]
        self.warnings += state["warnings"]
        self.idents |= state["idents"]
        for key, value in state["reporting"].items():
            self.reporting.setdefault(key, value)
        self.unmapped |= state["unmapped"]
        self.rows_in += state["rows_in"]
        self.seen.update(state["seen"])
        self.infos.update(state["infos"])

    def finish(self) -> dict[str, pd.DataFrame]:
        self.flush()
        out = {}
        for t in COLUMNS:
            chunks = self.chunks.pop(t, [])
            out[t] = _concat(chunks) if chunks else pd.DataFrame(columns=COLUMNS[t])
            del chunks
        return out

    def activity(self, a: _Activity) -> None:
        self.rows_in += 1
        rep_ref, rep_type, rep_name = a.reporting
        self.reporting.setdefault(
            rep_ref or rep_name or "?", f"{rep_name or '?'} ({rep_ref or 'no ref'})"
        )
        self.unmapped.update(a.unmapped)
        if a.reject is None:
            at = self.seen.get(a.ident)
            if at is not None:
                a.reject = (
                    "iati-identifier",
                    a.ident,
                    Reason("duplicate activity id (first seen at %(at)s)", at=at),
                )
        if a.reject is not None:
            element, value, reason = a.reject
            self.rejected.append((a.line, element, value, reason, a.raw))
            self.idents.add(a.ident)
            return
        aid = a.ident
        self.idents.add(aid)
        self.seen[aid] = f"{self.file}:{a.line}"
        rows = self.rows
        line = a.line
        warnings = self.warnings

        def warn(element: str, value, reason: str) -> None:
            warnings.append((line, element, None if value is None else str(value), reason))

        # Dates by type: actual before planned.
        start = a.dates.get("2") or a.dates.get("1")
        end = a.dates.get("4") or a.dates.get("3")
        if start and end and end < start:
            warn("activity-date", end.isoformat(), Reason("end date is before start date"))
        status = STATUS_MAP.get(a.status_code or "")
        if a.status_code and status is None:
            label = self.status_names.get(a.status_code, {}).get("name_en")
            warn(
                "activity-status",
                a.status_code,
                Reason(
                    "activity status %(code)s (%(label)s) has no equivalent among ours; status "
                    "left empty",
                    code=a.status_code,
                    label=label or Reason("unknown code"),
                ),
            )
        # Fields of competence from the crosswalk.
        field_code = a.field_code
        for fcode, share in a.fields.items():
            rows["activity_fields"].append((aid, fcode, share))
        for vocab, code in a.unmapped:
            warn(
                "sector",
                f"{vocab}:{code}",
                Reason("sector %(sector)s is not in the crosswalk", sector=f"{vocab}:{code}"),
            )
        # Sectors, every vocabulary, percentage as given; IATI's 100% per vocabulary checked.
        per_vocab: dict[str, float] = {}
        for vocab, code, pct, level in a.sectors:
            p = _number(pct)
            p = p if isinstance(p, float) else None
            if level == "activity" and p is not None:
                per_vocab[vocab] = per_vocab.get(vocab, 0.0) + p
            name_en = self.sector_names.get(code, {}).get("name_en") if vocab == "1" else None
            rows["activity_sectors"].append((aid, vocab, code, name_en, p, pct, level))
        for vocab, total in per_vocab.items():
            if abs(total - 100) > 0.01:
                warn(
                    "sector",
                    f"{total:g}",
                    Reason(
                        "sector percentages of vocabulary %(vocabulary)s sum to %(total)s, not 100",
                        vocabulary=vocab,
                        total=f"{total:g}",
                    ),
                )
        # Budgets: revised replaces original for the same (overlapping) period.
        budget_usd, has_budget = self._budgets(a, warn)
        # Geography: countries and regions share 100% between them.
        places = [("country", c, None, p) for c, p in a.countries]
        places += [("region", c, v, p) for v, c, p in a.regions]
        shares = _percentages([p[3] for p in places], warn, "recipient")
        iso3s: dict[str, float] = {}
        unesco_regions: dict[str, float] = {}
        region_of = self.region_of
        for (kind, code, vocab, pct), share in zip(places, shares, strict=True):
            iso3 = unesco = None
            if kind == "country":
                iso3 = self._iso3(code)
                if iso3 is None:
                    why = Reason("unknown country code %(code)r; not located", code=code)
                    warn("recipient-country", code, why)
                else:
                    iso3s[iso3] = iso3s.get(iso3, 0.0) + share
                rcode = region_of.get(iso3) if iso3 else None
            else:
                unesco = self.iref.regions.get((vocab or "1", code))
                if unesco:
                    unesco_regions[unesco] = unesco_regions.get(unesco, 0.0) + share
                rcode = unesco
            rows["activity_recipients"].append((aid, kind, vocab, code, iso3, rcode, pct, share))
        via_country: dict[str, float] = {}
        for iso3, share in iso3s.items():
            rows["activity_countries"].append(
                (aid, iso3, region_of.get(iso3), share, _times(budget_usd, share))
            )
            if region_of.get(iso3):
                r = region_of[iso3]
                via_country[r] = via_country.get(r, 0.0) + share
        for via, regions in (("regional", unesco_regions), ("country", via_country)):
            for rcode, share in regions.items():
                rows["activity_regions"].append((aid, rcode, via, share, _times(budget_usd, share)))
        if iso3s:
            geo = "country" if len(iso3s) == 1 and not a.regions else "multi_country"
        elif unesco_regions:
            geo = "regional"
        elif a.scope_code == "1" and not a.regions:
            geo = "global"
        else:
            geo = "unspecified"
        # Transactions in their own table.
        tx_types = set()
        for seq, (tref, ttype, tdate, value, currency, vdate, prov, recv, tline) in enumerate(
            a.transactions, 1
        ):
            if isinstance(tdate, str):
                why = Reason("malformed transaction-date; date left empty")
                warn("transaction-date", tdate, why)
                tdate = None
            if isinstance(value, str):
                why = Reason("transaction value is not a number; left empty")
                warn("transaction/value", value, why)
                value = None
            vdate = vdate if isinstance(vdate, dt.date) else None
            usd = self._usd(value, currency, vdate or tdate, "transaction/value", warn)
            if value is not None:
                tx_types.add(ttype)
            rows["transactions"].append(
                (
                    aid, seq, tref, ttype, tdate, tdate.year if tdate else None, value,
                    currency, vdate, usd, prov[0], prov[1], recv[0], recv[1], True, tline,
                )
            )  # fmt: skip
        # Participating organisations (partners are matched after all files are read).
        for seq, (role, otype, oref, oname, oact, _oline) in enumerate(a.orgs, 1):
            rows["activity_participating_orgs"].append(
                (
                    aid, seq, role, otype, self.org_types.get(otype or "", {}).get("name_en"),
                    oref, oname, oact, (otype or "") in NGO_TYPES, None,
                )
            )  # fmt: skip
        for seq, (lg, text) in enumerate(a.titles, 1):
            rows["activity_narratives"].append((aid, "title", None, lg, seq, text))
        for seq, (dtype, lg, text) in enumerate(a.descriptions, 1):
            rows["activity_narratives"].append((aid, "description", dtype, lg, seq, text))
        for rtype, other in a.relations:
            rows["activity_relations"].append((aid, other, rtype, False))
        general = [(lg, t) for dtype, lg, t in a.descriptions if dtype == "1"] or [
            (lg, t) for _, lg, t in a.descriptions
        ]
        when = start or end
        rows["activities"].append(
            (
                aid, pick_text(a.titles, "en"), "bilateral", field_code, start, end,
                when.year if when else None, status, budget_usd, pick_text(general, "en"), geo,
                None, self.file, line,
            )
        )  # fmt: skip
        attrs = a.attrs
        rows["iati_activities"].append(
            (
                aid, self.file, line, self.version, attrs.get("hierarchy"),
                (attrs.get("default-currency") or "").upper() or None, a.lang,
                attrs.get("last-updated-datetime"), rep_ref, rep_type, rep_name, a.status_code,
                a.scope_code, a.dates.get("1"), a.dates.get("2"), a.dates.get("3"),
                a.dates.get("4"), None, "self" if has_budget else "none", False, False,
            )
        )  # fmt: skip
        types = frozenset(tx_types)  # a few distinct sets: one object each
        self.infos[aid] = _Info(
            self.file_no,
            line,
            tuple(a.relations) if a.relations else (),
            has_budget,
            self.tx_sets.setdefault(types, types),
        )
        self.pending += 1
        if self.pending >= CHUNK:
            self.flush()

    def _iso3(self, code: str) -> str | None:
        if code not in self.country_memo:
            self.country_memo[code] = self.ref.normalise("country", code) if code else None
        return self.country_memo[code]

    def _usd(self, value, currency, when, element, warn) -> float | None:
        if value is None:
            return None
        if currency is None:
            warn(
                element,
                _fmt(value),
                Reason(
                    "value without currency (no @currency, no default-currency); US$ left empty"
                ),
            )
            return None
        usd = self.iref.usd(value, currency, when)
        if usd is None:
            year = when.year if when else Reason("an unknown year")
            warn(
                element,
                f"{_fmt(value)} {currency}",
                Reason(
                    "no %(currency)s→US$ rate for %(year)s in "
                    "data/reference/iati/exchange_rates.csv; US$ left empty",
                    currency=currency,
                    year=year,
                ),
            )
        return usd

    def _budgets(self, a: _Activity, warn) -> tuple[float | None, bool]:
        """Append the activity's budgets and their years; (US$ total if all known, any budget)."""
        rows = []
        for btype, bstatus, start, end, value, currency, vdate, bline in a.budgets:
            if isinstance(start, str) or isinstance(end, str):
                warn(
                    "budget/period",
                    f"{start} – {end}",
                    Reason("malformed budget period; not allocated to years"),
                )
                start = start if isinstance(start, dt.date) else None
                end = end if isinstance(end, dt.date) else None
            if start and end:
                if end < start:
                    warn(
                        "budget/period",
                        f"{start} – {end}",
                        Reason("budget period ends before it starts; not allocated to years"),
                    )
                    start = end = None
                elif (end - start).days > 366:
                    warn(
                        "budget/period",
                        f"{start} – {end}",
                        Reason("budget period longer than one year (IATI rule); allocated by days"),
                    )
            if isinstance(value, str):
                why = Reason("budget value is not a number; value left empty")
                warn("budget/value", value, why)
                value = None
            vdate = vdate if isinstance(vdate, dt.date) else None
            usd = self._usd(value, currency, vdate or start, "budget/value", warn)
            rows.append([btype, bstatus, start, end, value, currency, vdate, usd, False, bline])
        revised = [r for r in rows if r[0] == "2"]
        if revised:
            for r in rows:
                if r[0] != "2" and any(_overlap(r, rv) for rv in revised):
                    r[8] = True  # superseded by a revised budget for the same period
        aid = a.ident
        out_b = self.rows["activity_budgets"]
        out_y = self.rows["budget_years"]
        total = 0.0
        known = True
        live = 0
        for seq, (btype, bstatus, start, end, value, currency, vdate, usd, sup, bline) in enumerate(
            rows, 1
        ):
            counted = not sup and value is not None
            out_b.append(
                (
                    aid,
                    seq,
                    btype,
                    bstatus,
                    start,
                    end,
                    value,
                    currency,
                    vdate,
                    usd,
                    sup,
                    counted,
                    bline,
                )
            )
            if not counted:
                continue
            live += 1
            if usd is None:
                known = False
            else:
                total += usd
            if start and end:
                for year, frac in _days_by_year(start, end):
                    out_y.append(
                        (
                            aid,
                            year,
                            value * frac,
                            currency,
                            usd * frac if usd is not None else None,
                            True,
                        )
                    )
        return (total if live and known else None), live > 0


# Columns the cross-file rules write into: kept as plain objects (not categories).
_WRITTEN = frozenset(
    {"money_level", "partner_link", "lead_partner_id", "partner_id", "counted", "in_load"}
)


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as datetime64 and repeated text as categories: a fraction of the object memory."""
    n = len(frame)
    for name in frame.columns:
        col = frame[name]
        text_like = col.dtype == object or isinstance(col.dtype, pd.StringDtype)
        if not text_like or name in _WRITTEN:
            continue
        present = col.notna().to_numpy()
        if not present.any():
            continue
        first = col.iloc[int(present.argmax())]
        if isinstance(first, dt.date):
            frame[name] = pd.to_datetime(col).astype("datetime64[s]")
        elif isinstance(first, str) and n > 500:
            # One hashing pass (factorize) instead of nunique() then astype("category").
            codes, uniques = pd.factorize(col.to_numpy(dtype=object, na_value=None))
            if len(uniques) * 2 < int(present.sum()):
                dtype = pd.CategoricalDtype(pd.Index(uniques, dtype=str))
                frame[name] = pd.Categorical.from_codes(codes, dtype=dtype)
    return frame


def _concat(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunks of one table as one frame, categories merged (pd.concat would make them objects).

    Consumes the chunks: each column is dropped from them once joined, so a large table is
    never held twice (the peak of a 100,000-activity load was this doubling).
    """
    if len(chunks) == 1:
        return chunks[0]
    columns = {}
    for name in list(chunks[0].columns):
        parts = [c[name] for c in chunks]
        if any(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            cats = [
                p.array if isinstance(p.dtype, pd.CategoricalDtype) else pd.Categorical(p)
                for p in parts
            ]
            columns[name] = pd.Series(union_categoricals(cats, ignore_order=True))
            del cats
        else:
            columns[name] = pd.concat(parts, ignore_index=True)
        del parts
        for c in chunks:
            del c[name]
    chunks.clear()
    release_freed_memory()
    return pd.DataFrame(columns, copy=False)


def _times(value: float | None, share: float) -> float | None:
    return value * share if value is not None else None


def _overlap(a: list, b: list) -> bool:
    """Whether two budgets' periods overlap (the same period when either is incomplete)."""
    if None in (a[2], a[3], b[2], b[3]):
        return a[2] == b[2] and a[3] == b[3]
    return a[2] <= b[3] and b[2] <= a[3]


_FIELD_ORDER = {"ED": 1, "SC": 2, "SHS": 3, "CLT": 4, "CI": 5}


def _first_checks(a: _Activity, iref: IatiReference, memo: dict) -> bool:
    """Set a.reject for what the standard requires and the mapping needs; True if rejected."""
    if a.reject is None:
        if not a.ident:
            a.reject = ("iati-identifier", None, Reason("iati-identifier is required"))
        elif not a.titles:
            a.reject = ("title", None, Reason("title is required (no narrative)"))
        else:
            key = tuple(a.sectors)  # sector lists repeat: their shares are computed once
            got = memo.get(key)
            if got is None:
                fields, unmapped = _field_shares(a, iref, memo)
                main = max(
                    fields, key=lambda k: (fields[k], -_FIELD_ORDER.get(k, 99)), default=None
                )
                got = memo[key] = (fields, unmapped, main)
            a.fields, a.unmapped, a.field_code = got  # shared by activities: read, not changed
            if not a.fields:
                codes = ", ".join(f"{v}:{c}" for v, c, *_ in a.sectors) or "none"
                a.reject = (
                    "sector",
                    codes,
                    Reason(
                        "no sector maps to a field of competence (sectors %(codes)s; add a row "
                        "to data/reference/dac_field_crosswalk.csv)",
                        codes=codes if a.sectors else Reason("none"),
                    ),
                )
    return a.reject is not None


def _field_shares(a: _Activity, iref: IatiReference, memo: dict):
    """({field: share}, unmapped (vocabulary, code)) from the first vocabulary that maps."""
    unmapped: list[tuple[str, str]] = []
    level = "activity" if any(s[3] == "activity" for s in a.sectors) else "transaction"
    by_vocab: dict[str, list] = {}
    for s in a.sectors:
        if s[3] == level:
            by_vocab.setdefault(s[0], []).append(s)
    for vocab in FIELD_VOCABULARIES:
        items = by_vocab.get(vocab)
        if not items:
            continue
        weights: dict[str, float] = {}
        if level == "activity" and len(items) > 1:
            shares = _percentages([i[2] for i in items], _ignore, "sector")
        else:
            shares = [1.0 / len(items)] * len(items)
        for (_, code, _pct, _lvl), share in zip(items, shares, strict=True):
            key = (vocab, code)
            if key not in memo:
                memo[key] = iref.fields_for(vocab, code)
            rows = memo[key]
            if rows is None:
                unmapped.append(key)
                continue
            for fcode, weight in rows:
                weights[fcode] = weights.get(fcode, 0.0) + share * weight
        if weights:
            total = sum(weights.values())
            return {k: v / total for k, v in weights.items()}, unmapped
    return {}, unmapped


def _ignore(*_args) -> None:
    return None


# -- rules across files: duplicates with CSV activities, hierarchy, partners -------------------


@dataclass
class _PartnerIndex:
    """Known partners by id, IATI organisation ref, folded name and acronym."""

    by_ref: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, partners: list[pd.DataFrame]) -> _PartnerIndex:
        idx = cls()
        acronyms: dict[str, set[str]] = defaultdict(set)
        for frame in partners:
            for row in frame.to_dict("records"):
                pid = row["partner_id"]
                idx.by_ref.setdefault(fold(pid), pid)
                for ref in _refs_from_extra(row.get("extra")):
                    idx.by_ref.setdefault(fold(ref), pid)
                idx.by_name.setdefault(fold(row["name"]), pid)
                if isinstance(row.get("acronym"), str) and row["acronym"]:
                    acronyms[fold(row["acronym"])].add(pid)
        for key, pids in acronyms.items():
            if len(pids) == 1:  # an acronym shared by two partners names neither
                idx.by_name.setdefault(key, next(iter(pids)))
        return idx

    def match(self, ref: str | None, name: str | None) -> str | None:
        if ref and (pid := self.by_ref.get(fold(ref))):
            return pid
        if name and (pid := self.by_name.get(fold(name))):
            return pid
        return None


def _refs_from_extra(extra) -> list[str]:
    """IATI organisation identifiers a partners file gives in a non-contract column."""
    if not isinstance(extra, str) or not extra:
        return []
    import json

    try:
        data = json.loads(extra)
    except ValueError:
        return []
    keys = {"iatiref", "iatiidentifier", "iatiorgid", "iatiorganisationidentifier", "orgref"}
    return [str(v) for k, v in data.items() if fold(k) in keys and v]


# The items `_percentages` warns about, as words of a reason (translated on the Data page).
_NOUNS = {
    "recipient": (Reason("recipient"), Reason("recipients")),
    "sector": (Reason("sector"), Reason("sectors")),
}


def _percentages(texts: list[str | None], warn, what: str) -> list[float]:
    """Shares (summing to 1) for items with these percentage texts, with IATI's rules."""
    n = len(texts)
    noun, nouns = _NOUNS.get(what, (what, f"{what}s"))
    if n == 0:
        return []
    given: list[float | None] = []
    for raw in texts:
        v = _number(raw)
        if isinstance(v, str) or (v is not None and not 0 <= v <= 100):
            why = Reason(
                "%(what)s percentage %(raw)r is not a number from 0 to 100; ignored",
                what=noun,
                raw=raw,
            )
            warn(what, raw, why)
            v = None
        given.append(v)
    known = [v for v in given if v is not None]
    if not known:
        if n > 1:
            warn(
                what,
                None,
                Reason(
                    "%(n)s %(whats)s without percentages; split evenly (IATI asks for percentages)",
                    n=n,
                    whats=nouns,
                ),
            )
        return [1.0 / n] * n
    total = sum(known)
    missing = n - len(known)
    if missing:
        rest = max(100.0 - total, 0.0)
        warn(
            what,
            None,
            Reason(
                "%(missing)s of %(n)s %(whats)s without a percentage; they share the remaining "
                "%(rest)s%%",
                missing=missing,
                n=n,
                whats=nouns,
                rest=f"{rest:g}",
            ),
        )
        given = [v if v is not None else rest / missing for v in given]
        total = sum(v for v in given if v is not None)
    elif abs(total - 100) > 0.01:
        why = Reason(
            "%(what)s percentages sum to %(total)s, not 100; scaled to 100",
            what=noun,
            total=f"{total:g}",
        )
        warn(what, f"{total:g}", why)
    if total <= 0:
        return [1.0 / n] * n
    return [v / total for v in given]  # type: ignore[operator]


@functools.lru_cache(maxsize=8192)  # budget periods repeat (calendar years, quarters)
def _days_by_year(start: dt.date, end: dt.date) -> tuple[tuple[int, float], ...]:
    """(year, fraction of the period) for a period from start to end, both inclusive."""
    total = (end - start).days + 1
    out = []
    for year in range(start.year, end.year + 1):
        a = max(start, dt.date(year, 1, 1))
        b = min(end, dt.date(year, 12, 31))
        out.append((year, ((b - a).days + 1) / total))
    return tuple(out)


def validate_files(
    read: list[tuple[IatiSource, dict[str, _Info]]],
    ref: Reference,
    partners: list[pd.DataFrame],
    seen: dict[str, str],
    reference_dir: Path = REFERENCE_DIR,
) -> list[Validated]:
    """Apply the rules that need every file: CSV duplicates, hierarchy, partner links."""
    del ref, reference_dir  # the mapping was done while reading
    if not read:
        return []
    infos = read[0][1]
    # An IATI id already used by a CSV activity: the CSV row came first, the IATI one is rejected.
    clash = {aid: at for aid, at in seen.items() if aid in infos}
    for aid in clash:
        del infos[aid]
    counted = _money_carriers(infos)
    index = _PartnerIndex.build(partners)
    out = []
    for s, _ in read:
        out.append(_finish_file(s, clash, infos, counted, index))
    for aid, info in infos.items():
        seen.setdefault(aid, f"{read[info.file][0].path.name}:{info.line}")
    infos.clear()  # used up: the warehouse is built from `out` (large files)
    release_freed_memory()  # the rules' temporaries (index arrays, matched ids) are gone
    return out


# Reasons without arguments, shared by every row that has them (one object for 100,000 rows of
# a large file instead of one each: ~35 MB at 100,000 activities).
_CARRIED_BY_CHILDREN = Reason(
    "budget carried by its child activities in this load; its own budgets are kept in "
    "activity_budgets but not counted"
)
_NGO_NOT_A_PARTNER = Reason(
    "no participating organisation is a known partner (NGO/foundation not in the partners "
    "list); loaded without partner"
)
_NO_KNOWN_PARTNER = Reason(
    "no participating organisation is a known partner; loaded without partner"
)


def _finish_file(s: IatiSource, clash: dict, infos: dict, counted: dict, index) -> Validated:
    f = s.frames
    rejected = list(s.rejected)
    warnings = list(s.warnings)
    acts = f["activities"]
    if clash and len(acts):
        dup = acts["activity_id"].isin(list(clash)).to_numpy()
        if dup.any():
            for aid, line in acts.loc[dup, ["activity_id", "source_line"]].itertuples(index=False):
                rejected.append(
                    (
                        int(line),
                        "iati-identifier",
                        aid,
                        Reason("duplicate activity id (first seen at %(at)s)", at=clash[aid]),
                        None,
                    )
                )
            gone = set(acts.loc[dup, "activity_id"])
            lines = set(acts.loc[dup, "source_line"].astype(int))
            for t, frame in f.items():
                if len(frame):
                    f[t] = frame[~frame["activity_id"].isin(gone)].reset_index(drop=True)
            warnings = [w for w in warnings if w[0] not in lines]
            acts = f["activities"]
    ia = f["iati_activities"]
    if len(acts):
        ids = acts["activity_id"]
        # Hierarchy: money counted once, at the lowest level that carries it.
        not_budget = (
            ~ids.isin(counted["budget"]).to_numpy() & ia["money_level"].eq("self").to_numpy()
        )
        if not_budget.any():
            parents = set(ids[not_budget])
            acts.loc[not_budget, "budget_usd"] = None
            ia.loc[not_budget, "money_level"] = "children"
            for t in ("activity_budgets", "budget_years"):
                frame = f[t]
                frame.loc[frame["activity_id"].isin(parents), "counted"] = False
            for t in ("activity_countries", "activity_regions"):
                frame = f[t]
                frame.loc[frame["activity_id"].isin(parents), "budget_share_usd"] = None
            for line in acts.loc[not_budget, "source_line"]:
                warnings.append((int(line), "budget", None, _CARRIED_BY_CHILDREN))
        tx = f["transactions"]
        if len(tx):
            keys = pd.MultiIndex.from_arrays(
                [tx["activity_id"].astype(object), tx["transaction_type"].astype(object).fillna("")]
            )
            tx["counted"] = ~keys.isin(list(counted["tx_not_counted"]))
        ia["has_children"] = ids.isin(counted["_children"]).to_numpy()
        ia["has_parent"] = ids.isin(counted["_parents"]).to_numpy()
        rel = f["activity_relations"]
        if len(rel):
            rel["in_load"] = rel["related_activity_id"].isin(infos.keys()).to_numpy()
        # Partners: participating organisations matched to known partners by ref or name.
        orgs = f["activity_participating_orgs"]
        if len(orgs):
            memo: dict[tuple, str | None] = {}  # organisations repeat: match each pair once
            pids = []
            for key in zip(orgs["ref"], orgs["name"], strict=True):
                pid = memo.get(key, memo)
                if pid is memo:
                    pid = memo[key] = index.match(*key)
                pids.append(pid)
            orgs["partner_id"] = pids
        matched = orgs.dropna(subset=["partner_id"]) if len(orgs) else orgs
        ap = matched.drop_duplicates(["activity_id", "partner_id"])[
            ["activity_id", "partner_id", "role"]
        ]
        implementing = ap[ap["role"] == "4"].drop_duplicates("activity_id")
        first = ap.drop_duplicates("activity_id")
        lead = (
            pd.concat([implementing, first])
            .drop_duplicates("activity_id")
            .set_index("activity_id")["partner_id"]
        )
        ap = ap.assign(
            is_lead=ap["partner_id"].to_numpy() == ap["activity_id"].map(lead).to_numpy()
        )
        f["activity_partners"] = ap[["activity_id", "partner_id", "is_lead"]].reset_index(drop=True)
        acts["lead_partner_id"] = ids.map(lead).to_numpy()
        has_ngo = (
            set(orgs.loc[orgs["is_ngo_or_foundation"].astype(bool), "activity_id"])
            if len(orgs)
            else set()
        )
        linked = ids.isin(lead.index).to_numpy()
        ngo = ids.isin(has_ngo).to_numpy()
        ia["partner_link"] = np.where(
            linked, "official_partner", np.where(ngo, "ngo_not_in_partnership", "no_ngo")
        )
        if (~linked).any():
            ngo_names: dict[str, list[str]] = {}
            if len(orgs):
                loose = orgs[orgs["is_ngo_or_foundation"].astype(bool) & orgs["partner_id"].isna()]
                for aid, name in zip(loose["activity_id"], loose["name"], strict=True):
                    if isinstance(name, str):
                        ngo_names.setdefault(aid, []).append(name)
            for aid, line, is_ngo in zip(
                ids[~linked], acts["source_line"][~linked], ngo[~linked], strict=True
            ):
                names = "; ".join(ngo_names.get(aid, []))[:200] if is_ngo else None
                warnings.append(
                    (
                        int(line),
                        "participating-org",
                        names or None,
                        _NGO_NOT_A_PARTNER if is_ngo else _NO_KNOWN_PARTNER,
                    )
                )
    rejected_frame = pd.DataFrame(
        rejected, columns=["line", "column_name", "value", "reason", "raw"]
    )
    rejected_frame = rejected_frame.sort_values("line", kind="stable").reset_index(drop=True)
    warnings_frame = pd.DataFrame(warnings, columns=["line", "column_name", "value", "reason"])
    records = f.pop("activities")
    f["iati_files"] = pd.DataFrame(
        [
            {
                "file": s.path.name,
                "iati_version": s.version,
                "generated_datetime": s.generated,
                "activities": s.rows_in,
                "loaded": len(records),
                "rejected": len(rejected_frame),
                "with_official_partner": int((ia["partner_link"] == "official_partner").sum())
                if len(ia)
                else 0,
                "reporting_orgs": s.reporting_orgs,
                "unmapped_sectors": "; ".join(sorted(f"{v}:{c}" for v, c in s.unmapped))[:2000],
            }
        ]
    )
    f = {t: frame for t, frame in f.items() if len(frame)}
    s.frames = {}  # the loader frees `f` once inserted (large files)
    return Validated(s, records, f, rejected_frame, warnings_frame)  # type: ignore[arg-type]


def _money_carriers(infos: dict[str, _Info]) -> dict[str, set]:
    """Who counts the money: 'budget' = activities whose budgets are counted, etc.

    The money of a programme and of its projects is counted once, at the lowest level that
    carries it: an activity's budgets (or its transactions of a type) are not counted when one
    of its descendants in the load carries budgets (or transactions of that type) itself.
    """
    children: dict[str, set[str]] = defaultdict(set)
    for ident, info in infos.items():
        for rtype, other in info.relations:
            if other == ident or other not in infos:
                continue
            if rtype == "2":
                children[ident].add(other)
            elif rtype == "1":
                children[other].add(ident)
    holders = {i for i, info in infos.items() if info.has_budget}
    budget = {h for h in holders if not (h in children and _below(h, holders, children, {}))}
    tx_not: set[tuple[str, str]] = set()
    by_type: dict[str, set[str]] = defaultdict(set)
    for i, info in infos.items():
        for t in info.tx_types:
            by_type[t or ""].add(i)
    for t, hs in by_type.items():
        for h in hs:
            if h in children and _below(h, hs, children, {}):
                tx_not.add((h, t))
    return {
        "budget": budget,
        "tx_not_counted": tx_not,
        "_children": set(children),
        "_parents": {c for v in children.values() for c in v},
    }


def _below(node: str, holders: set[str], children: dict[str, set[str]], memo: dict) -> bool:
    """True when a descendant of `node` is in `holders` (cycles in the links are cut)."""
    if node in memo:
        return memo[node]
    memo[node] = False  # visiting: a cycle back to here finds nothing
    hit = any(c in holders or _below(c, holders, children, memo) for c in children.get(node, ()))
    memo[node] = hit
    return hit


def _fmt(v: float) -> str:
    """A number as a person writes it (no exponent)."""
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def unmapped_sectors(v: Validated) -> list[str]:
    """'vocabulary:code' of the sector codes of an IATI file that the crosswalk does not map."""
    files = v.bridges.get("iati_files")
    if files is None or files.empty or not files["unmapped_sectors"].iloc[0]:
        return []
    return str(files["unmapped_sectors"].iloc[0]).split("; ")


def reference_frames(reference_dir: Path = REFERENCE_DIR) -> dict[str, pd.DataFrame]:
    """The crosswalk and the IATI codelists as warehouse tables (shown on the Data page)."""
    iref = IatiReference(reference_dir)
    crosswalk = pd.DataFrame(iref.crosswalk_rows)
    crosswalk["weight"] = crosswalk["weight"].astype(float)
    codelists = pd.DataFrame(
        [
            {
                "codelist": name,
                "code": code,
                "name_en": r["name_en"] or None,
                "name_fr": r["name_fr"] or None,
                "category": r["category"] or None,
                "status": r["status"],
            }
            for name, items in iref.codelists.items()
            for code, r in items.items()
        ]
    )
    return {"dac_field_crosswalk": crosswalk, "iati_codelists": codelists}
