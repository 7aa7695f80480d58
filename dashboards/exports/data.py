"""The rows behind the current view, for analysts: activities and partners for the filters, with
names (not only codes) in the chosen language, as CSV and as Excel.

- CSV: a ZIP of `activities.csv`, `partners.csv` and `about.csv` (what the filters were, the
  as-of date, the source), each UTF-8 with a byte-order mark so Excel reads accents correctly.
- XLSX (xlsxwriter): sheets "About", "Activities", "Partners"; header row frozen, filters on.

Every text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is neutralised
against spreadsheet formula injection by a leading apostrophe (OWASP's advice), in both formats;
xlsxwriter is also told never to turn strings into formulas or links.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd

from dashboards import db
from dashboards.exports import describe
from dashboards.filters import Filters, partner_where
from dashboards.i18n import N_, format_partial_date, gettext, normalise_lang
from dashboards.queries.columns import precision

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NAME_COLUMN = {"en": "name_en", "fr": "name_fr"}  # the only identifiers taken from the language
FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
GEO_SCOPES = {
    "country": N_("Country"),
    "multi_country": N_("Multi-country"),
    "regional": N_("Regional"),
    "global": N_("Global"),
}
BUDGET = N_("Budget (US$)")
ACTIVITY_COLUMNS = {
    "activity_id": N_("Activity ID"),
    "title": N_("Title"),
    "field_code": N_("Field code"),
    "field": N_("Field of competence"),
    "areas": N_("Functional areas"),
    "regions": N_("Regions"),
    "countries": N_("Countries"),
    "country_codes": N_("Country codes (ISO 3166)"),
    "geo_scope": N_("Geographic scope"),
    "modality": N_("Modality"),
    "status": N_("Activity status"),
    "start_date": N_("Start date"),
    "end_date": N_("End date"),
    "year": N_("Year"),
    "budget_usd": BUDGET,
    "lead_partner_id": N_("Lead partner ID"),
    "lead_partner": N_("Lead partner"),
    "partners": N_("Partners"),
}
PARTNER_COLUMNS = {
    "partner_id": N_("Partner ID"),
    "name": N_("Name"),
    "acronym": N_("Acronym"),
    "partner_type": N_("Partner type"),
    "status": N_("Partner status"),
    "status_since": N_("Status since"),
    "hq_city": N_("Headquarters city"),
    "hq_country": N_("Headquarters country"),
    "hq_region": N_("Headquarters region"),
    "relations_since": N_("Relations since"),
    "website": N_("Website"),
    "activities": N_("Activities (for these filters)"),
}
DATE_COLUMNS = ("start_date", "end_date", "status_since")


def neutralise(value):
    """A text that a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (and header) of a frame neutralised."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].astype(object).map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def activities(filters: Filters, lang: str = "en") -> pd.DataFrame:
    """One row per activity matching the filters, codes named in the language."""
    name = NAME_COLUMN[normalise_lang(lang)]
    where, params = filters.where("f")
    frame = db.query(
        f"""
        WITH ids AS (SELECT activity_id FROM activity_facts f WHERE {where}),
        areas AS (
            SELECT afa.activity_id, string_agg(fa.{name}, '; ' ORDER BY fa.sort_order) AS areas
            FROM activity_functional_areas afa JOIN ids USING (activity_id)
            JOIN functional_areas fa ON fa.code = afa.area_code GROUP BY 1),
        regs AS (
            SELECT activity_id, string_agg({name}, '; ' ORDER BY sort_order) AS regions
            FROM (SELECT DISTINCT ar.activity_id, r.{name}, r.sort_order
                  FROM activity_regions ar JOIN ids USING (activity_id)
                  JOIN regions r ON r.code = ar.region_code)
            GROUP BY 1),
        ctry AS (
            SELECT ac.activity_id, string_agg(c.{name}, '; ' ORDER BY c.{name}) AS countries,
                   string_agg(ac.iso3, '; ' ORDER BY ac.iso3) AS country_codes
            FROM activity_countries ac JOIN ids USING (activity_id)
            JOIN countries c ON c.iso3 = ac.iso3 GROUP BY 1),
        parts AS (
            SELECT ap.activity_id,
                   string_agg(p.name, '; ' ORDER BY NOT ap.is_lead, p.name) AS partners
            FROM activity_partners ap JOIN ids USING (activity_id)
            JOIN partners p ON p.partner_id = ap.partner_id GROUP BY 1)
        SELECT a.activity_id, COALESCE(tt.title_{name[-2:]}, a.title) AS title, a.field_code,
               fc.{name} AS field, areas.areas, regs.regions, ctry.countries, ctry.country_codes, a.geo_scope,
               vm.{name} AS modality, vs.{name} AS status, a.start_date, a.end_date, a.year,
               {precision("a", "activities", "start_date")} AS start_date_precision,
               {precision("a", "activities", "end_date")} AS end_date_precision,
               a.budget_usd, a.lead_partner_id, lp.name AS lead_partner, parts.partners
        FROM activities a JOIN ids USING (activity_id)
        LEFT JOIN fields_of_competence fc ON fc.code = a.field_code
        LEFT JOIN vocabularies vm ON vm.vocabulary = 'modality' AND vm.code = a.modality
        LEFT JOIN vocabularies vs ON vs.vocabulary = 'activity_status' AND vs.code = a.status
        LEFT JOIN partners lp ON lp.partner_id = a.lead_partner_id
        LEFT JOIN areas USING (activity_id) LEFT JOIN regs USING (activity_id)
        LEFT JOIN ctry USING (activity_id) LEFT JOIN parts USING (activity_id)
        LEFT JOIN activity_titles tt USING (activity_id)  -- IATI titles in the UI language
        ORDER BY a.year, a.activity_id
        """,  # noqa: S608 - predicate from Filters.where; name column from NAME_COLUMN whitelist
        params,
        max_rows=db.export_max_rows(),
    )
    frame["geo_scope"] = [
        gettext(GEO_SCOPES[s], lang) if s in GEO_SCOPES else s for s in frame["geo_scope"]
    ]
    return _finish(frame, ACTIVITY_COLUMNS, lang)


