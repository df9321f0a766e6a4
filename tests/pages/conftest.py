"""Shared helpers of the page tests: a live platform, one browser, phone and desktop, axe, screenshots.

- ``live_server``: ``lianban demo`` as a person starts it (sandbox mode, the simulated
  departments, the in-process worker) on a free port, once per test session.
- ``browser``: Debian's Chromium (/usr/bin/chromium) driven by Playwright, once per session. Without
  it the browser tests skip — unless ``LIANBAN_REQUIRE_BROWSER=1`` (set by .ci/run), then they fail.
- ``phone`` (390×844, zh-CN, touch) and ``desktop`` (1366×768): a fresh page in a fresh context
  (its own cookies) per test.
Helpers the tests import live in ``browser_support.py`` (a name no other test folder uses):

- ``axe(page)``: runs the vendored axe-core for WCAG 2.0/2.1 A and AA; serious or critical
  violations fail the test, named with their elements.
- ``screenshot(page, name)``: a full-page PNG ``docs/screenshots/<page>-<phone|desktop>-<normal|elder>.png``
  when ``LIANBAN_SCREENSHOTS=1`` (``make screenshots``); otherwise nothing, so that ``make test``
  stays quick and leaves the work tree as it was.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.web.app import create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("LIANBAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium required (LIANBAN_REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium fonts-wqy-microhei)")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of ``lianban demo`` running in its own process (real HTTP, real departments)."""
    home = tmp_path_factory.mktemp("live")
    port = _free_port()
    log = (home / "demo.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lianban.cli",
            "demo",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--database-url",
            f"sqlite:///{home / 'demo.sqlite3'}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "LIANBAN_DATA_DIR": str(home / "var"),
            "LIANBAN_MODE": "sandbox",
            # a department that is down fails a send within a second, not after eight backed-off tries
            "LIANBAN_DISPATCH_MAX_ATTEMPTS": "2",
            "LIANBAN_DISPATCH_BASE_DELAY_SECONDS": "0.2",
        },
        cwd=home,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise AssertionError(
                    f"lianban demo exited ({proc.returncode}):\n{(home / 'demo.log').read_text()}"
                )
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("lianban demo did not answer /healthz within 90 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def playwright_session(chromium: Path) -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright, chromium: Path) -> Iterator[Browser]:
    launched = playwright_session.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def _page(browser: Browser, base_url: str, viewport: dict[str, int], mobile: bool) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url,
        viewport=viewport,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=mobile,
        has_touch=mobile,
        device_scale_factor=1,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.device = "phone" if mobile else "desktop"  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    yield from _page(browser, live_server, PHONE, mobile=True)


@pytest.fixture
def desktop(browser: Browser, live_server: str) -> Iterator[Page]:
    yield from _page(browser, live_server, DESKTOP, mobile=False)


@pytest.fixture
def browser_like(tmp_path: Path) -> Iterator[TestClient]:
    """A sandbox platform on its own SQLite file, asked for pages without following redirects (a
    module that needs more — a test route, an Accept header — defines its own)."""
    url = f"sqlite:///{tmp_path / 'my.sqlite3'}"
    upgrade(url)
    settings = load_settings({"LIANBAN_DATA_DIR": str(tmp_path / "var")}, database_url=url, mode=Mode.SANDBOX)
    with TestClient(create_app(settings), follow_redirects=False) as c:
        yield c
