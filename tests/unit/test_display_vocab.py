"""What the screens and data files show of a status not stated and of partial dates (EN/FR),
from the warehouse's vocabularies and `<col>_precision` columns (tests/fixtures/display/)."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from dash.development.base_component import Component

from dashboards.filters import Filters
from dashboards.i18n import format_partial_date
from dashboards.text import search_key


@pytest.fixture
def display(display_warehouse, use_warehouse):
    return use_warehouse(display_warehouse)


def page_modules():
    """The page modules (Dash pages can only be imported once an app exists)."""
    if "dashboards.pages.partner_profile" not in sys.modules:
        from app import create_app

        create_app()
    from dashboards.pages import partner_profile, partners

    return partner_profile, partners


@pytest.fixture
def pages(display):
    return page_modules()


def texts(node) -> list[str]:
    """Every string in a layout tree, in order."""
    out: list[str] = []
    if isinstance(node, list | tuple):
        for child in node:
            out += texts(child)
    elif isinstance(node, Component):
        out += texts(getattr(node, "children", None))
    elif isinstance(node, str):
        out.append(node)
    return out


# -- format_partial_date ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "precision", "lang", "expected"),
    [
        (dt.date(2015, 1, 1), "year", "en", "2015"),
        (dt.date(2015, 1, 1), "year", "fr", "2015"),
        (dt.date(2006, 10, 1), "month", "en", "Oct 2006"),
        (dt.date(2006, 10, 1), "month", "fr", "oct. 2006"),
        (dt.date(2016, 12, 12), "day", "en", "12 Dec 2016"),
        (dt.date(2016, 12, 12), "day", "fr", "12 déc. 2016"),
        # No precision column yet (older warehouse), or an odd value: the date is a day.
        (dt.date(2016, 12, 12), None, "en", "12 Dec 2016"),
        (dt.date(2016, 12, 12), "fortnight", "en", "12 Dec 2016"),
        (dt.datetime(2015, 1, 1, 0, 0), "YEAR", "en", "2015"),
        ("2006-10-01", "month", "en", "Oct 2006"),
        (None, "day", "en", "—"),
        (float("nan"), "day", "fr", "—"),
    ],
)
def test_format_partial_date(value, precision, lang, expected):
    assert format_partial_date(value, precision, lang) == expected


def test_format_partial_date_for_data_files_is_iso_and_sortable():
    import pandas as pd

    assert format_partial_date(pd.Timestamp("2015-01-01"), "year", "fr", "iso") == "2015"
    assert format_partial_date(dt.date(2006, 10, 1), "month", "en", "iso") == "2006-10"
    assert format_partial_date(dt.date(2016, 12, 12), "day", "fr", "iso") == "2016-12-12"
    assert format_partial_date(pd.NaT, "day", "en", "iso") == "—"
    assert format_partial_date(dt.date(2006, 10, 1), "month", "fr", "long") == "octobre 2006"


# -- profile ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "since", "badge"),
    [("en", "Associate since 2015", "Associate"), ("fr", "Associé depuis 2015", "Associé")],
)
def test_profile_shows_a_year_only_status_date_as_the_year(pages, lang, since, badge):
    profile, _ = pages
    words = texts(profile.layout(partner_id="ICOMOS", lang=lang))
    assert since in words
    assert badge in words
    assert not any("1 Jan" in w or "1 janv." in w for w in words)
    # The status period starts on that date: "2015" there too.
    from dashboards.queries import partners as q

    assert "2015" in texts(profile.status_card(q.status_history("ICOMOS", lang), lang))


@pytest.mark.parametrize(("lang", "month"), [("en", "Mar 2012"), ("fr", "mars 2012")])
def test_profile_shows_a_month_date_as_the_month(pages, lang, month):
    profile, _ = pages
    words = texts(profile.layout(partner_id="EI", lang=lang))
    assert any(w.endswith(month) for w in words), words


@pytest.mark.parametrize(
    ("lang", "name"), [("en", "Status not stated"), ("fr", "Statut non précisé")]
)
def test_profile_of_a_partner_whose_status_is_not_stated(pages, lang, name):
    profile, _ = pages
    words = texts(profile.layout(partner_id="WOSM", lang=lang))
    assert words.count(name) >= 2  # the header's badge and the identity card
    for real in ("Associate", "Consultative", "Associé", "Consultatif"):
        assert real not in words


@pytest.mark.parametrize(
    ("lang", "term", "conference"), [("en", "2018", "12 Dec 2016"), ("fr", "2018", "12 déc. 2016")]
)
def test_participation_dates_as_precise_as_their_source(pages, lang, term, conference):
    from dashboards.queries import partners as q

    profile, _ = pages
    card = texts(profile.participation_card(q.participation("EI", lang), lang))
    assert term in card and conference in card
    assert not any("1 Jan 2018" in w or "1 janv. 2018" in w for w in card)


def test_an_older_warehouse_without_precision_columns_shows_days(small):
    profile, _ = page_modules()
    assert "Associate since 1 Jun 2016" in texts(profile.layout(partner_id="P1", lang="en"))


# -- directory -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "name"), [("en", "Status not stated"), ("fr", "Statut non précisé")]
)
def test_directory_names_the_status_and_filters_on_it(pages, lang, name):
    _, directory = pages
    rows = {r["partner_id"]: r for r in directory.rows(Filters(), lang, False)}
    assert rows["WOSM"]["status_name"] == name
    only, notices = Filters.from_query("status=not_stated")
    assert notices == []
    assert [r["partner_id"] for r in directory.rows(only, lang, False)] == ["WOSM"]
    # The name in either language is accepted in a URL, as any status's is.
    assert Filters.from_query({"status": name})[0].statuses == ("not_stated",)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_directory_dates_sort_as_iso_and_read_in_the_language(pages, lang):
    _, directory = pages
    rows = {r["partner_id"]: r for r in directory.rows(Filters(), lang, False)}
    assert (rows["ICOMOS"]["status_since"], rows["ICOMOS"]["status_since_text"]) == ("2015", "2015")
    assert rows["EI"]["status_since"] == "2012-03"
    assert rows["EI"]["status_since_text"] == {"en": "Mar 2012", "fr": "mars 2012"}[lang]
    assert rows["IFLA"]["status_since"] == "2016-12-12"
    assert rows["FMACU"]["status_since"] is None and rows["FMACU"]["status_since_text"] == ""


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("federation", {"FMACU", "IFLA"}),  # Fédération…, International Federation…
        ("ÉDUCATION", {"EI", "FMACU", "WOSM"}),  # name, or field of competence in EN or FR
        ("internationale", set()),  # no partner is written "…internationale…"
        ("pays-bas", {"IFLA"}),  # the country's French name, on the English page too
        ("statut non precise", {"WOSM"}),
        ("not stated", {"WOSM"}),
    ],
)
def test_directory_search_ignores_case_and_accents_in_both_languages(pages, lang, typed, found):
    from dashboards.text import matches

    _, directory = pages
    rows = directory.rows(Filters(), lang, False)
    assert {
        r["partner_id"] for r in rows if matches(typed, directory.quick_filter_text(r))
    } == found


def test_grid_searches_the_hidden_search_column(pages):
    _, directory = pages
    options = directory.grid_options("en")
    assert options["includeHiddenColumnsInQuickFilter"] is True
    columns = {c["field"]: c for c in directory.column_defs("en")}
    assert columns["search"]["hide"] is True
    # The browser folds the shown texts; the key holds only what they do not say.
    for field in directory.FOLDED:
        assert columns[field]["getQuickFilterText"] == {"function": "foldSearch(params.value)"}
    rows = {r["partner_id"]: r for r in directory.rows(Filters(), "en", False)}
    shown = set(search_key(*(rows["IFLA"][c] for c in directory.FOLDED)).split())
    assert "netherlands" in shown and "pays" in rows["IFLA"]["search"].split()
    assert not shown & set(rows["IFLA"]["search"].split())


# -- filters in words, options, chips ---------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "label", "phrase"),
    [
        ("en", "Status not stated", "partner status: status not stated"),
        ("fr", "Statut non précisé", "statut de partenaire : statut non précisé"),
    ],
)
def test_options_chips_and_subtitle_name_not_stated(display, lang, label, phrase):
    from dashboards import layout
    from dashboards.exports import describe

    options = layout.localised_controls(lang)["options"]["statuses"]
    assert options[-1] == {"label": label, "value": "not_stated"}
    filters = Filters(statuses=("not_stated",))
    chip = layout.chips(filters, lang)[0]
    assert label in texts(chip.children)
    assert describe.filters_text(filters, lang) == phrase
    # A real status keeps its short phrase.
    assert describe.filters_text(Filters(statuses=("associate",)), "en") == "associate partners"


# -- data files ----------------------------------------------------------------------------------
def test_data_files_keep_the_precision_of_dates(display):
    from dashboards.exports import data

    partners = data.partners(Filters(), "en").set_index("Partner ID")
    assert partners.loc["ICOMOS", "Status since"] == "2015"
    assert partners.loc["EI", "Status since"] == "2012-03"
    assert partners.loc["IFLA", "Status since"] == "2016-12-12"
    assert partners.loc["WOSM", "Partner status"] == "Status not stated"
    acts = data.activities(Filters(), "fr").set_index("Identifiant de l'activité")
    assert acts.loc["ACT-1", "Date de début"] == "2017-03-01"
