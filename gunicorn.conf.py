"""Production server configuration: `gunicorn -c gunicorn.conf.py app:server`.

Sized for the 2-core reference machine and measured by `python -m bench` (docs/performance.md):

- `gthread` workers: a callback spends most of its time in DuckDB, which releases the GIL, so a
  few threads per worker overlap queries; figure building (Python) is what fills the cores.
- 2 workers (one per core) × 4 threads. More workers cost memory (each has its own cache and
  DuckDB buffer) without adding cores; more threads add GIL contention, not throughput.
- No `preload_app`: each worker opens its own read-only DuckDB connection and its own kaleido
  browser after the fork (a connection or browser thread must not cross a fork).
- Every setting can be overridden from the environment (below) or the command line.
"""

import os

from dashboards.settings import load_settings

# The app's settings decide the address too (HOST, PORT), read once like the app reads them.
_settings = load_settings()
bind = os.environ.get("GUNICORN_BIND", f"{_settings.host}:{_settings.port}")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", os.environ.get("WEB_CONCURRENCY", "2")))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Long enough for a cold briefing-pack export at 1M activities; a hung worker is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5  # seconds an idle browser connection stays open (Dash fires requests in bursts)
backlog = 512  # pending connections while every thread is busy (50+ simultaneous users)
# Recycle workers now and then to bound memory growth from caches and fragmentation.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # None: no access log ("-" for stdout)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "warning")
proc_name = "unesco-ngo-dashboard"


def post_worker_init(worker):
    """Warm each worker before it takes traffic.

    Dash wires its callbacks on the first request a worker serves, and the chart registry is
    filled on the first page render; under `gthread`, requests racing that first request (or an
    `update_charts` reaching a worker that has not rendered a page yet) failed with
    "Callback function not found" / `KeyError: 'overview.activities_by_year'` (HTTP 500). One
    request through the app, and loading the registry, here makes both happen before accept().
    It also computes the unfiltered charts, so the first visitor of each page is served warm.
    """
    try:
        from dashboards.charts import all_charts
        from dashboards.filters import Filters
        from dashboards.server import serving

        worker.wsgi.test_client().get("/")
        # The unfiltered view of every chart, in both languages: what a first visitor opens,
        # computed from the app's warehouse into the app's own cache.
        with serving(worker.wsgi):
            for chart in all_charts():
                for lang in ("en", "fr"):
                    chart.figure_json(Filters(), lang)
    except Exception as e:  # a warm-up problem must not stop the worker
        worker.log.warning("warm-up failed: %s", e)
