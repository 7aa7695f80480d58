"""Partner statuses as sources word them: the wordings file, 'not stated', interpretations."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from etl.partner_status import NOT_STATED, load_wordings, read_status
from etl.reference import REFERENCE_DIR, fold


@pytest.fixture(scope="module")
def wordings():
    return load_wordings()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # 2011 Directives (36 C/Res.108), as codes, names and in three languages
        ("consultative", "consultative"),
        ("Associate", "associate"),
        ("associate status", "associate"),
        ("Statut consultatif", "consultative"),
        ("statut d’associé", "associate"),  # typographic apostrophe, as Word writes it
        ("estatus consultivo", "consultative"),
        ("Asociado", "associate"),
        ("estatus asociado", "associate"),
        # foundations' Directives
        ("Official relations", "official_relations"),
        ("relations officielles", "official_relations"),
        ("relaciones oficiales", "official_relations"),
        # 1995 Directives and older
        ("formal associate relations", "associate"),
        ("Formal consultative relations", "consultative"),
        ("operational relations", "consultative"),
        ("relations formelles de consultation", "consultative"),
        ("relations formelles d’association", "associate"),
        ("relations opérationnelles", "consultative"),
        ("relations formelles", "consultative"),
        ("information and consultative relations", "consultative"),
        ("relaciones operacionales", "consultative"),
        # nothing stated
        ("", NOT_STATED),
        ("-", NOT_STATED),
        ("?", NOT_STATED),
        ("n/a", NOT_STATED),
        ("Unknown", NOT_STATED),
        ("non précisé", NOT_STATED),
        ("Status not stated", NOT_STATED),
        ("Statut non précisé", NOT_STATED),
    ],
)
def test_wordings_read_as_codes(text, code, reference, wordings):
    assert read_status(text, reference, wordings).code == code


@pytest.mark.parametrize("text", ["observer", "member", "partenaire", "statut spécial"])
def test_unknown_wordings_are_not_guessed(text, reference, wordings):
    assert read_status(text, reference, wordings).code is None


def test_current_wordings_are_not_warned(reference, wordings):
    for text in ("consultative", "Associé", "estatus consultivo", "relations officielles"):
        assert read_status(text, reference, wordings).warning is None, text


def test_older_wordings_are_warned_as_interpretations(reference, wordings):
    r = read_status("formal consultative relations", reference, wordings)
    assert r.warning == (
        "status 'formal consultative relations' (1995 NGO Directives) read as consultative: "
        "an interpretation"
    )
    r = read_status("information and consultative relations", reference, wordings)
    assert "1960 NGO Directives" in r.warning and "interpretation" in r.warning


def test_not_stated_is_always_warned(reference, wordings):
    assert read_status("", reference, wordings).warning == (
        "no status given; loaded as 'Status not stated'"
    )
    assert "'-'" in read_status("-", reference, wordings).warning
    assert "'unknown'" in read_status("unknown", reference, wordings).warning


def test_wordings_file_is_consistent(reference):
    """Every line names a known code, says yes/no, and no wording is given two codes."""
    path = Path(REFERENCE_DIR) / "partner_status_wordings.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 50
    assert set(rows[0]) == {"wording", "lang", "status_code", "source", "interpretation", "note"}
    codes: dict[str, str] = {}
    for line, r in enumerate(rows, start=2):
        assert reference.term("partner_status", r["status_code"]), line
        assert r["interpretation"] in ("yes", "no"), line
        assert r["lang"] in ("en", "fr", "es"), line
        key = fold(r["wording"])
        assert codes.setdefault(key, r["status_code"]) == r["status_code"], (line, r["wording"])
        # A vocabulary alias wins over the file: both must then agree.
        direct = reference.normalise("partner_status", r["wording"])
        assert direct in (None, r["status_code"]), (line, r["wording"], direct)
    # The older directives' categories are all marked as interpretations.
    for r in rows:
        if r["source"].startswith(("1995", "1960")):
            assert r["interpretation"] == "yes", r["wording"]


def test_not_stated_is_a_status_with_its_own_bit(reference):
    term = reference.term("partner_status", NOT_STATED)
    assert (term.name_en, term.name_fr) == ("Status not stated", "Statut non précisé")
    bits = [t.bit for t in reference.terms["partner_status"]]
    assert len(set(bits)) == len(bits) and term.bit not in bits[:-1]
