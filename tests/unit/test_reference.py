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


# -- the UN's official names (data/reference/un_country_names.csv) ------------------------------

UN_COLUMNS = {
    "en": ("short_en", "formal_en", "m49_en"),
    "fr": ("short_fr", "formal_fr", "m49_fr"),
    "es": ("short_es", "formal_es", "m49_es"),
}


def _official(reference):
    """The UNESCO Member States and Associate Members of the UN names file."""
    return [r for r in reference.un_names if r["unesco_membership"]]


def _resolution(reference, lang):
    """(names tried, unresolved, resolved to another country) for one language."""
    tried, unresolved, wrong = 0, [], []
    for row in _official(reference):
        for column in UN_COLUMNS[lang]:
            name = row[column]
            if not name:
                continue
            tried += 1
            got = reference.resolve_country(name).iso3
            if got is None:
                unresolved.append((row["iso3"], column, name))
            elif got != row["iso3"]:
                wrong.append((row["iso3"], column, name, got))
    return tried, unresolved, wrong


def test_unesco_membership_counts(reference):
    members = [r["iso3"] for r in reference.un_names if r["unesco_membership"] == "member"]
    associates = [r["iso3"] for r in reference.un_names if r["unesco_membership"] == "associate"]
    assert len(members) == 194  # UNESCO, as of July 2023 (PROVENANCE.md)
    # 12 Associate Members; 11 identified from the sources at hand (PROVENANCE.md says which).
    assert len(associates) == 11
    assert {"COK", "NIU", "PSE", "USA"} <= set(members)
    assert not {"ISR", "LIE", "VAT"} & set(members)
    assert {"ABW", "AIA", "FRO", "MAC", "TKL", "NCL"} <= set(associates)
    # Every Member State has its UNTERM names in both languages (the associates have M49 names).
    for r in reference.un_names:
        if r["unesco_membership"] == "member":
            assert all(r[c] for c in ("short_en", "formal_en", "short_fr", "formal_fr")), r
        if r["unesco_membership"]:
            assert r["m49_en"] and r["m49_fr"], r
    assert all(r["iso3"] in reference.country_by_iso3 for r in reference.un_names)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_every_official_name_resolves_to_its_country(reference, lang):
    tried, unresolved, wrong = _resolution(reference, lang)
    print(f"{lang}: {tried - len(unresolved)}/{tried} official names resolved, {len(wrong)} wrong")
    assert tried > 3 * 194  # short, formal and M49 names of every member
    assert wrong == []
    assert unresolved == []


def test_official_names_without_unterm_articles(reference):
    # People write the names without UNTERM's articles, or with them in front.
    for text, iso3 in [
        ("Bahamas (the)", "BHS"),
        ("the Commonwealth of the Bahamas", "BHS"),
        ("Commonwealth of the Bahamas", "BHS"),
        ("le Commonwealth des Bahamas", "BHS"),
        ("Commonwealth des Bahamas", "BHS"),
        ("République d'Albanie", "ALB"),
        ("la République d’Albanie", "ALB"),
        ("Republic of the Niger", "NER"),
        ("Niger (le)", "NER"),
        ("El Salvador", "SLV"),
        ("Reino Unido de Gran Bretaña e Irlanda del Norte", "GBR"),
        ("Países Bajos", "NLD"),
        ("Kingdom of the Netherlands", "NLD"),
        ("Royaume des Pays-Bas", "NLD"),
        ("État plurinational de Bolivie", "BOL"),
        ("Plurinational State of Bolivia", "BOL"),
        ("Republic of Türkiye", "TUR"),  # pycountry; the 2024 UNTERM export still says Turkey
        ("China, Macao Special Administrative Region", "MAC"),
        ("Chine, région administrative spéciale de Macao", "MAC"),
        ("Sint Maarten (Dutch part)", "SXM"),
        ("Saint-Martin (partie française)", "MAF"),
    ]:
        assert reference.resolve_country(text).iso3 == iso3, text


def test_no_official_name_collides_with_another_country(reference):
    # Built while indexing: an official spelling that folds like another country's name.
    assert reference.country_conflicts == []
    # And no spelling of any of the 249 rows (members or not) reads as another country.
    for row in reference.un_names:
        for columns in UN_COLUMNS.values():
            for column in columns:
                if row[column]:
                    got = reference.normalise("country", row[column])
                    assert got in (row["iso3"], None), (row["iso3"], row[column], got)


