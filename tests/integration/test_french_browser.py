"""The French UI in a real browser: no English text node or English accessible name anywhere.

Every page is opened with `?lang=fr` (and the partner profile, an open "show as table", an
open filter dropdown with its search box, the grids, the export menu, Plotly's toolbar). Every
text node and every `aria-label`, `title`, `placeholder`, `alt` and `data-title` (Plotly's
toolbar tooltips) attribute is collected, then:

- **data values are left out**: a string that is, or is made of, values the warehouse holds
  (partner names, acronyms, activity titles, cities, file names, rejected values, IATI
  narratives: every text column of every table) is the source's own words, in whatever
  language the source used. The page also carries a few proper nouns and technical names
  (`ALLOWED`), identical in both languages;
- **English is then found two ways**: a string equal to an English msgid of our catalogue whose
  French differs (our own string left untranslated), and a string holding a common English word
  that French does not use (`ENGLISH_WORDS`: function words and the UI words of Dash, Plotly and
  AG Grid defaults).

Two servers: the session's demo warehouse (every page has data), and a warehouse loaded from the
IATI fixtures (tests/fixtures/iati/load: real-world-shaped rejections and warnings on the Data
page, whose reasons must read in French).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from app_server import start_app, stop
from browser_helpers import open_page, settle

from dashboards import i18n

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "/",
    "/fields",
    "/functional-areas",
    "/regions",
    "/partners",
    "/partners/NGO-0001",
    "/collective",
    "/spending",
    "/data",
]

# Proper nouns, codes and technical names that are the same in French (explained):
ALLOWED = {
    "UNESCO",  # the Organization's name in both languages
    "IATI",  # International Aid Transparency Initiative: its acronym in French documents too
    "CSV", "Excel", "PNG", "SVG", "PDF", "PPTX", "ZIP", "XLSX", "JSON", "SHA-256",  # formats
    "Plotly", "Plotly.js", "Zoom",  # Plotly's own French locale keeps "Zoom"
    "OK", "N",  # "N" stands for a number in the IATI rule list
    # The language switcher names each language in that language and labels itself in both,
    # for a reader who does not read the current one.
    "English", "Français", "Language / Langue",
    "ED", "SC", "SHS", "CLT", "CI",  # field codes
    "DAC", "SDG",  # the codelists' own names (OECD DAC sectors, UN SDG vocabularies)
}  # fmt: skip

# Common English words that French does not use (so a hit is English, not a shared word such
# as "page", "total", "type", "date", "source", "national", "global").
ENGLISH_WORDS = {
    "the", "and", "of", "with", "for", "from", "by", "to", "in", "on", "at", "into", "per",
    "is", "are", "was", "were", "be", "been", "has", "have", "this", "that", "these", "those",
    "which", "when", "where", "what", "who", "how", "not", "no", "yes", "all", "any", "each",
    "every", "only", "also", "more", "less", "than", "other", "unknown", "none", "or", "its",
    "show", "hide", "download", "select", "deselect", "selected", "search", "clear", "reset",
    "loading", "filter", "filters", "rows", "row", "chart", "charts", "table", "activities",
    "activity", "partners", "partner", "countries", "country", "regions", "fields", "field",
    "areas", "area", "year", "years", "options", "found", "results", "plot", "autoscale", "pan",
    "box", "hover", "closest", "compare", "data", "first", "last", "next",
    "previous", "page", "equals", "contains", "blank", "apply", "cancel", "close", "open",
    "language", "english", "french", "overview", "spending", "budget", "files", "file", "line",
    "column", "value", "reason", "rejected", "warnings", "loaded", "status", "share", "since",
}  # fmt: skip
ENGLISH_WORDS -= {"page", "table", "total", "type", "date", "source", "budget", "options"}

TEXTS_JS = r"""
() => {
    const out = [];
    const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE']);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const el = node.parentElement;
        if (!el || skip.has(el.tagName)) continue;
        const text = node.textContent.replace(/\s+/g, ' ').trim();
        if (text) out.push({kind: 'text', text, where: el.tagName + '.' + el.className});
    }
    const attrs = ['aria-label', 'title', 'placeholder', 'alt', 'data-title', 'aria-description',
                   'aria-roledescription', 'aria-valuetext'];
    for (const el of document.querySelectorAll('*')) {
        for (const a of attrs) {
            const v = el.getAttribute && el.getAttribute(a);
            if (v && v.trim()) out.push({kind: a, text: v.replace(/\s+/g, ' ').trim(),
                                          where: el.tagName + '.' + (el.className.baseVal ?? el.className)});
        }
    }
    out.push({kind: 'document.title', text: document.title, where: 'head'});
    return out;
}
"""

_PATH = re.compile(r"\S*[/_]\S*|\S+\.(?:csv|xlsx|xml|json|txt|md)\b")
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:['’][A-Za-zÀ-ÿ]+)?")


def _data_values(db: Path) -> set[str]:
    """Every distinct text the warehouse holds (the sources' own words), and its parts."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        # Not data: our own reasons (English text, shown translated), and the reference
        # tables' English names (the French UI shows name_fr).
        cols = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND data_type = 'VARCHAR' "
            "AND column_name NOT LIKE 'reason%' AND column_name NOT IN ('name_en', 'label_en')"
        ).fetchall()
        values: set[str] = set()
        for table, column in cols:
            rows = con.execute(
                f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'  # noqa: S608
            ).fetchall()
            for (v,) in rows:
                text = " ".join(str(v).split())
                values.add(text)
                values.update(p.strip() for p in re.split(r"[;|,]", text) if p.strip())
        return values
    finally:
        con.close()


