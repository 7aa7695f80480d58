"""Figures as plain dicts: one definition of each chart, drawn fast for the screen.

A figure builder returns a *spec*, the plain dict plotly.js reads (`{"data": [trace dicts],
"layout": {...}}`), written the way plotly's own `to_plotly_json()` writes it (titles as
`{"text": ...}`, nested dicts rather than `xaxis_title` shorthands, lists rather than arrays).
The screen sends the spec as it is, with the serialised template added (`theme.with_template`):
no graph object is built, so no property is validated on the request's path, where plotly's
validation held the GIL for most of a figure's cost. Exports (PNG/SVG/PDF, packs) and tests get
a validated `go.Figure` built from the same dict (`to_figure`); `tests/unit/test_figure_specs.py`
checks that validation accepts every chart's spec unchanged, so a misspelt property fails there.

Builders are written as `@builder def name(frame, lang, ...) -> Spec`; calling the builder gives
the validated `go.Figure` (what callers outside the screen path have always had), and
`spec_function(builder)` (also through `functools.partial`) gives the dict-returning function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from dashboards.figures import theme

Spec = dict[str, Any]  # {"data": [trace dicts], "layout": {...}}


def new_figure(data: list[dict] | None = None, layout: dict | None = None) -> Spec:
    """A figure as a plain dict: traces (each with its "type") and a layout."""
    return {"data": list(data or []), "layout": dict(layout or {})}


def layout(spec: Spec) -> dict:
    """The spec's layout dict (created if absent)."""
    return spec.setdefault("layout", {})


def update(target: dict, patch: dict) -> dict:
    """Merge `patch` into `target` as plotly's `update` does: nested dicts merge, other values
    replace, and None removes the property."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            update(target[key], value)
        elif isinstance(value, dict):
            target[key] = update({}, value)
        else:
            target[key] = value
    return target


def update_layout(spec: Spec, patch: dict) -> Spec:
    """Merge a (nested) dict into the layout, like `go.Figure.update_layout(dict)`."""
    update(layout(spec), patch)
    return spec


def update_axis(spec: Spec, axis: str, patch: dict) -> Spec:
    """Merge a dict into one axis ("xaxis", "yaxis"): a figure here has a single subplot."""
    return update_layout(spec, {axis: patch})


def add_annotation(spec: Spec, annotation: dict) -> Spec:
    """Append an annotation to the layout."""
    layout(spec).setdefault("annotations", []).append(annotation)
    return spec


def add_shape(spec: Spec, shape: dict) -> Spec:
    """Append a shape to the layout."""
    layout(spec).setdefault("shapes", []).append(shape)
    return spec


def meta(spec: Spec) -> dict:
    """The layout's `meta` dict ({} when none): marks such as {"empty": True}."""
    value = layout(spec).get("meta")
    return value if isinstance(value, dict) else {}


def themed(spec: Spec, lang: str) -> Spec:
    """The language's number separators; the template itself is added where the spec is drawn
    (`theme.with_template` for the screen, the template's name in `to_figure`)."""
    layout(spec)["separators"] = theme.SEPARATORS.get(lang, theme.SEPARATORS["en"])
    return spec


def to_figure(spec: Spec, medium: str = "screen") -> go.Figure:
    """The validated graph object of a spec, with the house template (exports, tests)."""
    fig = go.Figure(spec)
    fig.update_layout(template=theme.template_name(medium))
    return fig


class Builder:
    """A figure builder written as a spec function; calling it gives the validated figure."""

    def __init__(self, function: Callable[..., Spec]) -> None:
        self.spec = function
        functools.update_wrapper(self, function)

    def __call__(self, *args: Any, **kwargs: Any) -> go.Figure:
        """The validated `go.Figure` of the spec."""
        return to_figure(self.spec(*args, **kwargs))

    def __repr__(self) -> str:
        return f"<figure builder {self.spec.__module__}.{self.spec.__qualname__}>"


def builder(function: Callable[..., Spec]) -> Builder:
    """Decorator: a spec function as a figure builder (see the module's docstring)."""
    return Builder(function)


def spec_function(figure: Callable[..., Any]) -> Callable[..., Spec]:
    """The dict-returning form of a figure builder (through `functools.partial`); a builder
    that still returns a `go.Figure` gives its `to_plotly_json()`."""
    if isinstance(figure, functools.partial):
        return functools.partial(spec_function(figure.func), *figure.args, **figure.keywords)
    if isinstance(figure, Builder):
        return figure.spec
    return lambda *args, **kwargs: figure(*args, **kwargs).to_plotly_json()
