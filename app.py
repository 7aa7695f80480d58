"""The UNESCO NGO-partnership dashboard: `python app.py` (demo data is built on first run).

Configuration by environment variables (see README): WAREHOUSE_PATH, HOST, PORT, DEBUG,
REDIS_URL, DASH_URL_BASE_PATHNAME.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("app")


def ensure_warehouse() -> None:
    """Build the demo warehouse on first run (or rebuild it after a schema change).

    Under a lock: several gunicorn workers start at once and must not write the demo files
    side by side.
    """
    lock_path = ROOT / "data" / ".warehouse.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _ensure_warehouse()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_warehouse() -> None:
    from dashboards.db import warehouse_path
    from etl.demo import write_demo
    from etl.load import ETL_VERSION, load_directory, summary_text, warehouse_version

    path = warehouse_path()
    demo_dir = ROOT / "data" / "demo"
    if path.exists():
        version, source = warehouse_version(path)
        if version == ETL_VERSION:
            return
        if source != str(demo_dir.resolve()):
            raise RuntimeError(
                f"{path} was built by an older version of the ETL ({version or 'unknown'}; this "
                f"app needs {ETL_VERSION}): reload it with `python -m etl load {source or 'DIR'}`"
            )
        print(f"{path} holds demo data of an older ETL version: rebuilding it", flush=True)
    else:
        print(
            f"No warehouse at {path}: building the demo warehouse from {demo_dir} ...", flush=True
        )
    write_demo(demo_dir, seed=42, n_activities=6000)
    summary = load_directory(demo_dir, path)
    print(summary_text(summary), flush=True)


def create_app(config: dict | None = None):
    """The Dash app (a factory, so tests can build one per warehouse)."""
    import dash
    import dash_bootstrap_components as dbc  # noqa: F401 - registers the components
    from dash import dcc, html

    from dashboards import ids
    from dashboards.layout import shell

    config = dict(config or {})
    if "background_callback_manager" not in config:
        # Briefing packs run as background callbacks: embedded DiskcacheManager by default,
        # CeleryManager on Redis when REDIS_URL is set (docs/exports.md).
        from dashboards.exports.web import background_manager

        config["background_callback_manager"] = background_manager()
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(ROOT / "dashboards" / "pages"),
        assets_folder=str(ROOT / "assets"),
        suppress_callback_exceptions=True,
        title="UNESCO · NGO partnership",
        update_title=None,
        serve_locally=True,
        **config,
    )
    app.layout = html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            dcc.Store(id=ids.LANG, data=None),
            dcc.Store(id=ids.DOC_TITLE),
            dcc.Store(id=ids.RENDERED),
            html.Div(id=ids.DOC_TITLE_SINK, hidden=True),
            shell(),
        ]
    )
    import dashboards.callbacks  # noqa: F401 - registers the framework callbacks

    return app


def __getattr__(name: str):
    """Lazily built module attributes for servers and workers.

    - `gunicorn -c gunicorn.conf.py app:server`: the WSGI app (each worker builds its own, after
      the fork, so no DuckDB connection or browser crosses a fork);
    - `celery -A app:celery_app worker`: the Celery app of a fresh Dash app (REDIS_URL set);
      building the app registers the background callbacks as Celery tasks in the worker.
    """
    if name == "server":
        ensure_warehouse()
        server = create_app().server
        globals()["server"] = server
        return server
    if name == "celery_app":
        if not os.environ.get("REDIS_URL"):
            raise RuntimeError("set REDIS_URL to run a Celery worker for background callbacks")
        manager = create_app()._background_manager
        return manager.handle
    raise AttributeError(name)


def main() -> int:
    """Build the demo warehouse if needed, then serve the app."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        ensure_warehouse()
    except Exception as e:  # a clear line, not a traceback
        print(f"error: {e}", file=sys.stderr)
        return 1
    app = create_app()
    app.run(
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8050")),
        debug=os.environ.get("DEBUG", "") not in ("", "0", "false"),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
