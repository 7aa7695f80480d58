"""Text folding for URL values and the directory search (dashboards/text.py), and its twin in
the browser (`foldSearch` in assets/dashAgGridFunctions.js), run here with Node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboards.text import fold, matches, search_key

ASSET = Path(__file__).resolve().parents[2] / "assets" / "dashAgGridFunctions.js"

# Names as UNESCO's lists write them, and what people type to find them.
FOUND = [
    ("federation", "Fédération mondiale des associations, centres et clubs UNESCO"),
    ("ÉDUCATION", "Education International"),
    ("education", "Internationale de l'Éducation"),
    ("l'éducation", "Internationale de l’Éducation"),  # straight vs curly apostrophe
    ("oeuvre", "Œuvre d'Orient"),
    ("Œuvre", "Oeuvre d'Orient"),
    ("sao paulo", "São Paulo"),
    ("GENEVE", "Genève"),
    ("cote d ivoire", "Côte d’Ivoire"),
    ("icomos monuments", "International Council on Monuments and Sites (ICOMOS)"),
    ("strasse", "Straße der Kultur e.V."),
    ("العربي", "الاتحاد العربي للمكتبات"),  # Arabic script stays searchable
]
NOT_FOUND = [
    ("federations", "Fédération mondiale"),
    ("education culture", "Education International"),  # every word must be found
]


@pytest.mark.parametrize(("typed", "name"), FOUND)
def test_search_ignores_case_accents_and_punctuation(typed, name):
    assert matches(typed, search_key(name))


@pytest.mark.parametrize(("typed", "name"), NOT_FOUND)
def test_search_still_needs_every_word(typed, name):
    assert not matches(typed, search_key(name))


def test_search_key_skips_missing_parts_and_keeps_word_breaks():
    assert search_key("Réseau africain", None, float("nan"), "RAS") == "reseau africain ras"
    assert search_key() == ""


def test_fold_is_a_compare_key():
    assert fold("Capacity-building") == fold("capacity building") == "capacitybuilding"
    assert fold("Éducation") == fold("EDUCATION") == "education"
    assert fold(None) == "" and fold("  ") == ""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_browser_folds_what_is_typed_as_python_folds_the_rows():
    samples = [t for pair in FOUND + NOT_FOUND for t in pair] + ["  A  b\tC ", "İstanbul", "ÆØÅ"]
    script = (
        "global.window = {};\n"
        f"{ASSET.read_text(encoding='utf-8')}\n"
        f"const samples = {json.dumps(samples)};\n"
        "console.log(JSON.stringify(samples.map(s => window.dashAgGridFunctions.foldSearch(s))));\n"
    )
    out = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    assert json.loads(out) == [search_key(s) for s in samples]
