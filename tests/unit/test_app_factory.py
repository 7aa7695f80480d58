"""The app as an application: settings read once, apps that own their state, bounded queries,
guarded requests, structured logs, security headers, a private job folder, a URL prefix.

Requests go through the Flask test client of a real app (create_app) on real warehouses; the
callback bodies are the ones a real browser sent (tests/fixtures/requests/bodies.json).
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import logging
import os
import re
import stat
import threading
from pathlib import Path

import pytest

import app as app_module
from dashboards import db, server
from dashboards.charts import REGISTRY
from dashboards.settings import Settings, SettingsError, load_settings

BODIES = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "requests" / "bodies.json").read_text()
)
UPDATE = "/_dash-update-component"


def body_for(prefix: str) -> dict:
    """A recorded body whose callback output starts with `prefix`."""
    return copy.deepcopy(next(b for b in BODIES if b["output"].startswith(prefix)))


CHARTS = '{"key":["ALL"],"type":"chart-graph"}.figure'
HEADLINES = '..{"key":["ALL"],"type":"page-part"}.children...'  # update_parts
ROUTE = "..page-content.children"


@pytest.fixture
def make_app(tmp_path):
    """`make_app(warehouse, **settings)`: a fresh app on a warehouse file."""
    counter = iter(range(1000))

    def make(warehouse: Path, **overrides):
        overrides.setdefault("background_cache_dir", tmp_path / f"bg{next(counter)}")
        return app_module.create_app(load_settings(warehouse_path=warehouse, **overrides))

    return make


def activities_total(response) -> int:
    """The total of the overview's activities-by-year chart in a chart-callback response."""
    assert response.status_code == 200, response.data[:300]
    figure = response.get_json()["response"][
        json.dumps(
            {"key": "overview.activities_by_year", "type": "chart-graph"},
            separators=(",", ":"),
            sort_keys=True,
        )
    ]["figure"]
    return int(sum(sum(t.get("y") or []) for t in figure["data"]))


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "on"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_debug_only_explicit_true_values_turn_it_on(monkeypatch, text, on):
    monkeypatch.setenv("DEBUG", text)
    assert load_settings().debug is on


@pytest.mark.parametrize("text", ["maybe", "2", "enable", "False!"])
def test_debug_unknown_words_stop_the_app_with_one_line(monkeypatch, capsys, text):
    monkeypatch.setenv("DEBUG", text)
    with pytest.raises(SettingsError, match="DEBUG"):
        load_settings()
    assert app_module.main() == 2
    err = capsys.readouterr().err
    assert err.startswith("error: setting DEBUG") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "99999"),
        ("PORT", "eighty"),
        ("DUCKDB_MEMORY_LIMIT", "lots"),
        ("DASH_URL_BASE_PATHNAME", "/a b/"),
        ("QUERY_TIME_LIMIT_MS", "0"),
    ],
)
def test_bad_settings_name_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"setting {name}:"):
        load_settings()


def test_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("DASH_URL_BASE_PATHNAME", "ngo")
    monkeypatch.setenv("QUERY_MAX_ROWS", "500")
    s = load_settings()
    assert s.warehouse_path == tmp_path / "w.duckdb"
    assert s.dash_url_base_pathname == "/ngo/"
    assert s.query_max_rows == 500
    assert isinstance(s, Settings)


# -- apps own their state -------------------------------------------------------------------


def test_two_apps_in_one_process_answer_from_their_own_warehouse(
    make_app, small_warehouse, demo_warehouse
):
    import duckdb

    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:  # activities counted once per year they run in (what the chart draws)
        demo_total = con.execute("SELECT count(*) FROM activity_facts").fetchone()[0]
    finally:
        con.close()
    small_app = make_app(small_warehouse)
    demo_app = make_app(demo_warehouse)
    small_client, demo_client = small_app.server.test_client(), demo_app.server.test_client()
    for _ in range(2):  # interleaved, and again from their caches
        assert activities_total(small_client.post(UPDATE, json=body_for(CHARTS))) == 8
        assert activities_total(demo_client.post(UPDATE, json=body_for(CHARTS))) == demo_total
    # Each app has every callback (Dash would hand its global list to the first app only).
    assert set(small_app.callback_map) == set(demo_app.callback_map)
    assert len(small_app.callback_map) >= 15
    assert (
        small_app.server.extensions["unesco"]["cache"]
        is not demo_app.server.extensions["unesco"]["cache"]
    )


