"""The results table, and the targets checked against the largest scale."""

from __future__ import annotations

# (name, where in a scale's results, comparison, limit, unit)
TARGETS = [
    # issue 14 (performance and scale-out)
    ("app ÷ floor, worst page, p50", ("ratios", "app_over_floor_max"), "<=", 1.5, "×"),
    ("app ÷ floor, worst page, p95", ("ratios", "app_over_floor_p95_max"), "<=", 2, "×"),
    ("baseline ÷ app, worst page, p50", ("ratios", "baseline_over_app_min"), ">=", 10, "×"),
    ("warm ÷ cold, worst page, p50", ("ratios", "warm_over_cold_max"), "<=", 0.1, "×"),
    ("50 users ÷ 1 user, filter changes/s", ("concurrency", "ratio_50_over_1"), ">=", 1.6, "×"),
    ("50 users: errors", ("concurrency", "50", "errors"), "<=", 0, ""),
    ("ETL ÷ bare load", ("etl_ratio",), "<=", 3, "×"),
    (
        "page update cold p95 (human limit, for the record)",
        ("page_update_ms", "cold", "p95"),
        "<=",
        100,
        "ms",
    ),
    # earlier issues
    ("page update warm p95", ("page_update_ms", "warm", "p95"), "<=", 20, "ms"),
    ("max payload", ("max_payload_bytes",), "<=", 200_000, "B"),
    ("first render (slowest page)", ("first_render_s", "max"), "<=", 2.5, "s"),
    ("warm PNG export", ("png_export_ms",), "<=", 400, "ms"),
    ("peak RSS per worker", ("rss_mb",), "<=", 1024, "MB"),
]


def dig(d: dict, path: tuple):
    """d[path[0]][path[1]]…, or None when any step is missing."""
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def check_targets(scale_results: dict) -> list[dict]:
    """Each target: value, limit, met (None when not measured), and by how much."""
    out = []
    for name, path, op, limit, unit in TARGETS:
        value = dig(scale_results, path)
        if value is None:
            met, margin = None, None
        else:
            met = value <= limit if op == "<=" else value >= limit
            margin = round(value / limit, 2) if limit else value
        out.append(
            {
                "target": name,
                "value": value,
                "op": op,
                "limit": limit,
                "unit": unit,
                "met": met,
                "value_over_limit": margin,
            }
        )
    return out


def _fmt(v, digits=0) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def _pair(d: dict | None, digits=0) -> str:
    if not d:
        return "—"
    return f"{_fmt(d.get('p50'), digits)} / {_fmt(d.get('p95'), digits)}"


