"""Validate: turn raw string rows into clean records, or reject them with file, line and reason.

Vectorised over the rows: every distinct cell value is parsed once (a million activities share a
few thousand dates and country lists), then masks decide which rows are rejected. A row is
rejected for its first problem; suspicious but usable values become warnings.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd

from etl.extract import RawTable
from etl.matching import ALIASES_FILE, derive_partner_id, load_aliases
from etl.parsing import Bad, When, parse_amount, parse_when
from etl.partner_status import NOT_STATED, load_wordings, read_status
from etl.reasons import Reason
from etl.reference import Reference, fold

__all__ = ["parse_amount", "validate_activities", "validate_participation", "validate_partners"]

TODAY_LIMIT_YEAR = 2100
BUDGET_OUTLIER_USD = 50_000_000  # a single partner activity above this is almost surely a typo
GLOBAL_WORDS = {fold(w) for w in ("global", "mondial", "world", "monde", "worldwide", "GLB")}


@dataclass
class Validated:
    """The outcome of validating one file: records to load, rejected rows, warnings."""

    table: RawTable
    records: pd.DataFrame
    bridges: dict[str, pd.DataFrame] = field(default_factory=dict)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    derived_ids: int = 0  # partners: loaded rows whose partner_id was derived
    id_map: dict[str, str] = field(default_factory=dict)  # partners: given id → alias target
    merged: int = 0  # partners: rows loaded into another row's partner (same id)
    aliased: set[int] = field(default_factory=set)  # partners: lines renamed by the alias file

    @property
    def loaded(self) -> int:
        """Rows loaded (a merged row is loaded into the partner it was merged with)."""
        return len(self.records) + self.merged


def _reasons(reason, mask: np.ndarray):
    """The reasons for the masked rows: a constant, a per-row Series, or a callable(mask)."""
    if callable(reason):
        return np.asarray(reason(mask), dtype=object)
    if isinstance(reason, pd.Series):
        return reason.to_numpy(dtype=object)[mask]
    return reason


class _Checks:
    """Accumulates, per row, the first reason it is rejected, and any warnings."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        n = len(frame)
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)
        self.warn: list[pd.DataFrame] = []

    def reject(self, mask, column: str, reason: str | pd.Series, value: pd.Series | None = None):
        """Reject rows where mask holds (unless already rejected) with a reason."""
        mask = np.asarray(mask, dtype=bool) & pd.isna(self.reason)
        if not mask.any():
            return
        self.reason[mask] = _reasons(reason, mask)
        self.column[mask] = column
        source = value if value is not None else self.frame[column]
        self.value[mask] = np.asarray(source, dtype=object)[mask]

    def warning(self, mask, column: str, reason: str | pd.Series, value: pd.Series | None = None):
        """Record a warning for rows where mask holds."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        source = value if value is not None else self.frame[column]
        reasons = _reasons(reason, mask)
        self.warn.append(
            pd.DataFrame(
                {
                    "line": self.frame["_line"].to_numpy()[mask],
                    "column_name": column,
                    "value": np.asarray(source, dtype=object)[mask],
                    "reason": reasons,
                }
            )
        )

    @property
    def ok(self) -> np.ndarray:
        """Rows not rejected."""
        return pd.isna(self.reason)

    def outcome(self, table: RawTable) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(rejected rows, warnings): raw = the whole original row (`_raw`); broken rows and
        extract notes (`table.notes`) included."""
        bad = ~self.ok
        raws: np.ndarray | list[str]
        if table.raw_rows is not None:
            raws = table.raws(np.flatnonzero(bad))
            table.release()  # nothing else reads the raw rows: their grid is freed now
        else:  # a frame built by hand (tests): its contract columns
            raw_cols = [c for c in self.frame.columns if not c.startswith("_")]
            raws = [
                json.dumps(dict(zip(raw_cols, r, strict=True)), ensure_ascii=False)
                for r in self.frame.loc[bad, raw_cols].itertuples(index=False)
            ]
        rejected = pd.DataFrame(
            {
                "line": self.frame["_line"].to_numpy()[bad],
                "column_name": self.column[bad],
                "value": self.value[bad],
                "reason": self.reason[bad],
                "raw": raws,
            }
        )
        if table.broken:
            broken = pd.DataFrame(list(table.broken), columns=rejected.columns)
            rejected = pd.concat([rejected, broken], ignore_index=True).sort_values("line")
        warnings = (
            pd.concat(self.warn, ignore_index=True)
            if self.warn
            else pd.DataFrame(columns=["line", "column_name", "value", "reason"])
        )
        # Warnings are about loaded rows: drop those of rows rejected by a later check.
        loaded_lines = self.frame["_line"].to_numpy()[self.ok]
        warnings = warnings[warnings["line"].isin(loaded_lines)]
        # Extract notes (control characters removed, undefined bytes, ...) of loaded rows and
        # of lines that are no row (the header, the file as a whole); a rejected row keeps its
        # original cells in `raw` instead.
        notes = getattr(table, "notes", None)
        if notes:
            noted = pd.DataFrame(list(notes), columns=["line", "column_name", "value", "reason"])
            noted = noted[~noted["line"].isin(rejected["line"])]
            warnings = pd.concat([noted, warnings], ignore_index=True).sort_values(
                "line", kind="stable"
            )
        return rejected.reset_index(drop=True), warnings.reset_index(drop=True)


