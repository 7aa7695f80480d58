"""Translations and locale formatting (dashboards.i18n), and the consistency of the catalogues."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from babel.messages import mofile
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from dashboards import i18n

NNBSP = "\u202f"  # narrow no-break space: CLDR's French group separator
NBSP = "\u00a0"

TRANSLATED = [lang for lang in i18n.SUPPORTED if lang != i18n.DEFAULT]


def po_path(lang: str):
    return i18n.LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"


def read_catalogue(lang: str):
    with open(po_path(lang), "rb") as f:
        return read_po(f, locale=lang)


# --- messages -------------------------------------------------------------------------------


def test_french_translation_for_known_msgid():
    assert i18n.gettext("Overview", "fr") == "Vue d'ensemble"
    assert i18n.gettext("Fields of competence", "fr") == "Domaines de compétence"
    assert i18n.t("fr")("Partners") == "Partenaires"


def test_english_is_the_msgid():
    assert i18n.gettext("Overview", "en") == "Overview"
    assert i18n.t("en")("Collective cooperation") == "Collective cooperation"


def test_unknown_language_and_unknown_msgid_fall_back_to_english():
    assert i18n.gettext("Overview", "de") == "Overview"
    assert i18n.gettext("Overview", None) == "Overview"
    assert i18n.gettext("A sentence nobody translated", "fr") == "A sentence nobody translated"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("fr-CA", "fr"),
        ("fr_FR", "fr"),
        ("en", "en"),
        ("xx", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_normalise_lang(given, expected):
    assert i18n.normalise_lang(given) == expected


def test_empty_msgid_gives_empty_text_not_the_catalogue_header():
    assert i18n.gettext("", "fr") == ""
    assert i18n.t("fr")("") == ""


def test_placeholders_are_filled_after_translation():
    _ = i18n.t("fr")
    assert _("Data as of %(date)s", date="5 mars 2024") == "Données au 5 mars 2024"
    assert _("%(value)s was not recognised and was ignored", value="XYZ").startswith("XYZ ")


def test_translations_are_cached():
    assert i18n.translations("fr") is i18n.translations("fr")


def test_plurals_follow_french_rules():
    # French: 0 and 1 take the singular (Plural-Forms: plural=(n > 1)).
    assert i18n.count_text("activity", 0, "fr") == "0 activité"
    assert i18n.count_text("activity", 1, "fr") == "1 activité"
    assert i18n.count_text("activity", 2, "fr") == "2 activités"
    assert i18n.count_text("activity", 0, "en") == "0 activities"
    assert i18n.count_text("partner", 1, "en") == "1 partner"
    assert i18n.count_text("activity", 1234, "fr") == f"1{NNBSP}234 activités"
    with pytest.raises(ValueError):
        i18n.count_text("unicorn", 1, "en")


def test_n_marker_returns_the_msgid_unchanged():
    assert i18n.N_("Regions") == "Regions"


# --- numbers and dates ----------------------------------------------------------------------


def test_format_number():
    assert i18n.format_number(1234567, "en") == "1,234,567"
    assert i18n.format_number(1234567, "fr") == f"1{NNBSP}234{NNBSP}567"
    assert i18n.format_number(1234.5, "en", decimals=2) == "1,234.50"
    assert i18n.format_number(1234.5, "fr", decimals=1) == f"1{NNBSP}234,5"
    assert i18n.format_number(Decimal("0.5"), "en") in {"0", "1"}  # rounding mode is babel's
    assert i18n.format_number(None, "en") == i18n.MISSING
    assert i18n.format_number(float("nan"), "fr") == i18n.MISSING


def test_format_money_compact_and_full():
    assert i18n.format_money(1_234_567, "en") == "US$1.2M"
    assert i18n.format_money(1_234_567, "fr") == f"1,2{NBSP}M{NBSP}$US"
    assert i18n.format_money(2_500_000_000, "en") == "US$2.5B"
    assert i18n.format_money(950, "en") == "US$950"
    assert i18n.format_money(1_234_567.6, "en", compact=False) == "US$1,234,568"
    assert i18n.format_money(1_234_567.6, "fr", compact=False) == f"1{NNBSP}234{NNBSP}568{NBSP}$US"
    assert i18n.format_money(None, "fr") == i18n.MISSING


def test_format_percent():
    assert i18n.format_percent(0.256, "en") == "26%"
    assert i18n.format_percent(0.256, "fr") == f"26{NBSP}%"
    assert i18n.format_percent(0.256, "en", decimals=1) == "25.6%"
    assert i18n.format_percent(0.256, "fr", decimals=1) == f"25,6{NBSP}%"


def test_format_compact():
    assert i18n.format_compact(1_234_567, "en") == "1.2M"
    assert i18n.format_compact(1_234_567, "fr") == f"1,2{NBSP}M"


def test_format_date_and_datetime():
    d = dt.date(2024, 3, 5)
    assert i18n.format_date(d, "en") == "5 Mar 2024"
    assert i18n.format_date(d, "fr") == "5 mars 2024"
    assert i18n.format_date(d, "fr", format="full") == "mardi 5 mars 2024"
    assert i18n.format_date("2024-03-05", "en", format="long") == "5 March 2024"
    assert i18n.format_date(dt.datetime(2024, 3, 5, 23, 0), "en") == "5 Mar 2024"
    stamp = dt.datetime(2024, 3, 5, 14, 30)
    assert i18n.format_datetime(stamp, "en", format="short") == "05/03/2024, 14:30"
    assert i18n.format_datetime(stamp, "fr", format="short") == "05/03/2024 14:30"
    assert i18n.format_date(None, "en") == i18n.MISSING


def test_module_does_not_import_dash():
    import ast

    tree = ast.parse(open(i18n.__file__, encoding="utf-8").read())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert not imported & {"dash", "dash_bootstrap_components", "flask"}


# --- catalogue consistency ------------------------------------------------------------------


def extracted_msgids() -> set[str | tuple[str, str]]:
    """Every message the extractor finds in dashboards/, as `pybabel extract` would."""
    with open(i18n.MAPPING_FILE, encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(i18n.MAPPING_FILE))
    found: set[str | tuple[str, str]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        i18n.ROOT_DIR,
        method_map,
        options_map,
        keywords=i18n.KEYWORDS,
        # Babel's default directory filter skips dot- and underscore-folders (.venv …), as
        # `pybabel extract`, which the CLI runs over the repository root, does.
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_extractor_finds_the_seeded_strings():
    msgids = extracted_msgids()
    assert "Overview" in msgids
    assert ("%(num)s activity", "%(num)s activities") in msgids


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_string_in_the_code_is_translated(lang):
    catalogue = read_catalogue(lang)
    untranslated = []
    for msgid in sorted(extracted_msgids(), key=str):
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalogue.get(key)
        strings = message.string if message is not None else None
        if isinstance(strings, str):
            strings = (strings,)
        if message is None or message.fuzzy or not strings or not all(strings):
            untranslated.append(key)
    assert not untranslated, (
        f"{len(untranslated)} string(s) with no {lang} translation — run scripts/i18n.sh and "
        f"fill in {po_path(lang).relative_to(i18n.ROOT_DIR)}: {untranslated}"
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_committed_mo_matches_po(lang):
    po = read_catalogue(lang)
    compiled = io.BytesIO()
    mofile.write_mo(compiled, po)
    compiled.seek(0)
    expected = mofile.read_mo(compiled)
    with open(po_path(lang).with_suffix(".mo"), "rb") as f:
        committed = mofile.read_mo(f)

    def contents(catalogue):
        # Plural entries read back from a .mo are lists: make them comparable.
        def frozen(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {frozen(m.id): frozen(m.string) for m in catalogue if m.id}

    assert contents(committed) == contents(expected), (
        f"{po_path(lang).with_suffix('.mo').name} for {lang} is stale: run scripts/i18n.sh compile"
    )
