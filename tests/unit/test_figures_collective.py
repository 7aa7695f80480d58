"""Figures of the Collective cooperation page and of a partner's profile: pure, empty state, French."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboards.figures import collective as fig
from dashboards.figures import partners as profile_fig

REGIONS = ["AFR", "ARB", "APA", "ENA", "LAC"]


@pytest.fixture(autouse=True)
def vocabularies_only(small):
    """Figures are pure but for the names, order and colours of codes, which are the
    vocabularies of the warehouse served (dashboards.vocab); the small one has them all."""


def conference_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2022, 2022, 2024],
            "code": ["ENA", "AFR", "AFR"],
            "partners": [5, 3, 4],
        }
    )


def committee(statuses: list[str], regions: list[str], term: str = "2022-2024") -> pd.DataFrame:
    n = len(statuses)
    return pd.DataFrame(
        {
            "term": [term] * n,
            "year": [int(term[:4])] * n,
            "partner_id": [f"{term}-P{i}" for i in range(n)],
            "name": [f"NGO {i}" for i in range(n)],
            "status": statuses,
            "region": regions,
            "role": ["chair"] + ["elected_member"] * (n - 1),
        }
    )


VALID = committee(["associate"] * 4 + ["consultative"] * 6, REGIONS * 2)


def test_conference_by_region_traces_in_reference_order():
    f = fig.conference_by_region(conference_frame(), "en")
    assert [t.name for t in f.data] == ["Africa", "Europe and North America"]
    africa = f.data[0]
    assert list(africa.x) == [2022, 2024]
    assert list(africa.y) == [3, 4]
    assert [c[0] for c in africa.customdata] == ["AFR", "AFR"]
    assert f.layout.barmode == "stack"
    assert list(f.layout.xaxis.tickvals) == [2022, 2024]  # sessions only, no odd years


def test_conference_by_status_in_french():
    frame = pd.DataFrame(
        {"year": [2022, 2022], "code": ["consultative", "associate"], "partners": [2, 1]}
    )
    f = fig.conference_by_status(frame, "fr")
    assert [t.name for t in f.data] == ["Consultatif", "Associé"]
    assert f.layout.yaxis.title.text == "Partenaires"
    assert f.layout.separators == ",\u202f"
    assert "2 partenaires" in f.data[0].hovertext[0]


def test_unknown_region_is_named_not_specified():
    frame = pd.DataFrame({"year": [2022], "code": [fig.UNSPECIFIED], "partners": [2]})
    assert fig.conference_by_region(frame, "en").data[0].name == "Not specified"


@pytest.mark.parametrize(
    "build",
    [fig.conference_by_region, fig.conference_by_status, fig.committee_ngp, fig.liaison_committee],
)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_empty_frame_gives_the_empty_state(build, lang):
    empty = pd.DataFrame(
        columns=["year", "code", "partners", "event", "event_date", "term", "status", "role"]
    )
    f = build(empty, lang)
    assert f.layout.meta == {"empty": True}
    assert not f.data
    expected = "No data for these filters" if lang == "en" else "Aucune donnée pour ces filtres"
    assert f.layout.annotations[0].text == expected


def test_committee_ngp_sessions_in_date_order():
    frame = pd.DataFrame(
        {
            "event": ["EB 100", "EB 99", "EB 99"],
            "event_date": [dt.date(2016, 4, 1), dt.date(2015, 10, 5), dt.date(2015, 10, 5)],
            "year": [2016, 2015, 2015],
            "code": ["associate", "associate", "consultative"],
            "partners": [4, 2, 3],
        }
    )
    f = fig.committee_ngp(frame, "en")
    # "EB 100" sorts before "EB 99" as text; the axis follows the dates.
    assert list(f.layout.xaxis.categoryarray) == ["EB 99", "EB 100"]
    assert f.layout.xaxis.title.text == "Executive Board session"
    assert "5 Oct 2015" in f.data[0].hovertext[0] or "5 Oct 2015" in f.data[1].hovertext[0]
    assert fig.committee_ngp(frame, "fr").layout.xaxis.title.text == "Session du Conseil exécutif"


def test_liaison_rule_accepts_a_valid_committee():
    check = fig.liaison_rule(VALID).iloc[0]
    assert (check["members"], check["associate"], check["consultative"], check["regions"]) == (
        10,
        4,
        6,
        5,
    )
    assert check["ok"]
    assert fig.rule_text(check.to_dict(), "en") == "Meets the rule"


def test_liaison_rule_counts_office_holders_as_members():
    # A committee whose sources name its officers (vice-president, treasurer, ...) is complete.
    officers = VALID.assign(
        role=["chair", "vice_president", "secretary_general", "treasurer", "rapporteur"]
        + ["elected_member"] * 5
    )
    check = fig.liaison_rule(officers).iloc[0]
    assert check["members"] == 10 and check["ok"]
    observers = VALID.assign(role=["observer"] + ["elected_member"] * 9)
    assert fig.liaison_rule(observers).iloc[0]["members"] == 9


def test_liaison_rule_flags_wrong_statuses_size_and_regions():
    wrong_mix = committee(["associate"] * 3 + ["consultative"] * 7, REGIONS * 2, "2012-2014")
    nine = committee(["associate"] * 4 + ["consultative"] * 5, REGIONS + REGIONS[:4], "2014-2016")
    no_arab = committee(
        ["associate"] * 4 + ["consultative"] * 6,
        ["AFR", "APA", "ENA", "LAC"] * 2 + ["AFR", "ENA"],
        "2016-2018",
    )
    checks = fig.liaison_rule(pd.concat([no_arab, nine, wrong_mix])).set_index("term")
    assert list(checks.index) == ["2012-2014", "2014-2016", "2016-2018"]  # by year
    assert not checks["ok"].any()
    assert checks.loc["2014-2016", "members"] == 9
    assert checks.loc["2016-2018", "missing"] == ["ARB"]
    text = fig.rule_text(checks.loc["2012-2014"].to_dict() | {"term": "2012-2014"}, "en")
    assert "3 associate and 7 consultative" in text
    assert "Arab States" in fig.rule_text(checks.loc["2016-2018"].to_dict(), "en")
    fr = fig.rule_text(checks.loc["2016-2018"].to_dict(), "fr")
    assert "États arabes" in fr and fr.startswith("Ne respecte pas la règle")


def test_observers_are_not_members():
    with_observer = pd.concat(
        [VALID, committee(["consultative"], ["AFR"]).assign(role="observer", partner_id="X")]
    )
    assert fig.liaison_rule(with_observer).iloc[0]["ok"]


def test_liaison_committee_figure_marks_each_term():
    wrong = committee(["associate"] * 3 + ["consultative"] * 7, REGIONS * 2, "2012-2014")
    f = fig.liaison_committee(pd.concat([wrong, VALID]), "en")
    assert [t.name for t in f.data] == ["Consultative", "Associate"]
    assert list(f.data[1].x) == ["2012-2014", "2022-2024"]
    assert list(f.data[1].y) == [3, 4]
    marks = [a.text for a in f.layout.annotations]
    assert marks == ["✗ rule", "✓ rule"]
    assert [a.text for a in fig.liaison_committee(VALID, "fr").layout.annotations] == ["✓ règle"]


def test_liaison_table_in_french():
    table = fig.liaison_table(VALID, "fr")
    assert list(table.columns) == [
        "Mandat",
        "Membre",
        "Statut à la date",
        "Région du siège",
        "Rôle",
        "Règle de composition",
    ]
    assert table.iloc[0]["Rôle"] == "Présidence"
    assert table.iloc[0]["Statut à la date"] == "Associé"
    assert set(table["Règle de composition"]) == {"Respecte la règle"}


def test_profile_figures():
    by_year = pd.DataFrame(
        {"year": [2019, 2019, 2021], "code": ["ED", "SC", "ED"], "activities": [1, 2, 1]}
    )
    f = profile_fig.activities_by_year(by_year, "fr")
    assert [t.name for t in f.data] == ["Éducation", "Sciences exactes et naturelles"]
    assert f.layout.yaxis.dtick == 1
    regions = pd.DataFrame({"code": ["AFR", "GLOBAL"], "activities": [3, 1]})
    g = profile_fig.activities_by_region(regions, "fr")
    assert list(g.data[0].y) == ["Mondial", "Afrique"]  # largest at the top
    assert profile_fig.activities_by_year(by_year.iloc[0:0], "en").layout.meta == {"empty": True}
    assert profile_fig.activities_by_region(regions.iloc[0:0], "en").layout.meta == {"empty": True}


def test_event_names_from_data_are_inert_in_figures():
    """An event written like HTML shows as text: plotly reads tags in labels and hover text."""
    import pandas as pd

    from dashboards.figures import collective as figs

    frame = pd.DataFrame(
        {
            "event": ["<b>2012</b>"],
            "event_date": [pd.Timestamp("2012-12-12")],
            "year": [2012],
            "code": ["AFR"],
            "partners": [3],
        }
    )
    fig = figs.stacked_by_session(frame, "en", "region", x="event")
    bar = fig.data[0]
    assert list(bar.x) == ["&lt;b&gt;2012&lt;/b&gt;"]
    assert "<b>2012</b>" not in bar.hovertext[0] and "&lt;b&gt;2012" in bar.hovertext[0]
