"""Loading from the browser (issue 13, dashboards/uploads.py): preview, confirm, cancel, and
two admins at once, on files of real-world shape (tests/fixtures/realworld, tests/fixtures/iati,
tests/fixtures/bad), through the real `python -m etl stage/swap` child processes.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from dashboards import audit, uploads
from etl.load import exclusive_load, latest_run_id, load_directory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REALWORLD = FIXTURES / "realworld"
ADA = {"name": "ada", "role": "admin"}
BEA = {"name": "bea", "role": "admin"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def site(tmp_path):
    """A serving warehouse of the English directory file, and settings for the upload code."""
    source = tmp_path / "first"
    source.mkdir()
    shutil.copy(REALWORLD / "partners_directory_en.csv", source)
    db = tmp_path / "wh" / "warehouse.duckdb"
    load_directory(source, db)
    return SimpleNamespace(
        warehouse_path=db,
        upload_dir=None,
        upload_max_mb=50,
        audit_log_path=tmp_path / "audit.jsonl",
        access_mode="internal",
    )


def _receive(site, *paths: Path, user=ADA) -> str:
    return uploads.receive(site, [(p.name, open(p, "rb")) for p in paths], user)["token"]


def _loads(site) -> list[dict]:
    return [e for e in audit.read(site.audit_log_path) if e["event"] == "load"]


def test_names_are_sanitised_and_only_input_kinds_taken():
    assert uploads.sanitise("../../etc/partners.csv") == "partners.csv"
    assert uploads.sanitise("C:\\Users\\x\\partners 2024 (FR).csv") == "partners_2024_FR_.csv"
    assert uploads.sanitise(".hidden_partners.csv") == "hidden_partners.csv"
    assert uploads.sanitise("activities.XLSX") == "activities.XLSX"
    assert uploads.sanitise("run.sh") is None
    assert uploads.sanitise("partners.csv.exe") is None
    assert uploads.sanitise("") is None


def test_files_are_private_and_a_too_large_upload_keeps_nothing(site):
    info = uploads.receive(
        site,
        [
            ("partners_eb_fr.csv", open(REALWORLD / "partners_eb_fr.csv", "rb")),
            ("x.sh", io.BytesIO(b"rm")),
        ],
        ADA,
    )
    folder = uploads.upload_root(site) / info["token"]
    assert folder.parent == site.warehouse_path.parent / "uploads"
    assert (folder.stat().st_mode & 0o777) == 0o700
    stored = folder / "in" / "partners_eb_fr.csv"
    assert (stored.stat().st_mode & 0o777) == 0o600
    assert info["files"][0]["sha256"] == _sha(REALWORLD / "partners_eb_fr.csv")
    assert info["refused"] == [{"name": "x.sh", "reason": "not a CSV, XLSX or XML file"}]
    small = SimpleNamespace(**{**vars(site), "upload_max_mb": 1})
    before = set(uploads.upload_root(site).iterdir())
    with pytest.raises(uploads.UploadError, match="too large"):
        uploads.receive(small, [("partners.csv", io.BytesIO(b"x" * (1024 * 1024 + 1)))], ADA)
    assert set(uploads.upload_root(site).iterdir()) == before


def test_preview_changes_nothing_and_confirm_swaps_it_in(site):
    served = _sha(site.warehouse_path)
    run_before = latest_run_id(site.warehouse_path)
    token = _receive(
        site, REALWORLD / "partners_eb_fr.csv", REALWORLD / "participation_collective.csv"
    )
    info = uploads.preview(site, token)
    assert info["status"] == "ready", info.get("message")
    assert _sha(site.warehouse_path) == served  # the preview did not touch the serving file
    p = info["preview"]
    files = {f["file"]: f for f in p["files"]}
    assert files["partners_eb_fr.csv"]["kind"] == "partners"
    assert files["partners_eb_fr.csv"]["rows_in"] == 20
    part = files["participation_collective.csv"]
    assert part["rows_in"] == part["loaded"] + part["rejected"] == 25
    assert p["rejected_total"] == part["rejected"] > 0
    # the ETL's own reason, with file and line: participation naming a partner not loaded
    first = p["rejected"][0]
    assert first[0] == "participation_collective.csv" and first[1] > 1
    assert first[4] == "unknown partner id"
    counts = {d: (before, after) for d, before, after in p["counts"]}
    assert counts["partners"] == (35, 20)
    totals = p["partner_change_totals"]
    assert totals["added"] > 0 and totals["removed"] > 0
    assert info["based_on"] == run_before

    done = uploads.confirm(site, token, ADA)
    assert done["status"] == "loaded"
    assert latest_run_id(site.warehouse_path) == p["run_id"] == done["warehouse_version"]
    assert not uploads.staged_path(site, token).exists()
    assert not (uploads.upload_root(site) / token / "in").exists()
    event = _loads(site)[-1]
    assert event["outcome"] == "loaded" and event["via"] == "upload"
    assert event["user"] == "ada" and event["warehouse_version"] == p["run_id"]
    assert {f["name"]: f["sha256"] for f in event["files"]} == {
        "partners_eb_fr.csv": _sha(REALWORLD / "partners_eb_fr.csv"),
        "participation_collective.csv": _sha(REALWORLD / "participation_collective.csv"),
    }
    assert event["counts"]["loaded"] == {"partners": 20, "participation": part["loaded"]}
    assert event["counts"]["rejected"] == p["rejected_total"]
    assert any(line.startswith("partner removed: ") for line in event["reference_changes"])


def test_cancel_deletes_the_staged_files_and_keeps_the_warehouse(site):
    served = _sha(site.warehouse_path)
    token = _receive(site, REALWORLD / "partners_sites_es.xlsx")
    info = uploads.preview(site, token)
    assert info["status"] == "ready", info.get("message")
    assert info["preview"]["files"][0]["rows_in"] == 12
    assert uploads.staged_path(site, token).exists()
    out = uploads.cancel(site, token, ADA)
    assert out["status"] == "cancelled"
    assert not uploads.staged_path(site, token).exists()
    assert not (uploads.upload_root(site) / token / "in").exists()
    assert _sha(site.warehouse_path) == served
    assert uploads.confirm(site, token, ADA)["status"] == "cancelled"  # nothing left to confirm
    event = _loads(site)[-1]
    assert event["outcome"] == "cancelled"
    assert event["files"][0]["sha256"] == _sha(REALWORLD / "partners_sites_es.xlsx")


def test_two_admins_never_interleave_a_stale_preview_is_made_again(site):
    a = _receive(site, REALWORLD / "partners_eb_fr.csv")
    b = _receive(site, REALWORLD / "partners_sites_es.xlsx", user=BEA)
    assert uploads.preview(site, a)["status"] == "ready"
    first_b = uploads.preview(site, b)
    assert first_b["status"] == "ready"
    assert uploads.confirm(site, a, ADA)["status"] == "loaded"
    run_a = latest_run_id(site.warehouse_path)
    again = uploads.confirm(site, b, BEA)  # built on the warehouse before A's load
    assert latest_run_id(site.warehouse_path) == run_a  # B did not replace A's load
    assert again["status"] == "ready" and again["message"] == "changed"
    assert again["based_on"] == run_a
    # the new preview keeps A's partners (B's file updates the same dataset: replaces them)
    assert dict((d, b_) for d, b_, _ in again["preview"]["counts"])["partners"] == 20
    refused = _loads(site)[-1]
    assert refused["outcome"] == "refused" and refused["user"] == "bea"
    assert "changed since the preview" in refused["message"]
    assert uploads.confirm(site, b, BEA)["status"] == "loaded"
    assert latest_run_id(site.warehouse_path) == again["preview"]["run_id"]


def test_another_load_running_is_said_and_nothing_changes(site):
    served = _sha(site.warehouse_path)
    token = _receive(site, REALWORLD / "partners_eb_fr.csv")
    with exclusive_load(site.warehouse_path):  # a CLI load (or another admin) holds the lock
        busy = uploads.preview(site, token)
    assert busy["status"] == "busy"
    assert "another load" in busy["message"]
    ready = uploads.preview(site, token)  # tried again once the other load is done
    assert ready["status"] == "ready"
    with exclusive_load(site.warehouse_path):
        held = uploads.confirm(site, token, ADA)
    assert held["status"] == "ready" and held["busy"]
    assert _sha(site.warehouse_path) == served
    assert uploads.confirm(site, token, ADA)["status"] == "loaded"


def test_a_refused_load_is_reported_and_audited(site):
    served = _sha(site.warehouse_path)
    token = _receive(site, FIXTURES / "bad" / "missing_required_column" / "partners.csv")
    info = uploads.preview(site, token)
    assert info["status"] == "refused"
    assert "previous warehouse is unchanged" in info["message"]
    assert not uploads.staged_path(site, token).exists()
    assert _sha(site.warehouse_path) == served
    event = _loads(site)[-1]
    assert event["outcome"] == "refused" and event["message"] == info["message"]


def test_iati_and_partner_files_preview_as_the_cli_loads_them(site, tmp_path):
    folder = FIXTURES / "iati" / "load"
    token = _receive(site, folder / "partners.csv", folder / "unesco_2.03.xml")
    info = uploads.preview(site, token)
    assert info["status"] == "ready", info.get("message")
    kinds = {f["file"]: f["kind"] for f in info["preview"]["files"]}
    assert kinds["unesco_2.03.xml"] == "iati"
    # the same files through the command line give the same counts
    cli = tmp_path / "cli"
    cli.mkdir()
    for name in ("partners.csv", "unesco_2.03.xml"):
        shutil.copy(folder / name, cli)
    db = tmp_path / "cli.duckdb"
    shutil.copy(site.warehouse_path, db)
    summary = load_directory(cli, db).to_json()
    key = ("file", "rows_in", "loaded", "rejected", "warnings")
    assert sorted(tuple(f[k] for k in key) for f in summary["files"]) == sorted(
        tuple(f[k] for k in key) for f in info["preview"]["files"]
    )


def test_the_cli_load_writes_a_load_event(run_cli, tmp_path, monkeypatch):
    log = tmp_path / "cli-audit.jsonl"
    monkeypatch.setenv("AUDIT_LOG_PATH", str(log))
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(REALWORLD / "partners_directory_en.csv", source)
    db = tmp_path / "w.duckdb"
    code, _out, _err = run_cli("load", source, "--db", db)
    assert code == 0
    code, _out, _err = run_cli("load", FIXTURES / "bad" / "missing_required_column", "--db", db)
    assert code != 0
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["outcome"] for e in events] == ["loaded", "refused"]
    first = events[0]
    assert first["event"] == "load" and first["via"] == "cli" and first["user"]
    assert first["files"] == [
        {
            "name": "partners_directory_en.csv",
            "sha256": _sha(REALWORLD / "partners_directory_en.csv"),
            "bytes": (REALWORLD / "partners_directory_en.csv").stat().st_size,
            "kind": "partners",
        }
    ]
    assert first["counts"]["loaded"] == {"partners": 35}
    assert first["warehouse_version"] == latest_run_id(db)
    assert events[1]["message"] and events[1]["warehouse_version"] == first["warehouse_version"]


def test_the_route_refuses_a_larger_body_and_stages_a_real_file(site, tmp_path):
    import re
    import time

    import app as app_module
    from dashboards import accounts, auth
    from dashboards.settings import load_settings

    accounts.add(tmp_path / "accounts.json", "ada", "admin-password-1", "admin")
    app = app_module.create_app(
        load_settings(
            warehouse_path=site.warehouse_path,
            access_mode="internal",
            secret_key="s" * 40,
            accounts_path=tmp_path / "accounts.json",
            audit_log_path=site.audit_log_path,
            session_cookie_secure=False,
            background_cache_dir=tmp_path / "bg",
            upload_max_mb=1,
        )
    )
    client = app.server.test_client()
    form = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    login = {"username": "ada", "password": "admin-password-1", "csrf_token": token, "next": "/"}
    assert client.post("/auth/login", data=login).status_code == 302
    headers = {auth.CSRF_HEADER: client.get_cookie(auth.CSRF_COOKIE).value}
    big = {"files": (io.BytesIO(b"partner_id,name\n" + b"x" * (1024 * 1024 + 100)), "partners.csv")}
    answer = client.post("/admin/upload/files", data=big, headers=headers)
    assert answer.status_code == 413 and answer.get_json()["error_code"] == "too_large"
    root = uploads.upload_root(site)
    assert not root.exists() or not any(p.is_dir() for p in root.iterdir())
    real = {"files": (open(REALWORLD / "partners_eb_fr.csv", "rb"), "partners_eb_fr.csv")}
    answer = client.post("/admin/upload/files", data=real, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    upload = answer.get_json()["token"]
    deadline = time.monotonic() + 180
    while (info := uploads.state(site, upload))["status"] in ("received", "staging"):
        assert time.monotonic() < deadline, info
        time.sleep(0.5)
    assert info["status"] == "ready", info.get("message")
    assert info["user"] == "ada"
    assert info["preview"]["files"][0]["rows_in"] == 20
