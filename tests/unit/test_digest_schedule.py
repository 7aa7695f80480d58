"""The monthly digest's schedule (Celery beat with REDIS_URL) and its run."""

from __future__ import annotations

import datetime as dt

from dashboards import db
from dashboards.background import DIGEST_TASK, make_manager
from dashboards.exports import digest
from dashboards.settings import load_settings


def test_beat_schedule_with_redis(tmp_path):
    settings = load_settings(redis_url="redis://127.0.0.1:1/0", warehouse_path=tmp_path / "w.db")
    manager = make_manager(settings, db.Limits(10.0, 1000, 1000))
    celery_app = manager.handle
    entry = celery_app.conf.beat_schedule["monthly-digest"]
    assert entry["task"] == DIGEST_TASK and DIGEST_TASK in celery_app.tasks
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1} and schedule.hour == {6} and schedule.minute == {0}


def test_previous_month():
    assert digest.previous_month(dt.date(2027, 1, 1)) == (2026, 12)
    assert digest.previous_month(dt.date(2026, 11, 15)) == (2026, 10)


def test_monthly_run_writes_both_languages(lifecycle_warehouse, use_warehouse, tmp_path):
    use_warehouse(lifecycle_warehouse)
    settings = load_settings(smtp_host=None)
    written = digest.monthly_run(dt.date(2026, 11, 1), settings, tmp_path)
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert names == [
        f"2026-10/{lang}/digest.{ext}" for lang in ("en", "fr") for ext in ("html", "pdf", "xlsx")
    ]
