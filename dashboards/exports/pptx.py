"""Briefing packs as PowerPoint (python-pptx): a cover slide (page, filters in words, as-of and
generated dates), then one 16:9 slide per chart with its title, the figure, its generated
summary beside it, and the summary, note, filters and source as speaker notes — ready to drop
into an Executive Board deck.

python-pptx places raster pictures, so each figure is kaleido's PNG at 3200 × 1800 px (sharp on
a projector and in print); every picture carries alt text (`descr`: title, filters, summary);
titles are real title placeholders, so the deck's outline view and accessibility checker see
them; every run is tagged with the pack's language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from dashboards.exports.pdf import AUTHOR, PackText
from dashboards.figures.theme import INK, MUTED, UN_BLUE
from dashboards.i18n import gettext

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
TITLE_SLIDE, TITLE_ONLY = 0, 5  # layout indexes in python-pptx's default template
MARGIN = Inches(0.45)
TITLE_TOP, TITLE_H = Inches(0.25), Inches(0.9)
PICTURE_W = Inches(
    9.3
)  # 16:9 → 5.2 in high (its footnote has the source and as-of date); the summary takes the column at its right
GAP = Inches(0.3)
LANGUAGES = {"en": MSO_LANGUAGE_ID.ENGLISH_UK, "fr": MSO_LANGUAGE_ID.FRENCH}


@dataclass
class ChartSlide:
    """One chart: title, decorated figure as PNG (16:9), speaker notes, summary, alt text."""

    title: str
    figure_png: bytes
    notes: str
    summary: str = ""
    alt_text: str = ""


def _rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#"))


def _style(paragraph, size: float, color: str, lang: str, bold: bool = False) -> None:
    """Font, colour and language of every run of a paragraph."""
    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = _rgb(color)
        run.font.language_id = LANGUAGES.get(lang, MSO_LANGUAGE_ID.ENGLISH_UK)


def _cover(prs, text: PackText) -> None:
    """The first slide: what the deck is about, for which filters, and how fresh it is."""
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_SLIDE])
    _ = lambda s, **kw: gettext(s, text.lang, **kw)  # noqa: E731
    heading = slide.shapes.title
    heading.left, heading.top = MARGIN + Inches(0.4), Inches(1.6)
    heading.width, heading.height = SLIDE_W - 2 * MARGIN - Inches(0.8), Inches(1.3)
    heading.text = text.title
    heading.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    for paragraph in heading.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        _style(paragraph, 40, INK, text.lang, bold=True)
    body = slide.placeholders[1]
    body.left, body.top = heading.left, Inches(3.1)
    body.width, body.height = heading.width, Inches(3.6)
    frame = body.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.TOP
    lines = [
        (_("UNESCO · NGO partnership"), 16, UN_BLUE, True),
        (text.subtitle, 22, INK, False),
        (text.as_of, 16, MUTED, False),
        (text.generated, 16, MUTED, False),
        *((notice, 13, MUTED, False) for notice in text.notices),
    ]
    frame.text = ""
    for i, (line, size, color, bold) in enumerate(line for line in lines if line[0]):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.alignment = PP_ALIGN.LEFT
        paragraph.space_after = Pt(8)
        _style(paragraph, size, color, text.lang, bold)
    band = slide.shapes.add_shape(1, 0, 0, SLIDE_W, Inches(0.2))  # 1: rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(UN_BLUE)
    band.line.fill.background()
    band.name = "Decoration"
    slide.notes_slide.notes_text_frame.text = "\n\n".join(
        p for p in (text.subtitle, text.as_of, text.generated, text.source_line) if p
    )


def _summary_size(summary: str) -> float:
    """A font size (pt) at which a summary fits the column beside the figure."""
    n = len(summary)
    return 16 if n < 260 else 14 if n < 420 else 12 if n < 640 else 10.5


def build_pptx(text: PackText, slides: Sequence[ChartSlide]) -> bytes:
    """The deck as .pptx bytes: a cover slide, then one slide per chart."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    props = prs.core_properties
    props.title = text.title
    props.subject = text.subtitle
    props.author = AUTHOR
    props.language = text.lang
    _cover(prs, text)
    layout = prs.slide_layouts[TITLE_ONLY]
    what = gettext("What it shows", text.lang)
    for item in slides:
        slide = prs.slides.add_slide(layout)
        heading = slide.shapes.title
        heading.left, heading.top = MARGIN, TITLE_TOP
        heading.width, heading.height = SLIDE_W - 2 * MARGIN, TITLE_H
        heading.text = item.title
        heading.text_frame.word_wrap = True
        for paragraph in heading.text_frame.paragraphs:
            paragraph.alignment = PP_ALIGN.LEFT
            _style(paragraph, 28, INK, text.lang, bold=True)
        top = TITLE_TOP + TITLE_H + Inches(0.1)
        width = PICTURE_W
        height = Emu(int(width * 9 / 16))
        picture = slide.shapes.add_picture(io.BytesIO(item.figure_png), MARGIN, top, width, height)
        picture.name = item.title
        # python-pptx has no setter for alt text: it is the `descr` of the picture's cNvPr.
        picture._element.nvPicPr.cNvPr.set("descr", item.alt_text or item.title)
        if item.summary:
            left = MARGIN + width + GAP
            box = slide.shapes.add_textbox(left, top, SLIDE_W - MARGIN - left, height)
            box.name = what
            frame = box.text_frame
            frame.word_wrap = True
            frame.text = what
            _style(frame.paragraphs[0], 14, UN_BLUE, text.lang, bold=True)
            paragraph = frame.add_paragraph()
            paragraph.text = item.summary
            paragraph.space_before = Pt(6)
            _style(paragraph, _summary_size(item.summary), INK, text.lang)
        slide.notes_slide.notes_text_frame.text = item.notes
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
