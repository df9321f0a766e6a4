"""我的办件 comes a page at a time (issue 16.3): newest first, 更早的办件 going on from the last case
shown by the API's keyset cursor, 回到最新的办件 back to the first page, and no link past the last."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from lianban.web.pages import my_cases
from sandbox_cases import file_hebei_case, hebei_worker_id


def test_my_cases_come_two_at_a_time_newest_first(
    browser_like: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = browser_like
    filed = [file_hebei_case(client)[0] for _ in range(5)]
    monkeypatch.setattr(my_cases, "ON_SCREEN", 2)
    client.headers["accept"] = "text/html"
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token
    client.post(
        "/login",
        data={
            "csrf_token": token.group(1),
            "kind": "person",
            "via": "type",
            "id_number": hebei_worker_id(client),
        },
    )

    shown: list[str] = []
    pages: list[str] = []
    address = "/my"
    while True:
        page = client.get(address)
        assert page.status_code == 200, page.text
        pages.append(page.text)
        shown += re.findall(r'href="/my/(LB[0-9A-Z]+)"', page.text)
        more = re.search(r'rel="next" href="([^"]+)"', page.text)
        if more is None:
            break
        address = html.unescape(more.group(1))
    assert shown == filed[::-1]
    assert len(pages) == 3 and "本页 2 件" in pages[0] and "本页 1 件" in pages[2]
    assert "回到最新的办件" not in pages[0] and all("回到最新的办件" in p for p in pages[1:])
    assert client.get("/my", params={"cursor": "nonsense"}).status_code == 422  # a made-up cursor
