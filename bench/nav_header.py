"""The header menu at many widths, EN and FR, as a viewer and as an admin: room left, rows, PNGs.

    .venv/bin/python -m bench.nav_header OUT_DIR [--widths 375,992,1280] [--warehouse W]

Starts `python app.py` in internal mode with two local accounts (viewer, admin) on a demo
warehouse (built in OUT_DIR when none is given), signs in as each in headless Chromium, and per
width prints the header's scroll/client width, the room left on its row ("slack": container
width minus brand, links and language switch; negative when the menu is behind its button) and
the distinct tops of its links (one top = one row) and the lines of text in the tallest link
(a label wrapping in its link shows 2 or 3), and saves `ROLE-LANG-WIDTH.png`. Below the
expand breakpoint the menu is opened first. The French of dashboards/locales/pending/nav.json
(not yet in the catalogue) is put in place in the page, so the widths are the merged ones.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = "375,768,992,1100,1200,1280,1366,1440,1699,1700,1920"
PASSWORD = "bench-password-1"
PENDING = ROOT / "dashboards" / "locales" / "pending" / "nav.json"
_PENDING_JS = """m => document.querySelectorAll('header span').forEach(e => {
    if (e.children.length === 0 && m[e.textContent]) { e.textContent = m[e.textContent]; }
})"""
_MEASURE_JS = """() => {
    const h = document.querySelector('header'), c = h.querySelector('.container-fluid');
    const cs = getComputedStyle(c), brand = h.querySelector('.navbar-brand');
    const nav = h.querySelector('.navbar-nav'), langs = h.querySelector('.lang-switch');
    const slack = c.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)
        - brand.getBoundingClientRect().width - parseFloat(getComputedStyle(brand).marginRight)
        - nav.scrollWidth - langs.getBoundingClientRect().width;
    const links = [...h.querySelectorAll('.navbar-nav > .nav-item > .nav-link')]
        .filter(e => e.getClientRects().length);
    const lines = e => { const s = getComputedStyle(e);
        return Math.round((e.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom))
            / parseFloat(s.lineHeight)); };
    return {slack: Math.round(slack), scrollWidth: h.scrollWidth, clientWidth: h.clientWidth,
            tops: [...new Set(links.map(e => Math.round(e.getBoundingClientRect().top)))],
            lines: Math.max(...links.map(lines))};
}"""


def main(argv: list[str] | None = None) -> int:
    """Measure and photograph the header; print one line per role, language and width."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--widths", default=WIDTHS)
    parser.add_argument("--warehouse", type=Path)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from app_server import start_app, stop
    from playwright.sync_api import sync_playwright

    from bench.browser import ARGS
    from dashboards import accounts

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    warehouse = args.warehouse or out / "warehouse.duckdb"
    if not warehouse.exists():
        from etl.demo import write_demo
        from etl.load import load_directory

        write_demo(out / "input", seed=42, n_activities=2000)
        load_directory(out / "input", warehouse)
    users = {"viewer": "vic", "admin": "ada"}
    store = out / "accounts.json"
    store.unlink(missing_ok=True)
    for role, name in users.items():
        accounts.add(store, name, PASSWORD, role)
    pending = json.loads(PENDING.read_text(encoding="utf-8")) if PENDING.exists() else {}
    proc, base = start_app(
        warehouse,
        out / "app.log",
        ACCESS_MODE="internal",
        SECRET_KEY="b" * 40,
        SESSION_COOKIE_SECURE="0",
        ACCOUNTS_PATH=str(store),
        AUDIT_LOG_PATH=str(out / "audit.jsonl"),
        BACKGROUND_CACHE_DIR=str(out / "bg"),
    )
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for role, name in users.items():
                context = browser.new_context(viewport={"width": 1280, "height": 700})
                page = context.new_page()
                page.goto(base + "/regions", wait_until="networkidle")
                page.fill("#username", name)
                page.fill("#password", PASSWORD)
                page.click("#local-sign-in")
                page.wait_for_selector("#page-content h1")
                for lang in ("en", "fr"):
                    query = "?lang=fr" if lang == "fr" else ""
                    page.goto(base + "/regions" + query, wait_until="networkidle")
                    page.wait_for_selector("#page-content h1")
                    for width in (int(w) for w in args.widths.split(",")):
                        page.set_viewport_size({"width": width, "height": 700})
                        if lang == "fr":
                            page.evaluate(_PENDING_JS, pending)
                        toggle = page.locator("#nav-toggle")
                        opened = toggle.is_visible()
                        if opened:
                            toggle.click()
                            page.wait_for_selector("#nav-collapse.show")
                            page.wait_for_function("() => !document.querySelector('.collapsing')")
                        m = page.evaluate(_MEASURE_JS)
                        results[f"{role}-{lang}-{width}"] = m
                        print(
                            f"{role:6} {lang} {width:5d}px: slack {int(m['slack']):5d} header "
                            f"{m['scrollWidth']}/{m['clientWidth']} rows of links "
                            f"{len(m['tops'])}, lines in the tallest link {m['lines']}"
                            f"{' (menu opened)' if opened else ''}"
                        )
                        page.locator("header").screenshot(
                            path=str(out / f"{role}-{lang}-{width}.png")
                        )
                        if opened:
                            toggle.click()
                            page.wait_for_function("() => !document.querySelector('.collapsing')")
                context.close()
            browser.close()
    finally:
        stop(proc)
    (out / "measure.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
