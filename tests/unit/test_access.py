"""Access modes and roles, server-side (issue 13): the real app (create_app) through Flask's
test client, on real warehouses; sign-in with local accounts (argon2 hashes on disk).

Every callback the app registers is enumerated: each one needing more than a viewer is forged
from a viewer's session and must get 403 (a new protected callback is tested automatically;
a new Download callback without a declared role fails `test_every_download_has_a_role`).
"""

from __future__ import annotations

import json
import re

import dash
import pytest

import app as app_module
from dashboards import accounts, auth, db, ids
from dashboards.settings import load_settings

UPDATE = "/_dash-update-component"
SECRET = "s" * 40
PASSWORDS = {"vera": "viewer-password-1", "ana": "analyst-password-1", "ada": "admin-password-1"}


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory):
    """Three local accounts: vera (viewer), ana (analyst), ada (admin)."""
    path = tmp_path_factory.mktemp("accounts") / "accounts.json"
    for (name, password), role in zip(PASSWORDS.items(), auth.ROLES, strict=True):
        accounts.add(path, name, password, role)
    return path


def _make(warehouse, tmp_path, **overrides):
    overrides.setdefault("background_cache_dir", tmp_path / "bg")
    return app_module.create_app(load_settings(warehouse_path=warehouse, **overrides))


@pytest.fixture(scope="module")
def internal_app(demo_warehouse, accounts_file, tmp_path_factory):
    """The app in internal mode, with plain-http cookies for the test client."""
    folder = tmp_path_factory.mktemp("internal")
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
    return _make(demo_warehouse, tmp_path_factory.mktemp("public"), access_mode="public")


def _csrf(client) -> str:
    cookie = client.get_cookie(auth.CSRF_COOKIE)
    return cookie.value if cookie else ""


def sign_in(app, name: str):
    """A test client signed in as a local account (through the real form, CSRF included)."""
    client = app.server.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/auth/login",
        data={"username": name, "password": PASSWORDS[name], "csrf_token": token, "next": "/"},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def _spec_items(specs: list[dict]) -> list:
    items = []
    for spec in specs:
        spec_id = json.loads(spec["id"]) if spec["id"].startswith("{") else spec["id"]
        if isinstance(spec_id, dict) and any(
            v in (["ALL"], ["ALLSMALLER"]) for v in spec_id.values()
        ):
            items.append([])
            continue
        if isinstance(spec_id, dict):  # MATCH: one concrete id
            spec_id = {k: ("x" if isinstance(v, list) else v) for k, v in spec_id.items()}
        items.append({"id": spec_id, "property": spec["property"], "value": None})
    return items


def forged_body(app, output: str) -> dict:
    """A well-formed request body for a callback, built from the app's own declaration."""
    entry = app.callback_map[output]
    multi = output.startswith("..")
    declared = output.strip(".").split("...") if multi else [output]
    outs = []
    for text in declared:
        spec, prop = text.rsplit(".", 1)
        spec_id = json.loads(spec) if spec.startswith("{") else spec
        if isinstance(spec_id, dict) and any(
            v in (["ALL"], ["ALLSMALLER"]) for v in spec_id.values()
        ):
            outs.append([])
            continue
        if isinstance(spec_id, dict):
            spec_id = {k: ("x" if isinstance(v, list) else v) for k, v in spec_id.items()}
        outs.append({"id": spec_id, "property": prop.split("@")[0]})
    return {
        "output": output,
        "outputs": outs if multi else outs[0],
        "inputs": _spec_items(entry.get("inputs", [])),
        "state": _spec_items(entry.get("state", [])),
        "changedPropIds": [],
    }


def protected(app) -> list[str]:
    """The callbacks that need more than a viewer."""
    return [o for o in app.callback_map if auth.callback_role(o) != "viewer"]


# -- demo mode only on demo data -----------------------------------------------------------


def test_demo_warehouse_is_marked_and_others_are_not(demo_warehouse, small_warehouse):
    assert auth.is_demo_warehouse(demo_warehouse)
    assert not auth.is_demo_warehouse(small_warehouse)


