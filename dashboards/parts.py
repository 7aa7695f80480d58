"""Page parts: what a page shows beside its charts for the filters (headlines, a rule check,
a grid's rows).

A part is drawn in the same request as the page's charts (`callbacks.sync_filters_and_charts`,
and `update_parts` for a URL that request did not draw or a page option that changed), so a
filter change costs one request for everything the page shows instead of a second one sent
once the browser has the new URL. A page declares a part once (`register`) and puts
`placeholder(key)` in its layout; the callbacks find the part by the key in the placeholder's
id.

Two kinds, by what the placeholder holds:
- "children": an `html.Div` whose children the part renders (components);
- "data": a `dcc.Store` whose data the part gives (plain JSON). A grid's rows are such a part,
  sent `pack`ed (the column names once) and unpacked into the grid's rowData in the browser
  (`rows_into_grid`).

A part may read page options (`option_id(key)`: a control of the page that is not a filter, such
as the directory's "include partners with no matching activity"), may vary with something
beside the filters (`varies`, e.g. today's date), and may be internal (nothing in a public
deployment, checked here on the server whatever the request names).

Parts are cached per warehouse version, filters, language, options and `varies` in their wire
form (the JSON Dash sends), so a warm request serialises plain lists and dicts, and the Redis
level can share them between workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from dash import Input, Output, clientside_callback, dcc, html
from plotly.utils import PlotlyJSONEncoder

from dashboards import cache, db, ids
from dashboards.filters import Filters

KINDS = {"children": ids.PAGE_PART, "data": ids.PAGE_DATA}


@dataclass(frozen=True)
class Part:
    """One part of a page: its key and how it renders for filters, a language and options."""

    key: str
    render: Callable[..., Any]
    kind: str = "children"  # a key of KINDS
    options: tuple[str, ...] = ()  # page options whose values render takes after the language
    varies: Callable[[], Hashable] | None = None  # what else the rendering depends on
    internal: bool = False  # nothing in a public deployment

    def _values(self, options: Mapping[str, Any]) -> dict[str, Any]:
        return {name: _option_value(options.get(name)) for name in self.options}

    def _cache_key(self, filters: Filters, lang: str, options: Mapping[str, Any]) -> tuple:
        values = tuple(sorted(self._values(options).items()))
        extra = self.varies() if self.varies is not None else None
        return ("part", self.key, filters.cache_key(), lang, values, extra)

    def empty(self) -> object:
        """What an internal part is in a public deployment: no rows, no components."""
        return pack([]) if self.kind == "data" else None

    def draw(self, filters: Filters, lang: str, options: Mapping[str, Any] | None = None) -> object:
        """The part for the filters, in the form Dash sends it (cached)."""
        opts = options or {}
        if self.internal and db.is_public():
            return self.empty()
        return cache.cached(
            *self._cache_key(filters, lang, opts),
            compute=lambda: wire(self.render(filters, lang, *self._values(opts).values())),
        )

    def cached(self, filters: Filters, lang: str, options: Mapping[str, Any] | None = None):
        """`draw` if this process has it cached already (or it is empty), else `cache.MISSING`."""
        opts = options or {}
        if self.internal and db.is_public():
            return self.empty()
        return cache.peek(*self._cache_key(filters, lang, opts))


def _option_value(value: Any) -> Hashable:
    """A page option's value as the client sent it, kept only if it is a plain scalar."""
    return value if isinstance(value, bool | int | float | str) or value is None else None


PARTS: dict[str, Part] = {}


def register(
    key: str,
    render: Callable[..., Any],
    *,
    kind: str = "children",
    options: tuple[str, ...] = (),
    varies: Callable[[], Hashable] | None = None,
    internal: bool = False,
) -> Part:
    """Declare a page part (once per key; a page module imported again replaces its own)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of page part {kind!r}")
    part = Part(key, render, kind, tuple(options), varies, internal)
    PARTS[key] = part
    return part


def part_id(key: str) -> dict:
    """The pattern-matching id of a part's placeholder (a Div's; a Store's for data parts)."""
    part = PARTS.get(key)
    return {"type": KINDS[part.kind] if part else ids.PAGE_PART, "key": key}


def placeholder(key: str, **props: Any) -> html.Div | dcc.Store:
    """The element a part is drawn into (a Div's children, or a Store's data)."""
    if key not in PARTS:
        raise KeyError(f"no page part {key!r} is registered")
    if PARTS[key].kind == "data":
        return dcc.Store(id=part_id(key), **props)
    return html.Div(id=part_id(key), **props)


def option_id(key: str) -> dict:
    """The pattern-matching id of a page option (its component's `value` is read)."""
    return {"type": ids.PAGE_OPTION, "key": key}


def options_of(values: list | None, option_ids: list | None) -> dict[str, Any]:
    """{option key: value} from the values and ids of the page's option components."""
    return {
        str(i.get("key")): v
        for i, v in zip(option_ids or [], values or [], strict=False)
        if isinstance(i, dict)
    }


def wire(component: object) -> object:
    """A component tree as the plain JSON structure Dash sends to the browser."""
    return json.loads(json.dumps(component, cls=PlotlyJSONEncoder))


def pack(records: list[dict]) -> dict:
    """Rows as sent to the browser: {"columns": [name, …], "rows": [[value, …], …]}.

    A list of records repeats every key in every row (~40 % of the partner directory's answer,
    issue 14); the browser rebuilds the records (`rows_into_grid`).
    """
    columns = list(dict.fromkeys(k for record in records for k in record))
    return {"columns": columns, "rows": [[r.get(c) for c in columns] for r in records]}


def unpack(data: dict | None) -> list[dict]:
    """The records of `pack` (what the browser does in `rows_into_grid`; for tests)."""
    if not data:
        return []
    return [dict(zip(data["columns"], values, strict=True)) for values in data["rows"]]


_UNPACK_JS = """
function(data) {
    if (!data || !Array.isArray(data.columns) || !Array.isArray(data.rows)) {
        return [];
    }
    const columns = data.columns;
    return data.rows.map(function (values) {
        const row = {};
        for (let i = 0; i < columns.length; i++) {
            row[columns[i]] = values[i];
        }
        return row;
    });
}
"""


def rows_into_grid(key: str, grid_id: str) -> None:
    """In the browser, the grid's rowData from the data part `key` (packed rows), as `unpack`."""
    clientside_callback(
        _UNPACK_JS,
        Output(grid_id, "rowData"),
        Input(part_id(key), "data"),
        prevent_initial_call=True,
    )