def _extra(f: pd.DataFrame) -> pd.Series:
    """The row's cells outside the contract as JSON (`_extra`, from extract), or None."""
    if "_extra" in f.columns:
        return f["_extra"]
    return pd.Series(None, index=f.index, dtype=object)


# -- parsing distinct values -------------------------------------------------------------------


class PerValue:
    """Parse each distinct cell value once and project the results back onto the rows."""

    def __init__(self, series: pd.Series, parse: Callable):
        self.index = series.index
        self.codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=False)
        self.results = [parse(u) for u in uniques]

    def take(self, fn: Callable | None = None) -> pd.Series:
        """A Series of `fn(result)` per row (the result itself without fn)."""
        table = np.empty(len(self.results), dtype=object)
        for i, r in enumerate(self.results):
            table[i] = fn(r) if fn else r
        return pd.Series(table[self.codes], index=self.index, dtype=object)

    def mask(self, fn: Callable) -> np.ndarray:
        """A boolean array of `bool(fn(result))` per row."""
        table = np.fromiter(
            (bool(fn(r)) for r in self.results), dtype=bool, count=len(self.results)
        )
        return table[self.codes]


def _per_value(series: pd.Series, parse: Callable) -> pd.Series:
    """Apply `parse` once per distinct value and map the results back onto the rows."""
    return PerValue(series, parse).take()


class Dates:
    """A date column parsed with its precision: each distinct value once (see `etl.parsing`)."""

    def __init__(self, series: pd.Series):
        parsed = PerValue(series, parse_when)
        self.start = parsed.take(lambda w: w.start if isinstance(w, When) else None)
        self.precision = parsed.take(lambda w: w.precision if isinstance(w, When) else None)
        self.end = parsed.take(lambda w: w.end if isinstance(w, When) else None)
        self.end_precision = parsed.take(lambda w: w.end_precision if isinstance(w, When) else None)
        self.last_day = parsed.take(lambda w: w.last_day if isinstance(w, When) else None)
        self.bad = parsed.mask(lambda w: isinstance(w, Bad))
        self.reason = parsed.take(
            lambda w: (
                Reason("malformed date: %(detail)s", detail=w.reason)
                if isinstance(w, Bad)
                else None
            )
        )
        self.noted = parsed.mask(lambda w: isinstance(w, When) and w.note)
        self.note = parsed.take(lambda w: w.note if isinstance(w, When) else None)
        self.is_range = parsed.mask(lambda w: isinstance(w, When) and w.end is not None)

    def check(self, c: _Checks, column: str) -> None:
        """Reject malformed values and warn where the value was interpreted or cut."""
        c.reject(self.bad, column, self.reason)
        c.warning(self.noted, column, self.note)


_MULTI_SEP = re.compile(r"[;|]")


def _split_multi(text: str, whole_ok: Callable[[str], bool]) -> list[str]:
    """Split a multi-valued cell on ';' or '|', or on ',' unless the whole cell is one value."""
    text = text.strip()
    if not text:
        return []
    if _MULTI_SEP.search(text):
        parts = _MULTI_SEP.split(text)
    elif "," in text and not whole_ok(text):
        parts = text.split(",")
    else:
        parts = [text]
    return [p.strip() for p in parts if p.strip()]


