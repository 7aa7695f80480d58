"""Briefing packs as PDF: a cover, one page per chart with its generated summary, and a closing
page of definitions and sources.

Library: reportlab (BSD, maintained since 2000) lays out the text pages with real paragraphs and
embedded TrueType fonts (Liberation Sans, metric-compatible with Arial, so French accents and the
narrow no-break space of French numbers print); each chart is kaleido's own vector PDF of the
decorated figure, placed on its page with pypdf (`merge_transformed_page`). The figures stay
vector (sharp at any zoom, text selectable and searchable) and look exactly as the SVG/PDF
downloads do.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.constants import CatalogAttributes
from pypdf.generic import BooleanObject, NameObject, TextStringObject
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Frame, Paragraph, Spacer

from dashboards.figures.theme import INK, MUTED, UN_BLUE
from dashboards.i18n import gettext

AUTHOR = "UNESCO NGO partnership analytics"
PAGE_W, PAGE_H = landscape(A4)  # 842 × 595 pt
MARGIN = 36
FIG_W = PAGE_W - 2 * MARGIN - 30
FIG_H = FIG_W * 9 / 16
FIG_TOP = PAGE_H - 40

FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/dejavu"))
FONT_FILES = (
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
)


@dataclass
class ChartPage:
    """One chart of a pack: its title, decorated figure as PDF, summary and definition."""

    title: str
    figure_pdf: bytes
    summary: str
    definition: str
    note: str


@dataclass
class PackText:
    """The words of a pack, already in its language."""

    title: str
    subtitle: str  # the filters in words
    generated: str
    as_of: str
    source_line: str
    lang: str
    notices: Sequence[str] = ()
    map_disclaimer: str | None = None


def _fonts() -> tuple[str, str]:
    """Register a Unicode TrueType font (regular, bold); Helvetica if none is installed."""
    if "PackSans" in pdfmetrics.getRegisteredFontNames():
        return "PackSans", "PackSans-Bold"
    for regular, bold in FONT_FILES:
        for folder in FONT_DIRS:
            if (folder / regular).is_file() and (folder / bold).is_file():
                pdfmetrics.registerFont(TTFont("PackSans", str(folder / regular)))
                pdfmetrics.registerFont(TTFont("PackSans-Bold", str(folder / bold)))
                return "PackSans", "PackSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    ink, muted, blue = (colors.HexColor(c) for c in (INK, MUTED, UN_BLUE))
    return {
        "kicker": ParagraphStyle("kicker", fontName=bold, fontSize=11, textColor=blue, leading=14),
        "title": ParagraphStyle(
            "title", fontName=bold, fontSize=28, leading=34, textColor=ink, spaceBefore=8
        ),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=regular, fontSize=15, leading=20, textColor=muted, spaceBefore=6
        ),
        "meta": ParagraphStyle("meta", fontName=regular, fontSize=11, leading=15, textColor=ink),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=14, leading=18, textColor=ink, spaceBefore=10
        ),
        "h3": ParagraphStyle(
            "h3", fontName=bold, fontSize=11, leading=14, textColor=ink, spaceBefore=6
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14, textColor=ink),
        "small": ParagraphStyle("small", fontName=regular, fontSize=9, leading=12, textColor=muted),
        "toc": ParagraphStyle(
            "toc", fontName=regular, fontSize=10.5, leading=14, textColor=ink, leftIndent=12
        ),
    }


class _NumberedCanvas(canvas.Canvas):
    """A canvas that writes 'Page n of N' and the source line on every page but the cover."""

    def __init__(self, *args, footer: str = "", page_word: str = "Page %(n)s of %(total)s", **kw):
        super().__init__(*args, **kw)
        self._saved: list[dict] = []
        self._footer = footer
        self._page_word = page_word

    def showPage(self):
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved)
        regular, _ = _fonts()
        for state in self._saved:
            self.__dict__.update(state)
            if self._pageNumber > 1:
                self.setFont(regular, 8.5)
                self.setFillColor(colors.HexColor(MUTED))
                self.drawString(MARGIN, 18, self._footer)
                self.drawRightString(
                    PAGE_W - MARGIN,
                    18,
                    self._page_word % {"n": self._pageNumber, "total": total},
                )
            super().showPage()
        super().save()


def _flow(c: canvas.Canvas, items: list, x: float, y: float, w: float, h: float) -> list:
    """Draw flowables into a box; return those that did not fit."""
    frame = Frame(x, y, w, h, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    items = list(items)
    frame.addFromList(items, c)
    return items


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    # Text from data goes through escape(): Paragraph reads a small markup language.
    return Paragraph(escape(text), style)


def build_pdf(text: PackText, charts: Sequence[ChartPage]) -> bytes:
    """The pack as PDF bytes."""
    st = _styles()
    lang = text.lang
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    buf = io.BytesIO()
    c = _NumberedCanvas(
        buf,
        pagesize=(PAGE_W, PAGE_H),
        footer=text.source_line,
        page_word=_("Page %(n)s of %(total)s"),  # filled per page by the canvas
        pageCompression=1,
    )
    c.setTitle(text.title)
    c.setSubject(text.subtitle)
    c.setAuthor(AUTHOR)
    c.setCreator(AUTHOR)

    # Cover (one page unless the contents are very long: page numbers assume one) -----------
    cover_pages_guess = 1
    c.setFillColor(colors.HexColor(UN_BLUE))
    c.rect(0, PAGE_H - 14, PAGE_W, 14, stroke=0, fill=1)
    cover = [
        _p(_("UNESCO · NGO partnership"), st["kicker"]),
        _p(text.title, st["title"]),
        _p(text.subtitle, st["subtitle"]),
        Spacer(1, 18),
        _p(text.generated, st["meta"]),
        _p(text.as_of, st["meta"]),
        Spacer(1, 14),
        _p(_("Contents"), st["h2"]),
    ]
    # Long contents (every page's charts) get a smaller line so the cover stays one page.
    leading = max(9.5, min(14.0, 280 / (len(charts) + 1)))
    toc = ParagraphStyle("toc-fit", parent=st["toc"], leading=leading, fontSize=leading - 3)
    for i, page in enumerate(charts, start=1):
        where = _("page %(n)s", n=cover_pages_guess + i)
        cover.append(_p(f"{i}. {page.title} — {where}", toc))
    cover.append(_p(_("Definitions and sources"), toc))
    if text.notices:
        cover += [Spacer(1, 8), _p("; ".join(text.notices), st["small"])]
    rest = _flow(c, cover, MARGIN + 20, MARGIN, PAGE_W - 2 * MARGIN - 40, PAGE_H - 2 * MARGIN - 20)
    while rest:
        c.showPage()
        rest = _flow(c, rest, MARGIN, MARGIN + 12, PAGE_W - 2 * MARGIN, PAGE_H - 2 * MARGIN)
    c.showPage()
    cover_pages = c.getPageNumber() - 1

    # One page per chart: header, room for the figure, summary -----------------------------------
    regular, bold = _fonts()
    for i, page in enumerate(charts, start=1):
        c.setFont(regular, 8.5)
        c.setFillColor(colors.HexColor(MUTED))
        c.drawString(MARGIN, PAGE_H - 24, f"{text.title} · {i}/{len(charts)}")
        c.setStrokeColor(colors.HexColor("#E6E9EC"))
        c.line(MARGIN, FIG_TOP - FIG_H - 8, PAGE_W - MARGIN, FIG_TOP - FIG_H - 8)
        if page.summary:  # never an empty "What it shows"
            summary = [_p(_("What it shows"), st["h3"]), _p(page.summary, st["body"])]
            _flow(c, summary, MARGIN, 30, PAGE_W - 2 * MARGIN, FIG_TOP - FIG_H - 14 - 30)
        c.showPage()

    # Closing page: definitions and sources -------------------------------------------------------
    closing = [_p(_("Definitions and sources"), st["h2"])]
    for page in charts:
        closing.append(_p(page.title, st["h3"]))
        if page.definition:
            closing.append(_p(page.definition, st["body"]))
        if page.note and page.note != page.definition:
            closing.append(_p(page.note, st["small"]))
    closing += [
        _p(_("Filters"), st["h3"]),
        _p(text.subtitle, st["body"]),
        _p(_("Source"), st["h3"]),
        _p(text.source_line, st["body"]),
        _p(
            _(
                "Summaries are generated from the figures' data: largest categories with their "
                "share of what the chart counts, and the change between the first and last year "
                "shown."
            ),
            st["small"],
        ),
    ]
    if text.map_disclaimer:
        closing.append(_p(text.map_disclaimer, st["small"]))
    rest = closing
    while rest:
        rest = _flow(c, rest, MARGIN, MARGIN + 12, PAGE_W - 2 * MARGIN, PAGE_H - 2 * MARGIN - 12)
        c.showPage()
    c.save()

    # Place each figure (vector) on its page -------------------------------------------------------
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    for i, page in enumerate(charts):
        target = writer.pages[cover_pages + i]
        figure = PdfReader(io.BytesIO(page.figure_pdf)).pages[0]
        fw, fh = float(figure.mediabox.width), float(figure.mediabox.height)
        scale = min(FIG_W / fw, FIG_H / fh)
        x = (PAGE_W - fw * scale) / 2
        y = FIG_TOP - fh * scale
        target.merge_transformed_page(
            figure, Transformation().scale(scale, scale).translate(x, y), over=True
        )
    writer.add_metadata({"/Title": text.title, "/Subject": text.subtitle, "/Author": AUTHOR})
    # The document's language (read by screen readers) and its title shown in the window bar.
    writer.root_object[NameObject(CatalogAttributes.LANG)] = TextStringObject(text.lang)
    preferences = writer.create_viewer_preferences()
    preferences[NameObject("/DisplayDocTitle")] = BooleanObject(True)
    out = io.BytesIO()
    writer.compress_identical_objects()
    writer.write(out)
    return out.getvalue()
