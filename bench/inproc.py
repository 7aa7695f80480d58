"""Measurements in the benchmark's own process: the DuckDB floor and the exports."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import time
from functools import partial
from pathlib import Path


def use_warehouse(path: Path) -> None:
    """Point `dashboards.db` (which reads WAREHOUSE_PATH on every query) at a warehouse."""
    os.environ["WAREHOUSE_PATH"] = str(path)


def _identity(fn) -> tuple:
    if isinstance(fn, partial):
        return (fn.func, fn.args, tuple(sorted(fn.keywords.items())))
    return (fn,)


def page_queries(page: str) -> list:
    """The distinct queries behind a page's charts (two charts drawing one frame: one query),
    plus the page's own queries (the Overview headlines, the Partner lifecycle grids)."""
    from dashboards.charts import charts_for

    seen: dict[tuple, object] = {}
    for chart in charts_for(page):
        seen.setdefault(_identity(chart.query), chart.query)
    queries = list(seen.values())
    if page == "overview":
        queries.append(_headline_queries)
    if page == "lifecycle":
        queries.append(_lifecycle_grid_queries)
    return queries


def _headline_queries(filters) -> None:
    """The queries of the Overview headlines: totals for the filters, this and the previous
    period (the bare queries of `dashboards.queries.overview.headlines`)."""
    from dataclasses import replace

    from dashboards.queries import activities, overview

    activities.totals(filters)
    now, before = overview.comparison_periods(filters)
    activities.totals(replace(filters, years=now))
    if before[0] >= activities.year_range()[0]:
        activities.totals(replace(filters, years=before))


def _lifecycle_grid_queries(filters) -> None:
    """The queries of the Partner lifecycle's three grids (`dashboards.pages.lifecycle.GRIDS`),
    as of today, as the page asks them."""
    from dashboards.charts.lifecycle import today
    from dashboards.queries import lifecycle

    now = today()
    lifecycle.reviews(filters, now)
    lifecycle.report_list(filters, now)
    lifecycle.no_cooperation(filters, now)


def floor(queries: list, filters) -> float:
    """ms to run the page's queries on DuckDB (no cache, no figure, no serialisation)."""
    started = time.perf_counter()
    for q in queries:
        q(filters)
    return (time.perf_counter() - started) * 1000


def floor_facts(queries: list, filters) -> float:
    """ms for the same queries reading the facts tables only, no summary table (issue 14: the
    floor as measured before pre-aggregation; `floor` is the fair one, the app's own SQL)."""
    from dashboards.queries import summary

    with summary.base_only():
        return floor(queries, filters)


def png_export(chart_key: str, filters, repeat: int = 5) -> dict:
    """Warm PNG export of one chart (kaleido's browser started first): median ms, or a reason."""
    try:
        from dashboards.charts import REGISTRY, all_charts
        from dashboards.exports import figures
    except ImportError as e:
        return {"ms": None, "reason": f"exports not importable: {e}"}
    fn = getattr(figures, "figure_bytes", None)
    if fn is None:
        return {"ms": None, "reason": "dashboards.exports.figures.figure_bytes not found"}
    all_charts()
    chart = REGISTRY[chart_key]
    fn(chart, filters, "png")  # starts the browser, warms the caches
    times = []
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = len(fn(chart, filters, "png"))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"ms": round(times[len(times) // 2], 1), "bytes": size, "chart": chart_key}


def find_briefing_builder():
    """A briefing-pack builder in `dashboards.exports` (a public function named like
    `briefing_pdf`, `build_briefing`, `briefing_pack`), or None."""
    import dashboards.exports as pkg

    candidates = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name in ("web", "__main__"):
            continue
        try:
            module = importlib.import_module(f"dashboards.exports.{info.name}")
        except Exception:  # a module being written: skip it
            continue
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            lname = name.lower()
            if "brief" in lname or ("pack" in lname and "unpack" not in lname):
                candidates.append(fn)
    # Prefer a PDF-specific function.
    candidates.sort(key=lambda fn: ("pdf" not in fn.__name__.lower(), fn.__name__))
    return candidates[0] if candidates else None


def briefing_pdf(filters) -> dict:
    """Seconds to build the Overview briefing pack as PDF, or null with the reason."""
    fn = find_briefing_builder()
    if fn is None:
        return {"s": None, "reason": "no briefing-pack builder in dashboards.exports yet"}
    params = inspect.signature(fn).parameters
    kwargs = {}
    args = []
    for name, p in params.items():
        if name in ("page", "page_key"):
            kwargs[name] = "overview"
        elif name == "filters":
            kwargs[name] = filters
        elif name == "lang":
            kwargs[name] = "en"
        elif name in ("fmt", "format", "kind"):
            kwargs[name] = "pdf"
        elif p.default is inspect.Parameter.empty:
            return {
                "s": None,
                "reason": f"{fn.__module__}.{fn.__name__}: unknown argument {name!r}",
            }
    try:
        started = time.perf_counter()
        out = fn(*args, **kwargs)
        elapsed = time.perf_counter() - started
    except Exception as e:  # the exports are in progress: report, don't fail the run
        return {
            "s": None,
            "reason": f"{fn.__module__}.{fn.__name__} failed: {type(e).__name__}: {e}",
        }
    size = len(out) if isinstance(out, bytes | bytearray) else None
    if size and not bytes(out[:5]).startswith(b"%PDF"):
        return {"s": None, "reason": f"{fn.__module__}.{fn.__name__} did not return a PDF"}
    return {"s": round(elapsed, 2), "bytes": size, "function": f"{fn.__module__}.{fn.__name__}"}
