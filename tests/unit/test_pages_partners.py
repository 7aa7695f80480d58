"""The partner pages never render data as HTML; unknown partners get a clear page, not an error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dash import dcc, html
from dash.development.base_component import Component

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def html_warehouse(tmp_path_factory, fixtures_dir) -> Path:
    """A warehouse whose partner P1 is called <script>alert(1)</script> (javascript: website)."""
    from etl.load import load_directory

    db = tmp_path_factory.mktemp("html") / "warehouse.duckdb"
    load_directory(fixtures_dir / "bad" / "html_like_text", db)
    return db


@pytest.fixture
def pages(html_warehouse, use_warehouse):
    """The page modules (Dash pages can only be imported once an app exists)."""
    use_warehouse(html_warehouse)
    if "dashboards.pages.partner_profile" not in sys.modules:
        from app import create_app

        create_app()
    from dashboards.pages import data, partner_profile, partners

    return partner_profile, partners, data


def walk(node):
    """Every component and string in a layout tree."""
    if isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)
    elif isinstance(node, Component):
        yield node
        yield from walk(getattr(node, "children", None))
    elif node is not None:
        yield node


def components(tree) -> list[Component]:
    return [n for n in walk(tree) if isinstance(n, Component)]


def test_script_in_a_name_is_a_text_child(pages):
    profile, _, _ = pages
    tree = profile.layout(partner_id="P1", lang="en")
    # The name is a plain string child of a component...
    holders = [c for c in components(tree) if getattr(c, "children", None) == SCRIPT]
    assert holders, "the partner's name is not in the profile"
    assert all(isinstance(c, html.Span | html.H1 | html.Div) for c in holders)
    # ... and nothing in the page renders HTML or Markdown.
    for c in components(tree):
        assert not getattr(c, "dangerously_allow_html", False), c
        assert not isinstance(c, dcc.Markdown), c
        props = c.to_plotly_json()["props"]
        assert "dangerouslySetInnerHTML" not in props


def test_acronym_with_markup_is_text(pages):
    profile, _, _ = pages
    texts = [n for n in walk(profile.layout(partner_id="P1", lang="en")) if isinstance(n, str)]
    assert any("<b>B</b>" in t for t in texts)


def test_website_link_only_for_http(pages):
    profile, _, _ = pages
    p1 = components(profile.layout(partner_id="P1", lang="en"))
    assert not [a for a in p1 if isinstance(a, html.A)], "javascript: website became a link"
    assert any(isinstance(c, html.Span) and c.children == "javascript:alert(1)" for c in p1), (
        "a non-http website is still shown as text"
    )
    p2 = components(profile.layout(partner_id="P2", lang="en"))
    links = [a for a in p2 if isinstance(a, html.A)]
    assert [a.href for a in links] == ["https://ok.example/?a=1&b=<2>"]
    assert links[0].rel == "noopener noreferrer"


@pytest.mark.parametrize(
    "lang, heading", [("en", "Partner not found"), ("fr", "Partenaire introuvable")]
)
def test_unknown_partner_gets_a_clear_page(pages, lang, heading):
    profile, _, _ = pages
    tree = profile.layout(partner_id="NOPE", lang=lang)
    texts = [n for n in walk(tree) if isinstance(n, str)]
    assert heading in texts
    assert "NOPE" in texts
    back = [c for c in components(tree) if getattr(c, "href", None) == "/partners"]
    assert back, "no way back to the directory"
    assert profile.title(partner_id="NOPE", lang=lang) == heading
    assert profile.title(partner_id="P1", lang="en") == SCRIPT  # the tab title is text too


def test_directory_renders_names_with_a_text_renderer(pages):
    _, directory, _ = pages
    name = next(c for c in directory.column_defs("en") if c["field"] == "name")
    assert name["cellRenderer"] == "PartnerLink"
    rows = directory.rows(directory.Filters.from_query("years=2020")[0], "fr", include_all=True)
    p1 = next(r for r in rows if r["partner_id"] == "P1")
    assert p1["name"] == SCRIPT
    # The link takes the page's query string in the browser (PartnerLink), not from the row.
    assert "query" not in p1
    script = (ROOT / "assets" / "dashAgGridFunctions.js").read_text()
    assert "PartnerLink" in script
    for unsafe in ("innerHTML", "dangerouslySetInnerHTML", "insertAdjacentHTML", "eval("):
        assert unsafe not in script


def test_headers_in_french(pages):
    _, directory, data = pages
    headers = [c["headerName"] for c in directory.column_defs("fr")]
    assert headers[:3] == ["Nom", "Activités", "Statut"]
    assert [c["headerName"] for c in data.issue_columns("fr")][:3] == [
        "Fichier",
        "Ligne",
        "Colonne",
    ]
    assert directory.grid_options("fr")["localeText"]["noRowsToShow"] == "Aucune ligne à afficher"
    assert "localeText" not in directory.grid_options("en")


def test_data_page_lists_every_chart_definition(pages):
    _, _, data = pages
    from dashboards.charts import all_charts

    texts = [n for n in walk(data.layout(lang="en")) if isinstance(n, str)]
    for chart in all_charts():
        assert chart.title in texts
    assert "Load warnings" in texts and "Rejected rows" in texts
