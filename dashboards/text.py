"""Comparing text as people type it: without case, accents or punctuation, in English and French.

Two keys with one folding underneath:

- `fold(text)` is a compare key for a code or a name ("Capacity-building" = "capacity building"
  = "capacitybuilding"): what a URL value is matched on.
- `search_key(text)` keeps the word breaks ("Fédération internationale des PEN clubs" →
  "federation internationale des pen clubs"), so the directory's search box can match each typed
  word anywhere in a row. `assets/dashAgGridFunctions.js` (`foldSearch`) folds what the user types
  the same way; `tests/unit/test_text.py` keeps the two in step.

Folding: the letters NFKD leaves whole spelled out (œ → oe, æ → ae, ß → ss, ø → o, ł → l,
đ → d, ı → i), Unicode NFKD, marks dropped, lower case; letters and digits of every script kept
(a name in Arabic or Chinese script stays searchable), anything else a word break.
"""

from __future__ import annotations

import functools
import unicodedata

# Letters that NFKD does not decompose, as French, Nordic, German, Polish, Turkish… write them.
_SPELLED_OUT = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ẞ": "ss",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)


@functools.lru_cache(maxsize=65536)
def _words(text: str) -> str:
    """Folded letters and digits of any script; everything else a space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT))
    bare = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return "".join(ch if ch.isalnum() else " " for ch in bare.lower())


def fold(text: object) -> str:
    """Compare key of a code or name: no accents, no case, no punctuation or spaces."""
    if text is None:
        return ""
    return _words(str(text)).replace(" ", "")


def search_key(*parts: object) -> str:
    """Search key of some texts: folded words separated by single spaces (None parts skipped)."""
    return " ".join(" ".join(_words(str(p)) for p in parts if p is not None and p == p).split())


def matches(query: str, key: str) -> bool:
    """True when every word of a typed query occurs in a search key (as the directory filters)."""
    return all(word in key for word in search_key(query).split())