# -- headquarters as people write them ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso3", "warned"),
    [
        ("USA", "USA", False),
        ("U.S.A.", "USA", False),
        ("UK", "GBR", False),
        ("Russia", "RUS", False),
        ("Russie", "RUS", False),
        ("Türkiye", "TUR", False),
        ("Turkey", "TUR", False),
        ("Swaziland", "SWZ", False),
        ("Zaire", "COD", False),
        ("Zaïre", "COD", False),
        ("Burma", "MMR", False),
        ("Republic of Korea", "KOR", False),
        ("South Korea", "KOR", False),
        ("Côte d'Ivoire", "CIV", False),
        ("Côte d’Ivoire", "CIV", False),
        ("Cote d Ivoire", "CIV", False),
        ("Ivory Coast", "CIV", False),
        ("The former Yugoslav Republic of Macedonia", "MKD", False),
        ("England", "GBR", True),
        ("Scotland", "GBR", True),
        ("Wales", "GBR", True),
        ("Northern Ireland", "GBR", True),
        ("Écosse", "GBR", True),
        ("Great Britain", "GBR", True),
        ("Holland", "NLD", True),
        ("Holanda", "NLD", True),
        ("Macedonia", "MKD", True),
        ("Quebec", "CAN", True),
        ("Czechoslovakia", None, True),
        ("Tchécoslovaquie", None, True),
        ("Yugoslavia", None, True),
        ("USSR", None, True),
        ("Korea", None, True),
        ("Genève", None, True),
        ("Atlantis", None, True),
        ("", None, False),
    ],
)
def test_headquarters_country_as_people_write_it(reference, text, iso3, warned):
    m = reference.resolve_country(text)
    assert m.iso3 == iso3
    assert (m.reason is not None) == warned, m.reason


def test_interpretations_say_what_was_assumed(reference):
    assert (
        "constituent country of the United Kingdom" in reference.resolve_country("England").reason
    )
    assert "no single successor" in reference.resolve_country("Czechoslovakia").reason
    assert reference.resolve_country("Atlantis").reason.startswith("unknown country")
    # Interpretations are not silent in the plain lookup either: normalise() does not take them.
    assert reference.normalise("country", "England") is None
    assert reference.normalise("country", "UK") == "GBR"


@pytest.mark.parametrize(
    ("text", "iso3", "city"),
    [
        ("Paris, France", "FRA", "Paris"),
        ("PARIS (France)", "FRA", "PARIS"),
        ("France - Paris", "FRA", "Paris"),
        ("Montreal (Quebec), Canada", "CAN", "Montreal (Quebec)"),
        ("Genève, Suisse", "CHE", "Genève"),
        ("London, UK", "GBR", "London"),
        ("Edinburgh, Scotland", "GBR", "Edinburgh"),
        ("Prague, Czechoslovakia", None, "Prague"),
        ("Korea, Republic of", "KOR", None),  # one country, not "Korea" + a place
        ("Bonaire, Sint Eustatius and Saba", "BES", None),
    ],
)
def test_city_and_country_in_one_cell(reference, text, iso3, city):
    m = reference.resolve_country(text)
    assert (m.iso3, m.city) == (iso3, city)
    assert (m.reason is not None) == (city is not None)


def _reference_copy(tmp_path, aliases: str):
    import shutil

    from etl.reference import REFERENCE_DIR, Reference

    d = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, d)
    (d / "country_aliases.csv").write_text(aliases, encoding="utf-8")
    return lambda: Reference(d)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Narnia,NAR,no,\n", "country_aliases.csv:2: column iso3: 'NAR'"),
        ("Holland,NLD,maybe,\n", "country_aliases.csv:2: column interpretation"),
        (
            "USA,USA,no,\nU.S.A.,USA,no,\n",
            "country_aliases.csv:3: column alias: 'U.S.A.' is listed twice",
        ),
        (",USA,no,\n", "country_aliases.csv:2: column alias is empty"),
    ],
)
def test_country_aliases_file_is_checked(tmp_path, body, message):
    build = _reference_copy(tmp_path, "alias,iso3,interpretation,note\n" + body)
    with pytest.raises(ValueError, match=re_escape(message)):
        build()


