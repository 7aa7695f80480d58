"""Shared pytest fixtures. Keep this file small and general: helpers used by one test module
belong in that module."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


# The files an app keeps beside the warehouse, whose defaults are in the checkout's `data/`
# (dashboards/settings.py): a test run keeps them in a folder of its own per test process, so
# parallel workers (pytest-xdist) never share an audit log, a signing key, the accounts or the
# background-job cache, and a run leaves the developer's `data/` alone.
APP_FILES = {
    "AUDIT_LOG_PATH": "audit.jsonl",
    "SECRET_KEY_FILE": "secret_key",
    "ACCOUNTS_PATH": "accounts.json",
    "BACKGROUND_CACHE_DIR": "cache/background",
}


@pytest.fixture(scope="session", autouse=True)
def private_app_files(tmp_path_factory) -> Iterator[Path]:
    """This test process's folder for the app's own files (environment variables set for the run;
    a test or a started app may still name its own)."""
    folder = tmp_path_factory.mktemp("app-files")
    with pytest.MonkeyPatch.context() as mp:
        for name, leaf in APP_FILES.items():
            mp.setenv(name, str(folder / leaf))
        yield folder


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """With pytest-xdist turned off (`-p no:xdist`), accept and ignore the `-n auto --dist
    loadfile` of pyproject's addopts, so the suite runs serially rather than refusing them."""
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist", "pytest-xdist is off: these options do nothing")
    # `_addoption`: a conftest may not claim a lowercase short option otherwise (xdist's own
    # plugin registers `-n` the same way).
    group._addoption("-n", "--numprocesses", dest="numprocesses", default=None)
    group.addoption("--dist", dest="dist", default="no")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """`tests/fixtures/`."""
    return FIXTURES


@pytest.fixture(scope="session")
def reference():
    """The reference data of `data/reference/` (built once per session)."""
    from etl.reference import Reference

    return Reference()


@pytest.fixture
def write_inputs(tmp_path: Path) -> Callable[..., Path]:
    """Write input CSV files into a fresh folder and return the folder.

    `write_inputs({"partners.csv": [["partner_id", "name"], ["P1", "Alpha"]]})`; a file's
    content may also be a ready `str` (written as UTF-8) or `bytes` (written as is).
    """
    counter = iter(range(1_000_000))

    def write(files: dict[str, Sequence[Sequence[object]] | str | bytes], encoding="utf-8"):
        folder = tmp_path / f"inputs-{next(counter)}"
        folder.mkdir()
        for name, content in files.items():
            path = folder / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            elif isinstance(content, str):
                path.write_text(content, encoding=encoding, newline="")
            else:
                with open(path, "w", encoding=encoding, newline="") as f:
                    csv.writer(f).writerows(_as_rows(content))
        return folder

    return write


def _as_rows(rows: Iterable[Sequence[object]]) -> list[list[str]]:
    return [["" if v is None else str(v) for v in row] for row in rows]


@pytest.fixture
def run_cli(capsys, monkeypatch, tmp_path_factory) -> Callable[..., tuple[int, str, str]]:
    """Run the command line in-process: `run_cli("load", DIR, "--db", DB)` → (exit, out, err)."""
    from etl.__main__ import main

    monkeypatch.delenv("ETL_DEBUG", raising=False)
    # `load` records one; in a folder of its own, so a test's own folder holds only its files
    audit = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    monkeypatch.setenv("AUDIT_LOG_PATH", str(audit))

    def run(*args: object) -> tuple[int, str, str]:
        capsys.readouterr()  # drop anything printed before
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory) -> Path:
    """A warehouse built from `tests/fixtures/small/` (totals in its README), loaded once."""
    from etl.load import load_directory

    db = tmp_path_factory.mktemp("small") / "warehouse.duckdb"
    load_directory(FIXTURES / "small", db)
    return db


@pytest.fixture
def use_warehouse(monkeypatch):
    """Point the dashboard at a warehouse file for one test: `use_warehouse(path)`."""
    from dashboards import cache

    def use(path: Path) -> Path:
        monkeypatch.setenv("WAREHOUSE_PATH", str(path))
        cache.RESULTS.clear()
        return path

    yield use
    cache.RESULTS.clear()


@pytest.fixture
def small(small_warehouse, use_warehouse) -> Path:
    """The small warehouse, in use by the dashboard's queries."""
    return use_warehouse(small_warehouse)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """A warehouse of the default demo data (6,000 activities), built once per session."""
    from etl.demo import write_demo
    from etl.load import load_directory

    base = tmp_path_factory.mktemp("demo")
    write_demo(base / "input", seed=42, n_activities=6000)
    db = base / "warehouse.duckdb"
    load_directory(base / "input", db)
    return db


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """The one headless Debian Chromium of the run, driven by Playwright.

    One per session: Playwright's sync API refuses a second `sync_playwright()` while another
    is open in the same thread, so every test (unit or integration) shares this one.
    """
    from playwright.sync_api import sync_playwright

    from bench.browser import ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium: skip them visibly without it, unless CI requires them."""
    if CHROMIUM.exists():
        return
    import os

    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(
            f"REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium)"
        )
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} not installed (apt-get install chromium chromium-driver)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def build_display_warehouse(db: Path, source: Path | None = None) -> Path:
    """Load `tests/fixtures/display/` with the ETL and check the date precisions its
    `precisions.csv` lists (dates written as a year or a month in the files)."""
    import duckdb

    from etl.load import load_directory

    source = source or FIXTURES / "display"
    load_directory(source, db)
    # The ETL keeps the precision the file gives ("2015", "March 2012"); check it did.
    with open(source / "precisions.csv", encoding="utf-8", newline="") as f:
        marks = list(csv.DictReader(f))
    con = duckdb.connect(str(db), read_only=True)
    try:
        for m in marks:
            assert m["table"] in ("partners", "participation"), m
            assert m["key_column"] in ("partner_id", "event"), m
            assert m["column"] in ("status_since", "event_date"), m
            table, column, key = m["table"], m["column"], m["key_column"]
            sql = f"SELECT {column}_precision FROM {table} WHERE {key} = ?"  # noqa: S608
            got = {p for (p,) in con.execute(sql, [m["key"]]).fetchall()}
            assert got == {m["precision"]}, (m, got)
    finally:
        con.close()
    return db


@pytest.fixture(scope="session")
def display_warehouse(tmp_path_factory) -> Path:
    """The `display/` fixture's warehouse: a status not stated, year- and month-only dates."""
    return build_display_warehouse(tmp_path_factory.mktemp("display") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def lifecycle_warehouse(small_warehouse, tmp_path_factory) -> Path:
    """The small warehouse plus `tests/fixtures/lifecycle/rows.sql` (events, reports, sessions)."""
    import shutil

    import duckdb

    db = tmp_path_factory.mktemp("lifecycle") / "warehouse.duckdb"
    shutil.copy(small_warehouse, db)
    con = duckdb.connect(str(db))
    try:
        con.execute((FIXTURES / "lifecycle" / "rows.sql").read_text(encoding="utf-8"))
    finally:
        con.close()
    return db
