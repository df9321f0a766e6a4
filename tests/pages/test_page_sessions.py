"""Page sessions over plain HTTP (no browser, no JavaScript): the cookie carries the API's signed
identity, every form carries a CSRF token that is checked, errors are pages in Chinese or English,
and production hands login over to the province's identity provider."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.security.staff import Caller, add_staff
from lianban.security.tokens import Role, verify
from lianban.web.app import create_app
from support.certificates import CERTIFICATE_ENV

WUHAN_GRADUATE = "420602200405120263"  # persona wuhan_graduate (陈思雨)
PRODUCTION_KEYS = {
    "LIANBAN_SECRET_KEY": "k" * 40,
    "LIANBAN_DATA_KEYS": "d1:ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ=",
    "LIANBAN_LOOKUP_KEY": "4c" * 32,
    **CERTIFICATE_ENV,  # 电子证照 signing pair (production needs it)
}


def _client(tmp_path: Path, mode: Mode) -> TestClient:
    url = f"sqlite:///{tmp_path / 'pages.sqlite3'}"
    upgrade(url)
    env = {"LIANBAN_DATA_DIR": str(tmp_path / "var"), **(PRODUCTION_KEYS if mode is Mode.PRODUCTION else {})}
    return TestClient(create_app(load_settings(env, database_url=url, mode=mode)), follow_redirects=False)


@pytest.fixture
def browser_like(tmp_path: Path) -> Iterator[TestClient]:
    """A sandbox platform, asked for pages as a browser asks (Accept: text/html, cookies kept)."""
    with _client(tmp_path, Mode.SANDBOX) as c:
        c.headers["accept"] = "text/html"
        yield c


def token_on(html: str) -> str:
    """The page's CSRF token, the same one in every form of it."""
    found = set(re.findall(r'name="csrf_token" value="([^"]*)"', html))
    assert len(found) == 1 and "" not in found, f"forms of one page carry {found or 'no'} CSRF tokens"
    return found.pop()


def set_cookies(response: object) -> dict[str, SimpleCookie]:
    out: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        out.update({name: cookie for name in cookie})
    return out


