"""Validate: turn raw string rows into clean records, or reject them with file, line and reason.

Vectorised over the rows: every distinct cell value is parsed once (a million activities share a
few thousand dates and country lists), then masks decide which rows are rejected. A row is
rejected for its first problem; suspicious but usable values become warnings.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd

from etl.extract import RawTable
from etl.reference import Reference, fold

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

    @property
    def loaded(self) -> int:
        """Rows loaded."""
        return len(self.records)


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
        if "_raw" in self.frame.columns:
            raws = self.frame["_raw"].to_numpy(dtype=object)[bad]
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


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m", "%Y")


def parse_date(text: str) -> dt.date | None | str:
    """A date from ISO or day-first text; None when empty; the string 'bad' when malformed."""
    text = text.strip()
    if not text:
        return None
    head = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    for fmt in _DATE_FORMATS:
        try:
            d = dt.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
        return d if 1900 <= d.year <= TODAY_LIMIT_YEAR else "bad"
    return "bad"


def _dates(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    parsed = _per_value(series, parse_date)
    bad = (parsed == "bad").to_numpy()
    return parsed.where(~bad, None), bad


def parse_amount(text: str) -> float | None:
    """A money amount: '12500', '12,500.50', '12 500,50', 'US$ 1,200' → float; NaN if malformed."""
    t = re.sub(r"(?i)us\$|usd|\$|[\s\u00a0\u202f']", "", text)
    if not t:
        return None
    if "," in t and "." in t:
        t = (
            t.replace(",", "")
            if t.rfind(".") > t.rfind(",")
            else t.replace(".", "").replace(",", ".")
        )
    elif "," in t:
        t = t.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+", t) else t.replace(",", ".")
    try:
        value = float(t)
    except ValueError:
        return float("nan")
    return value if math.isfinite(value) else float("nan")  # 'inf', '1e999' are not amounts


def _split_multi(text: str, whole_ok: Callable[[str], bool]) -> list[str]:
    """Split a multi-valued cell on ';' or '|', or on ',' unless the whole cell is one value."""
    text = text.strip()
    if not text:
        return []
    if re.search(r"[;|]", text):
        parts = re.split(r"[;|]", text)
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


def _unknown_reason(what: str, unknown: pd.Series) -> Callable[[np.ndarray], list[str]]:
    """Reasons naming the unknown parts, computed only for the rows that need one."""
    values = unknown.to_numpy(dtype=object)
    return lambda mask: [f"unknown {what}: {', '.join(map(repr, parts))}" for parts in values[mask]]


# -- per kind ----------------------------------------------------------------------------------


def validate_partners(table: RawTable, ref: Reference, seen: dict[str, str]) -> Validated:
    """Check partner rows; `seen` maps partner ids already loaded to 'file:line' (updated)."""
    f = table.frame
    c = _Checks(f)
    c.reject(f["partner_id"] == "", "partner_id", "partner_id is required")
    c.reject(f["name"] == "", "name", "name is required")

    status, bad = _codes(ref, "partner_status", f["status"])
    c.reject(
        bad, "status", "unknown status (expected consultative, associate or official relations)"
    )
    ptype, bad = _codes(ref, "partner_type", f["partner_type"])
    c.reject(bad, "partner_type", "unknown partner type (expected NGO or foundation)")
    # A missing type follows from the status (foundations are the ones in official relations).
    ptype = ptype.where(
        ptype.notna(), status.map(lambda s: "foundation" if s == "official_relations" else "ngo")
    )
    status = status.where(
        status.notna(), ptype.map(lambda t: "official_relations" if t == "foundation" else None)
    )
    c.reject(status.isna(), "status", "status is required for NGOs (consultative or associate)")
    prev, bad = _codes(ref, "partner_status", f["previous_status"])
    c.reject(bad, "previous_status", "unknown previous status")
    since, bad = _dates(f["status_since"])
    c.reject(bad, "status_since", "malformed date (expected YYYY-MM-DD or DD/MM/YYYY)")
    country, bad = _codes(ref, "country", f["hq_country"])
    c.reject(bad, "hq_country", "unknown country")
    rel_date, bad = _dates(f["relations_since"])
    c.reject(bad, "relations_since", "malformed year or date")
    relations_year = rel_date.map(lambda d: d.year if isinstance(d, dt.date) else None)
    fields_, unknown = _multi_codes(ref, "field", f["fields"])
    c.reject(unknown.map(bool), "fields", _unknown_reason("field of competence", unknown))
    scope, bad = _codes(ref, "scope", f["scope"])
    c.reject(bad, "scope", "unknown scope (expected international, regional, national or local)")

    web = f["website"]
    scheme_ok = _per_value(web, lambda w: not w or bool(re.match(r"^https?://[^\s]+$", w, re.I)))
    c.warning(
        ~scheme_ok.to_numpy(dtype=bool),
        "website",
        "website is not an http(s) address; shown as text, not as a link",
    )
    late = (since.notna() & relations_year.notna()).to_numpy() & np.array(
        [
            isinstance(d, dt.date) and y is not None and d.year < y
            for d, y in zip(since, relations_year, strict=True)
        ],
        dtype=bool,  # a file with a header and no rows gives an empty (float) array otherwise
    )
    c.warning(late, "status_since", "status date is before official relations began")
    _reject_duplicates(c, f, "partner_id", seen, table.path.name)

    ok = c.ok
    rec = pd.DataFrame(
        {
            "partner_id": f["partner_id"],
            "name": f["name"],
            "acronym": f["acronym"].replace("", None),
            "partner_type": ptype,
            "status": status,
            "status_since": since,
            "hq_city": f["hq_city"].replace("", None),
            "hq_country_iso3": country,
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
    )
    history = _status_history(rec, prev[ok])
    rejected, warnings = c.outcome(table)
    return Validated(
        table,
        rec.reset_index(drop=True),
        {"partner_fields": partner_fields, "partner_status_history": history},
        rejected,
        warnings,
    )


def _status_history(rec: pd.DataFrame, prev: pd.Series) -> pd.DataFrame:
    began = rec["relations_since"].map(
        lambda y: dt.date(int(y), 1, 1) if pd.notna(y) and y else None
    )
    current = pd.DataFrame(
        {
            "partner_id": rec["partner_id"],
            "status": rec["status"],
            "valid_from": rec["status_since"].where(rec["status_since"].notna(), began),
            "valid_to": None,
        }
    )
    has_prev = prev.notna().to_numpy()
    earlier = pd.DataFrame(
        {
            "partner_id": rec["partner_id"][has_prev],
            "status": prev[has_prev],
            "valid_from": began[has_prev],
            "valid_to": rec["status_since"][has_prev],
        }
    )
    return pd.concat([earlier, current], ignore_index=True)


def _reject_duplicates(c: _Checks, f: pd.DataFrame, column: str, seen: dict, file: str):
    """Reject repeated ids (within the file or loaded from an earlier file); record the first.

    Runs after the other checks and compares valid rows only: when the first copy of an id is
    rejected for another reason, a corrected copy further down still loads.
    `seen` maps each id to 'file:line' of its first occurrence.
    """
    ids = f[column]
    lines = f["_line"].to_numpy()
    present = (ids != "").to_numpy()
    valid = c.ok & present
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
                out.append(f"duplicate {column} (first seen at {at})")
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
    c.reject(f["activity_id"] == "", "activity_id", "activity_id is required")
    c.reject(f["title"] == "", "title", "title is required")

    def parse_partners(text: str):
        parts = list(dict.fromkeys(_split_multi(text, lambda t: t in partners)))
        return tuple(p for p in parts if p in partners), tuple(
            p for p in parts if p not in partners
        )

    pp = PerValue(f["partner_ids"], parse_partners)
    known, unknown = pp.take(lambda t: t[0]), pp.take(lambda t: t[1])
    c.reject(f["partner_ids"] == "", "partner_ids", "at least one partner id is required")
    c.reject(
        pp.mask(lambda t: not t[0]),
        "partner_ids",
        _unknown_reason("partner id (no known partner)", unknown),
    )
    c.warning(
        pp.mask(lambda t: t[0] and t[1]),
        "partner_ids",
        _unknown_reason("partner id ignored", unknown),
    )
    fieldc, bad = _codes(ref, "field", f["field"])
    c.reject(f["field"] == "", "field", "field of competence is required")
    c.reject(bad, "field", "unknown field of competence (expected ED, SC, SHS, CLT or CI)")
    modality, bad = _codes(ref, "modality", f["modality"])
    c.reject(bad, "modality", "unknown modality (expected bilateral or collective)")
    c.warning(
        (f["modality"] == "").to_numpy() & c.ok, "modality", "no modality given; taken as bilateral"
    )
    modality = modality.fillna("bilateral")
    areas, unknown_areas = _multi_codes(ref, "area", f["functional_areas"])
    c.reject(
        unknown_areas.map(bool),
        "functional_areas",
        _unknown_reason("functional area", unknown_areas),
    )
    places = PerValue(f["countries"], lambda v: _parse_locations(ref, v))
    c.reject(
        places.mask(lambda t: t[3]),
        "countries",
        _unknown_reason("country or region", places.take(lambda t: t[3])),
    )
    start, bad = _dates(f["start_date"])
    c.reject(bad, "start_date", "malformed date (expected YYYY-MM-DD or DD/MM/YYYY)")
    end, bad = _dates(f["end_date"])
    c.reject(bad, "end_date", "malformed date (expected YYYY-MM-DD or DD/MM/YYYY)")
    status, bad = _codes(ref, "activity_status", f["status"])
    c.reject(bad, "status", "unknown status (expected planned, ongoing, completed or cancelled)")
    # Plain numbers convert in one vectorised step; only the rest ("12 500,50") is parsed by hand.
    budget = pd.to_numeric(f["budget_usd"], errors="coerce").astype(float)
    odd = (budget.isna() & (f["budget_usd"] != "")).to_numpy()
    if odd.any():
        budget[odd] = pd.to_numeric(_per_value(f["budget_usd"][odd], parse_amount), errors="coerce")
    budget[~np.isfinite(budget.fillna(0).to_numpy())] = np.nan
    c.reject(
        budget.isna().to_numpy() & (f["budget_usd"] != "").to_numpy(),
        "budget_usd",
        "budget is not a number",
    )
    c.reject((budget < 0).to_numpy(), "budget_usd", "budget is negative")
    c.warning(
        (budget > BUDGET_OUTLIER_USD).to_numpy() & c.ok,
        "budget_usd",
        "budget outlier (over US$50 million)",
    )
    both = start.notna() & end.notna()
    before = np.zeros(len(f), dtype=bool)
    if both.any():
        before[both.to_numpy()] = (
            pd.to_datetime(end[both]).to_numpy() < pd.to_datetime(start[both]).to_numpy()
        )
    c.warning(before & c.ok, "end_date", "end date is before start date")
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
            "end_date": end,
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


def validate_participation(table: RawTable, ref: Reference, partners: set[str]) -> Validated:
    """Check participation rows against the known partner ids."""
    f = table.frame
    c = _Checks(f)
    c.reject(f["partner_id"] == "", "partner_id", "partner_id is required")
    c.reject(~f["partner_id"].isin(partners).to_numpy(), "partner_id", "unknown partner id")
    mech, bad = _codes(ref, "mechanism", f["mechanism"])
    c.reject(f["mechanism"] == "", "mechanism", "mechanism is required")
    c.reject(bad, "mechanism", "unknown mechanism")
    role, bad = _codes(ref, "role", f["role"])
    c.reject(
        bad,
        "role",
        "unknown role (expected participant, speaker, elected member, chair or observer)",
    )
    date, bad = _dates(f["event_date"])
    c.reject(bad, "event_date", "malformed date (expected YYYY-MM-DD or DD/MM/YYYY)")
    year_from_event = f["event"].str.extract(r"((?:19|20)\d{2})", expand=False)
    year = date.map(lambda d: d.year if isinstance(d, dt.date) else None)
    year = year.where(year.notna(), pd.to_numeric(year_from_event, errors="coerce"))
    ok = c.ok
    rec = pd.DataFrame(
        {
            "partner_id": f["partner_id"],
            "mechanism": mech,
            "event": f["event"].replace("", None),
            "event_date": date,
            "year": year,
            "role": role.fillna("participant"),
            "extra": _extra(f),
            "source_file": table.path.name,
            "source_line": f["_line"],
        }
    )[ok]
    rejected, warnings = c.outcome(table)
    return Validated(table, rec.reset_index(drop=True), {}, rejected, warnings)