def _codes(ref: Reference, vocabulary: str, series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Single coded column: (codes or None, mask of non-empty unknown values)."""
    codes = _per_value(series, lambda v: ref.normalise(vocabulary, v) if v else None)
    unknown = (codes.isna() & (series != "")).to_numpy()
    return codes, unknown


def _multi_codes(ref: Reference, vocabulary: str, series: pd.Series):
    """Multi-valued coded column: (tuple of codes, tuple of unknown parts) per row."""

    def parse(text: str):
        parts = _split_multi(text, lambda t: ref.normalise(vocabulary, t) is not None)
        codes, unknown = [], []
        for p in parts:
            c = ref.normalise(vocabulary, p)
            if c is None:
                unknown.append(p)
            elif c not in codes:
                codes.append(c)
        return tuple(codes), tuple(unknown)

    both = _per_value(series, parse)
    return both.map(lambda t: t[0]), both.map(lambda t: t[1])


def _unknown_reason(what: Reason, unknown: pd.Series) -> Callable[[np.ndarray], list[Reason]]:
    """Reasons naming the unknown parts, computed only for the rows that need one."""
    values = unknown.to_numpy(dtype=object)
    return lambda mask: [
        Reason("unknown %(what)s: %(values)s", what=what, values=", ".join(map(repr, parts)))
        for parts in values[mask]
    ]


# -- per kind ----------------------------------------------------------------------------------


def _headquarters(ref: Reference, c: _Checks, f: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Headquarters as people write them: (country iso3 or None, city or None) per row.

    A country the reference cannot stand behind loads empty with a warning, never a rejection;
    an interpretation (England → GBR, Holland → NLD) or a city in the country cell ("Paris,
    France") is warned; a city without a country is kept and warned.
    """
    read = PerValue(f["hq_country"], ref.resolve_country)
    country = read.take(lambda m: m.iso3)
    found_city = read.take(lambda m: m.city)
    given_city = f["hq_city"]
    take_city = (given_city == "").to_numpy() & found_city.notna().to_numpy()
    city = given_city.replace("", None).where(~take_city, found_city)
    reason = read.take(lambda m: m.reason)
    note = pd.Series(
        [
            None
            if r is None
            else Reason("country cell: %(detail)s; hq_city taken from it", detail=r)
            if take
            else Reason(
                "country cell: %(detail)s; hq_city kept as given (%(city)r)", detail=r, city=g
            )
            if fc is not None and fold(fc) != fold(g)
            else r
            for r, take, fc, g in zip(reason, take_city, found_city, given_city, strict=True)
        ],
        index=f.index,
        dtype=object,
    )
    c.warning(note.notna().to_numpy(), "hq_country", note)
    # No country cell, but a city cell that names one ("Geneva, Switzerland"): read it, warned.
    # A bare name stays a city ("Luxembourg", "Panamá" are cities too): no country is guessed.
    lone = ((f["hq_country"] == "") & (given_city != "")).to_numpy()
    in_city = PerValue(given_city, lambda v: ref.resolve_country(v) if v else None)
    split = lone & in_city.mask(lambda m: m is not None and m.iso3 and m.city)
    country = country.where(~split, in_city.take(lambda m: m.iso3 if m else None))
    city = city.where(~split, in_city.take(lambda m: m.city if m else None))
    c.warning(
        split,
        "hq_city",
        in_city.take(
            lambda m: Reason("city cell: %(detail)s", detail=m.reason) if m and m.reason else None
        ),
    )
    c.warning(
        lone & ~split, "hq_city", Reason("city given without a country: loaded without a country")
    )
    return country, city


def validate_partners(table: RawTable, ref: Reference, seen: dict[str, str]) -> Validated:
    """Check partner rows; `seen` maps partner ids already loaded to 'file:line' (updated).

    Rows without a `partner_id` get a derived one (`matching.derive_partner_id`); the alias
    file may map an id or a name to a canonical id. Rows that share an id that way are kept
    (they are merged across files by `matching.merge_partners`); an id given twice is rejected.
    """
    f = table.frame
    c = _Checks(f)
    c.reject(f["name"] == "", "name", Reason("name is required"))

    wordings = load_wordings(ref.directory)
    readings = PerValue(f["status"], lambda v: read_status(v, ref, wordings))
    status = readings.take(lambda r: r.code)
    c.reject(
        readings.mask(lambda r: r.code is None),
        "status",
        Reason(
            "unknown status (expected consultative, associate, official relations, a wording of "
            "partner_status_wordings.csv, or nothing)"
        ),
    )
    c.warning(readings.mask(lambda r: r.warning), "status", readings.take(lambda r: r.warning))
    ptype, bad = _codes(ref, "partner_type", f["partner_type"])
    c.reject(bad, "partner_type", Reason("unknown partner type (expected NGO or foundation)"))
    # A missing type follows from a stated status: by the 2011 Directives only NGOs hold
    # consultative or associate status (a consequence, not a guess: no warning). Official
    # relations is the foundations' status, but older NGO lists used the words too: warned.
    # With no status either, the type is not stated.
    from_status = status.map(_TYPE_OF_STATUS.get)
    no_type = (f["partner_type"] == "").to_numpy()
    c.warning(
        no_type & (status == "official_relations").to_numpy(),
        "partner_type",
        Reason(
            "no partner type given; taken as foundation from its status (official relations), "
            "which before 2011 also named NGOs in formal relations"
        ),
    )
    c.warning(
        no_type & from_status.isna().to_numpy() & status.notna().to_numpy(),
        "partner_type",
        Reason("no partner type given and no status to infer it from; loaded as 'Type not stated'"),
    )
    ptype = ptype.where(~no_type, from_status).fillna(NOT_STATED)
    c.warning(
        ((ptype == "ngo") & (status == "official_relations")).to_numpy() & ~no_type,
        "status",
        Reason(
            "official relations is the status of foundations (before 2011, also UNESCO's wording "
            "for NGOs in formal relations); kept as given"
        ),
    )
    prev_readings = PerValue(
        f["previous_status"], lambda v: read_status(v, ref, wordings) if v else None
    )
    prev = prev_readings.take(lambda r: r.code if r else None)
    c.reject(
        prev_readings.mask(lambda r: r is not None and r.code is None),
        "previous_status",
        Reason("unknown previous status"),
    )
    c.warning(
        prev_readings.mask(
            lambda r: r is not None and r.code and r.warning and "interpretation" in r.warning
        ),
        "previous_status",
        prev_readings.take(lambda r: r.warning if r else None),
    )
    prev = prev.where(prev != NOT_STATED, None)
    since_ = Dates(f["status_since"])
    since_.check(c, "status_since")
    c.warning(
        since_.is_range, "status_since", Reason("a range was given; its start is the status date")
    )
    since = since_.start
    country, city = _headquarters(ref, c, f)
    rel = Dates(f["relations_since"])
    rel.check(c, "relations_since")
    c.warning(
        rel.is_range | rel.precision.isin(["day", "month"]).to_numpy(),
        "relations_since",
        Reason("relations_since is a year: only the (first) year is kept"),
    )
    relations_year = rel.start.map(lambda d: d.year if isinstance(d, dt.date) else None)
    fields_, unknown = _multi_codes(ref, "field", f["fields"])
    c.reject(unknown.map(bool), "fields", _unknown_reason(Reason("field of competence"), unknown))
    scope, bad = _codes(ref, "scope", f["scope"])
    c.reject(
        bad, "scope", Reason("unknown scope (expected international, regional, national or local)")
    )

    web = f["website"]
    scheme_ok = _per_value(web, lambda w: not w or bool(re.match(r"^https?://[^\s]+$", w, re.I)))
    c.warning(
        ~scheme_ok.to_numpy(dtype=bool),
        "website",
        Reason("website is not an http(s) address; shown as text, not as a link"),
    )
    late = (since.notna() & relations_year.notna()).to_numpy() & np.array(
        [
            isinstance(d, dt.date) and y is not None and d.year < y
            for d, y in zip(since, relations_year, strict=True)
        ],
        dtype=bool,  # a file with a header and no rows gives an empty (float) array otherwise
    )
    c.warning(late, "status_since", Reason("status date is before official relations began"))

    # Ids: given, else derived from the name and headquarters country; then the alias file.
    given = f["partner_id"]
    derived = (given == "").to_numpy() & (f["name"] != "").to_numpy()
    pid = given.copy()
    pid[derived] = [
        derive_partner_id(n, cc) for n, cc in zip(f["name"][derived], country[derived], strict=True)
    ]
    aliases = load_aliases(ref.directory)
    hits = [aliases.lookup(i, n) for i, n in zip(pid, f["name"], strict=True)]
    aliased = np.array(
        [h is not None and h[0] != i for h, i in zip(hits, pid, strict=True)], dtype=bool
    )
    id_map = {
        g: h[0] for g, h, a in zip(given, hits, aliased, strict=True) if a and g and h is not None
    }
    c.warning(
        aliased,
        "partner_id",
        pd.Series(
            [
                Reason(
                    "partner id set to %(id)r by %(file)s line %(line)s",
                    id=h[0],
                    file=ALIASES_FILE,
                    line=h[1],
                )
                if h
                else None
                for h in hits
            ],
            index=f.index,
            dtype=object,
        ),
        value=pid,
    )
    pid[aliased] = [h[0] for h, a in zip(hits, aliased, strict=True) if a and h is not None]
    mergeable = derived | aliased | pid.isin(aliases.targets).to_numpy()
    _reject_duplicates(
        c, f.assign(partner_id=pid), "partner_id", seen, table.path.name, exempt=mergeable
    )

    ok = c.ok
    rec = pd.DataFrame(
        {
            "partner_id": pid,
            "name": f["name"],
            "acronym": f["acronym"].replace("", None),
            "partner_type": ptype,
            "status": status,
            "status_as_given": f["status"].replace("", None),
            "status_since": since,
            "status_since_precision": since_.precision,
            "hq_city": city,
            "hq_country_iso3": country,
            "hq_country_as_given": f["hq_country"].replace("", None),
            "hq_region_code": country.map(lambda i: ref.region_of(i) if i else None),
            "relations_since": relations_year,
            "scope": scope,
            "website": web.replace("", None),
            "extra": _extra(f),
            "source_file": table.path.name,
            "source_line": f["_line"],
        }
    )[ok]
    fields_ok = fields_[ok]
    partner_fields = (
        pd.DataFrame({"partner_id": rec["partner_id"], "field_code": fields_ok})
        .explode("field_code")
        .dropna()
        .drop_duplicates()
    )
    history = _status_history(rec, prev[ok], f["previous_status"][ok])
    rejected, warnings = c.outcome(table)
    return Validated(
        table,
        rec.reset_index(drop=True),
        {"partner_fields": partner_fields, "partner_status_history": history},
        rejected,
        warnings,
        derived_ids=int((derived & ok).sum()),
        id_map=id_map,
        aliased={int(n) for n in f["_line"][aliased & ok]},
    )


_TYPE_OF_STATUS = {"consultative": "ngo", "associate": "ngo", "official_relations": "foundation"}


def _status_history(rec: pd.DataFrame, prev: pd.Series, prev_as_given: pd.Series) -> pd.DataFrame:
    """One period per status a row gives, dated only by the row's own status date.

    The current status is valid from `status_since` (NULL when the source gives no date: a
    relations year is not the date of a status); a previous status ends there.
    """
    current = pd.DataFrame(
        {
            "partner_id": rec["partner_id"],
            "status": rec["status"],
            "status_as_given": rec["status_as_given"],
            "valid_from": rec["status_since"],
            "valid_from_precision": rec["status_since_precision"],
            "valid_to": None,
            "valid_to_precision": None,
            "is_current": True,
            "source_file": rec["source_file"],
            "source_line": rec["source_line"],
        }
    )
    has_prev = prev.notna().to_numpy()
    earlier = pd.DataFrame(
        {
            "partner_id": rec["partner_id"][has_prev],
            "status": prev[has_prev],
            "status_as_given": prev_as_given[has_prev],
            "valid_from": None,
            "valid_from_precision": None,
            "valid_to": rec["status_since"][has_prev],
            "valid_to_precision": rec["status_since_precision"][has_prev],
            "is_current": False,
            "source_file": rec["source_file"][has_prev],
            "source_line": rec["source_line"][has_prev],
        }
    )
    return pd.concat([earlier, current], ignore_index=True)


def _reject_duplicates(
    c: _Checks,
    f: pd.DataFrame,
    column: str,
    seen: dict,
    file: str,
    exempt: np.ndarray | None = None,
):
    """Reject repeated ids (within the file or loaded from an earlier file); record the first.

    Runs after the other checks and compares valid rows only: when the first copy of an id is
    rejected for another reason, a corrected copy further down still loads.
    `seen` maps each id to 'file:line' of its first occurrence.
    """
    ids = f[column]
    lines = f["_line"].to_numpy()
    present = (ids != "").to_numpy()
    valid = c.ok & present & (True if exempt is None else ~exempt)
    repeated = np.zeros(len(f), dtype=bool)
    repeated[valid] = ids[valid].duplicated(keep="first").to_numpy()
    dup = valid & (repeated | ids.isin(seen.keys()).to_numpy())
    if dup.any():
        first = valid & ~repeated
        where_first = dict(zip(ids.to_numpy()[first], lines[first], strict=True))

        def reasons(mask):
            out = []
            for i in ids.to_numpy()[mask]:
                at = seen.get(i) or f"{file}:{where_first.get(i)}"
                out.append(
                    Reason("duplicate %(column)s (first seen at %(at)s)", column=column, at=at)
                )
            return out

        c.reject(dup, column, reasons)
    ok_first = c.ok & present
    new_ids = dict(
        zip(ids.to_numpy()[ok_first], (f"{file}:{n}" for n in lines[ok_first]), strict=True)
    )
    for key in seen.keys() & new_ids.keys():
        del new_ids[key]
    seen.update(new_ids)


def validate_activities(
    table: RawTable, ref: Reference, seen: dict[str, str], partners: set[str]
) -> Validated:
    """Check activity rows against the known partner ids."""
    f = table.frame
    c = _Checks(f)
    c.reject(f["activity_id"] == "", "activity_id", Reason("activity_id is required"))
    c.reject(f["title"] == "", "title", Reason("title is required"))

    def parse_partners(text: str):
        parts = list(dict.fromkeys(_split_multi(text, lambda t: t in partners)))
        return tuple(p for p in parts if p in partners), tuple(
            p for p in parts if p not in partners
        )

    pp = PerValue(f["partner_ids"], parse_partners)
    known, unknown = pp.take(lambda t: t[0]), pp.take(lambda t: t[1])
    c.reject(f["partner_ids"] == "", "partner_ids", Reason("at least one partner id is required"))
    c.reject(
        pp.mask(lambda t: not t[0]),
        "partner_ids",
        _unknown_reason(Reason("partner id (no known partner)"), unknown),
    )
    c.warning(
        pp.mask(lambda t: t[0] and t[1]),
        "partner_ids",
        _unknown_reason(Reason("partner id ignored"), unknown),
    )
    fieldc, bad = _codes(ref, "field", f["field"])
    c.reject(f["field"] == "", "field", Reason("field of competence is required"))
    c.reject(bad, "field", Reason("unknown field of competence (expected ED, SC, SHS, CLT or CI)"))
    modality, bad = _codes(ref, "modality", f["modality"])
    c.reject(bad, "modality", Reason("unknown modality (expected bilateral or collective)"))
    c.warning(
        (f["modality"] == "").to_numpy() & c.ok,
        "modality",
        Reason("no modality given; taken as bilateral"),
    )
    modality = modality.fillna("bilateral")
    areas, unknown_areas = _multi_codes(ref, "area", f["functional_areas"])
    c.reject(
        unknown_areas.map(bool),
        "functional_areas",
        _unknown_reason(Reason("functional area"), unknown_areas),
    )
    places = PerValue(f["countries"], lambda v: _parse_locations(ref, v))
    c.reject(
        places.mask(lambda t: t[3]),
        "countries",
        _unknown_reason(Reason("country or region"), places.take(lambda t: t[3])),
    )
    start, start_p, end, end_p, end_last = _activity_dates(c, f)
    status, bad = _codes(ref, "activity_status", f["status"])
    c.reject(
        bad, "status", Reason("unknown status (expected planned, ongoing, completed or cancelled)")
    )
    # Plain numbers convert in one vectorised step; only the rest ("12 500,50") is parsed by hand.
    budget = pd.to_numeric(f["budget_usd"], errors="coerce").astype(float)
    odd = (budget.isna() & (f["budget_usd"] != "")).to_numpy()
    if odd.any():
        budget[odd] = pd.to_numeric(_per_value(f["budget_usd"][odd], parse_amount), errors="coerce")
    budget[~np.isfinite(budget.fillna(0).to_numpy())] = np.nan
    c.reject(
        budget.isna().to_numpy() & (f["budget_usd"] != "").to_numpy(),
        "budget_usd",
        Reason("budget is not a number"),
    )
    c.reject((budget < 0).to_numpy(), "budget_usd", Reason("budget is negative"))
    c.warning(
        (budget > BUDGET_OUTLIER_USD).to_numpy() & c.ok,
        "budget_usd",
        Reason("budget outlier (over US$50 million)"),
    )
    # Compared period to period: an activity "2015-06-01 to 2015" ends within 2015, not before.
    both = start.notna() & end_last.notna()
    before = np.zeros(len(f), dtype=bool)
    if both.any():
        before[both.to_numpy()] = (
            pd.to_datetime(end_last[both]).to_numpy() < pd.to_datetime(start[both]).to_numpy()
        )
    c.warning(before & c.ok, "end_date", Reason("end date is before start date"))
    _reject_duplicates(c, f, "activity_id", seen, table.path.name)

    ok = c.ok
    year = pd.to_datetime(start.where(start.notna(), end)).dt.year.astype("Int64")
    lead = pp.take(lambda t: t[0][0] if t[0] else None)
    rec = pd.DataFrame(
        {
            "activity_id": f["activity_id"],
            "title": f["title"],
            "modality": modality,
            "field_code": fieldc,
            "start_date": start,
            "start_date_precision": start_p,
            "end_date": end,
            "end_date_precision": end_p,
            "year": year,
            "status": status,
            "budget_usd": budget,
            "description": f["description"].replace("", None),
            "geo_scope": places.take(lambda t: t[2]),
            "lead_partner_id": lead,
            "extra": _extra(f),
            "source_file": table.path.name,
            "source_line": f["_line"],
        }
    )[ok]
    bridges = _activity_bridges(
        ref,
        rec,
        known[ok],
        areas[ok],
        places.take(lambda t: t[0])[ok],
        places.take(lambda t: t[1])[ok],
    )
    rejected, warnings = c.outcome(table)
    return Validated(table, rec.reset_index(drop=True), bridges, rejected, warnings)


def _activity_dates(c: _Checks, f: pd.DataFrame):
    """Start and end with their precisions; a range in one cell fills the other if it is empty."""
    s, e = Dates(f["start_date"]), Dates(f["end_date"])
    s.check(c, "start_date")
    e.check(c, "end_date")
    no_start, no_end = (f["start_date"] == "").to_numpy(), (f["end_date"] == "").to_numpy()
    start, start_p = s.start.copy(), s.precision.copy()
    # An end cell holding a range ends where the range ends.
    end = e.end.where(e.is_range, e.start)
    end_p = e.end_precision.where(e.is_range, e.precision)
    end_last = e.last_day.copy()
    fill_end = s.is_range & no_end
    for target, source in ((end, s.end), (end_p, s.end_precision), (end_last, s.last_day)):
        target[fill_end] = source[fill_end]
    fill_start = e.is_range & no_start
    for target, source in ((start, e.start), (start_p, e.precision)):
        target[fill_start] = source[fill_start]
    c.warning(
        fill_end, "start_date", Reason("start_date holds a range: its end is taken as the end date")
    )
    c.warning(
        s.is_range & ~no_end, "start_date", Reason("start_date holds a range: end_date is kept")
    )
    c.warning(
        fill_start,
        "end_date",
        Reason("end_date holds a range: its start is taken as the start date"),
    )
    c.warning(e.is_range & ~no_start, "end_date", Reason("end_date holds a range: its end is kept"))
    return start, start_p, end, end_p, end_last


def _parse_locations(ref: Reference, text: str):
    """(countries, regions, geo_scope, unknown parts) for an activity's countries cell."""
    parts = _split_multi(text, lambda t: ref.normalise("country", t) is not None)
    countries: list[str] = []
    regions: list[str] = []
    unknown: list[str] = []
    is_global = False
    for p in parts:
        if fold(p) in GLOBAL_WORDS:
            is_global = True
        elif (code := ref.normalise("country", p)) is not None:
            countries.append(code) if code not in countries else None
        elif (code := ref.normalise("region", p)) is not None:
            regions.append(code) if code not in regions else None
        else:
            unknown.append(p)
    if countries:
        scope = "country" if len(countries) == 1 and not regions else "multi_country"
    elif regions:
        scope = "regional"
    elif is_global:
        scope = "global"
    else:
        scope = "unspecified"
    return tuple(countries), tuple(regions), scope, tuple(unknown)


def _explode(ids: np.ndarray, values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(repeated ids, flattened values, each row's count) for a column of tuples."""
    tuples = values.to_numpy(dtype=object)
    counts = np.fromiter(map(len, tuples), dtype=np.int64, count=len(tuples))
    flat = np.fromiter(chain.from_iterable(tuples), dtype=object, count=int(counts.sum()))
    return np.repeat(ids, counts), flat, counts


def _activity_bridges(ref, rec, partners, areas, countries, regions) -> dict[str, pd.DataFrame]:
    ids = rec["activity_id"].to_numpy(dtype=object)
    budget = rec["budget_usd"].to_numpy(dtype=float)
    p_ids, p_values, p_counts = _explode(ids, partners)
    lead = np.zeros(len(p_ids), dtype=bool)
    lead[np.cumsum(p_counts)[p_counts > 0] - p_counts[p_counts > 0]] = True  # first of each row
    ap = pd.DataFrame({"activity_id": p_ids, "partner_id": p_values, "is_lead": lead})
    a_ids, a_values, _ = _explode(ids, areas)
    afa = pd.DataFrame({"activity_id": a_ids, "area_code": a_values})
    # Each place (country or named region) gets an equal share of the budget.
    c_ids, c_values, c_counts = _explode(ids, countries)
    r_ids, r_values, r_counts = _explode(ids, regions)
    share = 1.0 / np.maximum(c_counts + r_counts, 1)
    region_of = {c.iso3: c.region_code for c in ref.countries}
    c_share = np.repeat(share, c_counts)
    ac = pd.DataFrame(
        {
            "activity_id": c_ids,
            "iso3": c_values,
            "region_code": pd.Series(c_values, dtype=object).map(region_of).to_numpy(),
            "share": c_share,
            "budget_share_usd": np.repeat(budget, c_counts) * c_share,
        }
    )
    r_share = np.repeat(share, r_counts)
    ar_regional = pd.DataFrame(
        {
            "activity_id": r_ids,
            "region_code": r_values,
            "via": "regional",
            "share": r_share,
            "budget_share_usd": np.repeat(budget, r_counts) * r_share,
        }
    )
    ar_country = (
        ac.dropna(subset=["region_code"])
        .groupby(["activity_id", "region_code"], sort=False, as_index=False)
        .agg(share=("share", "sum"), budget_share_usd=("budget_share_usd", "sum"))
    )
    ar_country["via"] = "country"
    cols = ["activity_id", "region_code", "via", "share", "budget_share_usd"]
    ar = pd.concat([ar_regional[cols], ar_country[cols]], ignore_index=True)
    return {
        "activity_partners": ap,
        "activity_functional_areas": afa,
        "activity_countries": ac,
        "activity_regions": ar,
    }


def _as_worded(
    ref: Reference, c: _Checks, f: pd.DataFrame, vocabulary: str, what: Reason
) -> pd.Series:
    """Codes for a column worded as sources word it; unknown wording loads as 'other', warned.

    The source's text is kept beside the code (`<column>_as_given`), so nothing is lost.
    """
    read = PerValue(f[vocabulary], lambda v: ref.resolve_term(vocabulary, v))
    code = read.take(lambda m: m.code if m else None)
    unknown = (code.isna() & (f[vocabulary] != "")).to_numpy()
    c.warning(
        unknown,
        vocabulary,
        Reason("%(what)s not in the reference: loaded as 'other', text kept", what=what),
    )
    reason = read.take(lambda m: m.reason if m else None)
    c.warning(reason.notna().to_numpy(), vocabulary, reason)
    return code.where(~unknown, "other")


def validate_participation(table: RawTable, ref: Reference, partners: set[str]) -> Validated:
    """Check participation rows against the known partner ids."""
    f = table.frame
    c = _Checks(f)
    c.reject(f["partner_id"] == "", "partner_id", Reason("partner_id is required"))
    c.reject(~f["partner_id"].isin(partners).to_numpy(), "partner_id", Reason("unknown partner id"))
    c.reject(f["mechanism"] == "", "mechanism", Reason("mechanism is required"))
    mech = _as_worded(ref, c, f, "mechanism", Reason("collective mechanism"))
    role = _as_worded(ref, c, f, "role", Reason("role"))
    when = Dates(f["event_date"])
    when.check(c, "event_date")
    date = when.start
    year_from_event = f["event"].str.extract(r"((?:19|20)[0-9]{2})", expand=False)
    year = date.map(lambda d: d.year if isinstance(d, dt.date) else None)
    year = year.where(year.notna(), pd.to_numeric(year_from_event, errors="coerce"))
    ok = c.ok
    rec = pd.DataFrame(
        {
            "partner_id": f["partner_id"],
            "mechanism": mech,
            "mechanism_as_given": f["mechanism"].replace("", None),
            "event": f["event"].replace("", None),
            "event_date": date,
            "event_date_precision": when.precision,
            "event_end_date": when.end,
            "event_end_date_precision": when.end_precision,
            "year": year,
            "role": role.fillna("participant"),
            "role_as_given": f["role"].replace("", None),
            "extra": _extra(f),
            "source_file": table.path.name,
            "source_line": f["_line"],
        }
    )[ok]
    rejected, warnings = c.outcome(table)
    return Validated(table, rec.reset_index(drop=True), {}, rejected, warnings)
