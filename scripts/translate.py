"""Add French translations to the catalogue from a JSON file, then recompile.

Usage: python scripts/translate.py fr TRANSLATIONS.json
The JSON maps English msgids to translations. Extraction and update run first (under a lock,
so several people or scripts can add translations one after another without clobbering).
"""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboards import i18n  # noqa: E402


def main(argv: list[str]) -> int:
    """Merge translations into dashboards/locales/<lang>/LC_MESSAGES/messages.po."""
    lang, source = argv[0], Path(argv[1])
    new = json.loads(source.read_text(encoding="utf-8"))
    lock = open(ROOT / "dashboards" / "locales" / ".lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        i18n.extract()
        i18n.update()
        po_path = ROOT / "dashboards" / "locales" / lang / "LC_MESSAGES" / "messages.po"
        with open(po_path, "rb") as f:
            catalog = read_po(f, locale=lang)
        added = 0
        for msgid, msgstr in new.items():
            message = catalog.get(msgid)
            if message is None:
                print(f"not in the catalogue (not used in code?): {msgid!r}")
                continue
            message.string = msgstr
            added += 1
        with open(po_path, "wb") as f:
            write_po(f, catalog, width=0, ignore_obsolete=True, include_previous=False)
        i18n.compile_catalogues()
        missing = [m.id for m in catalog if m.id and not m.string]
        print(f"added {added}; still untranslated: {len(missing)}")
        for m in missing:
            print(f"  {m!r}")
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
