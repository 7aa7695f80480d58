"""Exports: the dashboard's charts and data as files (PNG/SVG/PDF figures, briefing packs in PDF
and PowerPoint, CSV/XLSX data), from the web page and from the command line.

The same code path serves both: `python -m dashboards.exports ...` needs no web server. Nothing
here imports Dash except `dashboards/exports/web.py` (the download components and callbacks).
See docs/exports.md.
"""
