"""The monthly digest: CLI in English and French, HTML in Chromium, PDF as PNG, Excel, mail."""

from __future__ import annotations

import datetime as dt
import email
import re
import shutil
import subprocess
from email import policy
from pathlib import Path

import duckdb
import pytest

from dashboards.exports import digest
from dashboards.exports.__main__ import main

TODAY = dt.date(2026, 11, 15)


@pytest.fixture
def run(monkeypatch, capsys, lifecycle_warehouse):
    """Run the exports CLI on the lifecycle fixture as of 15 Nov 2026."""
    monkeypatch.setenv("DASHBOARD_TODAY", TODAY.isoformat())
    monkeypatch.delenv("EXPORT_DEBUG", raising=False)

    def go(*args: str, db: Path = lifecycle_warehouse) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*args, "--db", str(db)])
        out, err = capsys.readouterr()
        return code, out, err

    yield go
    from dashboards import cache

    cache.RESULTS.clear()


def _png_pages(pdf: Path, out: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(out / "page")], check=True)
    return sorted(out.glob("page-*.png"))


def _ink(png: Path) -> float:
    from PIL import Image

    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:200])
    return dark / (image.width * image.height)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("lang", "heading", "month", "cutoff"),
    [
        ("en", "Collective events of the coming months", "October 2026", "30 Nov 2026"),
        ("fr", "Événements collectifs des prochains mois", "octobre 2026", "30 nov. 2026"),
    ],
)
def test_cli_digest(run, tmp_path, browser_page, lang, heading, month, cutoff):
    out = tmp_path / lang
    code, stdout, err = run("digest", "--month", "2026-10", "--lang", lang, "--out", str(out))
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == {"digest.html", "digest.pdf", "digest.xlsx"}
    text = (out / "digest.html").read_text(encoding="utf-8")
    # email-ready: no script, no stylesheet or image fetched from anywhere, inline CSS
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert re.findall(r'src="([^"]+)"', text) and all(
        s.startswith("data:image/png;base64,") for s in re.findall(r'src="([^"]+)"', text)
    )
    assert month in text and cutoff in text and "224 EX" in text
    # opened in headless Chromium: it renders the sections and asks for nothing outside
    page, requests = browser_page
    page.goto((out / "digest.html").as_uri())
    assert heading in page.inner_text("body")
    assert page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert [r for r in requests if not r.startswith(("file:", "data:"))] == []
    # the PDF renders, and has ink on it (a chart and tables, not a blank page)
    pages = _png_pages(out / "digest.pdf", tmp_path)
    assert pages and _ink(pages[0]) > 0.02
    shutil.copy(pages[0], Path("/tmp") / f"digest-{lang}-page1.png")  # to look at


@pytest.fixture
def browser_page(browser):
    """A page of the run's headless Chromium, recording the URLs it requests."""
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    yield page, requests
    context.close()


def test_month_sections_on_fixture(lifecycle_warehouse, use_warehouse):
    use_warehouse(lifecycle_warehouse)
    made = digest.build(2016, 6, "en", TODAY, with_chart=False)
    status = made.sections[0]
    assert status.rows == [
        [
            "Alpha Education International",
            "Reclassification",
            "Associate",
            "Jun 2016",
            "199 EX/Decision 32",
        ]
    ]
    made = digest.build(2022, 9, "en", TODAY, with_chart=False)
    started = {s.key: s for s in made.sections}["started"]
    assert [r[0] for r in started.rows] == ["Reading clubs"]
    made = digest.build(2023, 6, "en", TODAY, with_chart=False)
    completed = {s.key: s for s in made.sections}["completed"]
    assert [r[0] for r in completed.rows] == ["Cultural rights consultation"]


def test_bad_month_is_a_usage_error(run):
    code, _, err = run("digest", "--month", "2026-13", "--out", "/tmp/never")
    assert code == 2 and "YYYY-MM" in err


def test_excel_cells_are_neutralised(lifecycle_warehouse, tmp_path, use_warehouse):
    db = tmp_path / "w.duckdb"
    shutil.copy(lifecycle_warehouse, db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE partners SET name = '=HYPERLINK(\"http://x\")' WHERE partner_id = 'P1'")
    con.close()
    use_warehouse(db)
    made = digest.build(2016, 6, "en", TODAY, with_chart=False)
    from openpyxl import load_workbook

    (tmp_path / "d.xlsx").write_bytes(digest.to_xlsx(made))
    sheet = load_workbook(tmp_path / "d.xlsx").worksheets[0]
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")' and sheet["A2"].data_type == "s"
    assert "=HYPERLINK(&quot;http://x&quot;)" in digest.to_html(made)  # escaped, not markup


@pytest.fixture
def smtp_server():
    """aiosmtpd on a free loopback port, keeping the messages it receives."""
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free loopback port (aiosmtpd cannot be given port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def test_send_through_local_smtp(run, tmp_path, monkeypatch, smtp_server):
    port, received = smtp_server
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("DIGEST_FROM", "ngo-liaison@example.org")
    monkeypatch.setenv("DIGEST_TO", "a@example.org, b@example.org")
    code, out, err = run(
        "digest", "--month", "2026-10", "--lang", "fr", "--out", str(tmp_path), "--send"
    )
    assert code == 0, err
    assert "sent to 2 recipient(s)" in out
    assert len(received) == 1
    mail = email.message_from_bytes(received[0], policy=policy.default)
    assert "octobre 2026" in mail["Subject"]
    body = mail.get_body(("html",))
    html_text = body.get_content()
    cids = re.findall(r'src="cid:([^"]+)"', html_text)
    assert len(cids) == 1
    parts = {p.get("Content-ID", "").strip("<>"): p for p in mail.walk()}
    assert parts[cids[0]].get_content_type() == "image/png"
    names = {p.get_filename() for p in mail.iter_attachments()}
    assert names == {"digest-2026-10-fr.pdf", "digest-2026-10-fr.xlsx"}
    assert "Échéances des prochains mois" in mail.get_body(("plain",)).get_content()


def test_send_without_settings_says_which(run, tmp_path, monkeypatch):
    for name in ("SMTP_HOST", "DIGEST_FROM", "DIGEST_TO"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run("digest", "--month", "2026-10", "--out", str(tmp_path), "--send")
    assert code == 2 and "SMTP_HOST" in err and "DIGEST_TO" in err
