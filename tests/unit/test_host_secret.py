"""Without SECRET_KEY, the workers of one machine sign with one secret (background-job handles
signed by one gunicorn worker are checked by another)."""

from __future__ import annotations


def test_two_apps_on_one_host_sign_alike(small_warehouse, tmp_path):
    import shutil

    from app import create_app
    from dashboards.settings import load_settings
    from tests.integration.app_server import mark_as_demo

    db = tmp_path / "w.duckdb"
    shutil.copyfile(small_warehouse, db)
    mark_as_demo(db)
    settings = load_settings(warehouse_path=db, secret_key_file=tmp_path / "secret")
    a, b = create_app(settings), create_app(settings)
    assert a.server.secret_key == b.server.secret_key
    assert a._get_signing_secret() == b._get_signing_secret()
