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
The mapping is documented in docs/data-contract.md, section 9.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

from etl.extract import ExtractError, sha256_of
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
SPENDING_TYPES = ("3", "4")  # disbursement, expenditure
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


def _iterparse(path: Path, events: tuple[str, ...], tag: str | None = None):
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
            key = (r["currency"].strip().upper(), int(r["year"]))
            self.rates[key] = float(r["usd_per_unit"])
            self.rate_sources[key] = r["source"]

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
    for n in elem:
        if n.tag == "narrative":
            text = " ".join("".join(n.itertext()).split())
            if text:
                out.append((n.get(XML_LANG) or default_lang, text))
    return out


def pick_text(narratives: list[tuple[str | None, str]], lang: str = "en") -> str | None:
    """The narrative in `lang`, else in the other of EN/FR, else the first one."""
    if not narratives:
        return None
    other = "fr" if lang == "en" else "en"
    for wanted in (lang, other):
        for code, text in narratives:
            if code and code.lower().split("-")[0] == wanted:
                return text
    return narratives[0][1]


def _date(text: str | None) -> dt.date | None | str:
    """An ISO date (xsd:date, possibly with a time zone), None if absent, the text if malformed."""
    if text is None or not text.strip():
        return None
    t = text.strip()
    try:
        return dt.date.fromisoformat(t[:10])
    except ValueError:
        return t


def _number(text: str | None) -> float | None | str:
    if text is None or not text.strip():
        return None
    try:
        v = float(text.strip())
    except ValueError:
        return text.strip()
    return v if math.isfinite(v) else text.strip()


@dataclass
class _Activity:
    """One parsed iati-activity (before the hierarchy and partner rules are applied)."""

    line: int
    ident: str
    attrs: dict[str, str]
    lang: str | None
    raw: str | None = None
    reject: tuple[str, str | None, str] | None = None  # (element, value, reason)
    warnings: list[tuple[str, str | None, str]] = field(default_factory=list)
    titles: list = field(default_factory=list)
    descriptions: list = field(default_factory=list)  # (type, lang, text)
    reporting: tuple[str | None, str | None, str | None] = (None, None, None)
    status_code: str | None = None
    scope_code: str | None = None
    dates: dict[str, dt.date] = field(default_factory=dict)
    orgs: list = field(default_factory=list)  # (role, type, ref, name, activity_ref, line)
    countries: list = field(default_factory=list)  # (code, percentage text)
    regions: list = field(default_factory=list)  # (vocabulary, code, percentage text)
    sectors: list = field(default_factory=list)  # (vocabulary, code, percentage text, level)
    budgets: list = field(
        default_factory=list
    )  # (type, status, start, end, value, cur, vdate, line)
    transactions: list = field(default_factory=list)
    relations: list = field(default_factory=list)  # (type, ref)


