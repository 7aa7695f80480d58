"""A short generated summary of what a chart shows, in the chart's own measure: its largest
categories (with numbers, and shares where the categories add up), what the total counts, and
the change between the first and the last complete year of the period.

The measure is the chart's `Chart.measure` (a column of `Chart.frame(filters)`); a `code` column
names the categories (two code-like columns, a matrix, give the largest cells) and a `year`
column the period. Years from the current one on (`dashboards.clock`) are not complete (partial
or planned): they are never compared with a complete year. A chart whose frame has no
summary-able shape (no numeric measure column) gets no sentence rather than a wrong one.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards import clock, dimensions, vocab
from dashboards.charts import Chart
from dashboards.figures import common
from dashboards.i18n import count_text, format_money, format_number, format_percent, gettext

# Only for a frame summarised without a chart (a chart states its measure).
MEASURE_ORDER = ("activities", "budget_usd", "partners", "participations", "countries")
MONEY = common.MONEY  # measures in US dollars
# Vocabularies a frame's codes may be guessed from (in this order) when a chart does not say.
GUESS_VOCABS = ("field", "area", "region", "country", "partner_status", "partner_type", "modality")
TOP = 3


def measure_of(frame: pd.DataFrame, chart: Chart | None = None) -> str | None:
    """The column a chart draws: its stated measure, else (no chart) the first known one."""
    if chart is not None and chart.measure is not None:
        if chart.measure in frame.columns and pd.api.types.is_numeric_dtype(frame[chart.measure]):
            return chart.measure
        return None
    for m in MEASURE_ORDER:
        if m in frame.columns:
            return m
    numeric = [c for c in frame.columns if c != "year" and pd.api.types.is_numeric_dtype(frame[c])]
    return numeric[0] if numeric else None


def amount(measure: str, value: float, lang: str) -> str:
    """A value of a measure in words: '1,234 activities', 'US$1.2M'."""
    if measure == "activities":
        return count_text("activity", int(round(value)), lang)
    if measure == "partners":
        return count_text("partner", int(round(value)), lang)
    if measure == "countries":
        return count_text("country", int(round(value)), lang)
    if measure == "reports":
        return count_text("report", int(round(value)), lang)
    if measure == "events":
        return count_text("event", int(round(value)), lang)
    if measure in MONEY:
        return format_money(value, lang)
    return format_number(value, lang)


def vocabulary_for(chart: Chart | None, codes: list[str], column: str = "code") -> str | None:
    """The vocabulary naming a frame's codes: the chart's own, its cross-filter's, else guessed."""
    if dimensions.of_vocabulary(column) is not None:
        return column
    if chart is not None and chart.code_vocabulary and column == "code":
        return chart.code_vocabulary
    if chart is not None and isinstance(chart.cross_filter, str):
        found = dimensions.REGISTRY.get(chart.cross_filter)
        if found:
            return found.vocabulary
    sample = [c for c in codes[:20] if isinstance(c, str) and c != "GLOBAL"]
    for name in GUESS_VOCABS:
        if sample and all(vocab.term(name, c) is not None for c in sample):
            return name
    return None


def summarise(
    chart: Chart | None, frame: pd.DataFrame, lang: str, today: dt.date | None = None
) -> str:
    """Two or three sentences about a chart's frame, in the language ('' when none would be true)."""
    if frame is None or frame.empty:
        return gettext("No data for these filters", lang)
    measure = measure_of(frame, chart)
    if measure is None:
        return ""
    data = frame.copy()
    data[measure] = pd.to_numeric(data[measure], errors="coerce").fillna(0)
    if data[measure].sum() == 0:
        return gettext("No data for these filters", lang)
    sentences: list[str] = []
    code_columns = _code_columns(data, measure)
    if code_columns:
        sentences.append(_largest(chart, data, code_columns, measure, lang))
    if "year" in data.columns:
        sentences.append(_change(data, measure, lang, today or clock.today()))
    return " ".join(s for s in sentences if s)


def _code_columns(frame: pd.DataFrame, measure: str) -> list[str]:
    if "code" in frame.columns:
        return ["code"]
    return [
        c
        for c in frame.columns
        if c not in ("year", measure)
        and not pd.api.types.is_numeric_dtype(frame[c])
        and frame[c].nunique() > 1
    ][:2]


def _label(chart: Chart | None, column: str, code, codes: list, lang: str) -> str:
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return gettext("Not specified", lang)
    vocabulary = vocabulary_for(chart, [str(c) for c in codes], column)
    if code == "GLOBAL":
        return gettext("Global", lang)
    if vocabulary is None:
        return str(code)
    return common.label(vocabulary, str(code), lang)