def test_the_app_refuses_demo_mode_on_real_data(monkeypatch, capsys, small_warehouse):
    monkeypatch.setenv("WAREHOUSE_PATH", str(small_warehouse))
    monkeypatch.delenv("ACCESS_MODE", raising=False)
    assert app_module.main() == 1
    err = capsys.readouterr().err
    assert "ACCESS_MODE" in err and "does not hold the demo data" in err


def test_internal_mode_needs_a_secret_key(small_warehouse):
    settings = load_settings(warehouse_path=small_warehouse, access_mode="internal")
    with pytest.raises(auth.AccessModeError, match="SECRET_KEY"):
        auth.check_mode(settings)
    auth.check_mode(load_settings(warehouse_path=small_warehouse, access_mode="public"))


def test_demo_mode_shows_the_banner_and_needs_no_sign_in(demo_warehouse, tmp_path):
    client = _make(demo_warehouse, tmp_path).server.test_client()
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Demo mode" in layout
    assert client.get("/auth/login").status_code == 404


# -- public mode -----------------------------------------------------------------------------


def test_public_connection_fails_closed_on_internal_tables(demo_warehouse):
    w = db.Warehouse(demo_warehouse, public=True)
    with db.pinned(w):
        for table in (
            "rejected_rows",
            "load_warnings",
            "etl_files",
            "transactions",
            "warehouse_meta",
        ):
            with pytest.raises(Exception, match="does not exist"):
                db.query(f"SELECT * FROM {table}")  # noqa: S608 - test of fixed names
        frame = db.query("SELECT activity_id, budget_usd, source_file FROM activities LIMIT 3")
        assert list(frame.columns) == ["activity_id"]
        assert db.scalar("SELECT sum(budget_usd) AS budget_usd FROM activities") is None
        assert db.scalar("SELECT count(*) FROM activities") > 0


def test_public_app_refuses_row_level_downloads_and_packs(public_app):
    client = public_app.server.test_client()
    outputs = protected(public_app)
    assert {o for o in outputs if ids.DATA_DOWNLOAD in o} and {
        o for o in outputs if ids.PACK_DOWNLOAD in o
    }
    for output in outputs:
        answer = client.post(UPDATE, json=forged_body(public_app, output))
        assert answer.status_code == 403, output


def test_public_app_hides_internal_pages_and_charts(public_app):
    from dashboards.charts import charts_for

    client = public_app.server.test_client()
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert '"path":"/data"' not in layout and '"path":"/spending"' not in layout
    assert "Demo mode" not in layout
    with db.pinned(public_app.server.extensions["unesco"]["warehouse"]):
        assert charts_for("spending") == []
        assert all(not c.internal for c in charts_for("fields"))
    assert client.get("/healthz").get_json()["mode"] == "public"


def _ids_in(component, out: set) -> set:
    found = getattr(component, "id", None)
    if isinstance(found, str):
        out.add(found)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            _ids_in(child, out)
    return out


@pytest.mark.parametrize("mode", ["public", "internal"])
def test_validation_layout_holds_every_callback_id(mode, public_app, internal_app):
    # A component missing from it makes the browser report "ID not found in layout" on every
    # page (pages a public deployment leaves out still have their callbacks registered).
    app = public_app if mode == "public" else internal_app
    have = _ids_in(app.validation_layout, set())
    needed = set()
    for key, spec in app.callback_map.items():
        for dep in spec["inputs"] + spec.get("state", []):
            if not dep["id"].startswith("{"):
                needed.add(dep["id"])
        for part in key.strip(".").split("..."):
            name = part.rsplit(".", 1)[0].lstrip(".")
            if name and not name.startswith("{"):
                needed.add(name)
    assert sorted(needed - have) == []


# -- internal mode: sign-in, roles, CSRF -----------------------------------------------------


def test_internal_app_needs_sign_in_for_everything_but_healthz(internal_app):
    client = internal_app.server.test_client()
    assert client.get("/healthz").status_code == 200
    page = client.get("/regions?years=2020-2021")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/auth/login?next=/regions%3Fyears%3D2020-2021")
    assert client.get("/_dash-layout").status_code == 401
    body = forged_body(internal_app, next(iter(internal_app.callback_map)))
    assert client.post(UPDATE, json=body).status_code == 401


