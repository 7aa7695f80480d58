"""Page parts: what a page shows beside its charts for the filters (headlines, a rule check).

A part is drawn in the same request as the page's charts (`callbacks.sync_filters_and_charts`,
and `update_parts` for a URL that request did not draw), so a filter change costs one request
for everything the page shows instead of a second one sent once the browser has the new URL.
A page declares a part once (`register`) and puts `placeholder(key)` in its layout; the
callbacks find the part by the key in the placeholder's id.

Parts are cached per warehouse version, filters and language in their wire form (the JSON
Dash sends), so a warm request serialises plain lists and dicts, and the Redis level can share
them between workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash import html
from plotly.utils import PlotlyJSONEncoder

from dashboards import cache, ids
from dashboards.filters import Filters


@dataclass(frozen=True)
class Part:
    """One part of a page: its key and how it renders for filters and a language."""

    key: str
    render: Callable[[Filters, str], Any]

    def _cache_key(self, filters: Filters, lang: str) -> tuple:
        return ("part", self.key, filters.cache_key(), lang)

    def draw(self, filters: Filters, lang: str) -> object:
        """The part for the filters, in the form Dash sends it (cached)."""
        return cache.cached(
            *self._cache_key(filters, lang), compute=lambda: wire(self.render(filters, lang))
        )

    def cached(self, filters: Filters, lang: str) -> object:
        """`draw` if this process has it cached already, else `cache.MISSING`."""
        return cache.peek(*self._cache_key(filters, lang))


PARTS: dict[str, Part] = {}


def register(key: str, render: Callable[[Filters, str], Any]) -> Part:
    """Declare a page part (once per key; a page module imported again replaces its own)."""
    part = Part(key, render)
    PARTS[key] = part
    return part


def part_id(key: str) -> dict:
    """The pattern-matching id of a part's placeholder."""
    return {"type": ids.PAGE_PART, "key": key}


def placeholder(key: str, **props: Any) -> html.Div:
    """The element a part is drawn into (its children)."""
    if key not in PARTS:
        raise KeyError(f"no page part {key!r} is registered")
    return html.Div(id=part_id(key), **props)


def wire(component: object) -> object:
    """A component tree as the plain JSON structure Dash sends to the browser."""
    return json.loads(json.dumps(component, cls=PlotlyJSONEncoder))
