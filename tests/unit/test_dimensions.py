"""The dimension registry (dashboards/dimensions.py) is the one definition of each dimension,
and the web layer reads the warehouse's contract only (it never imports etl/)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from dashboards import dimensions, ids, vocab
from dashboards.figures import theme
from dashboards.filters import URL_KEYS, VOCABULARY_OF, Filters, partner_where

ROOT = Path(__file__).resolve().parents[2]


def test_every_filter_is_one_registry_entry():
    # years is a range and without_flagged a switch (flagged=exclude), not vocabularies.
    filter_fields = {f.name for f in dataclasses.fields(Filters)} - {"years", "without_flagged"}
    assert set(dimensions.FILTER_KEYS) == filter_fields
    assert set(ids.DROPDOWN) == filter_fields
    # The views callers use are the registry's own values.
    assert URL_KEYS == {d.key: d.url_key for d in dimensions.FILTERS}
    assert VOCABULARY_OF == {d.key: d.vocabulary for d in dimensions.FILTERS}
    assert len(set(URL_KEYS.values())) == len(URL_KEYS)  # URL keys are unique
    assert {d.vocabulary for d in dimensions.REGISTRY.values()} >= {
        "field", "area", "region", "country", "partner_status", "partner_type", "modality",
        "activity_status", "mechanism", "role", "scope",
    }  # fmt: skip


def test_lookup_by_key_or_vocabulary():
    assert dimensions.get("areas") is dimensions.get("area")
    assert dimensions.get("statuses").vocabulary == "partner_status"
    with pytest.raises(KeyError):
        dimensions.get("flavour")


def test_every_registry_vocabulary_is_in_the_warehouse(small):
    for dim in dimensions.REGISTRY.values():
        assert vocab.codes(dim.vocabulary), f"{dim.key}: no {dim.vocabulary!r} in the warehouse"


def test_predicates_put_values_in_parameters_only(small):
    hostile = "x') OR 1=1 --"
    for dim in dimensions.FILTERS:
        sql, params = dim.predicate("f", (hostile,))
        assert hostile not in sql
        if dim.match == "mask":
            assert params == [0]  # an unknown code has no bit
        else:
            assert params == [hostile]
    with pytest.raises(ValueError):
        dimensions.get("areas").predicate("f; DROP TABLE x", ("advocacy",))
    with pytest.raises(ValueError):
        dimensions.get("mechanisms").predicate("f", ("forum",))  # not a filter
    sql, params = partner_where(Filters(statuses=("not_stated",), types=("ngo",)), "p")
    assert sql == "p.status IN (?) AND p.partner_type IN (?)" and params == ["not_stated", "ngo"]


def test_mask_bits_are_the_warehouses(small):
    import duckdb

    con = duckdb.connect(str(small), read_only=True)
    try:
        bits = dict(con.execute("SELECT code, bit FROM functional_areas").fetchall())
    finally:
        con.close()
    sql, params = dimensions.get("areas").predicate("f", ("advocacy", "research"))
    assert params == [bits["advocacy"] | bits["research"]]


def test_no_warehouse_means_empty_lists_not_an_error(tmp_path, use_warehouse):
    use_warehouse(tmp_path / "missing.duckdb")
    assert vocab.codes("area") == []
    assert dimensions.get("areas").options("en") == []
    assert Filters.from_query("area=advocacy")[1][0].reason == "unknown"


def test_a_code_the_reference_adds_gets_a_spare_colour_not_grey(small, monkeypatch):
    areas = vocab.get("area")
    extra = vocab.Term("digital_skills", "Digital skills", "Compétences numériques", 8, 128)
    grown = vocab.Vocabulary("area", (*areas.terms, extra))
    snapshot = vocab.current()
    monkeypatch.setattr(
        vocab, "current", lambda: vocab.Snapshot("x", {**snapshot.vocabularies, "area": grown})
    )
    colour = theme.colour_for("area", "digital_skills")
    assert colour != theme.NEUTRAL
    assert colour.upper() not in {c.upper() for c in theme.AREA_COLOURS.values()}
    assert theme.colour_for("area", "no_such_area") == theme.NEUTRAL
    assert theme.colour_map("area")["digital_skills"] == colour


def test_status_not_stated_has_the_neutral_grey(small):
    assert "not_stated" in dimensions.get("statuses").codes()
    assert theme.colour_for("partner_status", "not_stated") == theme.NEUTRAL


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_dashboards_never_imports_etl():
    offenders = {
        str(p.relative_to(ROOT)): sorted(
            m for m in _imports(p) if m == "etl" or m.startswith("etl.")
        )
        for p in (ROOT / "dashboards").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_dimensions_and_vocab_do_not_import_dash():
    for name in ("dimensions.py", "vocab.py", "text.py", "filters.py"):
        mods = _imports(ROOT / "dashboards" / name)
        assert not any(m == "dash" or m.startswith("dash.") for m in mods), name


@pytest.mark.parametrize("table", ["activity_facts", "country_facts", "partner_facts"])
def test_country_filter_selects_the_activities_listing_those_countries(demo_warehouse, table):
    """The semi-join on activity_country_keys picks exactly the activities whose countries
    list holds one of the codes, on every facts table it filters."""
    import duckdb

    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        codes = [r[0] for r in con.execute(
            "SELECT iso3 FROM activity_countries GROUP BY iso3 ORDER BY count(*) DESC LIMIT 3"
        ).fetchall()]  # fmt: skip
        sql, params = dimensions.get("countries").predicate("f", tuple(codes))
        got = con.execute(
            f"SELECT count(*), count(DISTINCT f.activity_id) FROM {table} f WHERE {sql}",  # noqa: S608 - ours
            params,
        ).fetchall()
        want = con.execute(
            f"SELECT count(*), count(DISTINCT f.activity_id) FROM {table} f "  # noqa: S608 - ours
            "JOIN activity_facts a USING (activity_id) WHERE list_has_any(a.countries, ?)",
            [codes],
        ).fetchall()
    finally:
        con.close()
    assert got == want and got[0][0] > 0
