"""Rejection and warning reasons that the dashboard can show in the reader's language.

A reason is built from a message template and named arguments::

    Reason("unknown %(what)s: %(codes)s", what=Reason("field of competence"), codes="'XX'")

It *is* the English text (a ``str`` subclass, so every place that joins, counts or prints
reasons keeps working, and the warehouse stays readable in English), and it also carries
``template`` and ``args``. The load stores all three: ``reason`` (English), ``reason_template``
(the msgid) and ``reason_args`` (JSON); the Data page renders the template in the UI language
with ``dashboards.i18n.reason_text``. An argument that is itself a `Reason` (a word such as
"field of competence", or the reason of a failed date) is translated too; any other argument
is a value from the data and is shown as the source gave it.

``Reason("…")`` is the extraction keyword (``dashboards.i18n.KEYWORDS``, ``babel.cfg`` reads
``etl/**.py``): pass it a literal template with ``%(name)s`` placeholders, never an f-string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np


class Reason(str):
    """English text of a reason that also keeps its msgid template and its arguments."""

    template: str
    args: dict[str, object]

    def __new__(cls, template: str, **args: object) -> Reason:
        """Build the English text by filling the template with the arguments."""
        text = template % {k: _english(v) for k, v in args.items()} if args else template
        self = super().__new__(cls, text)
        self.template = template
        self.args = args
        return self

    def to_json(self) -> dict[str, object]:
        """{"template": …, "args": {…}} with nested reasons as nested objects."""
        return {"template": self.template, "args": {k: _jsonable(v) for k, v in self.args.items()}}


def _english(value: object) -> object:
    return str(value) if isinstance(value, Reason) else value


def _jsonable(value: object) -> object:
    if isinstance(value, Reason):
        return value.to_json()
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, np.integer | np.floating):
        return value.item()
    return str(value)


def template_of(value: object) -> str | None:
    """The msgid of a reason, or None for plain text (shown as it is in every language)."""
    return value.template if isinstance(value, Reason) else None


def args_of(value: object) -> str | None:
    """The JSON arguments of a reason ('{}' when it has none), or None for plain text."""
    if not isinstance(value, Reason):
        return None
    return json.dumps(value.to_json()["args"], ensure_ascii=False, sort_keys=True)


def columns(values: Iterable[object]) -> tuple[list[str | None], list[str | None]]:
    """The `reason_template` and `reason_args` columns for a column of reasons."""
    templates: list[str | None] = []
    args: list[str | None] = []
    memo: dict[int, tuple[str | None, str | None]] = {}  # one reason object shared by many rows
    items = list(values)  # held until the end: an id is not reused while its object lives
    for v in items:
        got = memo.get(id(v))
        if got is None:
            got = memo[id(v)] = (template_of(v), args_of(v))
        templates.append(got[0])
        args.append(got[1])
    return templates, args