def _english_msgids() -> set[str]:
    """Our English msgids whose French differs (so seeing one in the French UI is a leak)."""
    catalogue = i18n.translations("fr")
    out = set()
    for message in catalogue._catalog:  # msgid → msgstr (plural keys are tuples)
        if isinstance(message, str) and message and catalogue.gettext(message) != message:
            out.add(" ".join(message.split()))
    return out


def english_strings(items: list[dict], data: set[str], msgids: set[str]) -> list[str]:
    """The strings of a page that read as English (see the module docstring)."""
    found = []
    for item in items:
        text = item["text"]
        if text in data or text in ALLOWED:
            continue
        words = _WORD.findall(text)
        if text in msgids:
            found.append(f"{item['kind']} «{text}» ({item['where']}): an untranslated msgid")
            continue
        if not any(w.lower() in ENGLISH_WORDS for w in words):
            continue
        # File paths and names ("data/reference/dac_field_crosswalk.csv") are names, not words.
        rest = _PATH.sub(" ", text)
        # Data values inside a sentence ("Partenaires de World Scouting") are data.
        for value in sorted((v for v in data if len(v) > 3 and v in rest), key=len, reverse=True):
            # whole words only: a short value ("plot") inside an English phrase is no excuse
            rest = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", rest)
        hits = [w for w in _WORD.findall(rest) if w.lower() in ENGLISH_WORDS and w not in ALLOWED]
        if hits:
            found.append(f"{item['kind']} «{text}» ({item['where']}): English words {hits}")
    return sorted(set(found))


@pytest.fixture(scope="module")
def checker(demo_warehouse):
    """A function page → list of English strings on it, for the demo warehouse's pages."""
    data = _data_values(demo_warehouse)
    msgids = _english_msgids()
    return lambda page, extra=frozenset(): english_strings(
        page.evaluate(TEXTS_JS), data | set(extra), msgids
    )


@pytest.fixture(scope="module")
def iati_app(tmp_path_factory):
    """`python app.py` on the IATI fixtures' warehouse: (base URL, warehouse path)."""
    from etl.load import load_directory

    base = tmp_path_factory.mktemp("french-iati")
    db = base / "warehouse.duckdb"
    load_directory(ROOT / "tests" / "fixtures" / "iati" / "load", db)
    proc, url = start_app(db, base / "app.log")
    yield url, db
    stop(proc)


def _hover_toolbar(page) -> None:
    """Plotly draws its toolbar's buttons on the first chart; hovering shows them."""
    plot = page.locator(".js-plotly-plot").first
    if plot.count():
        plot.scroll_into_view_if_needed()
        plot.hover()
        settle_hover = "() => document.querySelectorAll('.modebar-btn[data-title]').length > 0"
        page.wait_for_function(settle_hover, timeout=5000)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_french(watch, checker, path):
    open_page(watch, f"{path}?lang=fr")
    page = watch.page
    _hover_toolbar(page)
    english = checker(page)
    assert not english, f"{path}: English in the French UI:\n" + "\n".join(english)


def test_open_controls_are_french(watch, checker):
    """An open filter dropdown with its search text, a table shown, the export menu."""
    open_page(watch, "/fields?lang=fr")
    page = watch.page
    dropdown = page.locator("#filter-bar .dash-dropdown").first
    dropdown.click()
    page.wait_for_timeout(300)
    page.keyboard.type("zzzz")  # no option matches: the "no options" text shows
    page.wait_for_timeout(300)
    english = checker(page)
    assert not english, "open dropdown:\n" + "\n".join(english)
    page.keyboard.press("Escape")
    toggle = page.locator("[id*='chart-table-toggle']").first
    toggle.click()
    settle(watch)
    menu = page.locator(".chart-card .dropdown-toggle").first
    menu.click()
    page.wait_for_timeout(300)
    english = checker(page)
    assert not english, "table shown, export menu open:\n" + "\n".join(english)


def test_grids_page_in_french(watch, checker):
    """The partner directory grid, paged and with a column filter open."""
    open_page(watch, "/partners?lang=fr")
    page = watch.page
    page.wait_for_selector(".ag-paging-panel")
    assert "Page" in page.locator(".ag-paging-panel").inner_text()
    header = page.locator(".ag-header-cell").first
    header.hover()
    english = checker(page)
    assert not english, "partners grid:\n" + "\n".join(english)


def test_data_page_reasons_in_french(browser, iati_app):
    """Rejected rows and warnings of real-world-shaped IATI files: reasons read in French."""
    from conftest import PageWatch

    url, db = iati_app
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        watch = PageWatch(context.new_page(), url)
        open_page(watch, "/data?lang=fr")
        page = watch.page
        page.wait_for_selector("#data-warnings-grid .ag-row")
        settle(watch)
        reasons = page.locator("#data-warnings-grid .ag-cell[col-id='reason']").all_inner_texts()
        assert reasons and all(r.strip() for r in reasons)
        # in French: none of the stored English texts is shown
        con = duckdb.connect(str(db), read_only=True)
        stored = {r for (r,) in con.execute("SELECT reason FROM load_warnings").fetchall()}
        con.close()
        assert not set(reasons) & stored, set(reasons) & stored
        data = _data_values(db)
        english = english_strings(page.evaluate(TEXTS_JS), data, _english_msgids())
        assert not english, "Data page (IATI):\n" + "\n".join(english)
    finally:
        context.close()


def test_the_check_finds_english_in_the_english_ui(watch, checker):
    """The same check on the English UI finds English: it can fail."""
    open_page(watch, "/regions")
    _hover_toolbar(watch.page)
    english = checker(watch.page)
    assert len(english) >= 10, english
    assert any("an untranslated msgid" in e for e in english)
    assert any("modebar" in e for e in english), "\n".join(english)  # Plotly's toolbar
