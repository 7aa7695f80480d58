"""The UNESCO NGO-partnership dashboard: `python app.py` (demo data is built on first run).

Configuration by environment variables, read once into `dashboards.settings.Settings` (see the
README's configuration table).
"""

from __future__ import annotations

import contextvars
import fcntl
import logging
import sys
import threading
from pathlib import Path

from dashboards.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("app")


def ensure_warehouse(settings: Settings | None = None) -> None:
    """Build the demo warehouse on first run (or rebuild it after a schema change).

    Under a lock: several gunicorn workers start at once and must not write the demo files
    side by side.
    """
    lock_path = ROOT / "data" / ".warehouse.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _ensure_warehouse((settings or load_settings()).warehouse_path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_warehouse(path: Path) -> None:
    from etl.demo import write_demo
    from etl.load import ETL_VERSION, load_directory, summary_text, warehouse_version

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


def check_mode(settings: Settings) -> None:
    """Refuse to serve with access settings that would expose data (dashboards.auth)."""
    from dashboards.auth import check_mode as check

    check(settings)


_BUILD_LOCK = threading.Lock()  # Dash's page and callback registries are per process


def create_app(settings: Settings | None = None):
    """The Dash app for one set of settings (a factory: tests build one per warehouse).

    The app owns its warehouse (pinned per request), its result cache and its background-job
    manager; its callbacks are registered by `register_callbacks`, and `dashboards.server`
    guards its requests (body checks, request ids and logs, security headers, compression).
    """
    import dash
    import dash_bootstrap_components as dbc  # noqa: F401 - registers the components
    from dash import dcc, html

    from dashboards import api, auth, background, cache, db, ids
    from dashboards import server as guard
    from dashboards.callbacks import register_callbacks

    settings = settings or load_settings()
    limits = db.Limits(
        time_limit_s=settings.query_time_limit_s,
        max_rows=settings.query_max_rows,
        export_max_rows=settings.export_max_rows,
    )
    warehouse = db.Warehouse(
        settings.warehouse_path,
        settings.duckdb_memory_limit,
        limits,
        public=settings.access_mode == "public",  # the public column policy (dashboards/policy.py)
    )
    results = cache.for_settings(settings)  # with a Redis level when one is configured
    with _BUILD_LOCK, db.pinned(warehouse), _using(results):
        from dashboards.layout import shell

        app = dash.Dash(
            __name__,
            use_pages=True,
            pages_folder=str(ROOT / "dashboards" / "pages"),
            assets_folder=str(ROOT / "assets"),
            # Callback validation stays on: `validation_layout` holds every page's components.
            suppress_callback_exceptions=False,
            title="UNESCO · NGO partnership",
            update_title=None,
            serve_locally=True,
            url_base_pathname=settings.dash_url_base_pathname,
            background_callback_manager=background.make_manager(settings, limits),
        )
        # Our router (dashboards.callbacks.route) renders the pages: Dash's own page router,
        # which it would wire on the first request (callbacks on ids this layout does not
        # have, and a validation layout of its own), stays off.
        app._got_first_request["pages"] = True
        dash._get_app.app_context.set(app)  # links built below carry this app's URL prefix

        # The shell per role (its menu and buttons differ) and warehouse version (its filter
        # options): built once each, not on every page load (docs/performance.md, audit-ui).
        shells: dict[tuple, html.Div] = {}

        def serve_layout() -> html.Div:
            """The shell for whoever asks: its menu and toolbar offer what their role can use."""
            from flask import g, has_request_context

            if has_request_context() and g.get("pin") is None and shells:
                # Dash's first-request check of the ids runs before the guard pins the
                # warehouse (dashboards/server.py): the shell built at start-up serves it.
                return next(iter(shells.values()))
            key = (db.version(), auth.current_role())
            built = shells.get(key)
            if built is None:
                built = contextvars.copy_context().run(build_shell)
                if len(shells) >= 8:  # older warehouse versions: forget them
                    shells.clear()
                shells[key] = built
            return built

        def build_shell() -> html.Div:
            """The shell, its links built for this app's URL prefix (not another app's)."""
            dash._get_app.app_context.set(app)
            return html.Div(
                [
                    dcc.Location(id=ids.URL, refresh="callback-nav"),
                    dcc.Store(id=ids.LANG, data=None),
                    dcc.Store(id=ids.DOC_TITLE),
                    dcc.Store(id=ids.RENDERED),
                    dcc.Store(id=ids.CHARTS_DRAWN),
                    dcc.Store(id=ids.CHARTS_RELAY),
                    html.Div(id=ids.DOC_TITLE_SINK, hidden=True),
                    *auth.banner(settings),
                    shell(),
                ]
            )

        # A function, so each user's layout follows their role (dashboards/auth.py `can`).
        app.layout = serve_layout
        register_callbacks(app)
        app.validation_layout = guard.validation_layout(app)
    guard.install(app, settings, warehouse, results)
    auth.install(app, settings)  # after the guard: its body checks run first
    api.install(app)  # the open-data API (/api/v1/, docs/api.md)
    from dashboards import uploads

    uploads.install(app, settings)  # loading from the browser (issue 13, docs/loading.md)
    return app


class _using:
    """Make an LRU the current cache inside a `with` block."""

    def __init__(self, lru):
        self.lru = lru

    def __enter__(self):
        from dashboards import cache

        self.token = cache.use(self.lru)

    def __exit__(self, *exc):
        from dashboards import cache

        cache.reset(self.token)


def __getattr__(name: str):
    """Lazily built module attributes for servers and workers.

    - `gunicorn -c gunicorn.conf.py app:server`: the WSGI app (each worker builds its own, after
      the fork, so no DuckDB connection or browser crosses a fork);
    - `celery -A app:celery_app worker`: the Celery app of a fresh Dash app (REDIS_URL set);
      building the app registers the background callbacks as Celery tasks in the worker.
    """
    if name == "server":
        settings = load_settings()
        ensure_warehouse(settings)
        check_mode(settings)
        server = create_app(settings).server
        globals()["server"] = server
        return server
    if name == "celery_app":
        settings = load_settings()
        if not settings.redis_url:
            raise RuntimeError("set REDIS_URL to run a Celery worker for background callbacks")
        check_mode(settings)
        manager = create_app(settings)._background_manager
        return manager.handle
    raise AttributeError(name)


def main() -> int:
    """Build the demo warehouse if needed, then serve the app."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except SettingsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        ensure_warehouse(settings)
        check_mode(settings)
        app = create_app(settings)
    except Exception as e:  # a clear line, not a traceback
        print(f"error: {e}", file=sys.stderr)
        return 1
    from dashboards.server import QuietRequestHandler

    app.run(
        host=settings.host,
        port=settings.port,
        debug=settings.debug,
        dev_tools_disable_version_check=True,  # no call home (and the CSP would refuse it)
        request_handler=QuietRequestHandler,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