def test_an_administrator_alias_is_read(tmp_path):
    build = _reference_copy(
        tmp_path, "alias,iso3,interpretation,note\nBharat,IND,no,\nAtlantis,GRC,yes,legend\n"
    )
    ref = build()
    assert ref.resolve_country("Bharat").iso3 == "IND"
    m = ref.resolve_country("Atlantis")
    assert m.iso3 == "GRC" and m.reason == "read as Greece: legend"


def re_escape(text: str) -> str:
    """A literal pattern for pytest.raises(match=...)."""
    import re

    return re.escape(text)


# -- roles and mechanisms as sources word them -----------------------------------------------------


@pytest.mark.parametrize(
    ("vocabulary", "text", "code"),
    [
        ("role", "President", "chair"),
        ("role", "Présidente", "chair"),
        ("role", "Presidenta", "chair"),
        ("role", "Chair", "chair"),
        ("role", "Vice-President", "vice_president"),
        ("role", "Vice-présidente", "vice_president"),
        ("role", "Vicepresidente", "vice_president"),
        ("role", "Secretary-General", "secretary_general"),
        ("role", "Secrétaire générale", "secretary_general"),
        ("role", "Secretario General", "secretary_general"),
        ("role", "Treasurer", "treasurer"),
        ("role", "Trésorière", "treasurer"),
        ("role", "Tesorero", "treasurer"),
        ("role", "Member", "elected_member"),
        ("role", "Membre", "elected_member"),
        ("role", "Miembro", "elected_member"),
        ("role", "Rapporteur", "rapporteur"),
        ("role", "Rapporteuse", "rapporteur"),
        ("role", "Relatora", "rapporteur"),
        ("role", "Observadora", "observer"),
        ("mechanism", "General Conference", "general_conference"),
        ("mechanism", "Conférence générale", "general_conference"),
        ("mechanism", "Conferencia General", "general_conference"),
        ("mechanism", "Executive Board", "executive_board"),
        ("mechanism", "Conseil exécutif", "executive_board"),
        ("mechanism", "Consejo Ejecutivo", "executive_board"),
        ("mechanism", "NGO Forum", "forum"),
        ("mechanism", "Forum international des ONG", "forum"),
        ("mechanism", "Foro de ONG", "forum"),
        ("mechanism", "Comité de Enlace ONG-UNESCO", "liaison_committee"),
        ("mechanism", "International Conference of NGOs", "conference"),
        ("mechanism", "Committee on Non-Governmental Partners", "committee_ngp"),
        ("field", "Educación", "ED"),
        ("field", "Comunicación e información", "CI"),
        ("field", "Ciencias sociales y humanas", "SHS"),
    ],
)
def test_roles_mechanisms_and_fields_in_three_languages(reference, vocabulary, text, code):
    assert reference.normalise(vocabulary, text) == code
    assert reference.resolve_term(vocabulary, text).reason is None


def test_role_read_from_the_start_of_a_longer_text_is_warned(reference):
    m = reference.resolve_term("role", "Member of the Liaison Committee")
    assert m.code == "elected_member" and "start of the text" in m.reason
    assert reference.resolve_term("role", "Vice-présidente du Comité de liaison").code == (
        "vice_president"
    )
    assert reference.resolve_term("role", "Facilitator of the youth session") is None
    assert reference.resolve_term("role", "") is None


def test_new_codes_keep_existing_bits(reference):
    # Codes added for issue 8 come after the existing ones: stored bitmasks keep their meaning.
    assert [t.code for t in reference.terms["role"]][:5] == [
        "participant",
        "speaker",
        "elected_member",
        "chair",
        "observer",
    ]
    assert [t.code for t in reference.terms["mechanism"]][:4] == [
        "conference",
        "liaison_committee",
        "committee_ngp",
        "forum",
    ]
    assert reference.codes("role")[-1] == "other" and reference.codes("mechanism")[-1] == "other"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("\nFRA,250,", "\nFRX,250,"), "un_country_names.csv:"),
        (lambda t: t + t.splitlines()[1] + "\n", "is listed twice"),
        (lambda t: t.replace(",member,", ",Member State,", 1), "column unesco_membership"),
        (lambda t: t.replace("formal_fr", "formal_french", 1), "missing column(s) formal_fr"),
    ],
)
def test_un_names_file_is_checked(tmp_path, edit, message):
    import shutil

    from etl.reference import REFERENCE_DIR, Reference, ReferenceDataError

    d = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, d)
    path = d / "un_country_names.csv"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=re_escape(message)):
        Reference(d)


