"""Comparing text as people type it: without case, accents or punctuation, in English and French.

Two keys with one folding underneath:

- `fold(text)` is a compare key for a code or a name ("Capacity-building" = "capacity building"
  = "capacitybuilding"): what a URL value is matched on.
- `search_key(text)` keeps the word breaks ("Fédération internationale des PEN clubs" →
  "federation internationale des pen clubs"), so the directory's search box can match each typed
  word anywhere in a row. `assets/dashAgGridFunctions.js` (`foldSearch`) folds what the user types
  the same way; `tests/unit/test_text.py` keeps the two in step.

Folding: Unicode NFKD, combining marks dropped, the letters NFKD leaves whole spelled out
(œ → oe, æ → ae, ß → ss, ø → o, ł → l, đ → d, ı → i), lower case.
"""

from __future__ import annotations

import functools
import re
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
_NOT_WORD = re.compile(r"[^0-9a-z]+")


@functools.lru_cache(maxsize=65536)
def _letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.translate(_SPELLED_OUT).lower()


def fold(text: object) -> str:
    """Compare key of a code or name: no accents, no case, no punctuation or spaces."""
    if text is None:
        return ""
    return _NOT_WORD.sub("", _letters(str(text)))


def search_key(*parts: object) -> str:
    """Search key of some texts: folded words separated by single spaces (None parts skipped)."""
    words = " ".join(_NOT_WORD.sub(" ", _letters(str(p))) for p in parts if p is not None)
    return " ".join(words.split())


def matches(query: str, key: str) -> bool:
    """True when every word of a typed query occurs in a search key (as the directory filters)."""
    return all(word in key for word in search_key(query).split())
