"""The callback requests of a filter change, as the synthetic client sends them (issue 14).

`bench/dashclient.py` builds the charts and table bodies the browser sends; they go through the
Flask test client of a real app on the small warehouse: the charts answer in one request, a
table answers when its button is pressed or, while open, when its relay gets the new URL, and a
closed table's relay gets nothing to do.
"""

from __future__ import annotations

import json

import pytest

import app as app_module
from bench import dashclient
from dashboards.charts import charts_for
from dashboards.settings import load_settings

UPDATE = "/_dash-update-component"
KEY = "overview.top_fields"


@pytest.fixture
def client(small_warehouse, tmp_path):
    """A test client of a fresh app on the small warehouse."""
    settings = load_settings(warehouse_path=small_warehouse, background_cache_dir=tmp_path / "bg")
    return app_module.create_app(settings).server.test_client()


def _dom(component_id: dict) -> str:
    return json.dumps(component_id, separators=(",", ":"), sort_keys=True)


def test_one_request_draws_every_chart_of_the_page(client):
    keys = [c.key for c in charts_for("overview")]
    response = client.post(UPDATE, json=dashclient.charts_body(keys, "?field=ED"))
    assert response.status_code == 200, response.data[:300]
    figures = response.get_json()["response"]
    assert set(figures) == {_dom({"type": "chart-graph", "key": k}) for k in keys}
    assert all(f["figure"]["data"] or f["figure"]["layout"] for f in figures.values())


def _table_rows(response) -> list:
    out = response.get_json()["response"]
    table = out[_dom({"type": "chart-table", "key": KEY})]["children"]
    return table["props"]["children"][1]["props"]["children"]


def test_a_table_opens_on_its_button_and_follows_the_url_while_open(client):
    opened = client.post(UPDATE, json=dashclient.table_body(KEY, "", is_open=False))
    assert opened.status_code == 200, opened.data[:300]
    body = opened.get_json()["response"]
    assert body[_dom({"type": "chart-table-collapse", "key": KEY})]["is_open"] is True
    everything = _table_rows(opened)
    followed = client.post(
        UPDATE, json=dashclient.table_body(KEY, "?field=ED", is_open=True, followed=True)
    )
    assert followed.status_code == 200, followed.data[:300]
    rows = _table_rows(followed)
    assert rows != everything  # the open table shows the new filters' numbers
    assert json.dumps(rows).count("ED") >= 1


def test_a_closed_table_does_nothing_when_its_relay_fires_and_its_button_closes_it(client):
    # A relay set just before the table was closed: nothing to draw, nothing changed.
    late = client.post(
        UPDATE, json=dashclient.table_body(KEY, "?field=ED", is_open=False, followed=True)
    )
    assert late.status_code in (200, 204)
    assert late.status_code == 204 or late.get_json()["response"] == {}
    closed = client.post(UPDATE, json=dashclient.table_body(KEY, "", is_open=True))
    assert closed.status_code == 200
    body = closed.get_json()["response"]
    assert body[_dom({"type": "chart-table-collapse", "key": KEY})]["is_open"] is False
    assert body[_dom({"type": "chart-table", "key": KEY})]["children"] is None
