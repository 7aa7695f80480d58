"""Take headless Chromium screenshots of dashboard pages (used for docs/screenshots and checks).

Usage: python scripts/screenshot.py BASE_URL OUT_DIR PATH[|NAME] ...
Prints console errors and failed requests; exits 1 if there were any.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.browser import ARGS, CHROMIUM


def main(argv: list[str]) -> int:
    """Screenshot each path; report errors."""
    base, out = argv[0].rstrip("/"), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    problems = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
        errors: list[str] = []
        page.on(
            "console",
            lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("requestfailed", lambda r: errors.append(f"failed {r.url}: {r.failure}"))
        page.on(
            "response",
            lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
        )
        for spec in argv[2:]:
            path, _, name = spec.partition("|")
            name = name or (path.strip("/").replace("/", "_").split("?")[0] or "overview")
            errors.clear()
            page.goto(base + path, wait_until="networkidle")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            for e in errors:
                print(f"{path}: {e}")
            problems += len(errors)
            print(f"{path}: {out / (name + '.png')} ({len(errors)} problems)")
        browser.close()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
