"""Draw one slide of a .pptx as PNG from its own parts, where LibreOffice is not installed.

Usage: python scripts/render_slide.py DECK.pptx SLIDE_NUMBER OUT.png [WIDTH_PX]
Pictures are pasted at their positions and sizes, filled rectangles drawn, and text frames
written with Liberation Sans at their font sizes, wrapped to their boxes: an approximation of
what PowerPoint shows (no autofit, no theme effects), good enough to check the layout.
"""

from __future__ import annotations

import io
import sys
import textwrap

from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from pptx.util import Pt

FONT = "/usr/share/fonts/truetype/liberation/LiberationSans-{}.ttf"


def render(path: str, number: int, out: str, width_px: int = 1600) -> None:
    """Write slide `number` (1-based) of the deck at `path` to `out` as PNG."""
    prs = Presentation(path)
    scale = width_px / prs.slide_width
    canvas = Image.new("RGB", (width_px, round(prs.slide_height * scale)), "white")
    draw = ImageDraw.Draw(canvas)
    slide = prs.slides[number - 1]
    for shape in slide.shapes:
        box = [round(v * scale) for v in (shape.left, shape.top, shape.width, shape.height)]
        x, y, w, h = box
        if shape.shape_type == 13:  # picture
            picture = Image.open(io.BytesIO(shape.image.blob)).convert("RGB").resize((w, h))
            canvas.paste(picture, (x, y))
            continue
        if shape.shape_type == 1 and shape.fill.type == 1:  # filled autoshape
            draw.rectangle([x, y, x + w, y + h], fill="#" + str(shape.fill.fore_color.rgb))
        if not shape.has_text_frame:
            continue
        top = y
        for paragraph in shape.text_frame.paragraphs:
            run = paragraph.runs[0] if paragraph.runs else None
            size = run.font.size if run is not None and run.font.size else Pt(18)
            px = max(8, round(size * scale))
            bold = run is not None and run.font.bold
            font = ImageFont.truetype(FONT.format("Bold" if bold else "Regular"), px)
            color = (
                "#" + str(run.font.color.rgb) if run is not None and run.font.color.type else "#000"
            )
            per_line = max(10, int(w / (px * 0.5)))
            for line in textwrap.wrap(paragraph.text, per_line) or [""]:
                draw.text((x, top), line, font=font, fill=color)
                top += round(px * 1.25)
            top += round(px * 0.3)
    canvas.save(out)


if __name__ == "__main__":
    args = sys.argv[1:]
    render(args[0], int(args[1]), args[2], *(int(a) for a in args[3:4]))
