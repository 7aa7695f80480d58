"""Browser tests of the exports: click a chart's download menu, the data buttons and the
briefing pack (a background callback with progress and cancel), and receive the files."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

if not Path("/usr/bin/chromium").exists():
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError("REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
    pytest.skip("no /usr/bin/chromium", allow_module_level=True)

QUERY = "?region=AFR&years=2018-2024"


def _download(page, click, timeout=60_000) -> tuple[bytes, str]:
    with page.expect_download(timeout=timeout) as info:
        click()
    download = info.value
    assert download.failure() is None
    return Path(download.path()).read_bytes(), download.suggested_filename


def test_chart_menu_downloads_png_and_svg(watch):
    from PIL import Image

    watch.goto("/" + QUERY)
    before = len(watch.errors)  # the page's own callbacks are other tests' business
    page = watch.page
    card = page.locator(".chart-card").first
    card.locator(".chart-export-toggle").click()
    content, name = _download(page, lambda: card.get_by_text("PNG image (print)").click())
    assert name.endswith(".png")
    assert Image.open(io.BytesIO(content)).size == (3200, 1800)

    card.locator(".chart-export-toggle").click()
    content, name = _download(page, lambda: card.get_by_text("SVG (vector)").click())
    assert name.endswith(".svg") and b"Africa" in content
    assert not watch.errors[before:], watch.errors[before:]


def test_data_buttons_download_csv_zip_and_xlsx(watch):
    watch.goto("/" + QUERY + "&lang=fr")
    page = watch.page
    content, name = _download(page, lambda: page.locator("#export-data-csv").click())
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert sorted(zf.namelist()) == ["about.csv", "activities.csv", "partners.csv"]
        about = zf.read("about.csv").decode("utf-8-sig")
    assert "Afrique" in about  # the filters, in French
    content, name = _download(page, lambda: page.locator("#export-data-xlsx").click())
    assert name.endswith(".xlsx") and content[:2] == b"PK"


def test_briefing_pack_builds_in_background_with_progress(watch):
    from pypdf import PdfReader

    from dashboards.charts import charts_for

    watch.goto("/" + QUERY)
    before = len(watch.errors)
    page = watch.page
    page.locator("#export-pack-toggle").click()
    page.locator("#export-pack-panel").get_by_text("PDF", exact=True).click()
    content, name = _download(
        page, lambda: page.locator("#export-pack-build").click(), timeout=120_000
    )
    assert name.endswith(".pdf")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == len(charts_for("overview")) + 2
    assert "Africa · 2018–2024" in reader.pages[0].extract_text()
    page.wait_for_function(
        "() => document.getElementById('export-pack-status').innerText.includes('Ready')"
    )
    assert name in page.locator("#export-pack-status").inner_text()
    assert page.locator("#export-pack-build").is_enabled()
    assert not watch.errors[before:], watch.errors[before:]


def test_briefing_pack_can_be_cancelled(watch):
    watch.goto("/")
    page = watch.page
    page.locator("#export-pack-toggle").click()
    page.locator("#export-pack-panel").get_by_text("PowerPoint").click()
    page.locator("#export-pack-panel").get_by_text("All pages").click()
    page.locator("#export-pack-build").click()
    page.wait_for_function("() => !document.getElementById('export-pack-cancel').disabled")
    page.locator("#export-pack-cancel").click()
    page.wait_for_function(
        "() => !document.getElementById('export-pack-build').disabled", timeout=15_000
    )
    assert "Ready" not in page.locator("#export-pack-status").inner_text()
    # The page stays usable: a filter change still updates the charts.
    watch.goto("/?field=ED")
    assert page.locator(".chart-card").count() >= 1


# Records every value the pack's progress bar shows and every text of its status, as they change.
RECORD = """() => {
  window.__pack = {values: [], status: [], steps: []};
  const bar = document.querySelector('#export-pack-progress .progress-bar')
    || document.querySelector('#export-pack-progress');
  const value = () => Number(bar.getAttribute('aria-valuenow') || 0);
  new MutationObserver(() => window.__pack.values.push(value()))
    .observe(bar, {attributes: true, attributeFilter: ['aria-valuenow', 'style']});
  const status = document.getElementById('export-pack-status');
  new MutationObserver(() => window.__pack.status.push(status.innerText))
    .observe(status, {childList: true, subtree: true, characterData: true});
  const step = document.getElementById('export-pack-step');
  new MutationObserver(() => window.__pack.steps.push(step.innerText))
    .observe(step, {childList: true, subtree: true, characterData: true});
}"""


def test_pack_progress_moves_and_status_is_the_current_jobs(watch):
    watch.goto("/?lang=en")
    before = len(watch.errors)
    page = watch.page
    assert "Data (CSV, ZIP)" in page.locator("#export-data-csv").inner_text()
    page.locator("#export-pack-toggle").click()
    panel = page.locator("#export-pack-panel")
    panel.get_by_text("PDF", exact=True).click()
    panel.get_by_text("All pages").click()
    page.evaluate(RECORD)
    content, first = _download(
        page, lambda: page.locator("#export-pack-build").click(), timeout=180_000
    )
    assert first.endswith(".pdf") and content[:4] == b"%PDF"
    page.wait_for_function(
        "() => document.getElementById('export-pack-status').innerText.includes('Ready')"
    )
    seen = page.evaluate("window.__pack")
    moving = [v for v in seen["values"] if 0 < v < 100]
    # The bar moved through several intermediate values, never backwards, during the job.
    assert len(set(moving)) >= 2, seen["values"]
    assert moving == sorted(moving), seen["values"]
    assert any("Chart " in s and " of " in s for s in seen["steps"]), seen["steps"]

    # A second job (another format): its status never shows the first job's message.
    panel.get_by_text("PowerPoint").click()
    panel.get_by_text("This page").click()
    content, second = _download(
        page,
        lambda: (
            page.locator("#export-pack-build").click(),
            # while the new job runs, the first job's message is not shown
            page.wait_for_function(
                "() => document.getElementById('export-pack-build').disabled"
                " && document.getElementById('export-pack-status').offsetParent === null"
            ),
        ),
        timeout=180_000,
    )
    assert second.endswith(".pptx") and content[:2] == b"PK"
    page.wait_for_function(
        "() => document.getElementById('export-pack-status').innerText.includes('.pptx')"
    )
    status = page.locator("#export-pack-status")
    assert status.is_visible() and first not in status.inner_text()
    assert not watch.errors[before:], watch.errors[before:]
