"""The monthly communication to partners: what happened in a month and what is coming.

`build(year, month, lang, today)` gathers the sections (new admissions and renewals, activities
started and completed, collective events and deadlines of the coming months) once; the same
`Digest` is written as email-ready HTML (self-contained: inline CSS, tables for layout, the
chart inline as a data: URI or, in a mail, a CID part; no script), as PDF and as Excel (text
cells neutralised). `send` mails it through SMTP settings (`dashboards.settings.Settings`).

A date the source gave only as a year is not placed in a month: such activities are left out
of "started" and "completed", and the digest says so.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
import smtplib
import ssl
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pandas as pd

from dashboards import db
from dashboards.exports import describe
from dashboards.exports.data import neutralise
from dashboards.figures import common
from dashboards.figures import lifecycle as names
from dashboards.filters import Filters
from dashboards.i18n import N_, format_date, format_partial_date, gettext
from dashboards.queries import lifecycle as q

HORIZON_MONTHS = 3  # "the coming months": this many after the digest's month
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
BODY_NAMES = {
    "executive_board": N_("Executive Board"),
    "ngo_conference": N_("International Conference of NGOs"),
    "ngp_committee": N_("Committee on Non-Governmental Partners"),
}
INK, MUTED, BLUE, RULE = "#1a1a1a", "#5f6368", "#0072BC", "#d9dee3"


@dataclass
class Section:
    """One part of the digest: a heading, column headings and rows of text, an empty message."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    empty: str
    note: str = ""


@dataclass
class Digest:
    """The words and figures of one month's digest, in its language."""

    year: int
    month: int
    lang: str
    title: str
    intro: str
    sections: list[Section]
    chart_png: bytes | None = None
    chart_alt: str = ""
    footer: str = ""
    notes: list[str] = field(default_factory=list)


def parse_month(text: str) -> tuple[int, int]:
    """'2026-11' → (2026, 11); ValueError (a msgid) otherwise."""
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(N_("Give the month as YYYY-MM, e.g. 2026-11"))
    return int(found.group(1)), int(found.group(2))


