"""Benchmark harness: `python -m bench [--scales 10000,100000,1000000] [--quick]`.

Generates demo data at several scales, loads it with the real ETL, serves the real app under
gunicorn and measures page updates (through `/_dash-update-component`), a pandas + plotly
express baseline, the bare DuckDB floor, payloads, ETL against a bare DuckDB load, first render
in headless Chromium, exports, concurrency and memory. See docs/performance.md.
"""
