"""The one filter model: URL ⇄ Filters ⇄ SQL predicate."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards import db
from dashboards.filters import (
    URL_KEYS,
    Filters,
    Notice,
    parse_lang,
    partner_where,
)

# The vocabularies (codes, names, order, bits) are those of the warehouse served.
pytestmark = pytest.mark.usefixtures("small")

# One valid value per dimension (code, and a name the URL may use instead).
EXAMPLES = {
    "fields": ("ED", "Education"),
    "areas": ("capacity_building", "capacity building"),
    "regions": ("AFR", "Africa"),
    "countries": ("KEN", "Kenya"),
    "statuses": ("consultative", "Consultative"),
    "types": ("foundation", "Foundation"),
    "modalities": ("collective", "Collective"),
    "activity_statuses": ("ongoing", "Ongoing"),
}


# -- URL ⇄ Filters ----------------------------------------------------------------------------
def test_empty_query_is_empty_filters():
    for q in ("", "?", None, "lang=fr", "?utm_source=x"):
        f, notices = Filters.from_query(q)
        assert f == Filters() and f.is_empty()
        assert notices == []
    assert Filters().to_query() == ""
    assert Filters().to_query("fr") == "?lang=fr"
    assert Filters().to_query("en") == ""


@pytest.mark.parametrize("dim", list(URL_KEYS))
def test_every_dimension_round_trips(dim):
    code, name = EXAMPLES[dim]
    key = URL_KEYS[dim]
    f, notices = Filters.from_query(f"{key}={code}")
    assert notices == []
    assert getattr(f, dim) == (code,)
    assert f.to_query() == f"?{key}={code}"
    assert Filters.from_query(f.to_query())[0] == f
    # The display name is accepted too, and normalised to the code.
    by_name, notices = Filters.from_query({key: name})
    assert notices == []
    assert getattr(by_name, dim) == (code,)


def test_years_round_trip_and_forms():
    assert Filters.from_query("years=2015-2020")[0].years == (2015, 2020)
    assert Filters.from_query("years=2020-2015")[0].years == (2015, 2020)  # swapped
    assert Filters.from_query("years=2018")[0].years == (2018, 2018)
    assert Filters.from_query("years=2015%E2%80%932020")[0].years == (2015, 2020)  # en dash
    assert Filters(years=(2015, 2020)).to_query() == "?years=2015-2020"


def test_canonical_order_of_keys_and_values():
    f, notices = Filters.from_query(
        "lang=fr&country=TZA,KEN&region=LAC&field=CLT&field=ED&years=2016-2019&region=AFR"
    )
    assert notices == []
    assert f.fields == ("ED", "CLT")  # reference order, not URL order
    assert f.regions == ("AFR", "LAC")
    assert f.countries == ("KEN", "TZA")
    assert f.to_query("fr") == (
        "?years=2016-2019&field=ED,CLT&region=AFR,LAC&country=KEN,TZA&lang=fr"
    )
    assert f.to_query() == "?years=2016-2019&field=ED,CLT&region=AFR,LAC&country=KEN,TZA"


def test_all_dimensions_together_round_trip():
    f = Filters(years=(2014, 2022), **{d: (code,) for d, (code, _) in EXAMPLES.items()})
    q = f.to_query("fr")
    assert q.startswith("?years=2014-2022&field=ED&area=capacity_building&region=AFR")
    assert q.endswith("&lang=fr")
    back, notices = Filters.from_query(q)
    assert back == f and notices == []
    assert parse_lang(q) == "fr"


def test_duplicates_and_separators():
    f, notices = Filters.from_query("field=ED;SC|ED,%20CLT%20")
    assert notices == []
    assert f.fields == ("ED", "SC", "CLT")


@pytest.mark.parametrize(
    ("query", "dim", "code"),
    [
        ("region=Afrique", "regions", "AFR"),
        ("region=afrique", "regions", "AFR"),
        ("field=%C3%89ducation", "fields", "ED"),  # Éducation
        ("country=Kenya", "countries", "KEN"),
    ],
)
def test_french_and_english_names_are_accepted(query, dim, code):
    f, notices = Filters.from_query(query)
    assert notices == []
    assert getattr(f, dim) == (code,)


def test_unknown_and_malformed_values_are_dropped_with_notices():
    f, notices = Filters.from_query("years=abc&field=XX&region=AFR&country=ZZZ,KEN")
    assert f == Filters(regions=("AFR",), countries=("KEN",))
    assert Notice("years", "abc", "malformed") in notices
    assert Notice("field", "XX", "unknown") in notices
    assert Notice("country", "ZZZ", "unknown") in notices
    assert len(notices) == 3


@pytest.mark.parametrize("years", ["abc", "1800-1900", "2020-2200", "20-21", "2020--2021", "-"])
def test_malformed_years(years):
    f, notices = Filters.from_query({"years": years})
    assert f.years is None
    assert notices == [Notice("years", years, "malformed")]


def test_lang():
    assert parse_lang("?lang=fr") == "fr"
    assert parse_lang("lang=FR&field=ED") == "fr"
    assert parse_lang("?lang=de") == "en"
    assert parse_lang(None) == "en"
    assert parse_lang("") == "en"


# -- editing ----------------------------------------------------------------------------------
def test_toggle_without_and_with_values():
    f = Filters(fields=("ED", "SC"))
    assert f.toggle("fields", "CLT").fields == ("CLT",)  # a click makes it the only one
    assert Filters(fields=("CLT",)).toggle("fields", "CLT").fields == ()  # click again: off
    assert f.without("fields", "ED").fields == ("SC",)
    assert f.without("fields").fields == ()
    assert Filters(years=(2015, 2016)).without("years").years is None
    assert Filters().with_values("regions", ["LAC", "Afrique", "nope"]).regions == ("AFR", "LAC")
    assert Filters(years=(2015, 2016), regions=("AFR",)).active() == [
        ("years", None),
        ("regions", "AFR"),
    ]


def test_cache_key_is_canonical():
    a = Filters.from_query("region=LAC,AFR&field=ED")[0]
    b = Filters.from_query("field=ED&region=AFR&region=LAC")[0]
    assert a.cache_key() == b.cache_key() != Filters().cache_key()


# -- SQL ----------------------------------------------------------------------------------------
INJECTIONS = [
    "ED');DROP TABLE x;--",
    "ED' OR '1'='1",
    "1; SELECT * FROM partners",
    "AFR) OR (1=1",
    "\x00",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("attack", INJECTIONS)
@pytest.mark.parametrize("key", ["field", "region", "country", "area", "status", "years"])
def test_injection_attempts_are_dropped_never_in_sql(attack, key):
    f, notices = Filters.from_query(
        {key: attack, "field": "SC"} if key != "field" else {key: attack}
    )
    assert notices, f"{key}={attack!r} was accepted"
    assert all(n.reason in ("unknown", "malformed") for n in notices)
    sql, params = f.where("f")
    psql, pparams = partner_where(f, "p")
    for text in (sql, psql, repr(params), repr(pparams)):
        assert "DROP" not in text and "'1'='1" not in text and "script" not in text


def test_predicate_is_parameterised():
    f = Filters(
        years=(2015, 2020),
        fields=("ED", "SC"),
        regions=("AFR",),
        countries=("KEN",),
        statuses=("associate",),
        modalities=("collective",),
    )
    sql, params = f.where("f")
    assert "ED" not in sql and "KEN" not in sql and "2015" not in sql
    assert sql.count("?") == len(params)
    assert params[:4] == [2015, 2020, "ED", "SC"]
    assert "KEN" in params
    assert Filters().where("f") == ("TRUE", [])
    sql, params = f.where("f", skip=("years", "fields"))
    assert "year" not in sql and "field_code" not in sql
    psql, pparams = partner_where(f, "p")
    assert psql == "p.status IN (?)" and pparams == ["associate"]
    assert partner_where(Filters(), "p") == ("TRUE", [])


@pytest.mark.parametrize("alias", ["f; DROP TABLE x", "f.x", "F", "1f", ""])
def test_alias_must_be_an_identifier(alias):
    with pytest.raises(ValueError):
        Filters().where(alias)
    with pytest.raises(ValueError):
        partner_where(Filters(), alias)


def _count(f: Filters) -> int:
    where, params = f.where("f")
    return int(db.scalar(f"SELECT count(*) FROM activity_facts f WHERE {where}", params))  # noqa: S608 - predicate from Filters.where


# Hand-checked against tests/fixtures/small/README.md and its activities.csv.
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 8),
        ("field=ED", 3),  # A1, A3, A6
        ("field=CLT", 2),  # A5, A7
        ("field=ED,CLT", 5),
        ("region=AFR", 4),  # A1, A2, A3 (regional), A8
        ("region=LAC", 2),  # A5, A6
        ("region=ENA", 2),  # A5, A7
        ("region=LAC,ENA", 3),  # A5 counts once
        ("country=KEN", 3),  # A1, A2, A8
        ("country=BRA,FRA", 3),  # A5, A6, A7
        ("area=capacity_building", 3),  # A1, A3, A8
        ("area=advocacy", 2),  # A1, A5
        ("years=2020-2022", 4),  # start years: A3, A4, A5, A6
        ("years=2018", 1),
        ("status=associate", 3),  # P1: A1, A2, A7
        ("type=foundation", 2),  # P3: A4, A7
        ("modality=collective", 1),  # A3
        ("activity_status=ongoing", 1),  # A6
        ("field=ED&region=AFR", 2),  # A1, A3
        ("field=ED&region=AFR&years=2019-2030", 1),  # A3
        ("field=SHS&country=BRA", 0),
    ],
)
def test_where_counts_on_the_small_warehouse(small, query, expected):
    f, notices = Filters.from_query(query)
    assert notices == []
    assert _count(f) == expected


def test_injection_attempt_leaves_the_warehouse_intact(small):
    f, notices = Filters.from_query("field=ED');DROP TABLE activity_facts;--&region=AFR")
    # The reference folds punctuation away ("ED')" reads as ED); the rest is dropped.
    assert f == Filters(fields=("ED",), regions=("AFR",))
    assert {(n.key, n.value) for n in notices} == {
        ("field", "DROP TABLE activity_facts"),
        ("field", "--"),
    }
    assert _count(f) == 2
    assert _count(Filters()) == 8


# -- properties ---------------------------------------------------------------------------------
_keys = st.sampled_from([*URL_KEYS.values(), "years", "lang", "x", ""])
_values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["ED", "AFR", "Afrique", "KEN", "2015-2020", "2020", "abc", "ED,SC", "fr"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_keys, _values), max_size=6))
def test_from_query_never_raises_and_round_trips(pairs):
    from urllib.parse import urlencode

    for query in (urlencode(pairs), "&".join(f"{k}={v}" for k, v in pairs)):
        f, notices = Filters.from_query(query)
        assert all(isinstance(n, Notice) for n in notices)
        assert Filters.from_query(f.to_query())[0] == f
        assert Filters.from_query(f.to_query("fr"))[0] == f
        assert Filters.from_query(f.to_query())[1] == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_from_query_survives_any_text(text):
    f, _ = Filters.from_query(text)
    assert Filters.from_query(f.to_query())[0] == f
    parse_lang(text)