def test_wrong_password_is_refused(internal_app):
    client = internal_app.server.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/auth/login", data={"username": "vera", "password": "nope", "csrf_token": token}
    )
    assert answer.status_code == 401 and client.get("/").status_code == 302
    from dashboards import audit

    log = audit.read(internal_app.server.extensions["unesco"]["settings"].audit_log_path)
    assert any(e["event"] == "sign_in_refused" and e["user"] == "vera" for e in log)


def test_session_cookie_is_httponly_and_lax(internal_app, demo_warehouse, accounts_file, tmp_path):
    client = sign_in(internal_app, "vera")
    cookie = client.get_cookie("unesco_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    secure_app = _make(
        demo_warehouse,
        tmp_path,
        access_mode="internal",
        secret_key=SECRET,
        accounts_path=accounts_file,
    )
    assert secure_app.server.config["SESSION_COOKIE_SECURE"] is True


def test_viewer_sees_pages(internal_app):
    client = sign_in(internal_app, "vera")
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200


@pytest.mark.parametrize("who", ["vera", "ana"])
def test_every_protected_callback_refuses_a_viewer(internal_app, who):
    client = sign_in(internal_app, who)
    headers = {auth.CSRF_HEADER: _csrf(client)}
    mine = auth._RANK[
        accounts.role_of(internal_app.server.extensions["unesco"]["settings"].accounts_path, who)
    ]
    outputs = [o for o in protected(internal_app) if auth._RANK[auth.callback_role(o)] > mine]
    assert len(outputs) >= 2
    for output in outputs:
        answer = client.post(UPDATE, json=forged_body(internal_app, output), headers=headers)
        assert answer.status_code == 403, output
        assert auth.callback_role(output) in answer.get_json()["reason"]


