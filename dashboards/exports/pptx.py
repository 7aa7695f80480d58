"""Briefing packs as PowerPoint (python-pptx): one 16:9 slide per chart with its title, the
figure, and the generated summary (with the filters, as-of date and source) as speaker notes —
ready to drop into an Executive Board deck.

python-pptx places raster pictures, so each figure is kaleido's PNG at 3200 × 1800 px (sharp on
a projector and in print); the title is a real title placeholder, so the deck's outline view and
accessibility checker see it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from dashboards.figures.theme import INK

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
TITLE_ONLY = 5  # layout index in python-pptx's default template


@dataclass
class ChartSlide:
    """One chart: title, decorated figure as PNG (16:9), speaker notes."""

    title: str
    figure_png: bytes
    notes: str


def build_pptx(title: str, subject: str, slides: Sequence[ChartSlide]) -> bytes:
    """The deck as .pptx bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    prs.core_properties.title = title
    prs.core_properties.subject = subject
    prs.core_properties.author = "UNESCO"
    layout = prs.slide_layouts[TITLE_ONLY]
    margin = Inches(0.45)
    title_h = Inches(0.9)
    for item in slides:
        slide = prs.slides.add_slide(layout)
        heading = slide.shapes.title
        heading.left, heading.top = margin, Inches(0.25)
        heading.width, heading.height = SLIDE_W - 2 * margin, title_h
        heading.text = item.title
        frame = heading.text_frame
        frame.word_wrap = True
        for paragraph in frame.paragraphs:
            paragraph.alignment = 1  # left
            for run in paragraph.runs:
                run.font.size = Pt(28)
                run.font.bold = True
                run.font.color.rgb = RGBColor.from_string(INK.lstrip("#"))
        top = Inches(0.25) + title_h + Inches(0.05)
        max_w, max_h = SLIDE_W - 2 * margin, SLIDE_H - top - Inches(0.2)
        width = min(max_w, Emu(int(max_h * 16 / 9)))
        height = Emu(int(width * 9 / 16))
        slide.shapes.add_picture(
            io.BytesIO(item.figure_png), Emu(int((SLIDE_W - width) / 2)), top, width, height
        )
        slide.notes_slide.notes_text_frame.text = item.notes
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
