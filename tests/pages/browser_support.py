"""What the page tests share besides fixtures: Chromium's flags, the two screens, axe-core,
sideways scrolling and screenshots (see conftest.py for the fixtures)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "src" / "lianban" / "web" / "static" / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def axe(page: Page) -> None:
    """No serious or critical WCAG 2.1 A/AA violation on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in bad
    )


def elder_on(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.classList.contains('elder')"))


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width[0]} px content in {width[1]} px"


SCREENSHOTS = ROOT / "docs" / "screenshots"


def taking_screenshots() -> bool:
    return os.environ.get("LIANBAN_SCREENSHOTS") == "1"


def screenshot(page: Page, name: str) -> Path | None:
    """Photograph the whole page as ``<name>-<phone|desktop>-<normal|elder>.png`` (when asked)."""
    if not taking_screenshots():
        return None
    mode = "elder" if elder_on(page) else "normal"
    path = SCREENSHOTS / f"{name}-{page.device}-{mode}.png"  # type: ignore[attr-defined]
    path.parent.mkdir(parents=True, exist_ok=True)  # ``staff/worklist`` goes to docs/screenshots/staff/
    page.screenshot(path=str(path), full_page=True)
    return path
