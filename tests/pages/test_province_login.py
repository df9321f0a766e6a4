"""Production's login page hands a person over to the province's identity provider (统一身份认证) —
a real OpenID Connect provider on loopback (tests/security/oidc_provider.py) — and she comes back
to 我的办件 in Chromium, logged in as the person whose ID number the provider's claim names.
The sandbox's pickers are nowhere on the page."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from browser_support import PHONE, axe, elder_on, screenshot
from playwright.sync_api import Browser, expect

from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.web.app import create_app
from security.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, RunningProvider
from security.security_support import PRODUCTION_KEYS

pytestmark = pytest.mark.browser

GRADUATE_ID = "42011120040315002X"  # a graduate of a Wuhan university, as the province knows her


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def province(chromium: Path) -> Iterator[RunningProvider]:
    running = RunningProvider(Provider())
    running.provider.users = {"graduate": {"name": "李思雨", "cn_id_number": GRADUATE_ID}}
    yield running
    running.stop()


@pytest.fixture
def production_portal(province: RunningProvider, tmp_path: Path) -> Iterator[str]:
    """lianban in production mode, its people's login at the province's provider."""
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    upgrade(url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    province.register(f"{base}/auth/oidc/callback")
    settings = load_settings(
        {
            "LIANBAN_DATA_DIR": str(tmp_path / "var"),
            **PRODUCTION_KEYS,
            "LIANBAN_PUBLIC_URL": base,
            "LIANBAN_OIDC_ISSUER": province.issuer,
            "LIANBAN_OIDC_CLIENT_ID": CLIENT_ID,
            "LIANBAN_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "LIANBAN_OIDC_ID_NUMBER_CLAIM": "cn_id_number",
        },
        database_url=url,
        mode=Mode.PRODUCTION,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the platform did not start"
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(10)


def test_a_graduate_logs_in_at_the_province_and_lands_in_her_cases(
    browser: Browser, production_portal: str
) -> None:
    context = browser.new_context(
        base_url=production_portal,
        viewport=PHONE,  # type: ignore[arg-type]
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.device = "phone"  # type: ignore[attr-defined]
    page.goto("/my")
    expect(page).to_have_url(re.compile(r"/login\?next=/my$"))
    expect(page.get_by_role("heading", level=2, name="统一身份认证")).to_be_visible()
    expect(page.get_by_label("公民身份号码")).to_have_count(0)  # no sandbox login in production
    expect(page.get_by_text("沙箱")).to_have_count(0)
    axe(page)
    screenshot(page, "login-province")
    page.get_by_role("button", name="长辈版").click()
    expect(page.get_by_role("button", name="长辈版")).to_have_attribute("aria-pressed", "true")
    assert elder_on(page)
    axe(page)
    screenshot(page, "login-province")

    page.get_by_role("link", name="前往统一身份认证平台登录").click()
    expect(page).to_have_title("统一身份认证")  # the province's own page
    page.get_by_label("账号").select_option("graduate")
    page.get_by_role("button", name="登录并授权").click()

    expect(page).to_have_url(re.compile(r"/my$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的办件")
    expect(page.get_by_text("已登录：李思雨")).to_be_visible()
    expect(page.get_by_text("您还没有办件。")).to_be_visible()
    assert elder_on(page), "长辈版 was forgotten on the way through the province's login"
    context.close()
