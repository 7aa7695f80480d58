"""Strict value parsers: dates keep their precision, ranges give start and end, amounts."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.parsing import Bad, When, parse_amount, parse_when, period_end

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "precision"),
    [
        ("2021-06-15", D(2021, 6, 15), "day"),
        (" 2021-06-15 ", D(2021, 6, 15), "day"),
        ("2021-06-15 00:00:00", D(2021, 6, 15), "day"),
        ("15/06/2021", D(2021, 6, 15), "day"),
        ("01/02/2021", D(2021, 2, 1), "day"),  # day first: 1 February, not 2 January
        ("1/2/2021", D(2021, 2, 1), "day"),
        ("15.06.2021", D(2021, 6, 15), "day"),
        ("15-06-2021", D(2021, 6, 15), "day"),
        ("2021/06/15", D(2021, 6, 15), "day"),
        ("15 June 2021", D(2021, 6, 15), "day"),
        ("December 12, 2016", D(2016, 12, 12), "day"),
        ("1er juin 2015", D(2015, 6, 1), "day"),
        ("12 décembre 2016", D(2016, 12, 12), "day"),
        ("12 de diciembre de 2016", D(2016, 12, 12), "day"),
        ("2021-06", D(2021, 6, 1), "month"),
        ("06/2021", D(2021, 6, 1), "month"),
        ("Oct 2006", D(2006, 10, 1), "month"),
        ("oct. 2006", D(2006, 10, 1), "month"),
        ("Octobre 2006", D(2006, 10, 1), "month"),
        ("févr. 2010", D(2010, 2, 1), "month"),
        ("Oct-2006", D(2006, 10, 1), "month"),
        ("2015", D(2015, 1, 1), "year"),
    ],
)
def test_single_dates_keep_their_precision(text, start, precision):
    when = parse_when(text)
    assert when == When(start, precision)


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("2016-12-12 to 2016-12-14", D(2016, 12, 12), D(2016, 12, 14), "day"),
        ("2016-12-12 - 2016-12-14", D(2016, 12, 12), D(2016, 12, 14), "day"),
        ("2016-12-12/2016-12-14", D(2016, 12, 12), D(2016, 12, 14), "day"),
        ("12–14 December 2016", D(2016, 12, 12), D(2016, 12, 14), "day"),
        ("12-14 décembre 2016", D(2016, 12, 12), D(2016, 12, 14), "day"),
        ("du 12 au 14 décembre 2016", D(2016, 12, 12), D(2016, 12, 14), "day"),
        ("del 12 al 14 de diciembre de 2016", D(2016, 12, 12), D(2016, 12, 14), "day"),
        ("12 June – 3 July 2016", D(2016, 6, 12), D(2016, 7, 3), "day"),
        ("June–July 2016", D(2016, 6, 1), D(2016, 7, 1), "month"),
        ("2015-2016", D(2015, 1, 1), D(2016, 1, 1), "year"),
        ("from 2015 to 2017", D(2015, 1, 1), D(2017, 1, 1), "year"),
    ],
)
def test_ranges_give_start_and_end(text, start, end, precision):
    when = parse_when(text)
    assert isinstance(when, When)
    assert (when.start, when.end, when.precision, when.end_precision) == (
        start,
        end,
        precision,
        precision,
    )
    assert when.note is None


@pytest.mark.parametrize(
    ("text", "note_part"),
    [
        ("2015-16", "read as 2015 to 2016"),
        ("2011-12", "write 2011-2012 for two years"),  # December 2011, but could be a biennium
        ("2021-06-15T10:30:00", "time of day (10:30:00) not kept"),
        ("2021-06-15T00:00:00Z", "not kept"),
    ],
)
def test_interpretations_are_noted(text, note_part):
    when = parse_when(text)
    assert isinstance(when, When)
    assert when.note is not None and note_part in when.note


def test_short_year_range_and_december():
    assert parse_when("2015-16") == When(
        D(2015, 1, 1), "year", D(2016, 1, 1), "year", "'2015-16' read as 2015 to 2016"
    )
    assert parse_when("1999-00").end == D(2000, 1, 1)
    december = parse_when("2011-12")
    assert (december.start, december.precision, december.end) == (D(2011, 12, 1), "month", None)


@pytest.mark.parametrize(
    ("text", "reason_part"),
    [
        ("2021-13-01", "no such date"),
        ("31/02/2021", "no such date"),
        ("12/31/2021", "no such date"),  # month first is not accepted
        ("2021/31/12", "no such date"),
        ("yesterday", "not a date"),
        ("1899-12-31", "out of range"),
        ("2101-01-01", "out of range"),
        ("20210615x", "not a date"),
        ("0", "not a date"),
        ("2020-01-01 garbage", "not a date"),
        ("2020-01-01T25:00", "no such time"),
        ("2020-01-01T10:61", "no such time"),
        ("٢٠٢٠", "digits other than 0-9"),
        ("２０２０-01-01", "digits other than 0-9"),
        ("2016-12-14 to 2016-12-12", "ends before it starts"),
        ("Smarch 2016", "not a date"),
    ],
)
def test_malformed_dates_say_why(text, reason_part):
    bad = parse_when(text)
    assert isinstance(bad, Bad)
    assert reason_part in bad.reason


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_empty_is_none(text):
    assert parse_when(text) is None


def test_last_day_of_periods():
    assert period_end(D(2016, 2, 1), "month") == D(2016, 2, 29)
    assert period_end(D(2016, 2, 1), "year") == D(2016, 12, 31)
    assert parse_when("2015-2016").last_day == D(2016, 12, 31)
    assert parse_when("Oct 2006").last_day == D(2006, 10, 31)


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31)))
def test_any_iso_and_day_first_date_round_trips(day):
    assert parse_when(day.isoformat()) == When(day, "day")
    assert parse_when(day.strftime("%d/%m/%Y")) == When(day, "day")


@given(st.text(max_size=30))
def test_never_raises(text):
    result = parse_when(text)
    assert result is None or isinstance(result, When | Bad)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12500", 12500.0),
        ("12,500", 12500.0),
        ("12,500.50", 12500.5),
        ("1,234,567", 1234567.0),
        ("12 500,50", 12500.5),
        ("12\u00a0500", 12500.0),
        ("12.500,50", 12500.5),
        ("1,5", 1.5),
        ("US$ 1,200", 1200.0),
        ("1200 USD", 1200.0),
        ("$1200", 1200.0),
        ("-100", -100.0),
        ("+100", 100.0),
        ("0", 0.0),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_amount(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    "text",
    ["about 5000", "12-500", "1.234.567", "inf", "-inf", "1e999", "nan", "1_000", "١٠٠", "--5"],
)
def test_parse_amount_malformed_is_nan(text):
    value = parse_amount(text)
    assert value is not None and math.isnan(value)
