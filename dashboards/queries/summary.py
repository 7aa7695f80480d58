"""Which table a query reads: the facts, or a summary table pre-aggregated at load (issue 14).

`etl/derived.sql` builds summary tables of `activity_facts` (and of `region_facts`) grouped by
the filter columns. A query names the columns it groups by; `pick` returns the smallest summary
holding those and every column its filters touch, or None (the query then reads the facts).
Counts over a summary are `sum(activities)` instead of `count(*)`: every activity falls in one
row of a summary (one per region in `region_summary`), so the sums are the same numbers.

Never a summary for a country filter (a semi-join on activity ids, which summaries do not
keep), for a warehouse built before the summaries existed, or when `PREAGG=off` is set in the
environment (read at each call: the benchmark and the identity tests compare both paths).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dashboards import cache, db, dimensions
from dashboards.filters import Filters

_BASE = ("year", "field_code", "modality", "activity_status", "geo_scope", "flagged")
_MASKS = ("area_mask", "region_mask")
_PARTNER_MASKS = ("partner_status_mask", "partner_type_mask")


@dataclass(frozen=True)
class Summary:
    """A summary table: its name, the facts table it summarises, the columns it keeps."""

    table: str
    source: str  # "activity_facts" or "region_facts"
    columns: frozenset[str]


# Smallest first, per source: `pick` takes the first that holds what a query needs.
SUMMARIES: tuple[Summary, ...] = (
    Summary("activity_summary_small", "activity_facts", frozenset(_BASE)),
    Summary("activity_summary", "activity_facts", frozenset(_BASE + _MASKS)),
    Summary(
        "activity_summary_partners",
        "activity_facts",
        frozenset(_BASE + _MASKS + _PARTNER_MASKS),
    ),
    Summary("region_summary", "region_facts", frozenset((*_BASE, *_MASKS, "region_code"))),
    Summary("country_summary", "country_facts", frozenset((*_BASE, "iso3"))),
    Summary(
        "partner_summary",
        "partner_facts",
        frozenset((*_BASE, "partner_id", "status", "partner_type")),
    ),
)

_FORCED_OFF: contextvars.ContextVar[bool] = contextvars.ContextVar("preagg_off", default=False)


def enabled() -> bool:
    """Whether queries may read summary tables (`PREAGG=off` or `base_only()` say no)."""
    if _FORCED_OFF.get():
        return False
    return os.environ.get("PREAGG", "on").strip().lower() not in ("off", "0", "false", "no")


@contextlib.contextmanager
def base_only() -> Iterator[None]:
    """Within this block every query reads the facts tables (tests, the benchmark's floor)."""
    token = _FORCED_OFF.set(True)
    try:
        yield
    finally:
        _FORCED_OFF.reset(token)


def filter_columns(filters: Filters, skip: tuple[str, ...] = ()) -> set[str] | None:
    """The facts columns the filters' predicate reads (None: one no summary can answer)."""
    columns: set[str] = set()
    if filters.years and "years" not in skip:
        columns.add("year")
    for dim in dimensions.FILTERS:
        if not getattr(filters, dim.key) or dim.key in skip:
            continue
        if dim.match == "bridge":  # countries: a semi-join on activity ids
            return None
        columns.add(str(dim.facts_column))
    if filters.without_flagged and "flagged" not in skip:
        columns.add("flagged")
    return columns


def pick(
    source: str, filters: Filters, needs: Iterable[str] = (), skip: tuple[str, ...] = ()
) -> str | None:
    """The smallest summary of `source` holding `needs` and the filters' columns, or None."""
    if not enabled():
        return None
    columns = filter_columns(filters, skip)
    if columns is None:
        return None
    columns |= set(needs)
    present = _present()
    for summary in SUMMARIES:
        if summary.source == source and columns <= summary.columns and summary.table in present:
            return summary.table
    return None


def _present() -> frozenset[str]:
    """The summary tables of the warehouse being read (an older file may have none)."""
    return cache.cached("summary_tables", compute=_read_present)


def _read_present() -> frozenset[str]:
    names = [s.table for s in SUMMARIES]
    marks = ", ".join("?" * len(names))
    frame = db.query(
        "SELECT table_name FROM information_schema.tables "  # noqa: S608 - placeholders only
        f"WHERE table_catalog = current_database() AND table_name IN ({marks})",
        names,
    )
    return frozenset(frame["table_name"])


@dataclass(frozen=True)
class Source:
    """The table a query reads (alias it `f`) and how it counts activities there."""

    table: str
    summarised: bool

    @property
    def count(self) -> str:
        """SQL counting the activities of a group: BIGINT and 0 for no rows, as `count(*)`."""
        return "COALESCE(sum(f.activities), 0)::BIGINT" if self.summarised else "count(*)"


def activities_source(
    filters: Filters, needs: Iterable[str] = (), skip: tuple[str, ...] = ()
) -> Source:
    """`activity_facts`, or the smallest activity summary that can answer the query."""
    table = pick("activity_facts", filters, needs, skip)
    return Source(table or "activity_facts", table is not None)


def distinct_source(
    source: str, filters: Filters, needs: Iterable[str] = (), skip: tuple[str, ...] = ()
) -> str:
    """`country_facts` / `partner_facts`, or their summary of distinct pairs, for queries that
    only count distinct countries or partners (the partner filters' columns always needed)."""
    extra = ("status", "partner_type") if source == "partner_facts" else ()
    return pick(source, filters, (*needs, *extra), skip) or source
