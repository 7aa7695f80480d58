"""`python -m bench.slowest`: a page's slowest new filter combinations on its bare queries."""

from __future__ import annotations

from bench import slowest


def test_slowest_lists_combinations_slowest_first_with_each_querys_time(
    demo_warehouse, use_warehouse
):
    use_warehouse(demo_warehouse)
    out = slowest.measure("overview", samples=5, seed=3)
    assert out["queries"][-1] == "_headline_queries"  # the page's own queries are counted
    rows = out["slowest"]
    assert len(rows) == 5 and len({r["query"] for r in rows}) == 5  # each combination new
    totals = [r["total_ms"] for r in rows]
    assert totals == sorted(totals, reverse=True)
    assert all(len(r["ms"]) == len(out["queries"]) for r in rows)
    assert min(totals) <= out["median_ms"] <= max(totals)