def test_a_graduate_logs_in_with_the_same_signed_identity_the_api_gives(browser_like: TestClient) -> None:
    page = browser_like.get("/login?next=/my")
    r = browser_like.post(
        "/login",
        data={
            "csrf_token": token_on(page.text),
            "kind": "person",
            "id_number": WUHAN_GRADUATE,
            "next": "/my",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/my"
    cookie = set_cookies(r)["lianban_session"]["lianban_session"]
    assert cookie["httponly"] and cookie["samesite"].lower() == "lax" and not cookie["secure"]
    identity = verify(cookie.value, browser_like.app.state.secret_key)  # type: ignore[attr-defined]
    assert identity.role is Role.APPLICANT and identity.id_number == WUHAN_GRADUATE
    mine = browser_like.get("/my")
    assert mine.status_code == 200 and "我的办件" in mine.text and "您还没有办件" in mine.text
    assert mine.headers["cache-control"] == "no-store"  # her page is kept in no cache (web.no_store)
    # the API keeps bearer tokens: the page cookie opens no API door
    assert browser_like.get("/api/v1/applications").status_code == 401


def test_a_form_without_its_token_is_refused_and_a_token_outlives_no_login(browser_like: TestClient) -> None:
    home = browser_like.get("/")
    refused = browser_like.post("/prefs/elder", data={"elder": "1", "next": "/"})
    assert refused.status_code == 403 and "页面已过期" in refused.text
    assert "lianban_elder" not in set_cookies(refused)
    forged = browser_like.post("/prefs/elder", data={"elder": "1", "csrf_token": "0" * 64})
    assert forged.status_code == 403
    anonymous_token = token_on(home.text)
    ok = browser_like.post("/prefs/elder", data={"elder": "1", "next": "/", "csrf_token": anonymous_token})
    assert ok.status_code == 303 and set_cookies(ok)["lianban_elder"]["lianban_elder"].value == "1"
    assert 'class="elder"' in browser_like.get("/").text
    login = browser_like.post(
        "/login", data={"csrf_token": anonymous_token, "kind": "person", "id_number": WUHAN_GRADUATE}
    )
    assert login.status_code == 303
    # the token of the page before logging in is not the logged-in session's
    stale = browser_like.post("/logout", data={"csrf_token": anonymous_token})
    assert stale.status_code == 403
    out = browser_like.post("/logout", data={"csrf_token": token_on(browser_like.get("/my").text)})
    assert out.status_code == 303
    assert browser_like.get("/my").headers["location"] == "/login?next=/my"


def test_a_wrong_id_number_is_told_beside_its_field_and_what_was_typed_stays(
    browser_like: TestClient,
) -> None:
    page = browser_like.get("/login")
    typed = WUHAN_GRADUATE[:-1] + "5"  # a wrong check digit
    r = browser_like.post(
        "/login",
        data={"csrf_token": token_on(page.text), "kind": "person", "via": "type", "id_number": typed},
    )
    assert r.status_code == 422
    field = re.search(r"<input id=\"id-number\"[^>]*>", r.text)
    assert field is not None
    assert f'value="{typed}"' in field.group(0) and 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="id-number-hint id-number-error"' in field.group(0)
    error = re.search(r'<p id="id-number-error" class="error">(.*?)</p>', r.text, re.S)
    assert error is not None and "校验" in error.group(1)
    assert "lianban_session" not in set_cookies(r)


def test_after_logging_in_a_person_goes_only_to_a_page_of_this_site(browser_like: TestClient) -> None:
    token = token_on(browser_like.get("/").text)
    r = browser_like.post(
        "/prefs/elder", data={"elder": "1", "next": "https://elsewhere.example/", "csrf_token": token}
    )
    assert r.headers["location"] == "/"
    r = browser_like.post(
        "/login",
        data={
            "csrf_token": token,
            "kind": "person",
            "id_number": WUHAN_GRADUATE,
            "next": "//elsewhere.example",
        },
    )
    assert r.headers["location"] == "/my"


def test_errors_are_pages_in_chinese_or_english_and_the_api_keeps_problem_details(
    browser_like: TestClient,
) -> None:
    zh = browser_like.get("/themes/no-such-theme")
    assert zh.status_code == 404 and zh.headers["content-type"].startswith("text/html")
    assert "主题 no-such-theme 不存在" in zh.text and '<div lang="zh-CN">' in zh.text
    en = browser_like.get("/themes/no-such-theme", headers={"accept-language": "en-GB,en;q=0.9"})
    assert "theme no-such-theme does not exist" in en.text and '<div lang="en">' in en.text
    nowhere = browser_like.get("/no/such/page")
    assert nowhere.status_code == 404 and "页面不存在" in nowhere.text
    api = browser_like.get("/api/v1/themes/no-such-theme")
    assert api.headers["content-type"] == "application/problem+json"


def test_home_filters_by_words_and_by_who_applies_without_javascript(browser_like: TestClient) -> None:
    def themes(html: str) -> list[str]:
        return re.findall(r'<h3><a href="/themes/([^"]+)">', html)

    assert len(themes(browser_like.get("/").text)) == 6
    flexible = themes(browser_like.get("/", params={"q": "灵活就业"}).text)
    assert {"hubei.flexible-employment", "hebei.flexible-employment", "zibo.flexible-employment"} <= set(
        flexible
    )
    assert "shangrao.recruitment" not in flexible
    assert set(themes(browser_like.get("/", params={"who": "employer"}).text)) == {
        "shangrao.recruitment",
        "zibo.unit-employment",
    }
    assert themes(browser_like.get("/", params={"q": "湖北 社保卡"}).text) == [
        "hubei.graduate-employment",
        "hubei.flexible-employment",
    ]
    nothing = browser_like.get("/", params={"q": "宇宙飞船"})
    assert themes(nothing.text) == [] and "没有找到" in nothing.text


def test_production_hands_people_over_logs_staff_in_by_account_and_its_cookies_are_secure(
    tmp_path: Path,
) -> None:
    with _client(tmp_path, Mode.PRODUCTION) as c:
        c.headers["accept"] = "text/html"
        app = c.app
        with app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
            add_staff(
                session,
                Caller(actor="cli:test", client=None),
                username="li.hua",
                role="supervisor",
                password="a-long-enough-passphrase-1",
                departments=[],
                now=datetime.now(UTC),
                name="李华",
            )
        page = c.get("/login")
        assert page.status_code == 200 and "统一身份认证" in page.text
        assert "沙箱" not in page.text and WUHAN_GRADUATE not in page.text
        seed = set_cookies(page)["lianban_csrf"]["lianban_csrf"]
        assert seed["secure"] and seed["httponly"] and seed["samesite"].lower() == "lax"
        c.cookies.set("lianban_csrf", seed.value)
        token = token_on(page.text)
        person = c.post("/login", data={"csrf_token": token, "kind": "person", "id_number": WUHAN_GRADUATE})
        assert person.status_code == 404 and "lianban_session" not in set_cookies(person)

        staff_page = c.get("/login", params={"as": "staff"})
        assert '<input id="username" name="username" type="text"' in staff_page.text
        wrong = c.post(
            "/login", data={"csrf_token": token, "kind": "staff", "username": "li.hua", "password": "guess"}
        )
        assert wrong.status_code == 422 and "用户名或密码错误" in wrong.text
        assert "lianban_session" not in set_cookies(wrong)
        right = c.post(
            "/login",
            data={
                "csrf_token": token,
                "kind": "staff",
                "username": "li.hua",
                "password": "a-long-enough-passphrase-1",
            },
        )
        assert right.status_code == 303 and right.headers["location"] == "/staff"  # their desk
        session_cookie = set_cookies(right)["lianban_session"]["lianban_session"]
        assert session_cookie["secure"] and session_cookie["httponly"]
        identity = verify(session_cookie.value, app.state.secret_key)  # type: ignore[attr-defined]
        assert identity.role is Role.SUPERVISOR and identity.subject == "staff:li.hua"


def test_a_sandbox_staff_account_logs_in_on_the_staff_tab(browser_like: TestClient) -> None:
    page = browser_like.get("/login", params={"as": "staff"})
    assert '<select id="username" name="username"' in page.text and "医保经办（沙箱）" in page.text
    data = {"csrf_token": token_on(page.text), "kind": "staff", "username": "medical_insurance"}
    wrong = browser_like.post("/login", data={**data, "password": "nope"})
    assert wrong.status_code == 422 and 'id="password-error"' in wrong.text
    r = browser_like.post("/login", data={**data, "password": "sandbox"})
    assert r.status_code == 303 and r.headers["location"] == "/staff"  # her desk
    identity = verify(
        set_cookies(r)["lianban_session"]["lianban_session"].value,
        browser_like.app.state.secret_key,  # type: ignore[attr-defined]
    )
    assert identity.role is Role.DEPARTMENT_STAFF and identity.department == "medical_insurance"
    assert "已登录：医保经办（沙箱）" in browser_like.get("/").text


def test_with_the_province_configured_people_are_sent_to_its_login(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'oidc.sqlite3'}"
    upgrade(url)
    env = {
        "LIANBAN_DATA_DIR": str(tmp_path / "var"),
        **PRODUCTION_KEYS,
        "LIANBAN_OIDC_ISSUER": "https://idp.province.example",
        "LIANBAN_OIDC_CLIENT_ID": "lianban",
        "LIANBAN_OIDC_CLIENT_SECRET": "s" * 32,
    }
    app = create_app(load_settings(env, database_url=url, mode=Mode.PRODUCTION))
    with TestClient(app, follow_redirects=False) as c:
        page = c.get("/login", params={"next": "/my"}, headers={"accept": "text/html"})
        assert '<a class="button" href="/auth/oidc/login?next=/my">前往统一身份认证平台登录</a>' in page.text
        assert "暂不能登录" not in page.text
