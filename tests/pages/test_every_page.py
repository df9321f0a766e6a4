"""Every page, on a phone and a desktop, in the normal mode and in 长辈版: no serious or critical
WCAG 2.1 AA violation (axe-core, both modes), no sideways scrolling, and a screenshot of each."""

from __future__ import annotations

import httpx
import pytest
from browser_support import DESKTOP, PHONE, axe, no_horizontal_scroll, screenshot
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

WUHAN_GRADUATE = "420602200405120263"  # persona wuhan_graduate (陈思雨)

PAGES = {
    "home": ("/", "一件事一次办"),
    "guide": ("/themes/hubei.flexible-employment", "灵活就业一件事"),
    "login": ("/login", "登录"),
    "my-cases": ("/my", "我的办件"),
    "not-found": ("/themes/no-such-theme", "未找到"),
}


@pytest.fixture(scope="module")
def graduate_session(live_server: str) -> str:
    """The graduate's signed identity: what the API hands out is what the page cookie carries."""
    r = httpx.post(f"{live_server}/api/v1/auth/sandbox", json={"id_number": WUHAN_GRADUATE}, timeout=10)
    token: str = r.json()["access_token"]
    return token


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_accessible_in_both_modes_and_fits_a_phone(
    name: str, browser: Browser, live_server: str, graduate_session: str
) -> None:
    path, heading = PAGES[name]
    for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        for elder in (False, True):
            context = browser.new_context(
                base_url=live_server,
                viewport=viewport,  # type: ignore[arg-type]
                locale="zh-CN",
                is_mobile=device == "phone",
                has_touch=device == "phone",
            )
            cookies = []
            if name == "my-cases":
                cookies.append({"name": "lianban_session", "value": graduate_session, "url": live_server})
            if elder:
                cookies.append({"name": "lianban_elder", "value": "1", "url": live_server})
            context.add_cookies(cookies)  # type: ignore[arg-type]
            page = context.new_page()
            page.device = device  # type: ignore[attr-defined]
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            no_horizontal_scroll(page)
            if device == "phone":  # same markup and colours on a desktop; the phone is the harder case
                axe(page)
            screenshot(page, name)
            context.close()