def test_validation_layout_holds_every_callback_id(make_app, small_warehouse):
    app = make_app(small_warehouse)
    assert app.config.suppress_callback_exceptions is False
    found = {json.dumps(c.id, sort_keys=True) for c in app.validation_layout._traverse_ids()}
    types = {json.loads(f).get("type") for f in found if f.startswith("{")}
    missing = []
    for entry in app._callback_list:
        specs = [*entry["inputs"], *entry["state"]]
        outputs = entry["output"].strip(".").split("...")
        ids = [s["id"] for s in specs] + [o.rsplit(".", 1)[0] for o in outputs]
        for one in ids:
            if one.startswith("{"):
                if json.loads(one).get("type") not in types:
                    missing.append(one)
            elif json.dumps(one) not in found:
                missing.append(one)
    assert not missing, f"ids not in the validation layout: {sorted(set(missing))}"
    # Skeletons only: the partner directory's rows are not sent with every page.
    assert len(json.dumps(app.validation_layout.to_plotly_json(), default=str)) < 60_000


# -- bounded queries -----------------------------------------------------------------------

SLOW = "SELECT count(*) FROM range(100000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3"


def test_a_query_past_its_time_limit_is_interrupted(small_warehouse):
    warehouse = db.Warehouse(small_warehouse, "256MB", db.Limits(time_limit_s=0.3))
    with db.pinned(warehouse):
        with pytest.raises(db.QueryTimeout, match="took too long"):
            db.query(SLOW)
        # The connection is still usable after the interrupt.
        assert db.scalar("SELECT count(*) FROM activities") == 8


def test_row_cap(small_warehouse):
    warehouse = db.Warehouse(small_warehouse, "256MB", db.Limits(max_rows=10))
    with db.pinned(warehouse):
        assert len(db.query("SELECT range AS i FROM range(10)")) == 10
        with pytest.raises(db.QueryTooLarge, match="more than 10 rows"):
            db.query("SELECT range AS i FROM range(11)")
        assert len(db.query("SELECT range AS i FROM range(5000)", max_rows=5000)) == 5000
        # Same frame as DuckDB's own .df() (types, nulls, lists).
        sql = "SELECT * FROM partners ORDER BY partner_id"
        import duckdb

        con = duckdb.connect(str(small_warehouse), read_only=True)
        try:
            expected = con.execute(sql).df()
        finally:
            con.close()
        got = db.query(sql)
        assert list(got.dtypes) == list(expected.dtypes)
        assert got.equals(expected)


def test_a_chart_past_the_time_limit_says_so(make_app, small_warehouse, monkeypatch):
    from dashboards.charts import all_charts

    all_charts()
    chart = REGISTRY["overview.activities_by_year"]

    def slow(_filters):
        return db.query(SLOW)

    monkeypatch.setitem(REGISTRY, chart.key, dataclasses.replace(chart, query=slow))
    app = make_app(small_warehouse, query_time_limit_ms=300)
    response = app.server.test_client().post(UPDATE, json=body_for(CHARTS))
    assert response.status_code == 200
    figures = {
        json.loads(k)["key"]: v["figure"] for k, v in response.get_json()["response"].items()
    }
    texts = {k: [a["text"] for a in f["layout"].get("annotations", [])] for k, f in figures.items()}
    assert texts["overview.activities_by_year"] == [
        "The query took too long: narrow the filters or try again later."
    ]
    # The other charts of the page are drawn as usual.
    assert len(figures) == 4
    assert all(figures[k]["data"] for k in figures if k != "overview.activities_by_year")


# -- malformed requests -------------------------------------------------------------------


@pytest.fixture
def client(make_app, small_warehouse):
    return make_app(small_warehouse).server.test_client()


