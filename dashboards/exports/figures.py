"""Figures on paper: a chart's figure decorated to explain itself, exported with kaleido.

`paper_figure(chart, filters, lang)` adds the title, a subtitle with the filters in words, and a
footnote (what is counted, data as-of date and source) to the chart's own figure, in the house
style at slide font sizes, with margins for all of it. `export(fig, fmt)` renders PNG, SVG or
PDF with kaleido in a Chromium kept warm in this process (`kaleido.start_sync_server`, started
lazily once per process, calls serialised by a lock: kaleido's sync server is not safe for two
threads at once). Maps draw their countries from `assets/topojson/` (no network).
"""

from __future__ import annotations

import copy
import logging
import os
import re
import textwrap
import threading
import time
import warnings
from pathlib import Path

import kaleido
import plotly.graph_objects as go
import plotly.io as pio

from dashboards.charts import Chart
from dashboards.exports import describe
from dashboards.figures.theme import MUTED, apply_theme
from dashboards.filters import Filters
from dashboards.i18n import N_, gettext

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
TOPOJSON_DIR = ROOT / "assets" / "topojson"
pio.defaults.topojson = TOPOJSON_DIR.as_uri() + "/"
pio.defaults.mathjax = False  # no CDN fetches for one-shot exports either

MAP_DISCLAIMER = N_(
    "The boundaries and names shown and the designations used on this map do not imply "
    "official endorsement or acceptance by the United Nations."
)
FORMATS = ("png", "svg", "pdf")
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}
# Layout size in CSS pixels: 16:9, the shape of a slide and close to A4 landscape. PNGs are
# rendered at scale 2 (3200 × 1800 px: 270 dpi across the width of an A4 page).
WIDTH, HEIGHT = 1600, 900
PNG_SCALE = 2
# Figures of briefing packs are laid out smaller and scaled up on the page, so their text reads
# at 10–11 pt on A4 and on a slide; their PNGs are still 3200 px wide.
PACK_WIDTH, PACK_HEIGHT = 1200, 675
PACK_PNG_SCALE = 3200 / PACK_WIDTH
MEDIUM = "slide"  # the theme's larger fonts: legible at A4 and from the back of a room
TITLE_SIZE = 24
SUBTITLE_SIZE = 17
FOOT_SIZE = 14
LINE = 1.45  # line height, in font sizes


def paper_figure(
    chart: Chart,
    filters: Filters,
    lang: str = "en",
    *,
    with_title: bool = True,
    width: int = WIDTH,
    height: int = HEIGHT,
    variant: str | None = None,
) -> go.Figure:
    """The chart's figure for the filters, decorated for paper (title, filters, footnote).

    `variant` names one of the chart's other drawings (as chosen on the page), if any.
    """
    built = chart.build(filters, lang, variant) if variant else chart.build(filters, lang)
    fig = go.Figure(copy.deepcopy(built.to_dict()))
    notes = [describe.paper_text(gettext(chart.note, lang), lang)] if chart.note else []
    notes = [n for n in notes if n]
    disclaimer = gettext(MAP_DISCLAIMER, lang)
    if is_map(fig) and not any(disclaimer in (a.text or "") for a in fig.layout.annotations):
        notes.append(disclaimer)
    return decorate(
        fig,
        title=gettext(chart.title, lang) if with_title else None,
        subtitle=describe.filters_text(filters, lang, chart.ignores),
        notes=notes,
        lang=lang,
        width=width,
        height=height,
    )


