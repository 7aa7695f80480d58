"""A small client of Dash's callback protocol, as the browser's renderer speaks it.

One `PageSession` is one page load: it reads the page's `end_id` (the server-signed token the
renderer echoes on every callback request, to which background-job handles are bound), posts
callback bodies to `/_dash-update-component` and follows a background callback's poll chain
(`cacheKey` / `job` query arguments, inputs blanked) until the final response. Used by the
concurrent-pack test and the download benchmark, so both drive the real endpoint.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


@dataclass
class Outcome:
    """How one callback call ended: HTTP status of the last answer, its JSON, the polls made."""

    status: int
    body: dict | None
    polls: int = 0
    progress: list = field(default_factory=list)
    seconds: float = 0.0


def output_key(outputs: list[tuple[str, str]]) -> str:
    """The `output` string of a callback body: 'a.b' for one output, '..a.b...c.d..' for many."""
    if len(outputs) == 1:
        return f"{outputs[0][0]}.{outputs[0][1]}"
    return ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."


def body(
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, object]],
    state: list[tuple[str, str, object]] = (),  # type: ignore[assignment]
) -> dict:
    """A callback request body; the first input is the one that changed."""
    return {
        "output": output_key(outputs),
        "outputs": [{"id": i, "property": p} for i, p in outputs]
        if len(outputs) > 1
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
    }


def charts_body(
    chart_keys: list[str],
    search: str,
    variants: dict[str, str] | None = None,
    relay: str = "n1",
) -> dict:
    """The one request that draws all of a page's charts for a URL query string (issue 14).

    The browser sends it when its charts relay (`charts-relay`) wakes for an address the
    filter-bar request did not draw (first load, a link, back/forward) or when a variant
    control changes; the query string travels as state. Closed "show as table" panels send
    nothing.
    """
    graphs = [{"type": "chart-graph", "key": k} for k in chart_keys]
    chosen = [{"type": "chart-variant", "key": k} for k in (variants or {})]
    return {
        "output": '{"key":["ALL"],"type":"chart-graph"}.figure',
        "outputs": [{"id": g, "property": "figure"} for g in graphs],
        "inputs": [
            {"id": "charts-relay", "property": "data", "value": relay},
            [{"id": v, "property": "value", "value": variants[v["key"]]} for v in chosen]
            if variants
            else [],
        ],
        "changedPropIds": ["charts-relay.data"],
        "state": [
            {"id": "url", "property": "search", "value": search},
            [{"id": g, "property": "id", "value": g} for g in graphs],
            [{"id": v, "property": "id", "value": v} for v in chosen],
        ],
    }


def parts_body(
    search: str,
    part_keys: Sequence[str] = (),
    data_keys: Sequence[str] = (),
    options: dict[str, object] | None = None,
    relay: str = "n1",
) -> dict:
    """The request that draws a page's parts (`dashboards/parts.py`: headlines, a grid's rows)
    for a URL query string and the page's options: sent when the relay wakes, like
    `charts_body`, or when an option changes."""
    children = [{"type": "page-part", "key": k} for k in part_keys]
    data = [{"type": "page-data", "key": k} for k in data_keys]
    opts = [{"type": "page-option", "key": k} for k in (options or {})]
    return {
        "output": '..{"key":["ALL"],"type":"page-part"}.children...'
        '{"key":["ALL"],"type":"page-data"}.data..',
        "outputs": [
            [{"id": i, "property": "children"} for i in children],
            [{"id": i, "property": "data"} for i in data],
        ],
        "inputs": [
            {"id": "charts-relay", "property": "data", "value": relay},
            [{"id": o, "property": "value", "value": (options or {})[o["key"]]} for o in opts],
        ],
        "changedPropIds": ["charts-relay.data"],
        "state": [
            {"id": "url", "property": "search", "value": search},
            [{"id": i, "property": "id", "value": i} for i in children],
            [{"id": i, "property": "id", "value": i} for i in data],
            [{"id": o, "property": "id", "value": o} for o in opts],
        ],
    }


def table_body(chart_key: str, search: str, is_open: bool, followed: bool = False) -> dict:
    """The request of one chart's "show as table" panel: its button pressed (`followed` False),
    or, while open, the new query string its relay store received (`followed` True)."""
    part = {"key": chart_key}
    out = [
        ({**part, "type": "chart-table-collapse"}, "is_open"),
        ({**part, "type": "chart-table"}, "children"),
        ({**part, "type": "chart-table-toggle"}, "children"),
        ({**part, "type": "chart-table-toggle"}, "aria-expanded"),
    ]
    toggle = {"id": {**part, "type": "chart-table-toggle"}, "property": "n_clicks", "value": 1}
    relay = {"id": {**part, "type": "chart-table-search"}, "property": "data"}
    relay["value"] = search if followed else None
    changed = relay if followed else toggle
    return {
        "output": "..{"
        + '"key":["MATCH"],"type":"chart-table-collapse"}.is_open...{"key":["MATCH"],'
        '"type":"chart-table"}.children...{"key":["MATCH"],"type":"chart-table-toggle"}.children'
        '...{"key":["MATCH"],"type":"chart-table-toggle"}.aria-expanded..',
        "outputs": [{"id": i, "property": p} for i, p in out],
        "inputs": [toggle, relay],
        "changedPropIds": [
            json.dumps(changed["id"], sort_keys=True, separators=(",", ":"))
            + "."
            + changed["property"]
        ],
        "state": [
            {
                "id": {**part, "type": "chart-table-collapse"},
                "property": "is_open",
                "value": is_open,
            },
            {"id": "url", "property": "search", "value": search},
        ],
    }


class PageSession:
    """One page load of the app at `base` (its own end_id, as a browser tab has)."""

    def __init__(self, base: str, path: str = "/", timeout: float = 60):
        self.base = base.rstrip("/")
        self.timeout = timeout
        html = self._open(self.base + path, None)[1].decode()
        match = _CONFIG.search(html)
        if not match:
            raise RuntimeError("no _dash-config in the page")
        self.end_id = json.loads(match.group(1)).get("end_id")

    def _open(self, url: str, data: bytes | None) -> tuple[int, bytes]:
        req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def post(self, payload: dict, args: list[tuple[str, str]] = ()) -> tuple[int, dict | None]:  # type: ignore[assignment]
        """POST one callback request; (HTTP status, JSON body or None)."""
        query = [("endId", self.end_id)] if self.end_id else []
        query += list(args)
        url = f"{self.base}/_dash-update-component"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        status, raw = self._open(url, json.dumps(payload).encode())
        if status != 200 or not raw:
            return status, None
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, None

    def background(
        self,
        payload: dict,
        interval: float = 0.5,
        deadline: float = 300,
        extra: list[tuple[str, str]] = (),  # type: ignore[assignment]
    ) -> Outcome:
        """Start a background callback and poll it, as the renderer does, until it answers."""
        started = time.monotonic()
        status, data = self.post(payload, list(extra))
        if status != 200 or data is None or "cacheKey" not in data:
            return Outcome(status, data, 0, [], time.monotonic() - started)
        handles = [("cacheKey", data["cacheKey"]), ("job", data["job"])]
        blank = json.loads(json.dumps(payload))
        for item in blank["inputs"] + blank.get("state", []):
            if isinstance(item, dict):  # as the renderer: a wildcard's list is left as it is
                item["value"] = None
        polls = 0
        progress: list = []
        while time.monotonic() - started < deadline:
            time.sleep(interval)
            status, data = self.post(blank, handles)
            polls += 1
            if status != 200 or data is None:
                return Outcome(status, data, polls, progress, time.monotonic() - started)
            if "progress" in data:
                progress.append(data["progress"])
            if "response" in data:
                return Outcome(status, data, polls, progress, time.monotonic() - started)
        return Outcome(0, None, polls, progress, time.monotonic() - started)

    def cancel(self, payload: dict, job: str) -> int:
        """Press a cancel input: the request Dash's renderer sends with `cancelJob`."""
        status, _ = self.post(payload, [("cancelJob", job)])
        return status