def _heading(chart: Chart | None, columns: list[str], codes: dict, lang: str) -> str:
    """What the categories are ("Countries", "Field of competence × functional area")."""
    names = []
    for column in columns:
        vocabulary = vocabulary_for(chart, [str(c) for c in codes[column]], column)
        dim = dimensions.of_vocabulary(vocabulary) if vocabulary else None
        if dim is None:
            if chart is not None and chart.category and column == "code" and len(columns) == 1:
                return gettext(chart.category, lang)
            return gettext("Categories", lang)
        names.append(gettext(dim.singular if len(columns) > 1 else dim.label, lang))
    if len(names) == 1:
        return names[0]
    return " × ".join([names[0], *(_lower_first(n) for n in names[1:])])


def _lower_first(text: str) -> str:
    """'Functional area' → 'functional area' (an acronym such as 'UNESCO' is kept)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _largest(
    chart: Chart | None, data: pd.DataFrame, columns: list[str], measure: str, lang: str
) -> str:
    totals = data.groupby(columns, dropna=False)[measure].sum().sort_values(ascending=False)
    totals = totals[totals > 0]
    grand = float(totals.sum())
    overlap = chart.overlap if chart is not None else None
    codes = {c: list(data[c].dropna().unique()) for c in columns}
    items = []
    for key, value in totals.head(TOP).items():
        keys = key if isinstance(key, tuple) else (key,)
        name = " × ".join(
            _label(chart, col, k, codes[col], lang) for col, k in zip(columns, keys, strict=True)
        )
        if overlap:  # a share of a sum that counts units several times would mislead
            items.append(
                gettext("%(name)s (%(value)s)", lang, name=name, value=amount(measure, value, lang))
            )
        else:
            items.append(
                gettext(
                    "%(name)s (%(value)s, %(share)s)",
                    lang,
                    name=name,
                    value=amount(measure, value, lang),
                    share=format_percent(value / grand if grand else 0, lang),
                )
            )
    heading = _heading(chart, columns, codes, lang)
    if len(totals) == 1:
        return gettext("%(heading)s: a single one, %(item)s.", lang, heading=heading, item=items[0])
    from dashboards.exports.describe import join_words

    largest = gettext(
        "%(heading)s, the largest of %(n)s: %(items)s.",
        lang,
        heading=heading,
        n=format_number(len(totals), lang),
        items=join_words(items, lang),
    )
    if overlap:
        total = gettext(
            "Added up over them: %(total)s (not a count of distinct ones). %(overlap)s",
            lang,
            total=amount(measure, grand, lang),
            overlap=gettext(overlap, lang),
        )
    else:
        total = gettext("In all: %(total)s.", lang, total=amount(measure, grand, lang))
    return f"{largest} {total}"


def _change(data: pd.DataFrame, measure: str, lang: str, today: dt.date) -> str:
    """First against last complete year (and the peak); incomplete years are named, not compared."""
    per_year = data.dropna(subset=["year"]).groupby("year")[measure].sum().sort_index()
    cutoff = clock.first_incomplete_year(today)
    incomplete = per_year[per_year.index.astype(int) >= cutoff]
    per_year = per_year[per_year.index.astype(int) < cutoff]
    note = ""
    if len(incomplete) and float(incomplete.sum()) > 0:
        note = gettext(
            "%(year)s and later years are not over (partial or planned) and are not compared.",
            lang,
            year=cutoff,
        )
    if len(per_year) < 2:
        return note
    first, last = int(per_year.index[0]), int(per_year.index[-1])
    a, b = float(per_year.iloc[0]), float(per_year.iloc[-1])
    peak_year = int(per_year.idxmax())
    if a == b:
        text = gettext(
            "The yearly total was the same in %(first)s and %(last)s (%(value)s).",
            lang,
            first=first,
            last=last,
            value=amount(measure, a, lang),
        )
    elif a == 0:
        text = gettext(
            "From %(first)s to %(last)s, the yearly total rose from none to %(b)s.",
            lang,
            first=first,
            last=last,
            b=amount(measure, b, lang),
        )
    else:
        change = (b - a) / a
        text = gettext(
            "From %(first)s to %(last)s, the yearly total went from %(a)s to %(b)s (%(change)s).",
            lang,
            first=first,
            last=last,
            a=amount(measure, a, lang),
            b=amount(measure, b, lang),
            change=("+" if change > 0 else "") + format_percent(change, lang),
        )
    if peak_year not in (first, last):
        text += " " + gettext(
            "The highest year was %(year)s (%(value)s).",
            lang,
            year=peak_year,
            value=amount(measure, float(per_year.max()), lang),
        )
    return f"{text} {note}".strip()