def _parse_activity(elem: etree._Element, file_lang: str | None) -> _Activity:
    lang = elem.get(XML_LANG) or file_lang
    a = _Activity(elem.sourceline or 0, "", dict(elem.attrib), lang)
    default_currency = (elem.get("default-currency") or "").strip().upper() or None
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str) or tag.startswith("{"):
            continue  # comments and extension elements of other namespaces
        if tag == "iati-identifier":
            a.ident = _text(child)
        elif tag == "title":
            a.titles.extend(_narratives(child, lang))
        elif tag == "description":
            dtype = child.get("type") or "1"
            a.descriptions.extend((dtype, lg, t) for lg, t in _narratives(child, lang))
        elif tag == "reporting-org":
            a.reporting = (child.get("ref"), child.get("type"), pick_text(_narratives(child, lang)))
        elif tag == "participating-org":
            a.orgs.append(
                (
                    child.get("role"),
                    child.get("type"),
                    (child.get("ref") or "").strip() or None,
                    pick_text(_narratives(child, lang)),
                    child.get("activity-id"),
                    child.sourceline,
                )
            )
        elif tag == "activity-status":
            a.status_code = child.get("code")
        elif tag == "activity-scope":
            a.scope_code = child.get("code")
        elif tag == "activity-date":
            d = _date(child.get("iso-date"))
            kind = child.get("type")
            if isinstance(d, str):
                a.reject = a.reject or (
                    "activity-date",
                    d,
                    "malformed activity-date (expected YYYY-MM-DD)",
                )
            elif d is not None and kind:
                a.dates[kind] = d
        elif tag == "recipient-country":
            a.countries.append(((child.get("code") or "").strip().upper(), child.get("percentage")))
        elif tag == "recipient-region":
            a.regions.append(
                (
                    child.get("vocabulary") or "1",
                    (child.get("code") or "").strip(),
                    child.get("percentage"),
                )
            )
        elif tag == "sector":
            a.sectors.append(
                (
                    child.get("vocabulary") or "1",
                    (child.get("code") or "").strip(),
                    child.get("percentage"),
                    "activity",
                )
            )
        elif tag == "budget":
            a.budgets.append(_budget(child, default_currency))
        elif tag == "transaction":
            a.transactions.append(_transaction(child, default_currency, lang, a))
        elif tag == "related-activity":
            a.relations.append((child.get("type"), (child.get("ref") or "").strip()))
    return a


def _value(elem: etree._Element | None, default_currency: str | None):
    if elem is None:
        return None, None, None
    currency = (elem.get("currency") or "").strip().upper() or default_currency
    return _number(elem.text), currency, _date(elem.get("value-date"))


def _budget(b: etree._Element, default_currency: str | None) -> tuple:
    start = end = None
    value_elem = None
    for c in b:
        if c.tag == "period-start":
            start = _date(c.get("iso-date"))
        elif c.tag == "period-end":
            end = _date(c.get("iso-date"))
        elif c.tag == "value":
            value_elem = c
    value, currency, vdate = _value(value_elem, default_currency)
    return (
        b.get("type") or "1",
        b.get("status") or "1",
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
    provider = receiver = (None, None)
    for c in t:
        tag = c.tag
        if tag == "transaction-type":
            ttype = c.get("code")
        elif tag == "transaction-date":
            date = _date(c.get("iso-date"))
        elif tag == "value":
            value_elem = c
        elif tag == "provider-org":
            provider = (c.get("ref"), pick_text(_narratives(c, lang)))
        elif tag == "receiver-org":
            receiver = (c.get("ref"), pick_text(_narratives(c, lang)))
        elif tag == "sector":
            a.sectors.append(
                (c.get("vocabulary") or "1", (c.get("code") or "").strip(), None, "transaction")
            )
    value, currency, vdate = _value(value_elem, default_currency)
    return (t.get("ref"), ttype, date, value, currency, vdate, provider, receiver, t.sourceline)


# -- reading a file ------------------------------------------------------------------------------


@dataclass
class IatiSource:
    """One IATI file as the loader sees it (the counterpart of extract.RawTable)."""

    path: Path
    sha256: str
    encoding: str
    version: str
    generated: str | None
    activities: list[_Activity]
    kind: str = "iati"
    ignored_columns: list[str] = field(default_factory=list)
    broken: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"_line": []}))

    @property
    def rows_in(self) -> int:
        """Activities read."""
        return len(self.activities)


def read_file(path: Path, reference_dir: Path = REFERENCE_DIR) -> IatiSource:
    """Parse an IATI activity file (2.01–2.03) into activities; refuse what cannot be used."""
    iref = IatiReference(reference_dir)
    idents: set[str] = set()
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
    activities: list[_Activity] = []
    encoding = "utf-8"
    checked = False
    try:
        context = _iterparse(path, ("start", "end"))
        for event, elem in context:
            if not checked:
                _refuse_doctype(path, elem)
                encoding = (elem.getroottree().docinfo.encoding or "utf-8").lower()
                checked = True
            if event != "end" or elem.tag != "iati-activity":
                continue
            a = _parse_activity(elem, file_lang)
            _first_checks(a, iref)
            if a.reject is not None or a.ident in idents:
                a.raw = etree.tostring(elem, encoding="unicode")[:RAW_LIMIT]
            idents.add(a.ident)
            activities.append(a)
            # Clear as we go: the element, and the finished siblings before it.
            elem.clear(keep_tail=False)
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as e:
        line = e.lineno if hasattr(e, "lineno") else "?"
        raise IatiError(f"{path.name}: line {line}: not well-formed XML: {e.msg}") from None
    return IatiSource(
        path, sha256_of(path), encoding, version, attrs.get("generated-datetime"), activities
    )


