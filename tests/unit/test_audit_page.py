"""The audit log page and the role rule of the interface (issue 13), server-side.

The real app (create_app) through Flask's test client on the demo warehouse, local accounts
on disk, the real JSON-lines log; the page's callbacks are called as the renderer calls them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re

import pytest
from test_access import PASSWORDS, SECRET, _csrf, _make, forged_body, sign_in

from dashboards import accounts, audit, auth, ids
from dashboards import layout as shell_layout

UPDATE = "/_dash-update-component"


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory):
    """vera (viewer), ana (analyst), ada (admin)."""
    path = tmp_path_factory.mktemp("accounts") / "accounts.json"
    for name, role in (("vera", "viewer"), ("ana", "analyst"), ("ada", "admin")):
        accounts.add(path, name, PASSWORDS[name], role)  # (other tests add to PASSWORDS)
    return path


@pytest.fixture(scope="module")
def internal_app(demo_warehouse, accounts_file, tmp_path_factory):
    """The app in internal mode with its own audit log."""
    folder = tmp_path_factory.mktemp("internal-audit")
    return _make(
        demo_warehouse,
        folder,
        audit_log_path=folder / "audit.jsonl",
        access_mode="internal",
        secret_key=SECRET,
        accounts_path=accounts_file,
        session_cookie_secure=False,
    )


@pytest.fixture(scope="module")
def public_app(demo_warehouse, tmp_path_factory):
    """The app in public mode."""
    return _make(demo_warehouse, tmp_path_factory.mktemp("public-audit"), access_mode="public")


def _log(app):
    return app.server.extensions["unesco"]["settings"].audit_log_path


def _layout_text(client) -> str:
    answer = client.get("/_dash-layout")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


# -- the log file ------------------------------------------------------------------------------


def test_read_keeps_unreadable_lines_and_follows_appends_and_rotation(tmp_path):
    log = tmp_path / "audit.jsonl"
    assert audit.read(log) == []
    audit.record(log, "sign_in", user="ada", role="admin", via="local")
    with open(log, "a", encoding="utf-8") as f:
        f.write('{"event": "load", "files": [\n')  # a line cut short (a disk that filled up)
    audit.record(log, "sign_out", user="ada")
    events = audit.read(log)
    assert [e["event"] for e in events] == ["sign_in", "unreadable", "sign_out"]
    assert events[1]["line"] == 2 and events[1]["text"].startswith('{"event": "load"')
    # A line being written (no newline yet) waits; once whole, it is read.
    with open(log, "a", encoding="utf-8") as f:
        f.write('{"event": "custom_thing", "user": "ops"')
    assert len(audit.read(log)) == 3
    with open(log, "a", encoding="utf-8") as f:
        f.write(', "note": "x"}\n')
    assert audit.read(log)[-1] == {"event": "custom_thing", "user": "ops", "note": "x"}
    # A rotated log (a new, shorter file) is read from its start.
    os.replace(log, tmp_path / "audit.jsonl.1")
    audit.record(log, "sign_in", user="lou", role="viewer", via="oidc")
    assert [e["user"] for e in audit.read(log)] == ["lou"]
    assert oct(log.stat().st_mode & 0o777) == "0o600"


def test_query_is_newest_first_filtered_and_paged(tmp_path):
    log = tmp_path / "audit.jsonl"
    for i in range(120):
        audit.record(log, "sign_in" if i % 3 else "row_level_download", user=f"u{i % 4}", n=i)
    first = audit.query(log, limit=50)
    assert first.total == 120 and [e["n"] for e in first.events[:2]] == [119, 118]
    second = audit.query(log, offset=50, limit=50)
    assert [e["n"] for e in second.events][:1] == [69] and len(second.events) == 50
    beyond = audit.query(log, offset=10_000, limit=50)  # clamped to the last page
    assert beyond.offset == 100 and [e["n"] for e in beyond.events][-1] == 0
    downloads = audit.query(log, event="row_level_download", user="u0")
    assert downloads.total == 10  # i % 3 == 0 and i % 4 == 0: 0, 12, ..., 108
    assert all(e["user"] == "u0" and e["event"] == "row_level_download" for e in downloads.events)
    assert downloads.event_types == ["row_level_download", "sign_in"]
    assert downloads.users == ["u0", "u1", "u2", "u3"]
    assert [e["n"] for e in audit.matching(log, user="u1")][:2] == [117, 113]


# -- the role rule -----------------------------------------------------------------------------


def test_can_follows_the_role_matrix(internal_app, public_app):
    from flask import g

    matrix = dict(auth.role_matrix())
    assert matrix["download"] == {"viewer": False, "analyst": True, "admin": True}
    assert matrix["audit"] == {"viewer": False, "analyst": False, "admin": True}
    for role in auth.ROLES:
        with internal_app.server.test_request_context("/"):
            g.user = {"name": "x", "role": role, "via": "local"}
            assert {c: auth.can(c) for c in auth.CAPABILITIES} == {
                c: offered[role] for c, offered in matrix.items()
            }
    with internal_app.server.test_request_context("/"):
        g.user = None  # signed out: nothing
        assert not any(auth.can(c) for c in auth.CAPABILITIES)
    with public_app.server.test_request_context("/"):
        assert {c for c in auth.CAPABILITIES if auth.can(c)} == {"view", "chart_download"}
    with pytest.raises(ValueError):
        auth.can("fly")


@pytest.mark.parametrize(
    ("who", "row_level", "admin_link"),
    [("vera", False, False), ("ana", True, False), ("ada", True, True)],
)
def test_layout_offers_buttons_and_links_by_role(internal_app, who, row_level, admin_link):
    text = _layout_text(sign_in(internal_app, who))
    layout = json.loads(text)

    def find(node, wanted):
        if isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id") == wanted:
                return props
            for v in list(props.values()) + list(node.values()):
                found = find(v, wanted)
                if found is not None:
                    return found
        elif isinstance(node, list):
            for v in node:
                found = find(v, wanted)
                if found is not None:
                    return found
        return None

    for button in (ids.PACK_TOGGLE, ids.DATA_CSV, ids.DATA_XLSX):
        props = find(layout, button)
        assert props is not None, button
        assert ("d-none" not in props["className"]) is row_level, (who, button)
    nav = find(layout, {"type": "nav-link", "path": "/admin/audit"})
    assert (nav is not None) is admin_link
    assert find(layout, {"type": "nav-link", "path": "/regions"}) is not None
    # The admin pages sit in one dropdown, every one of them; other roles get neither the
    # dropdown nor any link to an admin page in their layout.
    menu = find(layout, ids.NAV_ADMIN)
    assert (menu is not None) is admin_link
    if menu is None:
        assert '"/admin/' not in text.replace('":"', '": "')
    else:
        pages = [path for path, _ in shell_layout.admin_pages()]
        assert pages and {"/admin/audit", "/admin/upload"} <= set(pages)
        for path in pages:
            assert find(menu["children"], {"type": "nav-link", "path": path}) is not None, path


def test_public_layout_offers_no_row_level_button_and_no_admin_link(public_app):
    text = _layout_text(public_app.server.test_client())
    assert '"path": "/admin/audit"' not in text.replace('":"', '": "')
    assert text.count("d-none") >= 3  # pack, CSV, Excel hidden


# -- the page ----------------------------------------------------------------------------------


def test_audit_page_is_for_admins_only(internal_app, public_app):
    anonymous = internal_app.server.test_client()
    answer = anonymous.get("/admin/audit")
    assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]
    for who in ("vera", "ana"):
        answer = sign_in(internal_app, who).get("/admin/audit?lang=fr")
        assert answer.status_code == 403
        body = answer.get_data(as_text=True)
        assert answer.mimetype == "text/html" and 'id="forbidden-title"' in body
        assert "Accès refusé" in body  # the French page
    assert sign_in(internal_app, "ada").get("/admin/audit").status_code == 200
    answer = public_app.server.test_client().get("/admin/audit")
    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)


def test_audit_callbacks_refuse_a_viewer_and_an_analyst(internal_app):
    from dashboards.pages import audit as page  # after the app: it registers a page

    for who in ("vera", "ana"):
        client = sign_in(internal_app, who)
        for output in internal_app.callback_map:
            if page.TABLE in output or page.DOWNLOAD in output:
                answer = client.post(
                    UPDATE,
                    json=forged_body(internal_app, output),
                    headers={auth.CSRF_HEADER: _csrf(client)},
                )
                assert answer.status_code == 403, (who, output)


def _call(client, app, needle: str, inputs: list, state: list, changed: str) -> dict:
    output = next(o for o in app.callback_map if needle in o)
    body = forged_body(app, output)
    for item, value in zip(body["inputs"], inputs, strict=True):
        item["value"] = value
    for item, value in zip(body["state"], state, strict=True):
        item["value"] = value
    body["changedPropIds"] = [changed]
    answer = client.post(UPDATE, json=body, headers={auth.CSRF_HEADER: _csrf(client)})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()["response"]


def test_audit_page_lists_filters_and_downloads_events_as_text(internal_app):
    from dashboards.pages import audit as page  # after the app: it registers a page

    log = _log(internal_app)
    # A refused sign-in records what was typed: a formula and markup, from anyone.
    client = internal_app.server.test_client()
    form = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    typed = '=HYPERLINK("http://x")<b>bold</b>'
    client.post("/auth/login", data={"username": typed, "password": "x", "csrf_token": token})
    sha = "ab" * 32
    audit.record(
        log,
        "load",
        user="ada",
        role="admin",
        via="upload",
        outcome="loaded",
        files=[{"name": "partners.csv", "sha256": sha, "bytes": 2048, "kind": "partners"}],
        counts={"loaded": {"partners": 12}, "rejected": 2, "warnings": 1, "duplicates": 0},
        reference_changes=["fields: SHS renamed"],
        warehouse_version="v7",
        message=None,  # a load from the command line without a message writes null
    )
    admin = sign_in(internal_app, "ada")
    html_page = admin.get("/admin/audit").get_data(as_text=True)
    assert "<b>bold</b>" not in html_page  # the page's HTML carries no text of the log
    # Every event, newest first: the load, then the sign-ins.
    response = _call(
        admin, internal_app, page.TABLE, [None, None, 1], ["?lang=en"], f"{page.PAGER}.active_page"
    )
    table = json.dumps(response[page.TABLE]["children"], ensure_ascii=False)
    assert table.index("partners.csv") < table.index("HYPERLINK")
    assert sha[: page.SHA_CHARS] + "…" in table and f'"title": "{sha}"' in table
    assert "fields: SHS renamed" in table and "Partners 12; rejected 2" in table
    assert "dangerouslySetInnerHTML" not in table
    # The version under its label; no "Message: None" for a load that had none.
    assert "Warehouse version:" in table and "warehouse_version:" not in table
    assert "Message:" not in table and '"None"' not in table
    assert "Events 1–" in response[page.STATUS]["children"]
    # Filtered by event type, in French.
    response = _call(
        admin,
        internal_app,
        page.TABLE,
        ["sign_in_refused", None, 3],
        ["?lang=fr"],
        f"{page.EVENT}.value",
    )
    assert response[page.PAGER]["active_page"] == 1
    table = json.dumps(response[page.TABLE]["children"], ensure_ascii=False)
    assert "Connexion refusée" in table and "partners.csv" not in table
    options = response[page.EVENT]["options"]
    assert {"label": "Chargement", "value": "load"} in options
    # The CSV: every field, formulas made inert, the download recorded.
    response = _call(admin, internal_app, page.DOWNLOAD, [1], [None, None], "x.n_clicks")
    data = response[page.DOWNLOAD]["data"]
    assert data["filename"].startswith("audit-log-") and data["content"].startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(data["content"].lstrip("\ufeff"))))
    refused = next(r for r in rows if r["event"] == "sign_in_refused")
    assert refused["user"] == "'" + typed
    load = next(r for r in rows if r["event"] == "load")
    assert load["files"] == f"partners.csv sha256:{sha}"
    assert json.loads(load["counts"])["loaded"] == {"partners": 12}
    last = audit.read(log)[-1]
    assert last["event"] == "row_level_download" and last["what"] == [page.DOWNLOAD]
    assert last["user"] == "ada"


def test_paging_callbacks_are_not_recorded_as_downloads(internal_app):
    from dashboards.pages import audit as page  # after the app: it registers a page

    log = _log(internal_app)
    admin = sign_in(internal_app, "ada")
    before = len(audit.read(log))
    _call(admin, internal_app, page.TABLE, [None, None, 2], ["?"], f"{page.PAGER}.active_page")
    assert len(audit.read(log)) == before


def test_the_role_matrix_in_the_docs_is_the_code():
    """docs/deployment.md's role matrix says what `auth.can` offers, row by row."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text()
    table = text[text.index("### Role matrix") :]
    documented = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`"):
            documented[cells[0].strip("`")] = [c == "yes" for c in cells[2:]]
    expected = {
        cap: [cap in auth.PUBLIC_CAPABILITIES, *(offered[r] for r in auth.ROLES)]
        for cap, offered in auth.role_matrix()
    }
    assert documented == expected


def test_unknown_events_are_shown_generically_as_text(internal_app):
    from dash import html

    from dashboards.pages import audit as page  # after the app: it registers a page

    entry = {
        "at": "2026-12-02T03:15:46+00:00",
        "event": "reference_edit",
        "user": "ada",
        "table": "<img src=x onerror=alert(1)>",
        "changes": {"ED": ["Education", "Éducation"]},
    }
    (row,) = page.rows([entry], "fr")
    texts = []

    def walk(node):
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, list | tuple):
            for n in node:
                walk(n)
        elif hasattr(node, "children"):
            walk(node.children)

    walk(row)
    assert "reference_edit" in texts  # its own name, no label invented
    assert "<img src=x onerror=alert(1)>" in texts  # a plain string child: Dash escapes it
    assert any('"ED": ["Education", "Éducation"]' in t for t in texts)
    assert "2 déc. 2026, 03:15:46" in texts  # the French date, in UTC
    assert not any(isinstance(c, html.Iframe) for c in row._traverse())
