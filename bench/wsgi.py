"""WSGI entry point for the benchmark: `gunicorn -c gunicorn.conf.py bench.wsgi:server`.

`app.py` has a `create_app()` factory but (yet) no module-level `server`; production should use
`app:server` once app.py defines it (see docs/performance.md). This module is that one line.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402 - after the path fix above

app = create_app()
server = app.server