# -- mapping a whole load ------------------------------------------------------------------------


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


def _percentages(texts: list[str | None], warn, what: str) -> list[float]:
    """Shares (summing to 1) for items with these percentage texts, with IATI's rules."""
    n = len(texts)
    if n == 0:
        return []
    given: list[float | None] = []
    for raw in texts:
        v = _number(raw)
        if isinstance(v, str) or (v is not None and not 0 <= v <= 100):
            warn(what, raw, f"{what} percentage {raw!r} is not a number from 0 to 100; ignored")
            v = None
        given.append(v)
    known = [v for v in given if v is not None]
    if not known:
        if n > 1:
            warn(
                what,
                None,
                f"{n} {what}s without percentages; split evenly (IATI asks for percentages)",
            )
        return [1.0 / n] * n
    total = sum(known)
    missing = n - len(known)
    if missing:
        rest = max(100.0 - total, 0.0)
        warn(
            what,
            None,
            f"{missing} of {n} {what}s without a percentage; they share the remaining {rest:g}%",
        )
        given = [v if v is not None else rest / missing for v in given]
        total = sum(given)
    elif abs(total - 100) > 0.01:
        warn(what, f"{total:g}", f"{what} percentages sum to {total:g}, not 100; scaled to 100")
    if total <= 0:
        return [1.0 / n] * n
    return [v / total for v in given]  # type: ignore[operator]


def _days_by_year(start: dt.date, end: dt.date) -> list[tuple[int, float]]:
    """(year, fraction of the period) for a period from start to end, both inclusive."""
    total = (end - start).days + 1
    out = []
    for year in range(start.year, end.year + 1):
        a = max(start, dt.date(year, 1, 1))
        b = min(end, dt.date(year, 12, 31))
        out.append((year, ((b - a).days + 1) / total))
    return out


def validate_files(
    sources: list[IatiSource],
    ref: Reference,
    partners: list[pd.DataFrame],
    seen: dict[str, str],
    reference_dir: Path = REFERENCE_DIR,
) -> list[Validated]:
    """Map the activities of IATI files to warehouse records, one Validated per file."""
    iref = IatiReference(reference_dir)
    index = _PartnerIndex.build(partners)
    # Accept or reject identities first: the hierarchy rule needs the set of loaded activities.
    accepted: dict[str, _Activity] = {}
    for s in sources:
        for a in s.activities:
            if a.reject is None:
                at = seen.get(a.ident)
                if at is not None:
                    a.reject = (
                        "iati-identifier",
                        a.ident,
                        f"duplicate activity id (first seen at {at})",
                    )
                else:
                    seen[a.ident] = f"{s.path.name}:{a.line}"
                    accepted[a.ident] = a
    carriers = _money_carriers(accepted)
    return [_map_file(s, ref, iref, index, accepted, carriers) for s in sources]


def _first_checks(a: _Activity, iref: IatiReference) -> None:
    a.attrs["_fields"], a.attrs["_unmapped"] = {}, []  # type: ignore[assignment]
    if a.reject is not None:
        return
    if not a.ident:
        a.reject = ("iati-identifier", None, "iati-identifier is required")
    elif not a.titles:
        a.reject = ("title", None, "title is required (no narrative)")
    else:
        fields, unmapped = _field_shares(a, iref)
        if not fields:
            codes = ", ".join(f"{v}:{c}" for v, c, *_ in a.sectors) or "none"
            a.reject = (
                "sector",
                codes,
                "no sector maps to a field of competence (sectors "
                f"{codes}; add a row to data/reference/dac_field_crosswalk.csv)",
            )
        a.attrs["_fields"] = fields  # type: ignore[assignment]
        a.attrs["_unmapped"] = unmapped  # type: ignore[assignment]