def table(results: dict) -> str:
    """A plain-text (Markdown) table: one column per scale."""
    scales = results["scales"]
    keys = list(scales)
    head = "| metric | " + " | ".join(f"{int(k):,}" for k in keys) + " |"
    sep = "|---|" + "---|" * len(keys)
    rows = []

    def row(label, fn):
        vals = []
        for k in keys:
            try:
                vals.append(fn(scales[k]))
            except (KeyError, TypeError):
                vals.append("—")
        rows.append(f"| {label} | " + " | ".join(vals) + " |")

    row("page update, cold p50 / p95 (ms)", lambda s: _pair(s["page_update_ms"]["cold"]))
    row("page update, warm p50 / p95 (ms)", lambda s: _pair(s["page_update_ms"]["warm"], 1))
    row("charts request, cold p50 / p95 (ms)", lambda s: _pair(s["charts_callback_ms"]["cold"]))
    row("baseline pandas+px p50 / p95 (ms)", lambda s: _pair(s["baseline_ms"]))
    row("floor DuckDB p50 / p95 (ms)", lambda s: _pair(s["floor_ms"], 1))
    row("baseline ÷ app, worst page (×)", lambda s: _fmt(s["ratios"]["baseline_over_app_min"], 2))
    row("app ÷ floor, worst page, p50 (×)", lambda s: _fmt(s["ratios"]["app_over_floor_max"], 2))
    row(
        "app ÷ floor, worst page, p95 (×)",
        lambda s: _fmt(s["ratios"].get("app_over_floor_p95_max"), 2),
    )
    row("warm ÷ cold, worst page (×)", lambda s: _fmt(s["ratios"].get("warm_over_cold_max"), 3))
    row(
        "callback requests per filter change (most on a page)",
        lambda s: _fmt(
            max(
                (p.get("requests_per_filter_change") or 0 for p in s["pages"].values()),
                default=None,
            )
        ),
    )
    row("max payload (KB)", lambda s: _fmt(s["max_payload_bytes"] / 1000, 1))
    row("ETL load / bare load (s)", lambda s: f"{_fmt(s['etl_s'], 1)} / {_fmt(s['etl_bare_s'], 1)}")
    row("ETL ÷ bare (×)", lambda s: _fmt(s["etl_ratio"], 1))
    row("first render, slowest page (s)", lambda s: _fmt(s["first_render_s"]["max"], 2))
    row("PNG export, warm (ms)", lambda s: _fmt(s["png_export_ms"]))
    row("briefing pack PDF (s)", lambda s: _fmt(s["briefing_pdf_s"], 1))
    for n, label in (("1", "1 user"), ("50", "50 users"), ("200-think2s", "200 users, 2 s think")):
        row(
            f"{label}: updates/s · p95 ms · errors · server cores",
            lambda s, n=n: (
                f"{_fmt(s['concurrency'][n]['updates_per_s'], 1)}"
                f" · {_fmt(s['concurrency'][n]['p95_ms'])} · {s['concurrency'][n]['errors']}"
                f" · {_fmt(s['concurrency'][n].get('server_cores'), 2)}"
            ),
        )
    row("50 users ÷ 1 user (×)", lambda s: _fmt(s["concurrency"].get("ratio_50_over_1"), 2))
    row(
        "peak RSS, one worker / all (MB)",
        lambda s: f"{_fmt(s['rss_mb'])} / {_fmt(s['rss']['peak_total_mb'])}",
    )
    return "\n".join([head, sep, *rows])


def page_table(scale_results: dict) -> str:
    """Per page at one scale: cold/warm page update, baseline, floor, ratios, payload, render."""
    head = (
        "| page | cold p50 / p95 | warm p50 / p95 | charts req cold p50 | baseline p50 | "
        "floor p50 / p95 | baseline ÷ app | app ÷ floor p50 / p95 | requests per change | "
        "max payload KB | first render s |"
    )
    rows = [head, "|---|---|---|---|---|---|---|---|---|---|---|"]
    for page, p in scale_results.get("pages", {}).items():
        if p.get("error"):
            rows.append(f"| {page} | error: {p['error'][:60]} |" + " |" * 9)
            continue
        rows.append(
            f"| {page} | {_pair(p['page_update_ms']['cold'])} | {_pair(p['page_update_ms']['warm'], 1)}"
            f" | {_fmt((p['charts_callback_ms']['cold'] or {}).get('p50'))}"
            f" | {_fmt((p['baseline_ms'] or {}).get('p50'))} | {_pair(p['floor_ms'], 1)}"
            f" | {_fmt(p['vs_baseline'], 2)}"
            f" | {_fmt(p['vs_floor'], 2)} / {_fmt(p.get('vs_floor_p95'), 2)}"
            f" | {_fmt(p.get('requests_per_filter_change'))}"
            f" | {_fmt(p['max_payload_bytes'] / 1000, 1)} | {_fmt(p['first_render_s'], 2)} |"
        )
    return "\n".join(rows)


def targets_table(checks: list[dict]) -> str:
    """The targets, met or missed, with value ÷ limit."""
    rows = ["| target | limit | measured | met |", "|---|---|---|---|"]
    for c in checks:
        met = "n/a" if c["met"] is None else ("yes" if c["met"] else "**no**")
        # A ratio below 1 with three digits: 0.105 is not "0.10", which reads as at the limit.
        digits = (3 if abs(c["value"]) < 1 else 2) if isinstance(c["value"], float) else 0
        value = _fmt(c["value"], digits)
        rows.append(
            f"| {c['target']} | {c['op']} {c['limit']:,} {c['unit']} | {value} {c['unit']} | {met} |"
        )
    return "\n".join(rows)