def month_bounds(year: int, month: int, months: int = 1) -> tuple[dt.date, dt.date]:
    """First and last day of `months` months starting with (year, month)."""
    start = dt.date(year, month, 1)
    index = year * 12 + month - 1 + months
    end = dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def _date(value, precision: str | None, lang: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return format_partial_date(value, precision, lang)


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _status_section(filters: Filters, start: dt.date, end: dt.date, lang: str) -> Section:
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    events = q.events_between(filters, start, end)
    events = events[events["event"].isin(q.ESTABLISHING)] if not events.empty else events
    rows = [
        [
            str(r["name"]),
            names.event_name(r["event"], lang),
            names.status_name(r["status_after"], lang) if r["status_after"] else "—",
            _date(r["event_date"], r["event_date_precision"], lang),
            str(r["decision_ref"] or "—"),
        ]
        for r in _records(events)
    ]
    return Section(
        "status",
        _("New admissions and renewals"),
        [_("Partner"), _("Decision"), _("Status"), _("Date"), _("Reference")],
        rows,
        _("No admission, renewal or reclassification recorded this month."),
    )


def _activities(start: dt.date, end: dt.date, column: str, completed: bool) -> pd.DataFrame:
    from dashboards.queries.columns import precision

    if column not in ("start_date", "end_date"):
        raise ValueError(column)
    prec = precision("a", "activities", column)
    done = "AND a.status = 'completed'" if completed else ""
    return db.query(
        f"""
        SELECT a.activity_id, a.title, a.field_code, a.{column} AS day, {prec} AS day_precision,
               p.name AS lead
        FROM activities a LEFT JOIN partners p ON p.partner_id = a.lead_partner_id
        WHERE a.{column} BETWEEN ? AND ? AND {prec} <> 'year' {done}
        ORDER BY a.{column}, a.title
        """,  # noqa: S608 - column from a whitelist above; values are parameters
        [start, end],
    )


def _year_only(start: dt.date, column: str) -> int:
    from dashboards.queries.columns import precision

    prec = precision("a", "activities", column)
    if prec == "'day'":
        return 0
    return int(
        db.scalar(
            f"SELECT count(*) FROM activities a WHERE year(a.{column}) = ? AND {prec} = 'year'",  # noqa: S608 - from code
            [start.year],
        )
        or 0
    )


def _activity_section(key: str, start: dt.date, end: dt.date, lang: str) -> Section:
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    column = "start_date" if key == "started" else "end_date"
    frame = _activities(start, end, column, completed=key == "completed")
    rows = [
        [
            str(r["title"]),
            str(r["lead"] or "—"),
            common.label("fields", str(r["field_code"]), lang),
            _date(r["day"], r["day_precision"], lang),
        ]
        for r in _records(frame)
    ]
    year_only = _year_only(start, column)
    note = (
        _(
            "%(n)s activities of %(year)s are dated only by their year and are not listed.",
            n=year_only,
            year=start.year,
        )
        if year_only
        else ""
    )
    title = _("Activities started") if key == "started" else _("Activities completed")
    return Section(
        key,
        title,
        [
            _("Activity"),
            _("Lead partner"),
            _("Field"),
            _("Start") if key == "started" else _("End"),
        ],
        rows,
        _("None recorded this month."),
        note,
    )


def _sessions(start: dt.date, end: dt.date) -> pd.DataFrame:
    if not q._has_table("governing_sessions"):
        return pd.DataFrame(
            columns=["body", "session", "start_date", "end_date", "place", "status"]
        )
    return db.query(
        """SELECT body, session, start_date, end_date, place, status FROM governing_sessions
           WHERE start_date BETWEEN ? AND ? ORDER BY start_date, body""",
        [start, end],
    )


def _events_section(start: dt.date, horizon_end: dt.date, lang: str) -> Section:
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    rows = []
    for r in _records(_sessions(start, horizon_end)):
        body = str(r["body"])
        when = _date(r["start_date"], "day", lang)
        if r["end_date"] is not None and r["end_date"] != r["start_date"]:
            when += " – " + _date(r["end_date"], "day", lang)
        rows.append(
            [
                gettext(BODY_NAMES[body], lang) if body in BODY_NAMES else body,
                str(r["session"]),
                when,
                str(r["place"] or "—"),
                _("held") if r["status"] == "held" else _("scheduled"),
            ]
        )
    return Section(
        "events",
        _("Collective events of the coming months"),
        [_("Body"), _("Session"), _("Dates"), _("Place"), _("Status")],
        rows,
        _("No session of the governing bodies or of the NGO Conference in these months."),
    )


def _deadlines_section(
    filters: Filters, start: dt.date, horizon_end: dt.date, today: dt.date, lang: str
) -> Section:
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    rows: list[list[str]] = []
    rules = q.rules()
    sessions = q.board_sessions()
    for s in sessions:
        deadline = q.request_deadline(s, sessions, rules)
        if deadline is not None and start <= deadline <= horizon_end:
            rows.append(
                [
                    format_date(deadline, lang),
                    _(
                        "Last day for requests (admission, renewal) to the Executive Board's "
                        "%(session)s session",
                        session=s.session,
                    ),
                ]
            )
    if q._has_table("partner_reports"):
        where, params = q.partner_predicate(filters)
        due = db.query(
            f"""SELECT r.kind, r.due_date, count(*) AS reports
                FROM partner_reports r JOIN ({q._partners_sql()}) x USING (partner_id)
                WHERE r.received_date IS NULL AND r.due_date BETWEEN ? AND ? AND {where}
                GROUP BY ALL ORDER BY r.due_date, r.kind""",  # noqa: S608 - from code
            [start, horizon_end, *params],
        )
        for r in _records(due):
            rows.append(
                [
                    format_date(r["due_date"], lang),
                    _(
                        "%(kind)s due (%(n)s not yet received)",
                        kind=names.report_kind_name(r["kind"], lang),
                        n=int(r["reports"]),
                    ),
                ]
            )
    rows.sort(key=lambda row: row[0])
    return Section(
        "deadlines",
        _("Deadlines of the coming months"),
        [_("Date"), _("Deadline")],
        rows,
        _("No deadline in these months."),
    )


def _chart_png(filters: Filters, lang: str) -> tuple[bytes | None, str]:
    """The status-balance chart as a PNG, or None when no browser can draw it."""
    from dashboards.charts import get_chart
    from dashboards.exports import figures

    chart = get_chart("lifecycle", "partners_by_status")
    fig = figures.paper_figure(chart, filters, lang, width=1000, height=520)
    try:
        png = figures.export(fig, "png", scale=1)
    except Exception:  # no Chromium: the digest keeps its tables
        return None, ""
    return png, gettext(chart.title, lang)


def build(
    year: int,
    month: int,
    lang: str,
    today: dt.date,
    filters: Filters | None = None,
    with_chart: bool = True,
) -> Digest:
    """The digest of a month, in a language, as of `today`."""
    filters = filters or Filters()
    start, end = month_bounds(year, month)
    _, horizon_end = month_bounds(year, month, 1 + HORIZON_MONTHS)
    month_name = format_partial_date(start, "month", lang, style="long")
    png, alt = _chart_png(filters, lang) if with_chart else (None, "")
    return Digest(
        year=year,
        month=month,
        lang=lang,
        title=gettext("UNESCO and its NGO partners: %(month)s", lang, month=month_name),
        intro=gettext(
            "The monthly communication to partners in official partnership: decisions and "
            "activities of %(month)s, and the sessions and deadlines of the next %(n)s months.",
            lang,
            month=month_name,
            n=HORIZON_MONTHS,
        ),
        sections=[
            _status_section(filters, start, end, lang),
            _activity_section("started", start, end, lang),
            _activity_section("completed", start, end, lang),
            _events_section(start, horizon_end, lang),
            _deadlines_section(filters, start, horizon_end, today, lang),
        ],
        chart_png=png,
        chart_alt=alt,
        footer=" · ".join(
            (
                describe.source_line(lang),
                gettext("Prepared on %(day)s", lang, day=format_date(today, lang)),
            )
        ),
    )


# --- HTML (email-ready) -----------------------------------------------------------------------


def data_uri(png: bytes) -> str:
    """A PNG as a data: URI (the self-contained file)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def to_html(digest: Digest, image_src: Callable[[bytes], str] = data_uri) -> str:
    """The digest as one HTML document: tables for layout, inline CSS, no script, no link out."""
    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731 - every text from data escaped
    font = "font-family:Arial,Helvetica,sans-serif;"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(digest.lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(digest.title)}</title></head>",
        f'<body style="margin:0;padding:0;background:#f4f6f8;{font}color:{INK};">',
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background:#f4f6f8;"><tr><td align="center" style="padding:16px 8px;">',
        '<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" '
        'style="width:640px;max-width:100%;background:#ffffff;border:1px solid #d9dee3;">',
        f'<tr><td style="background:{BLUE};padding:18px 24px;{font}color:#ffffff;">'
        f'<div style="font-size:12px;letter-spacing:1px;text-transform:uppercase;">UNESCO · NGO</div>'
        f'<h1 style="margin:4px 0 0 0;font-size:22px;line-height:28px;font-weight:bold;">'
        f"{e(digest.title)}</h1></td></tr>",
        f'<tr><td style="padding:16px 24px 4px 24px;{font}font-size:14px;line-height:20px;">'
        f"{e(digest.intro)}</td></tr>",
    ]
    if digest.chart_png:
        parts.append(
            f'<tr><td style="padding:8px 24px;"><img src="{e(image_src(digest.chart_png))}" '
            f'width="592" alt="{e(digest.chart_alt)}" '
            'style="display:block;width:100%;max-width:592px;height:auto;border:0;"></td></tr>'
        )
    for section in digest.sections:
        parts.append(
            f'<tr><td style="padding:16px 24px 4px 24px;{font}">'
            f'<h2 style="margin:0 0 8px 0;font-size:17px;line-height:22px;color:{BLUE};">'
            f"{e(section.title)}</h2>"
        )
        if section.rows:
            parts.append(
                '<table role="table" width="100%" cellpadding="4" cellspacing="0" border="0" '
                f'style="border-collapse:collapse;{font}font-size:13px;line-height:18px;">'
            )
            parts.append(
                "<tr>"
                + "".join(
                    f'<th align="left" scope="col" style="border-bottom:2px solid {RULE};'
                    f'color:{MUTED};font-weight:bold;">{e(c)}</th>'
                    for c in section.columns
                )
                + "</tr>"
            )
            for row in section.rows:
                parts.append(
                    "<tr>"
                    + "".join(
                        f'<td valign="top" style="border-bottom:1px solid {RULE};">{e(v)}</td>'
                        for v in row
                    )
                    + "</tr>"
                )
            parts.append("</table>")
        else:
            parts.append(
                f'<p style="margin:0;font-size:13px;color:{MUTED};">{e(section.empty)}</p>'
            )
        if section.note:
            parts.append(
                f'<p style="margin:6px 0 0 0;font-size:12px;color:{MUTED};">{e(section.note)}</p>'
            )
        parts.append("</td></tr>")
    parts.append(
        f'<tr><td style="padding:18px 24px;{font}font-size:11px;line-height:16px;color:{MUTED};">'
        f"{e(digest.footer)}</td></tr></table></td></tr></table></body></html>"
    )
    return "\n".join(parts)


def to_text(digest: Digest) -> str:
    """A plain-text alternative for mail clients that do not show HTML."""
    lines = [digest.title, "", digest.intro, ""]
    for section in digest.sections:
        lines += [section.title, "-" * len(section.title)]
        lines += [" · ".join(row) for row in section.rows] or [section.empty]
        if section.note:
            lines.append(section.note)
        lines.append("")
    lines.append(digest.footer)
    return "\n".join(lines)


# --- PDF and Excel ----------------------------------------------------------------------------


def to_pdf(digest: Digest) -> bytes:
    """The digest as an A4 PDF (reportlab: real paragraphs and tables, the chart as an image)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from dashboards.exports.pdf import _fonts

    regular, bold = _fonts()
    ink, muted, blue = (colors.HexColor(c) for c in (INK, MUTED, BLUE))
    style = {
        "title": ParagraphStyle("t", fontName=bold, fontSize=18, leading=23, textColor=blue),
        "h2": ParagraphStyle(
            "h",
            fontName=bold,
            fontSize=13,
            leading=17,
            textColor=blue,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "body": ParagraphStyle("b", fontName=regular, fontSize=10, leading=13.5, textColor=ink),
        "cell": ParagraphStyle("c", fontName=regular, fontSize=8.5, leading=11, textColor=ink),
        "head": ParagraphStyle("hd", fontName=bold, fontSize=8.5, leading=11, textColor=muted),
        "small": ParagraphStyle("s", fontName=regular, fontSize=8, leading=10.5, textColor=muted),
    }
    e = lambda s: html.escape(str(s), quote=False)  # noqa: E731 - reportlab reads markup
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=digest.title,
        author="UNESCO",
    )
    story: list = [Paragraph(e(digest.title), style["title"]), Spacer(1, 6)]
    story.append(Paragraph(e(digest.intro), style["body"]))
    if digest.chart_png:
        width = doc.width
        story += [
            Spacer(1, 6),
            Image(io.BytesIO(digest.chart_png), width=width, height=width * 0.52),
        ]
    for section in digest.sections:
        story.append(Paragraph(e(section.title), style["h2"]))
        if section.rows:
            data = [[Paragraph(e(c), style["head"]) for c in section.columns]]
            data += [[Paragraph(e(v), style["cell"]) for v in row] for row in section.rows]
            table = Table(
                data,
                repeatRows=1,
                hAlign="LEFT",
                colWidths=[doc.width / len(section.columns)] * len(section.columns),
            )
            table.setStyle(
                TableStyle(
                    [
                        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.HexColor(RULE)),
                        ("LINEBELOW", (0, 1), (-1, -1), 0.4, colors.HexColor(RULE)),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(table)
        else:
            story.append(Paragraph(e(section.empty), style["small"]))
        if section.note:
            story.append(Paragraph(e(section.note), style["small"]))
    story += [Spacer(1, 12), Paragraph(e(digest.footer), style["small"])]
    doc.build(story)
    return out.getvalue()


def to_xlsx(digest: Digest) -> bytes:
    """The digest's sections as Excel sheets (text cells neutralised, never formulas)."""
    out = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(out, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        writer.book.set_properties({"title": digest.title, "author": "UNESCO"})
        used: set[str] = set()
        for section in digest.sections:
            frame = pd.DataFrame(
                [[neutralise(v) for v in row] for row in section.rows],
                columns=[neutralise(c) for c in section.columns],
            )
            name = re.sub(r"[\[\]:*?/\\]", " ", section.title)[:31]
            while name in used:
                name = name[:29] + str(len(used))
            used.add(name)
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for i, column in enumerate(frame.columns):
                width = max([len(str(column)), *(len(str(v)) for v in frame[column])]) + 2
                sheet.set_column(i, i, min(width, 70))
    return out.getvalue()


def write(digest: Digest, out: Path) -> list[Path]:
    """digest.html, digest.pdf and digest.xlsx in a folder."""
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "digest.html": to_html(digest).encode("utf-8"),
        "digest.pdf": to_pdf(digest),
        "digest.xlsx": to_xlsx(digest),
    }
    paths = []
    for name, data in files.items():
        path = out / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        paths.append(path)
    return paths


def build_zip(year: int, month: int, lang: str, today: dt.date) -> bytes:
    """The three files of a month's digest in one zip (the page's download)."""
    digest = build(year, month, lang, today)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("digest.html", to_html(digest))
        z.writestr("digest.pdf", to_pdf(digest))
        z.writestr("digest.xlsx", to_xlsx(digest))
    return out.getvalue()


# --- mail -------------------------------------------------------------------------------------


class NotConfigured(ValueError):
    """SMTP settings missing for --send (the message names them)."""


def message(digest: Digest, sender: str, recipients: list[str]) -> EmailMessage:
    """The mail: plain text, HTML with the chart as a CID part, the PDF and Excel attached."""
    mail = EmailMessage()
    mail["Subject"] = digest.title
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail.set_content(to_text(digest))
    cid = make_msgid(domain="digest.unesco.invalid")
    mail.add_alternative(to_html(digest, image_src=lambda _png: "cid:" + cid[1:-1]), subtype="html")
    if digest.chart_png:
        html_part = mail.get_body(("html",))
        if isinstance(html_part, EmailMessage):
            html_part.add_related(digest.chart_png, "image", "png", cid=cid)
    stem = f"digest-{digest.year:04d}-{digest.month:02d}-{digest.lang}"
    mail.add_attachment(
        to_pdf(digest), maintype="application", subtype="pdf", filename=f"{stem}.pdf"
    )
    mail.add_attachment(
        to_xlsx(digest),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"{stem}.xlsx",
    )
    return mail


def send(digest: Digest, settings) -> list[str]:
    """Mail the digest through the SMTP server of the settings; returns the recipients."""
    recipients = [a.strip() for a in (settings.digest_to or "").split(",") if a.strip()]
    missing = [
        name
        for name, value in (
            ("SMTP_HOST", settings.smtp_host),
            ("DIGEST_FROM", settings.digest_from),
            ("DIGEST_TO", recipients),
        )
        if not value
    ]
    if missing:
        raise NotConfigured(f"set {', '.join(missing)} to send the digest")
    mail = message(digest, settings.digest_from, recipients)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(mail)
    return recipients


def previous_month(today: dt.date) -> tuple[int, int]:
    """The month before `today`'s (what the digest of the 1st of a month covers)."""
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


def monthly_run(today: dt.date, settings, root: Path) -> list[Path]:
    """The scheduled run: last month's digest in English and French under `root`, mailed when
    SMTP is configured (Celery beat on the 1st of each month, or the cron line of
    docs/deployment.md)."""
    year, month = previous_month(today)
    written: list[Path] = []
    for lang in ("en", "fr"):
        made = build(year, month, lang, today)
        written += write(made, root / f"{year:04d}-{month:02d}" / lang)
        if settings.smtp_host:
            send(made, settings)
    return written