def partners(filters: Filters, lang: str = "en") -> pd.DataFrame:
    """Partners with at least one activity matching the filters (and the partner filters)."""
    name = NAME_COLUMN[normalise_lang(lang)]
    where, params = filters.where("f")
    pwhere, pparams = partner_where(filters, "p")
    frame = db.query(
        f"""
        WITH m AS (
            SELECT ap.partner_id, count(DISTINCT ap.activity_id) AS activities
            FROM activity_partners ap JOIN activity_facts f USING (activity_id)
            WHERE {where} GROUP BY 1)
        SELECT p.partner_id, p.name, p.acronym, vt.{name} AS partner_type, vs.{name} AS status,
               p.status_since, {precision("p", "partners", "status_since")} AS status_since_precision,
               p.hq_city, c.{name} AS hq_country, r.{name} AS hq_region,
               p.relations_since, p.website, m.activities
        FROM partners p JOIN m USING (partner_id)
        LEFT JOIN vocabularies vt ON vt.vocabulary = 'partner_type' AND vt.code = p.partner_type
        LEFT JOIN vocabularies vs ON vs.vocabulary = 'partner_status' AND vs.code = p.status
        LEFT JOIN countries c ON c.iso3 = p.hq_country_iso3
        LEFT JOIN regions r ON r.code = p.hq_region_code
        WHERE {pwhere}
        ORDER BY p.name, p.partner_id
        """,  # noqa: S608 - predicates from Filters; name column from NAME_COLUMN whitelist
        params + pparams,
        max_rows=db.export_max_rows(),
    )
    return _finish(frame, PARTNER_COLUMNS, lang)


def _finish(frame: pd.DataFrame, columns: dict[str, str], lang: str) -> pd.DataFrame:
    # Dates as precise as the source gave them, in ISO form: "2015", "2006-10", "2016-12-12"
    # (never "2015-01-01" for a year); the same text in CSV and Excel, and it sorts.
    for column in DATE_COLUMNS:
        if column in frame.columns:
            precisions = frame.get(f"{column}_precision", pd.Series("day", index=frame.index))
            frame[column] = [
                None if pd.isna(v) else format_partial_date(v, p, lang, "iso")
                for v, p in zip(frame[column], precisions, strict=True)
            ]
    frame = frame[list(columns)]
    return frame.rename(columns={k: gettext(v, lang) for k, v in columns.items()})


