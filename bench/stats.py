"""Small statistics helpers (medians and nearest-rank percentiles, in one place)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0–100) by linear interpolation, or None for no values."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return float(data[0])
    pos = (len(data) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(data[lo] + (data[hi] - data[lo]) * (pos - lo))


def summary(values: Iterable[float], ndigits: int = 2) -> dict:
    """{'p50', 'p95', 'n'} of a sample (None when empty), rounded."""
    data = list(values)
    if not data:
        return {"p50": None, "p95": None, "n": 0}
    return {
        "p50": round(statistics.median(data), ndigits),
        "p95": round(percentile(data, 95), ndigits),
        "n": len(data),
    }


def ratio(a: float | None, b: float | None, ndigits: int = 2) -> float | None:
    """a / b rounded, or None when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return round(a / b, ndigits)
