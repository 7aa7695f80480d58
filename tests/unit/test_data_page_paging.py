"""The Data page with 50,000 rejected rows: the page carries none of them, and its grid pages
through them from the server (LIMIT/OFFSET, sort and column filters as parameters), through
the real callback endpoint of an app."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import plotly.utils
import pytest

from dashboards import ids
from dashboards.queries import data as q

N = 50_000


def shared_app():
    """One app per test process: Dash hands the callbacks registered at import to the first app
    built, so later apps would have none (until callbacks are registered by a function)."""
    import app as app_module

    application = getattr(app_module, "_shared_test_app", None)
    if application is None:
        application = app_module.create_app()
        app_module._shared_test_app = application
    return application


@pytest.fixture(scope="module")
def many_rejections(small_warehouse, tmp_path_factory) -> Path:
    """The small warehouse plus 50,000 rejected rows of the shape the ETL writes for a
    partners file with unknown countries (file, physical line, column, value, reason, raw)."""
    path = tmp_path_factory.mktemp("rejections") / "warehouse.duckdb"
    shutil.copy(small_warehouse, path)
    con = duckdb.connect(str(path))
    (run_id,) = con.execute("SELECT run_id FROM v_latest_run").fetchone()
    con.execute(
        """
        INSERT INTO rejected_rows (run_id, file, line, column_name, value, reason, raw)
        SELECT ?, 'partners-2024.csv', i + 1, 'country',
               CASE WHEN i % 1000 = 0 THEN 'Atlantis' ELSE 'Country ' || i END,
               'unknown country (not an ISO 3166 name or code)',
               json_object('partner_id', 'NGO-' || i, 'name', 'Organisation ' || i,
                           'country', 'Country ' || i)
        FROM range(1, ? + 1) t(i)
        """,
        [run_id, N],
    )
    con.close()
    return path


@pytest.fixture
def app_client(many_rejections, use_warehouse):
    """A Flask test client of a fresh app on the warehouse with 50,000 rejected rows."""
    use_warehouse(many_rejections)
    return shared_app().server.test_client()


def _payload(tree) -> int:
    return len(json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder))


def test_the_page_carries_no_rejected_row(app_client):
    from dashboards.pages import data

    tree = data.layout(lang="en")
    size = _payload(tree)
    # Chart definitions, the files table and the grids' French locale, not 50,000 rows (a row
    # is ~200 bytes: 50,000 would be ~10 MB).
    assert size < 100_000, size
    text = json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder)
    assert "Country 49999" not in text and "Atlantis" not in text
    assert "50,000 rows" in text or "50,000\u202frows" in text or "50\u202f000 rows" in text


def _grid_request(client, run_id: str, request: dict):
    from dashboards.pages import data

    body = {
        "output": f"{data.REJECTED}.getRowsResponse",
        "outputs": {"id": data.REJECTED, "property": "getRowsResponse"},
        "inputs": [{"id": data.REJECTED, "property": "getRowsRequest", "value": request}],
        "changedPropIds": [f"{data.REJECTED}.getRowsRequest"],
        "state": [
            {"id": data.RUN, "property": "data", "value": run_id},
            {"id": ids.LANG, "property": "data", "value": "en"},
        ],
    }
    client.get("/data")  # the first request wires Dash's callbacks
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.data[:300]
    return answer.get_json()["response"][data.REJECTED]["getRowsResponse"], len(answer.data)


def test_the_grid_gets_one_block_at_a_time(app_client):
    run_id = q.latest_run()["run_id"]
    block, size = _grid_request(app_client, run_id, {"startRow": 0, "endRow": 100})
    assert block["rowCount"] == N and len(block["rowData"]) == 100
    assert [r["line"] for r in block["rowData"][:3]] == [2, 3, 4]
    assert size < 60_000, size
    # the last page, and a client asking for everything at once still gets one capped block
    last, _ = _grid_request(app_client, run_id, {"startRow": N - 10, "endRow": N + 90})
    assert [r["line"] for r in last["rowData"]][-1] == N + 1 and len(last["rowData"]) == 10
    greedy, size = _grid_request(app_client, run_id, {"startRow": 0, "endRow": 10**9})
    assert len(greedy["rowData"]) == q.MAX_BLOCK and size < 300_000


def test_sort_and_filters_run_in_the_warehouse(app_client):
    run_id = q.latest_run()["run_id"]
    request = {
        "startRow": 0,
        "endRow": 100,
        "sortModel": [{"colId": "line", "sort": "desc"}],
        "filterModel": {"value": {"filterType": "text", "type": "contains", "filter": "atlan"}},
    }
    block, _ = _grid_request(app_client, run_id, request)
    assert block["rowCount"] == N // 1000
    assert block["rowData"][0]["line"] == N + 1 and block["rowData"][0]["value"] == "Atlantis"
    ranged = {
        "startRow": 0,
        "endRow": 100,
        "filterModel": {
            "line": {"filterType": "number", "type": "inRange", "filter": 11, "filterTo": 20}
        },
    }
    block, _ = _grid_request(app_client, run_id, ranged)
    assert block["rowCount"] == 10


def test_hostile_grid_requests_are_values_or_dropped(app_client):
    run_id = q.latest_run()["run_id"]
    hostile = {
        "startRow": 0,
        "endRow": 50,
        "sortModel": [{"colId": "line; DROP TABLE rejected_rows", "sort": "asc"}],
        "filterModel": {
            "reason) OR 1=1 --": {"filterType": "text", "type": "contains", "filter": "x"},
            "value": {"filterType": "text", "type": "contains", "filter": "%' OR '1'='1"},
            "file": {"filterType": "text", "type": "contains", "filter": "_"},
        },
    }
    block, _ = _grid_request(app_client, run_id, hostile)
    assert block == {"rowData": [], "rowCount": 0}  # no value contains that text
    # '_' is a character to find, not a LIKE wildcard: 'partners-2024.csv' has none
    only_underscore = {
        "startRow": 0,
        "endRow": 10,
        "filterModel": {"file": {"filterType": "text", "type": "contains", "filter": "_"}},
    }
    assert _grid_request(app_client, run_id, only_underscore)[0]["rowCount"] == 0
    assert q.issue_count("rejected", run_id) == N  # nothing was dropped
    malformed, _ = _grid_request(app_client, run_id, {"startRow": "x", "endRow": None})
    assert malformed == {"rowData": [], "rowCount": 0}
