"""Malformed and mistyped callback bodies never get a 5xx (issue 9: 374 of 598 did).

Hypothesis mutates the bodies a real browser sent (tests/fixtures/requests/bodies.json): one value
anywhere in the tree replaced by any JSON value, a key dropped or added, a list item dropped or
duplicated. Every answer must be below 500; a 400 carries a short reason. About 600 bodies.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app as app_module
from dashboards.settings import load_settings

BODIES = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "requests" / "bodies.json").read_text()
)
UPDATE = "/_dash-update-component"

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "?", "?years=abc", "/", "../..", "ALL", "en", "fr", "url", "search"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node, prefix=()):
    """Every path (tuple of keys/indices) into a JSON tree, the root included."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _parent(tree, path):
    node = tree
    for step in path[:-1]:
        node = node[step]
    return node


@st.composite
def mutated(draw):
    """A recorded body with one mutation."""
    body = copy.deepcopy(draw(st.sampled_from(BODIES)))
    paths = [p for p in _paths(body) if p]
    path = draw(st.sampled_from(paths))
    parent = _parent(body, path)
    kind = draw(st.sampled_from(["replace", "replace", "replace", "drop", "add", "duplicate"]))
    if kind == "replace":
        parent[path[-1]] = draw(JSON)
    elif kind == "drop":
        del parent[path[-1]]
    elif kind == "add" and isinstance(parent, dict):
        parent[draw(st.text(max_size=10))] = draw(JSON)
    elif kind == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[path[-1]]))
    else:
        parent[path[-1]] = draw(JSON)
    return body


@pytest.fixture(scope="module")
def client(small_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    app = app_module.create_app(
        load_settings(warehouse_path=small_warehouse, background_cache_dir=folder / "bg")
    )
    return app.server.test_client()


@settings(
    max_examples=600,
    deadline=None,
    derandomize=True,  # the same 600 bodies every run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=mutated())
def test_no_mutated_body_gets_a_server_error(client, body):
    response = client.post(UPDATE, data=json.dumps(body), content_type="application/json")
    assert response.status_code < 500, (response.status_code, json.dumps(body)[:600])
    if response.status_code == 400:
        reason = response.get_json()["reason"]
        assert 0 < len(reason) <= 120


def test_the_corpus_covers_every_kind_of_callback():
    outputs = {b["output"] for b in BODIES}
    assert len(BODIES) >= 30
    assert any("page-content.children" in o for o in outputs)
    assert any("chart-graph" in o for o in outputs)
    assert any("url.search" in o for o in outputs)


def test_a_list_for_the_profile_partner_id_is_not_a_server_error(client):
    """Found by the fuzzer in CI: `profile-partner-id` sent as [] reached the SQL as a list."""
    body = next(b for b in BODIES if b["output"].startswith("..profile-by-year.figure"))
    forged = json.loads(json.dumps(body))
    for item in forged["inputs"]:
        if item["id"] == "profile-partner-id":
            item["value"] = []
    answer = client.post("/_dash-update-component", json=forged)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]


def test_a_list_for_the_data_pages_load_id_is_not_a_server_error(client):
    """Found by the fuzzer: `data-run` sent as [false, []] reached the SQL as a list."""
    body = next(b for b in BODIES if b["output"].startswith("data-rejected-grid.getRowsResponse"))
    forged = json.loads(json.dumps(body))
    for item in forged["state"]:
        if item["id"] == "data-run":
            item["value"] = [False, []]
    answer = client.post("/_dash-update-component", json=forged)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["response"]["data-rejected-grid"]["getRowsResponse"]["rowCount"] == 0


def test_the_charts_relay_must_be_text(client):
    """The charts request's relay value is text; anything else is refused with a reason."""
    body = next(b for b in BODIES if b["output"].startswith('{"key":["ALL"],"type":"chart-graph"}'))
    forged = json.loads(json.dumps(body))
    forged["inputs"][0]["value"] = {"x": 1}
    answer = client.post("/_dash-update-component", json=forged)
    assert answer.status_code == 400
    assert "charts-relay must be text" in answer.get_json()["reason"]


def test_a_charts_request_expecting_no_figure_gets_none(client):
    """Found by the fuzzer: with no graph among its outputs, the charts callback drew the ids in
    its state anyway, and Dash refused the answer (a 500)."""
    body = next(b for b in BODIES if b["output"].startswith('{"key":["ALL"],"type":"chart-graph"}'))
    forged = json.loads(json.dumps(body))
    assert forged["state"][1], "the recorded body names its graphs"
    forged["outputs"] = []
    answer = client.post("/_dash-update-component", json=forged)
    assert answer.status_code in (200, 204), answer.get_data(as_text=True)[:300]