def decorate(
    fig: go.Figure,
    *,
    title: str | None,
    subtitle: str,
    notes: list[str],
    lang: str,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> go.Figure:
    """Give a figure a title, subtitle and footnote, paper sizes and margins."""
    apply_theme(fig, lang, MEDIUM)
    # Plotly does not wrap annotation text: break long notes at about the plot's width.
    per_line = max(40, int((width - 120) / (FOOT_SIZE * 0.55)))
    foot_lines = [
        line
        for text in (*notes, describe.source_line(lang))
        for line in textwrap.wrap(text, per_line)
    ]
    foot_px = round(len(foot_lines) * FOOT_SIZE * LINE) + 18
    has_legend = _shows_legend(fig)
    head_px = (round(TITLE_SIZE * LINE) if title else 0) + round(SUBTITLE_SIZE * LINE) + 40
    bottom = foot_px + (84 if has_legend else 0) + 78
    fig.update_layout(
        width=width,
        height=height,
        autosize=False,
        margin={"t": head_px, "b": bottom, "l": 24, "r": 40, "pad": 4},
        title={
            "text": _esc(title) if title else _esc(subtitle),
            "font": {"size": TITLE_SIZE if title else SUBTITLE_SIZE},
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
            "yref": "container",
            "y": 1 - 18 / height,
            "yanchor": "top",
            "subtitle": {
                "text": _esc(subtitle) if title else "",
                "font": {"size": SUBTITLE_SIZE, "color": MUTED},
            },
        },
    )
    if title is None:
        fig.update_layout(title_font_color=MUTED)
    if has_legend:
        fig.update_layout(
            legend={"yref": "container", "y": (foot_px + 6) / height, "yanchor": "bottom"}
        )
    plot_h = height - head_px - bottom
    fig.add_annotation(
        text="<br>".join(_esc(line) for line in foot_lines),
        xref="paper",
        x=0,
        xanchor="left",
        yref="paper",
        y=(10 - bottom) / plot_h,
        yanchor="bottom",
        showarrow=False,
        align="left",
        font={"size": FOOT_SIZE, "color": MUTED},
    )
    return fig


def is_map(fig: go.Figure) -> bool:
    """True when the figure draws countries (it then carries the UN map disclaimer)."""
    return any(t.type in ("choropleth", "scattergeo", "choroplethmap") for t in fig.data)


def _shows_legend(fig: go.Figure) -> bool:
    if fig.layout.showlegend is False:
        return False
    shown = [t for t in fig.data if t.showlegend is not False and getattr(t, "name", None)]
    return len(shown) > 1 or (len(shown) == 1 and fig.layout.showlegend is True)


def _esc(text: str) -> str:
    """Plotly text is a small HTML subset: names from data must not become tags."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------------
# kaleido, kept warm
# ---------------------------------------------------------------------------------------------

_lock = threading.Lock()
_server_pid: int | None = None
RENDER_TIMEOUT_S = 60


def _after_fork() -> None:
    """A forked child (a background-callback job) has no browser thread: start its own."""
    global _lock, _server_pid
    _lock = threading.Lock()
    if _server_pid is not None and _server_pid != os.getpid():
        # The parent's sync server object says "running", but its thread did not survive
        # the fork: mark it stopped so this process starts its own browser when needed.
        kaleido._global_server._initialized = False
        _server_pid = None


os.register_at_fork(after_in_child=_after_fork)


def ensure_server() -> None:
    """Start kaleido's browser for this process once (about 1.5 s; later exports are fast)."""
    global _server_pid
    if _server_pid == os.getpid():
        return
    with _lock:
        _start_locked()


def _start_locked() -> None:
    global _server_pid
    if _server_pid == os.getpid():
        return
    started = time.perf_counter()
    # kaleido's own time limit per render: a hung browser fails one export, not every later one
    kaleido.start_sync_server(mathjax=False, timeout=RENDER_TIMEOUT_S, silence_warnings=True)
    _server_pid = os.getpid()
    log.info("kaleido browser started in %.2f s", time.perf_counter() - started)


def stop_server() -> None:
    """Stop this process's browser (a short-lived job process does this before it exits)."""
    global _server_pid
    with _lock:
        if _server_pid == os.getpid():
            kaleido.stop_sync_server(silence_warnings=True)
        _server_pid = None


def export(fig: go.Figure, fmt: str, scale: float | None = None) -> bytes:
    """Render a figure to PNG, SVG or PDF bytes with the warm browser."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if scale is None:
        scale = PNG_SCALE if fmt == "png" else 1
    width = fig.layout.width or WIDTH
    height = fig.layout.height or HEIGHT
    with _lock, warnings.catch_warnings():
        # plotly passes its (empty) browser options along; the warm server ignores them.
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        _start_locked()
        return pio.to_image(fig, format=fmt, width=width, height=height, scale=scale)


def figure_bytes(
    chart: Chart, filters: Filters, fmt: str, lang: str = "en", variant: str | None = None
) -> bytes:
    """A chart for the filters as a decorated PNG/SVG/PDF file."""
    return export(paper_figure(chart, filters, lang, variant=variant), fmt)


def filename(chart: Chart | str, fmt: str, lang: str = "en") -> str:
    """'regions-activities_by_region-fr-2026-11-28.png' (safe characters only)."""
    import datetime as dt

    stem = chart.key.replace(".", "-") if isinstance(chart, Chart) else str(chart)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)
    suffix = f"-{lang}" if lang != "en" else ""
    return f"{stem}{suffix}-{dt.date.today().isoformat()}.{fmt}"