def _mutations() -> list[tuple[str, object]]:
    headlines = body_for(HEADLINES)
    charts = body_for(CHARTS)
    cases: list[tuple[str, object]] = [
        ("empty", b""),
        ("not json", b"{output"),
        ("array", []),
        ("string", "hello"),
        ("no output", {k: v for k, v in headlines.items() if k != "output"}),
        ("unknown callback", {**headlines, "output": "nope.children"}),
        ("output as list", {**headlines, "output": ["x"]}),
        ("no inputs", {k: v for k, v in headlines.items() if k != "inputs"}),
        ("inputs not a list", {**headlines, "inputs": {"id": "url"}}),
        ("too few inputs", {**headlines, "inputs": []}),
        (
            "search as number",
            {**headlines, "inputs": [{"id": "url", "property": "search", "value": 5}]},
        ),
        (
            "search as dict",
            {**headlines, "inputs": [{"id": "url", "property": "search", "value": {"$": 1}}]},
        ),
        ("wrong id", {**headlines, "inputs": [{"id": "other", "property": "search", "value": ""}]}),
        (
            "wrong property",
            {**headlines, "inputs": [{"id": "url", "property": "href", "value": ""}]},
        ),
        ("state not a list", {**charts, "state": "x"}),
        (
            "deep",
            {
                **headlines,
                "inputs": [
                    {"id": "url", "property": "search", "value": json.loads("[" * 50 + "]" * 50)}
                ],
            },
        ),
    ]
    bad_state = copy.deepcopy(charts)
    bad_state["state"][1][0]["value"] = {"type": "chart-graph", "key": {"nested": 1}}
    cases.append(("state id nested", bad_state))
    return cases


@pytest.mark.parametrize(("name", "body"), _mutations(), ids=[n for n, _ in _mutations()])
def test_malformed_bodies_get_400_with_a_short_reason(client, name, body):
    if isinstance(body, bytes):
        response = client.post(UPDATE, data=body, content_type="application/json")
    else:
        response = client.post(UPDATE, json=body)
    assert response.status_code == 400, (name, response.status_code, response.data[:200])
    reason = response.get_json()["reason"]
    assert 0 < len(reason) <= 120 and "Traceback" not in reason


def test_every_recorded_body_is_accepted(make_app, demo_warehouse):
    client = make_app(demo_warehouse).server.test_client()
    for body in BODIES:
        response = client.post(UPDATE, json=body)
        assert response.status_code in (200, 204), (body["output"], response.data[:300])


# -- logs, request ids, headers ------------------------------------------------------------


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_one_json_line_per_request_with_its_id(client):
    handler = _Lines()
    server.log.addHandler(handler)
    try:
        ok = client.get("/")
        bad = client.post(UPDATE, data=b"nope", content_type="application/json")
        echoed = client.get("/", headers={"X-Request-ID": "abc-12345678"})
        forged = client.get("/", headers={"X-Request-ID": "<script>bad id</script>"})
    finally:
        server.log.removeHandler(handler)
    records = [json.loads(line) for line in handler.lines]
    assert len(records) == 4
    assert {"request_id", "method", "path", "status", "duration_ms"} <= set(records[0])
    assert [r["status"] for r in records] == [200, 400, 200, 200]
    assert records[1]["reason"] == "not JSON" and records[1]["path"] == UPDATE
    assert ok.headers["X-Request-ID"] == records[0]["request_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", ok.headers["X-Request-ID"])
    assert bad.headers["X-Request-ID"] == records[1]["request_id"]
    assert echoed.headers["X-Request-ID"] == "abc-12345678"
    assert forged.headers["X-Request-ID"] != "<script>bad id</script>"
    assert len({r["request_id"] for r in records}) == 4


def _inline_script_hashes(html: str) -> set[str]:
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)  # e.g. Dash's <!--[if IE]> notice
    scripts = re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S
    )
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
        if s.strip()
    }


def test_security_headers_on_every_response(client):
    page = client.get("/")
    responses = [
        page,
        client.get("/assets/app.css"),
        client.post(UPDATE, json=body_for(HEADLINES)),
        client.get("/nope-404"),
    ]
    for r in responses:
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert r.headers["X-Frame-Options"] == "DENY"
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        script_src = re.search(r"script-src ([^;]*)", csp).group(1).split()
        assert "'unsafe-inline'" not in script_src
    # Every inline script of the page is allowed by its hash, and nothing else inline.
    script_src = set(
        re.search(r"script-src ([^;]*)", page.headers["Content-Security-Policy"]).group(1).split()
    )
    inline = _inline_script_hashes(page.get_data(as_text=True))
    assert inline and inline <= script_src


