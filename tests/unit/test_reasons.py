"""Rejection and warning reasons carry their msgid and arguments, and read in French.

The fixtures are the real-world-shaped input folders of tests/fixtures (bad/, realworld/,
iati/load): every reason the ETL stores for them must have a template, so the Data page can
show it in the UI language, and every template must have a French translation.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import duckdb
import pytest

from dashboards import i18n
from etl.load import load_directory
from etl.reasons import Reason, args_of, columns, template_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_reason_is_its_english_text_and_keeps_template_and_args():
    what = Reason("field of competence")
    r = Reason("unknown %(what)s: %(values)s", what=what, values="'XX'")
    assert r == "unknown field of competence: 'XX'"
    assert isinstance(r, str)
    assert template_of(r) == "unknown %(what)s: %(values)s"
    assert json.loads(args_of(r)) == {
        "values": "'XX'",
        "what": {"template": "field of competence", "args": {}},
    }
    assert template_of("plain text") is None and args_of("plain text") is None
    assert columns([r, None, "x"]) == ([r.template, None, None], [args_of(r), None, None])


def test_a_reason_survives_pickling():
    r = Reason("duplicate %(column)s (first seen at %(at)s)", column="partner_id", at="a.csv:2")
    back = pickle.loads(pickle.dumps(r))
    assert back == r and back.template == r.template and back.args == r.args


def test_reason_text_translates_the_template_and_nested_words_not_data_values():
    r = Reason("unknown %(what)s: %(values)s", what=Reason("field of competence"), values="'XX'")
    fr = i18n.reason_text(str(r), r.template, args_of(r), "fr")
    assert fr == "domaine de compétence inconnu : 'XX'"
    assert i18n.reason_text(str(r), r.template, args_of(r), "en") == str(r)


def test_reason_text_falls_back_to_the_stored_text():
    assert i18n.reason_text("as stored", None, None, "fr") == "as stored"
    # arguments that no longer fit the template: the stored English text, never an error
    assert i18n.reason_text("as stored", "unknown %(what)s", "{}", "fr") == "as stored"
    assert i18n.reason_text("as stored", "unknown %(what)s", "not json", "fr") == "as stored"
    assert i18n.reason_text(None, None, None, "fr") == ""


def _cases() -> list[Path]:
    bad = sorted(p for p in (FIXTURES / "bad").iterdir() if p.is_dir())
    return [*bad, FIXTURES / "realworld", FIXTURES / "iati" / "load", FIXTURES / "small"]


@pytest.fixture(scope="module")
def stored_reasons(tmp_path_factory) -> list[tuple[str, str, str | None, str | None]]:
    """(case, reason, template, args) of every rejection and warning the fixture loads store."""
    out = []
    for case in _cases():
        work = tmp_path_factory.mktemp(case.name)
        source = work / "in"
        shutil.copytree(case, source, symlinks=True)
        db = work / "w.duckdb"
        try:
            load_directory(source, db, allow_empty=True)
        except Exception:  # refused folders (no rows, unreadable) store nothing
            continue
        if not db.exists():
            continue
        con = duckdb.connect(str(db), read_only=True)
        try:
            for table in ("rejected_rows", "load_warnings"):
                rows = con.execute(
                    f"SELECT reason, reason_template, reason_args FROM {table}"  # noqa: S608
                ).fetchall()
                out += [(case.name, *row) for row in rows]
        finally:
            con.close()
    return out


def test_the_fixtures_store_reasons_of_many_kinds(stored_reasons):
    templates = {t for _c, _r, t, _a in stored_reasons if t}
    assert len(stored_reasons) > 100
    assert len(templates) > 25


def test_every_stored_reason_has_a_template(stored_reasons):
    plain = sorted({(c, r) for c, r, t, _a in stored_reasons if not t})
    assert not plain, f"{len(plain)} reason(s) stored without a template: {plain[:20]}"


def test_every_stored_reason_renders_back_to_its_english_text(stored_reasons):
    wrong = [
        (r, i18n.reason_text(r, t, a, "en"))
        for _c, r, t, a in stored_reasons
        if t and i18n.reason_text(r, t, a, "en") != r
    ]
    assert not wrong, wrong[:10]


def test_every_stored_reason_reads_in_french(stored_reasons):
    catalogue = i18n.translations("fr")
    untranslated = sorted(
        {
            t
            for _c, _r, t, _a in stored_reasons
            if t and catalogue.gettext(t) == t and t != "%(a)s; %(b)s"
        }
    )
    assert not untranslated, untranslated
    sample = next(r for r in stored_reasons if r[2] and r[2].startswith("malformed date"))
    assert i18n.reason_text(sample[1], sample[2], sample[3], "fr").startswith("date mal formée")


def test_the_data_page_grid_shows_reasons_in_the_ui_language(tmp_path, use_warehouse):
    import sys

    db = tmp_path / "w.duckdb"
    load_directory(FIXTURES / "bad" / "malformed_dates", db)
    use_warehouse(db)
    if "dashboards.pages.data" not in sys.modules:  # Dash pages import once an app exists
        from app import create_app

        create_app()
    from dashboards.pages import data
    from dashboards.queries import data as q

    run_id = q.latest_run()["run_id"]
    request = {"startRow": 0, "endRow": 100}
    en = data.issue_rows("rejected", run_id, request, "en")["rowData"]
    fr = data.issue_rows("rejected", run_id, request, "fr")["rowData"]
    assert len(en) == len(fr) == 7
    assert all(r["reason"].startswith("malformed date: ") for r in en)
    assert all(r["reason"].startswith("date mal formée : ") for r in fr)
    assert "date inexistante" in {r["reason"].split(" : ", 1)[1] for r in fr}
    # the values from the file are the same in both languages, and no template leaks out
    assert [r["value"] for r in en] == [r["value"] for r in fr]
    assert not {"reason_template", "reason_args"} & set(fr[0])


def test_columns_of_a_shared_reason_equal_those_of_separate_ones():
    """One reason object shared by many rows (IATI's partner warnings) gives the same columns."""
    from etl.reasons import Reason, columns

    shared = Reason("no participating organisation is a known partner; loaded without partner")
    with_args = Reason("unknown country code %(code)r; not located", code="XX")
    values = [shared, "plain text", with_args, shared, None, shared]
    separate = [
        Reason(str(v)) if v is shared else v for v in values
    ]  # equal reasons, one object each
    assert columns(values) == columns(separate)
    templates, args = columns(values)
    assert templates[0] == templates[3] == shared.template and args[0] == "{}"
    assert templates[1] is None and args[1] is None and templates[4] is None
    assert args[2] == '{"code": "XX"}'