def test_analyst_may_download_rows(internal_app):
    client = sign_in(internal_app, "ana")
    headers = {auth.CSRF_HEADER: _csrf(client)}
    output = next(o for o in internal_app.callback_map if ids.DATA_DOWNLOAD in o)
    body = forged_body(internal_app, output)
    body["inputs"][0]["value"] = 1
    body["changedPropIds"] = [f"{ids.DATA_CSV}.n_clicks"]
    body["state"][0]["value"] = "?years=2020-2021"
    answer = client.post(UPDATE, json=body, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    # The audit log says who downloaded which rows (and who signed in).
    from dashboards import audit

    log = audit.read(internal_app.server.extensions["unesco"]["settings"].audit_log_path)
    mine = [e for e in log if e.get("user") == "ana"]
    assert any(e["event"] == "sign_in" and e["via"] == "local" for e in mine)
    download = [e for e in mine if e["event"] == "row_level_download"][-1]
    assert download["role"] == "analyst" and download["what"] == [ids.DATA_DOWNLOAD]
    assert download["search"] == "?years=2020-2021"


def test_callbacks_need_the_csrf_token(internal_app):
    client = sign_in(internal_app, "ada")
    output = next(o for o in internal_app.callback_map if "page-content" in o)
    body = forged_body(internal_app, output)
    assert client.post(UPDATE, json=body).status_code == 403
    assert client.post(UPDATE, json=body, headers={auth.CSRF_HEADER: "forged"}).status_code == 403


def test_every_download_has_a_role(internal_app):
    """A callback filling a dcc.Download must be listed (analyst) or known as a viewer's."""
    from dash import dcc

    layout = internal_app.validation_layout
    download_ids = {
        c.id if isinstance(c.id, str) else c.id.get("type")
        for c in layout._traverse_ids()
        if isinstance(c, dcc.Download)
    }
    assert {ids.DATA_DOWNLOAD, ids.PACK_DOWNLOAD, ids.FIGURE_DOWNLOAD} <= download_ids
    for output in internal_app.callback_map:
        named = auth._output_ids(output)
        for download in named & download_ids:
            assert download in auth.CALLBACK_ROLES or download in auth.VIEWER_DOWNLOADS, (
                f"{output}: a download without a declared role (dashboards/auth.py)"
            )


def test_sign_out_ends_the_session(internal_app):
    client = sign_in(internal_app, "vera")
    assert client.get("/").status_code == 200
    form = client.get("/auth/logout").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post("/auth/logout").status_code == 403  # no token: refused
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_a_removed_account_loses_access_at_once(internal_app, accounts_file):
    accounts.add(accounts_file, "tmpuser", "temporary-pass-1", "viewer")
    PASSWORDS["tmpuser"] = "temporary-pass-1"
    client = sign_in(internal_app, "tmpuser")
    assert client.get("/").status_code == 200
    assert accounts.remove(accounts_file, "tmpuser")
    assert client.get("/").status_code == 302


def test_next_never_leaves_the_app():
    assert auth._safe_next("//evil.example/x", "/") == "/"
    assert auth._safe_next("https://evil.example/", "/") == "/"
    assert auth._safe_next("/regions?x=1", "/") == "/regions?x=1"


# -- accounts and roles from claims ----------------------------------------------------------


def test_accounts_hash_passwords_and_verify(tmp_path):
    path = tmp_path / "a.json"
    accounts.add(path, "bob", "a-good-password", "analyst")
    text = path.read_text()
    assert "a-good-password" not in text and "$argon2id$" in text
    assert (path.stat().st_mode & 0o777) == 0o600
    assert accounts.verify(path, "bob", "a-good-password") == "analyst"
    assert accounts.verify(path, "bob", "wrong") is None
    assert accounts.verify(path, "nobody", "a-good-password") is None
    with pytest.raises(accounts.AccountError):
        accounts.add(path, "bob", "short", "viewer")
    with pytest.raises(accounts.AccountError):
        accounts.add(path, "bob", "a-good-password", "root")


def test_accounts_cli(tmp_path, monkeypatch, capsys):
    import io

    path = tmp_path / "a.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("cli-password-123\n"))
    assert (
        accounts.main(["--file", str(path), "add", "cli", "--role", "admin", "--password-stdin"])
        == 0
    )
    assert accounts.main(["--file", str(path), "list"]) == 0
    assert "cli\tadmin" in capsys.readouterr().out
    assert accounts.main(["--file", str(path), "remove", "cli"]) == 0
    assert accounts.main(["--file", str(path), "remove", "cli"]) == 1


def test_role_from_claims_takes_the_highest_mapped():
    mapping = {"staff": "viewer", "ngo-admins": "admin"}
    assert auth.role_from_claims({"roles": ["staff", "ngo-admins"]}, "roles", mapping) == "admin"
    assert auth.role_from_claims({"roles": "staff"}, "roles", mapping) == "viewer"
    assert auth.role_from_claims({"roles": ["other"]}, "roles", mapping) is None
    assert auth.role_from_claims({}, "roles", mapping) is None


# -- the open-data API -----------------------------------------------------------------------


def test_api_serves_every_public_chart_without_money(public_app):
    client = public_app.server.test_client()
    index = client.get("/api/v1").get_json()
    keys = list(index["charts"])
    assert "overview.top_fields" in keys and not any("budget" in k or "spending" in k for k in keys)
    for key in keys:
        answer = client.get(f"/api/v1/charts/{key}.json?years=2015-2024")
        assert answer.status_code == 200, key
        data = answer.get_json()
        assert not [c for c in data["columns"] if "budget" in c or c.endswith("_usd")], key
        assert client.get(f"/api/v1/charts/{key}.csv").status_code == 200
    assert client.get("/api/v1/charts/fields.budget_by_field.json").status_code == 404
    assert client.get("/api/v1/charts/spending.by_year.csv").status_code == 404
    assert client.get("/api/v1/charts/overview.top_fields.xml").status_code == 404


def test_api_partners_are_paged_filtered_and_cacheable(public_app):
    client = public_app.server.test_client()
    first = client.get("/api/v1/partners.json?per_page=5&field=ED")
    body = first.get_json()
    assert len(body["data"]) == 5 and body["total"] > 5 and body["pages"] > 1
    # An activity filter: partners with activities in Education only, counted in it.
    everyone = client.get("/api/v1/partners.json?per_page=1").get_json()["total"]
    assert body["total"] < everyone and all(row["activities"] > 0 for row in body["data"])
    assert "source_file" not in body["columns"] and "extra" not in body["columns"]
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    second = client.get("/api/v1/partners.json?per_page=5&field=ED&page=2").get_json()
    assert {r["partner_id"] for r in second["data"]}.isdisjoint(
        r["partner_id"] for r in body["data"]
    )
    etag = first.headers["ETag"]
    assert (
        client.get(
            "/api/v1/partners.json?per_page=5&field=ED", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    assert "public" in first.headers["Cache-Control"]
    csv_text = client.get("/api/v1/partners.csv?per_page=1000").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("partner_id,name")
    assert len(csv_text.splitlines()) - 1 == int(
        client.get("/api/v1/partners.csv").headers["X-Total-Count"]
    )
    assert client.get("/api/v1/partners.json?per_page=0").status_code == 400


def test_api_needs_sign_in_in_internal_mode(internal_app):
    client = internal_app.server.test_client()
    assert client.get("/api/v1/partners.json").status_code == 401
    signed = sign_in(internal_app, "vera")
    answer = signed.get("/api/v1/charts/overview.top_fields.json")
    assert answer.status_code == 200 and answer.get_json()["total"] > 0
    # Internal charts are not open data, whoever asks.
    assert signed.get("/api/v1/charts/fields.budget_by_field.json").status_code == 404


def test_the_digest_card_is_offered_to_admins_only(internal_app):
    from flask import g

    from dashboards.pages import lifecycle

    def offered(role: str) -> bool:
        with internal_app.server.test_request_context("/lifecycle"):
            g.user = {"name": "x", "role": role}
            with db.pinned(internal_app.server.extensions["unesco"]["warehouse"]):
                tree = lifecycle.layout(lang="en")
        return lifecycle.DIGEST_BUTTON in _ids_in(dash.html.Div(tree), set())

    assert offered("admin") and not offered("analyst") and not offered("viewer")


def test_worker_processes_of_a_host_share_one_signing_key(tmp_path):
    """Keys made by processes starting at once agree (a per-process key broke pack polling)."""
    import multiprocessing

    path = tmp_path / "secret"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        keys = pool.map(auth.host_secret, [path] * 8)
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert auth.host_secret(path) == keys[0]  # read back, not made again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret"]  # no temporary file left


# -- loading from the browser (dashboards/pages/upload.py, dashboards/uploads.py) -------------


def _a_file() -> dict:
    import io

    return {"files": (io.BytesIO(b"partner_id,name\nEI,Education International\n"), "partners.csv")}


@pytest.mark.parametrize("who", ["vera", "ana"])
def test_upload_page_and_route_refuse_viewers_and_analysts(internal_app, who):
    client = sign_in(internal_app, who)
    headers = {auth.CSRF_HEADER: _csrf(client)}
    assert client.get("/admin/upload").status_code == 403
    answer = client.post("/admin/upload/files", data=_a_file(), headers=headers)
    assert answer.status_code == 403
    assert "admin" in answer.get_json()["reason"]
    for output in [o for o in internal_app.callback_map if "upload-" in o]:
        if auth.callback_role(output) == "admin":
            body = forged_body(internal_app, output)
            assert client.post(UPDATE, json=body, headers=headers).status_code == 403, output
    assert {auth.callback_role(o) for o in internal_app.callback_map if "upload-status" in o} == {
        "admin"
    }


def test_upload_route_needs_the_csrf_token_and_an_input_file(internal_app):
    client = sign_in(internal_app, "ada")
    assert client.get("/admin/upload").status_code == 200
    assert client.post("/admin/upload/files", data=_a_file()).status_code == 403  # no token
    import io

    answer = client.post(
        "/admin/upload/files",
        data={"files": (io.BytesIO(b"#!/bin/sh\n"), "run.sh")},
        headers={auth.CSRF_HEADER: _csrf(client)},
    )
    assert answer.status_code == 400 and answer.get_json()["error_code"] == "no_file"


def test_public_app_has_no_upload_page_or_route(public_app):
    client = public_app.server.test_client()
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "upload-drop" not in layout
    assert (
        client.post("/admin/upload/files", data=_a_file()).status_code == 404
    )  # public mode offers no admin page
    with public_app.server.test_request_context("/"):
        with db.pinned(public_app.server.extensions["unesco"]["warehouse"]):
            assert not auth.path_offered("/admin/upload")
