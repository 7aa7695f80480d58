"""Reference data: codes and names (EN/FR) of vocabularies and countries."""

from __future__ import annotations

import pytest

from etl.reference import fold, get_reference


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        # ISO codes
        ("FR", "FRA"),
        ("fra", "FRA"),
        ("CI", "CIV"),
        # English short names
        ("France", "FRA"),
        ("Germany", "DEU"),
        ("Viet Nam", "VNM"),
        # UN long forms
        ("Iran (Islamic Republic of)", "IRN"),
        ("Bolivia (Plurinational State of)", "BOL"),
        ("Venezuela (Bolivarian Republic of)", "VEN"),
        ("Micronesia (Federated States of)", "FSM"),
        ("Côte d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("United Republic of Tanzania", "TZA"),
        ("Republic of Korea", "KOR"),
        ("Korea, Republic of", "KOR"),
        ("Democratic Republic of the Congo", "COD"),
        ("Lao People's Democratic Republic", "LAO"),
        ("Syrian Arab Republic", "SYR"),
        ("Russian Federation", "RUS"),
        ("Republic of Moldova", "MDA"),
        ("United States of America", "USA"),
        # French names and French UN forms
        ("Allemagne", "DEU"),
        ("Royaume-Uni", "GBR"),
        ("Royaume-Uni de Grande-Bretagne et d'Irlande du Nord", "GBR"),
        ("États-Unis d'Amérique", "USA"),
        ("Etats-Unis", "USA"),
        ("Sénégal", "SEN"),
        ("Senegal", "SEN"),
        ("Suisse", "CHE"),
        ("Grèce", "GRC"),
        ("Chine", "CHN"),
        ("Turquie", "TUR"),
        ("Bolivie (État plurinational de)", "BOL"),
        ("Iran (République islamique d')", "IRN"),
        ("République-Unie de Tanzanie", "TZA"),
        ("Côte d’Ivoire", "CIV"),
        # case and spacing do not matter
        ("  FRANCE ", "FRA"),
        ("cote divoire", "CIV"),
    ],
)
def test_country_names(reference, text, iso3):
    assert reference.normalise("country", text) == iso3


@pytest.mark.parametrize("text", ["Narnia", "ZZ", "XK", "Europe", "Africa", "", "   ", "(of)"])
def test_unknown_countries(reference, text):
    assert reference.normalise("country", text) is None


def test_every_country_row_is_found_by_its_codes_and_names(reference):
    for c in reference.countries:
        for spelling in (c.iso3, c.iso2, c.name_en, c.name_fr):
            assert reference.normalise("country", spelling) == c.iso3, spelling


@pytest.mark.parametrize(
    ("vocabulary", "text", "code"),
    [
        ("field", "ED", "ED"),
        ("field", "Éducation", "ED"),
        ("field", "Communication et information", "CI"),
        ("field", "sciences sociales", "SHS"),
        ("area", "Renforcement des capacités", "capacity_building"),
        ("area", "capacity-building", "capacity_building"),
        ("area", "Plaidoyer", "advocacy"),
        ("region", "Afrique", "AFR"),
        ("region", "États arabes", "ARB"),
        ("region", "Asia-Pacific", "APA"),
        ("region", "Latin America and the Caribbean", "LAC"),
        ("partner_status", "Statut consultatif", "consultative"),
        ("partner_status", "associé", "associate"),
        ("partner_status", "Relations officielles", "official_relations"),
        ("partner_type", "ONG", "ngo"),
        ("partner_type", "Fondation", "foundation"),
        ("modality", "bilatérale", "bilateral"),
        ("activity_status", "En cours", "ongoing"),
        ("activity_status", "Annulée", "cancelled"),
        ("scope", "Régionale", "regional"),
        ("mechanism", "Comité de liaison ONG-UNESCO", "liaison_committee"),
        ("role", "membre élu", "elected_member"),
    ],
)
def test_vocabulary_codes_and_names(reference, vocabulary, text, code):
    assert reference.normalise(vocabulary, text) == code


def test_unknown_vocabulary_raises(reference):
    with pytest.raises(KeyError):
        reference.normalise("colour", "red")


def test_unknown_term_and_empty_text(reference):
    assert reference.normalise("field", "Astrology") is None
    assert reference.normalise("field", "") is None
    assert reference.normalise("field", None) is None


def test_bits_are_distinct_powers_of_two(reference):
    for vocabulary, terms in reference.terms.items():
        bits = [t.bit for t in terms]
        assert len(set(bits)) == len(bits), vocabulary
        assert all(b > 0 and b & (b - 1) == 0 for b in bits), vocabulary


def test_labels_and_regions(reference):
    assert reference.label("field", "ED", "fr") == "Éducation"
    assert reference.label("field", "ED") == "Education"
    assert reference.label("field", "XX") == "XX"
    assert reference.label("country", "CIV", "fr") == "Côte d'Ivoire"
    assert reference.region_of("KEN") == "AFR"
    assert reference.region_of("ATA") is None  # Antarctica has no UNESCO region
    assert reference.codes("region") == ["AFR", "ARB", "APA", "ENA", "LAC"]
    assert len(reference.codes("country")) == len(reference.countries) > 240


def test_fold():
    assert fold("Pays du Siège") == "paysdusiege"
    assert fold("Côte d’Ivoire") == fold("cote d'ivoire") == "cotedivoire"


def test_get_reference_is_cached():
    assert get_reference() is get_reference()