def test_a_broken_alias_file_stops_the_load_before_anything_is_written(tmp_path):
    from etl.load import load_directory
    from etl.reference_check import ReferenceInvalid

    _reference_copy(tmp_path, "alias,iso3,interpretation,note\nNarnia,NAR,no,\n")
    build_dir = tmp_path / "reference"
    src = tmp_path / "in"
    src.mkdir()
    (src / "partners.csv").write_text("partner_id,name,status\nP1,A,consultative\n")
    db = tmp_path / "w.duckdb"
    # The load reports it as a reference problem (file, line, column; exit 2 from the CLI).
    with pytest.raises(ReferenceInvalid, match="country_aliases.csv:2 column iso3"):
        load_directory(src, db, reference_dir=build_dir)
    assert not db.exists()


def test_partner_headquarters_columns(tmp_path, reference):
    import csv

    from etl.extract import read_table
    from etl.validate import validate_partners

    rows = [
        ["partner_id", "name", "status", "hq_city", "hq_country"],
        ["P1", "A", "consultative", "Geneva, Switzerland", ""],
        ["P2", "B", "consultative", "Luxembourg", ""],
        ["P3", "C", "consultative", "Newark, Delaware", ""],
        ["P4", "D", "consultative", "", "Paris, France"],
        ["P5", "E", "consultative", "Lyon", "Paris, France"],
        ["P6", "F", "consultative", "Bratislava", "Czechoslovakia"],
        ["P7", "G", "consultative", "Edinburgh", "Scotland"],
        ["P8", "H", "consultative", "Oslo", "Norway"],
        ["P9", "I", "consultative", "", "Genève"],
    ]
    path = tmp_path / "partners.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    v = validate_partners(read_table(path, "partners"), reference, {})
    assert v.rejected.empty  # no headquarters cell rejects a partner
    got = {
        r.partner_id: (r.hq_city, r.hq_country_iso3, r.hq_country_as_given)
        for r in v.records.itertuples(index=False)
    }
    assert got == {
        "P1": ("Geneva", "CHE", None),
        "P2": ("Luxembourg", None, None),  # a bare name stays a city: no country guessed
        "P3": ("Newark, Delaware", None, None),
        "P4": ("Paris", "FRA", "Paris, France"),
        "P5": ("Lyon", "FRA", "Paris, France"),
        "P6": ("Bratislava", None, "Czechoslovakia"),
        "P7": ("Edinburgh", "GBR", "Scotland"),
        "P8": ("Oslo", "NOR", "Norway"),
        "P9": (None, None, "Genève"),
    }
    warned = {int(w.line): (w.column_name, w.value, w.reason) for w in v.warnings.itertuples()}
    assert warned[2] == (
        "hq_city",
        "Geneva, Switzerland",
        "city cell: 'Geneva' read as the city and 'Switzerland' as the country",
    )
    assert warned[3][2] == warned[4][2] == "city given without a country: loaded without a country"
    assert warned[5][2].endswith("hq_city taken from it")
    assert warned[6][2].endswith("hq_city kept as given ('Lyon')")
    assert "no single successor" in warned[7][2]
    assert "constituent country" in warned[8][2]
    assert 9 not in warned
    assert warned[10][2].startswith("unknown country")
    assert v.records.set_index("partner_id").loc["P7", "hq_region_code"] == "ENA"


def test_a_country_is_read_from_the_last_part_only(reference):
    # "Lebanon, New Hampshire" is a town in the United States, not Lebanon.
    m = reference.resolve_country("Lebanon, New Hampshire")
    assert (m.iso3, m.city) == (None, None) and m.reason.startswith("unknown country")
    assert reference.resolve_country("France, Paris").iso3 is None
    assert reference.resolve_country("Paris - France").iso3 == "FRA"


def test_un_names_and_membership_by_code(reference):
    assert reference.un_name("FRA") == "France"
    assert reference.un_name("FRA", "fr", formal=True) == "la République française"
    assert reference.un_name("BHS", "en") == "Bahamas (the)"  # as UNTERM writes it
    assert reference.un_name("MAC", "fr") == "Chine, région administrative spéciale de Macao"
    assert reference.un_name("ATA") == "Antarctica" and reference.unesco_membership("ATA") is None
    assert reference.unesco_membership("PSE") == "member"
    assert reference.unesco_membership("FRO") == "associate"
    assert reference.unesco_membership("ISR") is None
    assert reference.unesco_membership("XXX") is None