def about(filters: Filters, lang: str, counts: dict[str, int]) -> pd.DataFrame:
    """What the data is: filters in words and as a query, as-of date, source, row counts."""
    _ = lambda s, **kw: gettext(s, lang, **kw)  # noqa: E731
    when = describe.as_of()
    rows = [
        (_("Title"), _("UNESCO cooperation with partner NGOs: data behind the dashboard view")),
        (_("Filters"), describe.filters_text(filters, lang)),
        (_("Filters (as in the address)"), filters.to_query() or "—"),
        (_("Data as of"), when.isoformat(sep=" ", timespec="minutes") if when else "—"),
        (_("Source"), gettext(describe.SOURCE, lang)),
        (_("Generated"), dt.datetime.now().isoformat(sep=" ", timespec="minutes")),
        (_("Activities"), str(counts.get("activities", 0))),
        (_("Partners"), str(counts.get("partners", 0))),
        (
            _("Notes"),
            _(
                "One row per activity and per partner. Several functional areas, regions, "
                "countries or partners are separated by semicolons. Budgets are in US dollars. "
                "Text that could run as a spreadsheet formula starts with an apostrophe."
            ),
        ),
    ]
    return pd.DataFrame(rows, columns=[_("Item"), _("Value")])


def tables(filters: Filters, lang: str = "en") -> dict[str, pd.DataFrame]:
    """The three tables of a data download, neutralised: about, activities, partners."""
    acts = activities(filters, lang)
    parts = partners(filters, lang)
    info = about(filters, lang, {"activities": len(acts), "partners": len(parts)})
    return {
        "about": neutralise_frame(info),
        "activities": neutralise_frame(acts),
        "partners": neutralise_frame(parts),
    }


def to_csv_zip(filters: Filters, lang: str = "en") -> bytes:
    """A ZIP of activities.csv, partners.csv and about.csv (UTF-8 with BOM)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, frame in tables(filters, lang).items():
            zf.writestr(f"{name}.csv", frame.to_csv(index=False).encode("utf-8-sig"))
    return out.getvalue()


def to_xlsx(filters: Filters, lang: str = "en") -> bytes:
    """An Excel workbook with About, Activities and Partners sheets."""
    frames = tables(filters, lang)
    sheet_names = {
        "about": gettext("About", lang),
        "activities": gettext("Activities", lang),
        "partners": gettext("Partners", lang),
    }
    out = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(
        out,
        engine="xlsxwriter",
        engine_kwargs={"options": options},
        date_format="yyyy-mm-dd",
        datetime_format="yyyy-mm-dd hh:mm",
    ) as writer:
        book = writer.book
        book.set_properties(
            {
                "title": gettext("UNESCO cooperation with partner NGOs", lang),
                "subject": describe.filters_text(filters, lang),
                "author": "UNESCO",
            }
        )
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        money = book.add_format({"num_format": "#,##0"})
        for key, frame in frames.items():
            name = sheet_names[key][:31]
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            if key == "about":
                sheet.set_column(0, 0, 28)
                sheet.set_column(1, 1, 100, wrap)
                continue
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
            budget = gettext(BUDGET, lang)
            for i, column in enumerate(frame.columns):
                sample = frame[column].head(200).map(lambda v: len(str(v)))
                width = min(max(len(str(column)), int(sample.max() or 0)) + 2, 60)
                sheet.set_column(i, i, width, money if column == budget else None)
    return out.getvalue()


def filename(fmt: str, lang: str = "en") -> str:
    """'unesco-ngo-data-csv-fr-2026-11-28.zip' (CSV files in a ZIP) / 'unesco-ngo-data-….xlsx'."""
    suffix = f"-{lang}" if lang != "en" else ""
    stem, ext = ("unesco-ngo-data-csv", "zip") if fmt == "csv" else ("unesco-ngo-data", fmt)
    return f"{stem}{suffix}-{dt.date.today().isoformat()}.{ext}"