def _field_shares(a: _Activity, iref: IatiReference):
    """({field: share}, unmapped (vocabulary, code)) from the first vocabulary that maps."""
    unmapped = []
    by_vocab: dict[str, list] = defaultdict(list)
    level = "activity" if any(s[3] == "activity" for s in a.sectors) else "transaction"
    for s in a.sectors:
        if s[3] == level:
            by_vocab[s[0]].append(s)
    for vocab in FIELD_VOCABULARIES:
        items = by_vocab.get(vocab)
        if not items:
            continue
        weights: dict[str, float] = defaultdict(float)
        shares = (
            _percentages([i[2] for i in items], lambda *_: None, "sector")
            if level == "activity"
            else None
        )
        for i, (_, code, _pct, _lvl) in enumerate(items):
            rows = iref.fields_for(vocab, code)
            if rows is None:
                unmapped.append((vocab, code))
                continue
            share = shares[i] if shares else 1.0 / len(items)
            for fcode, weight in rows:
                weights[fcode] += share * weight
        if weights:
            total = sum(weights.values())
            return {k: v / total for k, v in weights.items()}, unmapped
    return {}, unmapped


def _money_carriers(accepted: dict[str, _Activity]) -> dict[str, set[str]]:
    """For each measure ('budget', 'tx:<type>'), the activities whose money is counted.

    The money of a programme and of its projects is counted once, at the lowest level that
    carries it: an activity's budgets (or transactions of a type) are not counted when one of
    its descendants in the load carries budgets (or transactions of that type) itself.
    """
    children: dict[str, set[str]] = defaultdict(set)
    for ident, a in accepted.items():
        for rtype, other in a.relations:
            if other not in accepted or other == ident:
                continue
            if rtype == "2":
                children[ident].add(other)
            elif rtype == "1":
                children[other].add(ident)
    measures: dict[str, set[str]] = defaultdict(set)
    for ident, a in accepted.items():
        if any(b[4] is not None and not isinstance(b[4], str) for b in a.budgets):
            measures["budget"].add(ident)
        for t in a.transactions:
            if t[3] is not None and not isinstance(t[3], str):
                measures[f"tx:{t[1]}"].add(ident)
    counted = {
        m: {h for h in holders if not _below(h, holders, children, {})}
        for m, holders in measures.items()
    }
    counted["_children"] = {k for k, v in children.items() if v}
    counted["_parents"] = {c for v in children.values() for c in v}
    return counted


def _below(node: str, holders: set[str], children: dict[str, set[str]], memo: dict) -> bool:
    """True when a descendant of `node` is in `holders` (cycles in the links are cut)."""
    if node in memo:
        return memo[node]
    memo[node] = False  # visiting: a cycle back to here finds nothing
    hit = any(c in holders or _below(c, holders, children, memo) for c in children.get(node, ()))
    memo[node] = hit
    return hit


