"""Without SECRET_KEY, the workers of one machine sign with one secret (background-job handles
signed by one gunicorn worker are checked by another)."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

from dashboards import auth


def test_workers_of_one_machine_share_one_private_secret(tmp_path):
    folder = tmp_path / "background"
    with ThreadPoolExecutor(8) as pool:  # workers starting at once race to create it
        secrets = set(pool.map(lambda _: auth.host_secret(folder), range(16)))
    assert len(secrets) == 1
    (secret,) = secrets
    assert len(secret) == 64
    path = folder / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == ["secret_key"]  # no temp file left behind
    assert auth.host_secret(tmp_path / "other") != secret  # another machine, another secret


def test_two_apps_on_one_folder_sign_alike(small_warehouse, tmp_path):
    import shutil

    from app import create_app
    from dashboards.settings import load_settings
    from tests.integration.app_server import mark_as_demo

    db = tmp_path / "w.duckdb"
    shutil.copyfile(small_warehouse, db)
    mark_as_demo(db)
    settings = load_settings(warehouse_path=db, background_cache_dir=tmp_path / "bg")
    a, b = create_app(settings), create_app(settings)
    assert a.server.secret_key == b.server.secret_key
    assert a._get_signing_secret() == b._get_signing_secret()
