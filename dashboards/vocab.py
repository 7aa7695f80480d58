"""Code lists for the dashboard: check URL values and name codes (a thin view of etl.reference)."""

from __future__ import annotations

from collections.abc import Iterable

from etl.reference import Country, Term, get_reference


def normalise(vocabulary: str, text: str) -> str | None:
    """The code for a URL or form value, or None when it is not a known code or name."""
    return get_reference().normalise(vocabulary, text)


def sorted_codes(vocabulary: str, codes: Iterable[str]) -> list[str]:
    """Codes in their display order (reference order; countries alphabetically by code)."""
    order = {c: i for i, c in enumerate(get_reference().codes(vocabulary))}
    return sorted(codes, key=lambda c: order.get(c, len(order)))


def mask(vocabulary: str, codes: Iterable[str]) -> int:
    """The bitmask of a set of codes (see `activity_facts`)."""
    ref = get_reference()
    return sum(t.bit for t in ref.terms[vocabulary] if t.code in set(codes))


def codes(vocabulary: str) -> list[str]:
    """All codes of a vocabulary in display order."""
    return get_reference().codes(vocabulary)


def label(vocabulary: str, code: str | None, lang: str = "en") -> str:
    """Display name of a code in the language."""
    return get_reference().label(vocabulary, code, lang)


def term(vocabulary: str, code: str) -> Term | Country | None:
    """The reference term of a code."""
    return get_reference().term(vocabulary, code)
