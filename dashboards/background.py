"""The app's background-callback manager (briefing packs), built from its settings.

- Embedded by default: the bounded job manager of `dashboards/exports/jobs.py` (small thread
  pools, identical jobs computed once), whose diskcache folder is created private to the app's
  user (0700; anyone who can write a diskcache folder can make the app unpickle what they
  wrote, advisory CVE-2025-69872).
- With `REDIS_URL`, a CeleryManager on Redis whose results every waiter reads, so several app
  servers share the work.
- Every job reads one warehouse snapshot from start to end (`db.pinned`), on the app's warehouse
  and limits, whichever process runs it.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

from dashboards import db
from dashboards.exports import jobs
from dashboards.exports import web as export_web
from dashboards.settings import Settings, SettingsError


def private_folder(folder: Path) -> Path:
    """Create `folder` (and parents) readable and writable by this user only, or refuse.

    An existing folder is tightened to 0700 when this user owns it; one owned by someone else
    is refused (its owner could plant entries the job manager would unpickle).
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = folder.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise SettingsError(f"setting BACKGROUND_CACHE_DIR: {folder} is not a folder")
    if st.st_uid != os.geteuid():
        raise SettingsError(
            f"setting BACKGROUND_CACHE_DIR: {folder} belongs to another user (uid {st.st_uid})"
        )
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


class _PinnedJob:
    """A job function reading one snapshot of the app's warehouse, in whichever process runs it.

    A class (not a closure): the spawned job process receives it pickled, and a plain instance
    of a module-level class pickles by reference, whatever the function's module holds.
    """

    def __init__(self, fn, path: str, memory: str, limits: db.Limits):
        self.fn = fn
        self.path = path
        self.memory = memory
        self.limits = limits
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        warehouse = db.Warehouse(Path(self.path), self.memory, self.limits)
        with db.pinned(warehouse):
            return self.fn(*args, **kwargs)


def _pinned_job(fn, path: str, memory: str, limits: db.Limits) -> _PinnedJob:
    """`fn` pinned to the app's warehouse (see `_PinnedJob`)."""
    return _PinnedJob(fn, path, memory, limits)


class _Pinning:
    """Mixin: wrap each registered job so it runs pinned to the app's warehouse."""

    _job_args: tuple

    def make_job_fn(self, fn, progress, key=None):
        return super().make_job_fn(_pinned_job(fn, *self._job_args), progress, key)


class AppJobManager(_Pinning, jobs.BoundedJobManager):
    """The embedded manager: bounded pools, single flight, pinned jobs, a private folder."""

    def __init__(self, job_args: tuple, cache):
        self._job_args = job_args  # before super().__init__, which registers the jobs
        super().__init__(cache, version=db.version)


class AppCeleryManager(_Pinning, export_web.SharedResultCeleryManager):
    """The Redis/Celery manager with pinned jobs and shared results."""

    def __init__(self, job_args: tuple, celery_app, expire: int):
        self._job_args = job_args
        super().__init__(celery_app, expire=expire)


DIGEST_TASK = "dashboards.monthly_digest"


class _MonthlyDigest:
    """The monthly digest job: last month's digest beside the warehouse, in digests/."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def __call__(self) -> list[str]:
        import datetime as dt

        from dashboards.exports import digest

        root = Path(self.settings.warehouse_path).parent / "digests"
        today = dt.date.today()  # the job's date; the rules take it as a parameter
        return [str(p) for p in digest.monthly_run(today, self.settings, root)]


def schedule_digest(celery_app, settings: Settings, job_args: tuple) -> None:
    """Register the digest task and run it at 06:00 UTC on the 1st of each month (Celery beat:
    `celery -A app:celery_app beat`)."""
    from celery.schedules import crontab

    job = _pinned_job(_MonthlyDigest(settings), *job_args)

    @celery_app.task(name=DIGEST_TASK)
    def monthly_digest() -> list[str]:
        """Last month's digest, written and (with SMTP settings) mailed."""
        return job()

    celery_app.conf.timezone = "UTC"
    celery_app.conf.beat_schedule = {
        "monthly-digest": {
            "task": DIGEST_TASK,
            "schedule": crontab(minute=0, hour=6, day_of_month=1),
        }
    }


def make_manager(settings: Settings, limits: db.Limits):
    """The background-callback manager for an app with these settings."""
    job_args = (str(settings.warehouse_path), settings.duckdb_memory_limit, limits)
    if settings.redis_url:
        from celery import Celery

        celery_app = Celery(
            "unesco_dashboard", broker=settings.redis_url, backend=settings.redis_url
        )
        celery_app.conf.update(result_expires=3600, broker_connection_retry_on_startup=True)
        schedule_digest(celery_app, settings, job_args)
        return AppCeleryManager(job_args, celery_app, expire=3600)
    import diskcache

    folder = private_folder(Path(settings.background_cache_dir))
    return AppJobManager(job_args, diskcache.Cache(str(folder)))