def _map_file(
    s: IatiSource,
    ref: Reference,
    iref: IatiReference,
    index: _PartnerIndex,
    accepted: dict[str, _Activity],
    carriers: dict[str, set[str]],
) -> Validated:
    name = s.path.name
    cols: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))

    def add(table: str, **values) -> None:
        t = cols[table]
        for k, v in values.items():
            t[k].append(v)

    rejected: list[tuple] = []
    warnings: list[tuple] = []
    region_of = {c.iso3: c.region_code for c in ref.countries}
    budget_counted = carriers.get("budget", set())
    sector_names = iref.codelists.get("Sector", {})
    org_types = iref.codelists.get("OrganisationType", {})
    for a in s.activities:
        if a.reject is not None or accepted.get(a.ident) is not a:
            element, value, reason = a.reject  # type: ignore[misc]
            rejected.append((a.line, element, value, reason, a.raw))
            continue
        aid = a.ident

        def warn(element: str, value, reason: str, _line=a.line) -> None:
            warnings.append((_line, element, None if value is None else str(value), reason))

        for w in a.warnings:
            warn(*w)
        # Dates by type: actual before planned.
        start = a.dates.get("2") or a.dates.get("1")
        end = a.dates.get("4") or a.dates.get("3")
        if start and end and end < start:
            warn("activity-date", end.isoformat(), "end date is before start date")
        status = STATUS_MAP.get(a.status_code or "")
        if a.status_code and status is None:
            label = iref.codelists["ActivityStatus"].get(a.status_code, {}).get("name_en")
            warn(
                "activity-status",
                a.status_code,
                f"activity status {a.status_code} ({label or 'unknown code'}) has no equivalent "
                "among ours; status left empty",
            )
        # Fields of competence from the crosswalk.
        fields: dict[str, float] = a.attrs["_fields"]  # type: ignore[assignment]
        field_code = max(fields, key=lambda k: (fields[k], -_field_order(ref, k)))
        for fcode, share in fields.items():
            add("activity_fields", activity_id=aid, field_code=fcode, share=share)
        for vocab, code in a.attrs["_unmapped"]:  # type: ignore[union-attr]
            warn("sector", f"{vocab}:{code}", f"sector {vocab}:{code} is not in the crosswalk")
        # Sectors, every vocabulary, with their percentage as given; IATI's 100% rule checked.
        per_vocab: dict[str, float] = defaultdict(float)
        for vocab, code, pct, level in a.sectors:
            p = _number(pct)
            p = p if isinstance(p, float) else None
            if level == "activity" and p is not None:
                per_vocab[vocab] += p
            add(
                "activity_sectors",
                activity_id=aid,
                vocabulary=vocab,
                code=code,
                name_en=sector_names.get(code, {}).get("name_en") if vocab == "1" else None,
                percentage=p,
                percentage_as_given=pct,
                level=level,
            )
        for vocab, total in per_vocab.items():
            if abs(total - 100) > 0.01:
                warn(
                    "sector",
                    f"{total:g}",
                    f"sector percentages of vocabulary {vocab} sum to {total:g}, not 100",
                )
        # Geography: countries and regions share 100% between them.
        places = [("country", c, None, p) for c, p in a.countries] + [
            ("region", c, v, p) for v, c, p in a.regions
        ]
        shares = _percentages([p[3] for p in places], warn, "recipient")
        iso3s: dict[str, float] = {}
        unesco_regions: dict[str, float] = {}
        for (kind, code, vocab, pct), share in zip(places, shares, strict=True):
            iso3 = unesco = None
            if kind == "country":
                iso3 = ref.normalise("country", code) if code else None
                if iso3 is None:
                    warn("recipient-country", code, f"unknown country code {code!r}; not located")
                else:
                    iso3s[iso3] = iso3s.get(iso3, 0.0) + share
            else:
                unesco = iref.regions.get((vocab or "1", code))
                if unesco:
                    unesco_regions[unesco] = unesco_regions.get(unesco, 0.0) + share
            add(
                "activity_recipients",
                activity_id=aid,
                kind=kind,
                vocabulary=vocab,
                code=code,
                iso3=iso3,
                region_code=region_of.get(iso3) if iso3 else unesco,
                percentage_as_given=pct,
                share=share,
            )
        # Budgets: revised replaces original for the same (overlapping) period.
        budget_rows, budget_usd, carried = _budgets(a, iref, warn, aid in budget_counted)
        for row in budget_rows:
            add("activity_budgets", activity_id=aid, **row)
            if row["superseded"] or row["period_start"] is None or row["period_end"] is None:
                continue
            if isinstance(row["value"], float):
                for year, frac in _days_by_year(row["period_start"], row["period_end"]):
                    add(
                        "budget_years",
                        activity_id=aid,
                        year=year,
                        value=row["value"] * frac,
                        currency=row["currency"],
                        value_usd=row["value_usd"] * frac if row["value_usd"] is not None else None,
                        counted=row["counted"],
                    )
        if carried == "children":
            warn(
                "budget",
                None,
                "budget carried by its child activities in this load; its own budgets are kept "
                "in activity_budgets but not counted",
            )
        # Transactions in their own table.
        for seq, (tref, ttype, tdate, value, currency, vdate, prov, recv, tline) in enumerate(
            a.transactions
        ):
            if isinstance(tdate, str):
                warn("transaction-date", tdate, "malformed transaction-date; date left empty")
                tdate = None
            if isinstance(value, str):
                warn(
                    "transaction/value",
                    value,
                    "transaction value is not a number; value left empty",
                )
                value = None
            if value is not None and currency is None:
                warn(
                    "transaction/value",
                    value,
                    "transaction value without currency (no @currency, no default-currency); US$ left empty",
                )
            when = vdate if isinstance(vdate, dt.date) else tdate
            usd = iref.usd(value, currency, when)
            if value is not None and currency not in (None, "USD") and usd is None:
                warn(
                    "transaction/value",
                    f"{_fmt(value)} {currency}",
                    f"no {currency}→US$ rate for {when.year if when else 'an unknown year'} in data/reference/iati/exchange_rates.csv; US$ left empty",
                )
            add(
                "transactions",
                activity_id=aid,
                seq=seq + 1,
                ref=tref,
                transaction_type=ttype,
                transaction_date=tdate,
                year=tdate.year if tdate else None,
                value=value,
                currency=currency,
                value_date=vdate if isinstance(vdate, dt.date) else None,
                value_usd=usd,
                provider_org_ref=prov[0],
                provider_org_name=prov[1],
                receiver_org_ref=recv[0],
                receiver_org_name=recv[1],
                counted=aid in carriers.get(f"tx:{ttype}", set()),
                source_line=tline,
            )
        # Organisations: every participating-org kept; NGOs/foundations and known partners link.
        matched: list[tuple[str, str | None]] = []
        ngo_names = []
        for seq, (role, otype, oref, oname, oact, _oline) in enumerate(a.orgs):
            pid = index.match(oref, oname)
            is_ngo = (otype or "") in NGO_TYPES
            if pid:
                matched.append((pid, role))
            elif is_ngo:
                ngo_names.append(oname or oref or "?")
            add(
                "activity_participating_orgs",
                activity_id=aid,
                seq=seq + 1,
                role=role,
                org_type=otype,
                org_type_name=org_types.get(otype or "", {}).get("name_en"),
                ref=oref,
                name=oname,
                org_activity_id=oact,
                is_ngo_or_foundation=is_ngo,
                partner_id=pid,
            )
        partner_ids = list(dict.fromkeys(pid for pid, _ in matched))
        lead = next(
            (pid for pid, role in matched if role == "4"), partner_ids[0] if partner_ids else None
        )
        for pid in partner_ids:
            add("activity_partners", activity_id=aid, partner_id=pid, is_lead=pid == lead)
        if partner_ids:
            link = "official_partner"
        else:
            link = "ngo_not_in_partnership" if ngo_names else "no_ngo"
            warn(
                "participating-org",
                "; ".join(ngo_names)[:200] or None,
                "no participating organisation is a known partner"
                + (
                    f" ({len(ngo_names)} NGO/foundation not in the partners list)"
                    if ngo_names
                    else ""
                )
                + "; loaded without partner",
            )
        # Countries and regions in the shared bridges (shares from percentages).
        budget_known = budget_usd
        for iso3, share in iso3s.items():
            add(
                "activity_countries",
                activity_id=aid,
                iso3=iso3,
                region_code=region_of.get(iso3),
                share=share,
                budget_share_usd=budget_known * share if budget_known is not None else None,
            )
        via_country: dict[str, float] = defaultdict(float)
        for iso3, share in iso3s.items():
            if region_of.get(iso3):
                via_country[region_of[iso3]] += share
        for via, regions in (("regional", unesco_regions), ("country", via_country)):
            for rcode, share in regions.items():
                add(
                    "activity_regions",
                    activity_id=aid,
                    region_code=rcode,
                    via=via,
                    share=share,
                    budget_share_usd=budget_known * share if budget_known is not None else None,
                )
        if iso3s:
            geo = "country" if len(iso3s) == 1 and not a.regions else "multi_country"
        elif unesco_regions:
            geo = "regional"
        elif a.scope_code == "1" and not a.regions:
            geo = "global"
        else:
            geo = "unspecified"
        # Narratives, every language kept.
        for seq, (lg, text) in enumerate(a.titles):
            add(
                "activity_narratives",
                activity_id=aid,
                element="title",
                type=None,
                lang=lg,
                seq=seq + 1,
                text=text,
            )
        for seq, (dtype, lg, text) in enumerate(a.descriptions):
            add(
                "activity_narratives",
                activity_id=aid,
                element="description",
                type=dtype,
                lang=lg,
                seq=seq + 1,
                text=text,
            )
        for rtype, other in a.relations:
            add(
                "activity_relations",
                activity_id=aid,
                related_activity_id=other,
                relation_type=rtype,
                in_load=other in accepted,
            )
        general = [(lg, t) for dtype, lg, t in a.descriptions if dtype == "1"] or [
            (lg, t) for _, lg, t in a.descriptions
        ]
        add(
            "activities",
            activity_id=aid,
            title=pick_text(a.titles, "en"),
            modality="bilateral",
            field_code=field_code,
            start_date=start,
            end_date=end,
            year=(start or end).year if (start or end) else None,
            status=status,
            budget_usd=budget_usd,
            description=pick_text(general, "en"),
            geo_scope=geo,
            lead_partner_id=lead,
            source_file=name,
            source_line=a.line,
        )
        rep_ref, rep_type, rep_name = a.reporting
        add(
            "iati_activities",
            activity_id=aid,
            file=name,
            line=a.line,
            iati_version=s.version,
            hierarchy=a.attrs.get("hierarchy"),
            default_currency=(a.attrs.get("default-currency") or "").upper() or None,
            default_lang=a.lang,
            last_updated=a.attrs.get("last-updated-datetime"),
            reporting_org_ref=rep_ref,
            reporting_org_type=rep_type,
            reporting_org_name=rep_name,
            activity_status_code=a.status_code,
            activity_scope_code=a.scope_code,
            planned_start=a.dates.get("1"),
            actual_start=a.dates.get("2"),
            planned_end=a.dates.get("3"),
            actual_end=a.dates.get("4"),
            partner_link=link,
            money_level=carried,
            has_children=aid in carriers["_children"],
            has_parent=aid in carriers["_parents"],
        )
    frames = {t: pd.DataFrame(dict(c)) for t, c in cols.items()}
    records = frames.pop("activities", pd.DataFrame(columns=["activity_id"]))
    rejected_frame = pd.DataFrame(
        rejected, columns=["line", "column_name", "value", "reason", "raw"]
    )
    warnings_frame = pd.DataFrame(warnings, columns=["line", "column_name", "value", "reason"])
    orgs = frames.get("activity_participating_orgs")
    frames["iati_files"] = pd.DataFrame(
        [
            {
                "file": name,
                "iati_version": s.version,
                "generated_datetime": s.generated,
                "activities": s.rows_in,
                "loaded": len(records),
                "rejected": len(rejected_frame),
                "reporting_orgs": _reporting_orgs(s.activities),
                "with_official_partner": int(
                    (frames["iati_activities"]["partner_link"] == "official_partner").sum()
                )
                if "iati_activities" in frames
                else 0,
                "unmapped_sectors": "; ".join(
                    sorted(
                        {
                            f"{v}:{c}"
                            for a in s.activities
                            for v, c in (a.attrs.get("_unmapped") or [])  # type: ignore[union-attr]
                        }
                    )
                )[:2000],
            }
        ]
    )
    del orgs
    return Validated(s, records, frames, rejected_frame, warnings_frame)  # type: ignore[arg-type]