def test_responses_are_compressed(client):
    r = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("Content-Encoding") == "gzip"
    r = client.post(UPDATE, json=body_for(CHARTS), headers={"Accept-Encoding": "br, gzip"})
    assert r.headers.get("Content-Encoding") in ("br", "gzip")


def test_the_development_server_names_no_version(make_app, small_warehouse):
    from werkzeug.serving import make_server

    app = make_app(small_warehouse)
    httpd = make_server(
        "127.0.0.1", 0, app.server, threaded=True, request_handler=server.QuietRequestHandler
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{httpd.server_port}/assets/app.css") as r:
            banners = r.headers.get_all("Server")
    finally:
        httpd.shutdown()
    assert banners == [server.SERVER_NAME]


# -- the background job folder -------------------------------------------------------------


def test_the_background_folder_is_private(make_app, small_warehouse, tmp_path):
    fresh = tmp_path / "jobs" / "cache"
    make_app(small_warehouse, background_cache_dir=fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    os.chmod(loose, 0o777)
    make_app(small_warehouse, background_cache_dir=loose)
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700


def test_a_symlinked_background_folder_is_refused(make_app, small_warehouse, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(SettingsError, match="BACKGROUND_CACHE_DIR"):
        make_app(small_warehouse, background_cache_dir=link)


# -- URL prefix -----------------------------------------------------------------------------


def test_the_app_under_a_url_prefix(make_app, small_warehouse):
    app = make_app(small_warehouse, dash_url_base_pathname="/ngo/")
    c = app.server.test_client()
    page = c.get("/ngo/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/ngo/_dash-component-suites/" in html and "/ngo/assets/" in html
    assert c.get("/").status_code == 404
    route = body_for(ROUTE)
    route["inputs"][0]["value"] = "/ngo/fields"
    r = c.post("/ngo" + UPDATE, json=route)
    assert r.status_code == 200
    text = json.dumps(r.get_json())
    assert "fields.activities_by_field" in text or "Fields of competence" in text
    # Links built by the shell carry the prefix.
    shell = json.dumps(c.get("/ngo/_dash-layout").get_json()).replace(" ", "")  # as served
    assert '"href":"/ngo/fields"' in shell and '"href":"/fields"' not in shell


# -- background jobs -----------------------------------------------------------------------


def test_a_background_job_reads_one_warehouse_from_start_to_end(
    tmp_path, small_warehouse, demo_warehouse
):
    import shutil

    from dashboards import background

    live = tmp_path / "live.duckdb"
    shutil.copy(small_warehouse, live)
    seen: list[int] = []

    def job():
        seen.append(db.scalar("SELECT count(*) FROM activities"))
        building = tmp_path / "building.duckdb"  # a load swaps a new file in mid-job
        shutil.copy(demo_warehouse, building)
        os.replace(building, live)
        seen.append(db.scalar("SELECT count(*) FROM activities"))

    pinned = background._pinned_job(job, str(live), "256MB", db.Limits())
    pinned()
    assert seen == [8, 8]
    seen.clear()
    pinned()  # the next job reads the new file
    assert seen[0] == seen[1] > 8


def test_the_app_owns_a_manager_whose_jobs_are_pinned(make_app, small_warehouse):
    from dashboards import background

    app = make_app(small_warehouse)
    manager = app._background_manager
    assert isinstance(manager, background.AppJobManager)
    assert manager.func_registry  # the briefing-pack job, wrapped at registration
    assert manager._job_args[0] == str(small_warehouse)


def test_an_old_warehouse_file_is_closed_when_its_last_reader_is_done(
    tmp_path, small_warehouse, demo_warehouse
):
    import shutil

    import duckdb

    live = tmp_path / "live.duckdb"
    shutil.copy(small_warehouse, live)
    warehouse = db.Warehouse(live, "256MB", db.Limits())
    old = warehouse.snapshot()  # a request still reading
    building = tmp_path / "building.duckdb"
    shutil.copy(demo_warehouse, building)
    os.replace(building, live)
    new = warehouse.snapshot()
    assert new is not old and new.version != old.version
    assert old.con.execute("SELECT count(*) FROM activities").fetchone()[0] == 8  # still open
    old.release()
    with pytest.raises(duckdb.Error):
        old.con.execute("SELECT 1")  # closed with its last reader, not left to the collector
    new.release()
    assert warehouse.snapshot() is new  # the current file stays open
