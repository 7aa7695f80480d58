"""What reading vocabularies from the warehouse costs: `WAREHOUSE_PATH=... python bench/vocab_timing.py`.

Prints the cold snapshot read, a name lookup outside and inside `vocab.pinned()`, a URL parse,
and the overview page's charts computed cold (caches cleared) for a few filter sets.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _per_call(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    """Run the measurements and print one line each."""
    from dashboards import cache, db, vocab
    from dashboards.charts import charts_for
    from dashboards.filters import Filters

    db.version()
    start = time.perf_counter()
    vocab.current()
    print(f"snapshot read (cold): {(time.perf_counter() - start) * 1000:.1f} ms")
    print(f"label(): {_per_call(lambda: vocab.label('area', 'advocacy', 'fr'), 5000) * 1e6:.1f} µs")
    with vocab.pinned():
        cost = _per_call(lambda: vocab.label("area", "advocacy", "fr"), 5000)
    print(f"label() inside vocab.pinned(): {cost * 1e6:.1f} µs")
    query = "field=ED,CLT&area=advocacy&region=AFR&status=associate&country=KEN"
    print(
        f"Filters.from_query (5 keys): {_per_call(lambda: Filters.from_query(query), 1000) * 1e6:.0f} µs"
    )
    times = []
    for q in ["", "?field=ED", "?field=ED&region=ARB", "?area=advocacy&status=associate"] * 3:
        cache.RESULTS.clear()
        filters, _ = Filters.from_query(q)
        start = time.perf_counter()
        for chart in charts_for("overview"):
            chart.figure_json(filters, "en")
        times.append(time.perf_counter() - start)
    print(f"overview charts, cold: median {statistics.median(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