def _reporting_orgs(activities: list[_Activity]) -> str:
    """'name (ref)' of each reporting organisation of a file, one name per ref."""
    names: dict[str, str] = {}
    for a in activities:
        ref, _type, name = a.reporting
        names.setdefault(ref or name or "?", f"{name or '?'} ({ref or 'no ref'})")
    return "; ".join(sorted(names.values()))[:2000]


def _fmt(v: float) -> str:
    """A number as a person writes it (no exponent)."""
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _field_order(ref: Reference, code: str) -> int:
    t = ref.term("field", code)
    return t.sort_order if t else 99


def _budgets(a: _Activity, iref: IatiReference, warn, counted: bool):
    """(budget rows, activity's counted US$ total or None, money level) for one activity."""
    rows = []
    for btype, bstatus, start, end, value, currency, vdate, bline in a.budgets:
        if isinstance(start, str) or isinstance(end, str):
            warn(
                "budget/period",
                f"{start} – {end}",
                "malformed budget period; not allocated to years",
            )
            start = start if isinstance(start, dt.date) else None
            end = end if isinstance(end, dt.date) else None
        if start and end:
            if end < start:
                warn(
                    "budget/period",
                    f"{start} – {end}",
                    "budget period ends before it starts; not allocated to years",
                )
                start = end = None
            elif (end - start).days > 366:
                warn(
                    "budget/period",
                    f"{start} – {end}",
                    "budget period longer than one year (IATI rule); allocated by days",
                )
        if isinstance(value, str):
            warn("budget/value", value, "budget value is not a number; value left empty")
            value = None
        if value is not None and currency is None:
            warn(
                "budget/value",
                _fmt(value),
                "budget without currency (no @currency, no default-currency); US$ left empty",
            )
        when = vdate if isinstance(vdate, dt.date) else start
        usd = iref.usd(value, currency, when)
        if value is not None and currency not in (None, "USD") and usd is None:
            year = when.year if when else "an unknown year"
            warn(
                "budget/value",
                f"{_fmt(value)} {currency}",
                f"no {currency}→US$ rate for {year} in data/reference/iati/exchange_rates.csv; US$ left empty",
            )
        rows.append(
            {
                "seq": len(rows) + 1,
                "budget_type": btype,
                "budget_status": bstatus,
                "period_start": start,
                "period_end": end,
                "value": value,
                "currency": currency,
                "value_date": vdate if isinstance(vdate, dt.date) else None,
                "value_usd": usd,
                "superseded": False,
                "counted": False,
                "source_line": bline,
            }
        )
    revised = [r for r in rows if r["budget_type"] == "2"]
    for r in rows:
        if r["budget_type"] != "2" and any(_overlap(r, rv) for rv in revised):
            r["superseded"] = True
    live = [r for r in rows if not r["superseded"] and r["value"] is not None]
    if not live:
        return rows, None, "none"
    if not counted:
        return rows, None, "children"
    for r in live:
        r["counted"] = True
    if any(r["value_usd"] is None for r in live):
        return rows, None, "self"
    return rows, float(sum(r["value_usd"] for r in live)), "self"


def _overlap(a: dict, b: dict) -> bool:
    if None in (a["period_start"], a["period_end"], b["period_start"], b["period_end"]):
        return a["period_start"] == b["period_start"] and a["period_end"] == b["period_end"]
    return a["period_start"] <= b["period_end"] and b["period_start"] <= a["period_end"]


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


__all__ = [
    "IatiError",
    "IatiReference",
    "IatiSource",
    "find_iati_files",
    "is_iati_file",
    "pick_text",
    "read_file",
    "reference_frames",
    "validate_files",
]
