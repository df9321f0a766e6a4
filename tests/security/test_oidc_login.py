"""Real identity (统一身份认证): a graduate in Wuhan logs in at the province's identity provider — a
real OpenID Connect provider on loopback — and lands in the portal as the person whose ID number
the provider's claim names. Everything the relying party must refuse, it refuses: a wrong state,
a replayed code, a token for another client, another login's nonce, an expired token, a token
signed with a key the provider does not publish, and a `next` that leaves the site."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from joserfc.jwk import RSAKey
from oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, RunningProvider
from security_support import PRODUCTION_KEYS

from lianban.config import ConfigError, Mode, load_settings
from lianban.migrate import upgrade
from lianban.security.sessions import SESSION_COOKIE
from lianban.security.tokens import Role, verify
from lianban.web.app import create_app

GRADUATE_ID = "42011120040315002X"  # a graduate of a Wuhan university
EMPLOYER_USCC = "91420100177570439R"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Platform:
    url: str
    secret_key: str


@pytest.fixture
def provider() -> Iterator[RunningProvider]:
    running = RunningProvider(Provider())
    running.provider.users = {
        "graduate": {"name": "李思雨", "cn_id_number": GRADUATE_ID},
        "employer": {"name": "武汉光谷示例科技有限公司", "cn_uscc": EMPLOYER_USCC},
        "nobody": {"name": "无证件的人"},
    }
    yield running
    running.stop()


def serve(provider: RunningProvider, tmp_path: Path, **env: str) -> Iterator[Platform]:
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    upgrade(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    provider.register(f"{base}/auth/oidc/callback")
    settings = load_settings(
        {
            "LIANBAN_DATA_DIR": str(tmp_path / "var"),
            **PRODUCTION_KEYS,
            "LIANBAN_PUBLIC_URL": base,
            "LIANBAN_OIDC_ISSUER": provider.issuer,
            "LIANBAN_OIDC_CLIENT_ID": CLIENT_ID,
            "LIANBAN_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "LIANBAN_OIDC_ID_NUMBER_CLAIM": "cn_id_number",
            "LIANBAN_OIDC_USCC_CLAIM": "cn_uscc",
            **env,
        },
        database_url=url,
        mode=Mode.PRODUCTION,
    )
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the platform did not start"
        time.sleep(0.05)
    try:
        yield Platform(base, app.state.secret_key)
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def platform(provider: RunningProvider, tmp_path: Path) -> Iterator[Platform]:
    yield from serve(provider, tmp_path)


@dataclass
class Login:
    """A browser's trip: the platform's login, the provider's form, back to the platform's callback."""

    start: httpx.Response
    pending_cookie: str
    callback_url: str


def cookie_of(response: httpx.Response, name: str) -> SimpleCookie:
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


def go_to_provider(platform: Platform, user: str, next_path: str = "/my/cases") -> Login:
    browser = httpx.Client(follow_redirects=False, trust_env=False)
    start = browser.get(f"{platform.url}/auth/oidc/login", params={"next": next_path})
    assert start.status_code == 302, start.text
    pending = cookie_of(start, "lianban_oidc")["lianban_oidc"].value
    form = browser.get(start.headers["location"])  # the provider's login page
    assert form.status_code == 200 and "统一身份认证" in form.text
    consent = browser.post(start.headers["location"], data={"user": user, "consent": "yes"})
    assert consent.status_code == 302, consent.text
    return Login(start, pending, consent.headers["location"])


def come_back(login: Login, url: str | None = None, cookie: str | None = None) -> httpx.Response:
    return httpx.get(
        url or login.callback_url,
        headers={"Cookie": f"lianban_oidc={login.pending_cookie if cookie is None else cookie}"},
        follow_redirects=False,
        trust_env=False,
    )


def test_a_graduate_logs_in_at_the_province_and_lands_in_the_portal_with_her_id_number(
    platform: Platform,
) -> None:
    login = go_to_provider(platform, "graduate")
    asked = parse_qs(urlsplit(login.start.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
    assert asked["state"][0] and asked["nonce"][0] and asked["client_id"] == [CLIENT_ID]
    assert "openid" in asked["scope"][0].split()
    pending = cookie_of(login.start, "lianban_oidc")["lianban_oidc"]
    assert pending["httponly"] and pending["samesite"].lower() == "lax" and pending["secure"]
    assert pending["path"] == "/auth/oidc"
    assert login.callback_url.startswith(f"{platform.url}/auth/oidc/callback?")

    back = come_back(login)
    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/my/cases"  # where she started from, in the portal
    session = cookie_of(back, SESSION_COOKIE)[SESSION_COOKIE]
    assert session["httponly"] and session["samesite"].lower() == "lax" and session["secure"]
    identity = verify(session.value, platform.secret_key)
    assert identity.role is Role.APPLICANT
    assert identity.id_number == GRADUATE_ID and identity.subject == f"person:{GRADUATE_ID}"
    assert identity.name == "李思雨"
    # the same signed identity opens the API for her
    mine = httpx.get(
        f"{platform.url}/api/v1/applications",
        headers={"Authorization": f"Bearer {session.value}"},
        trust_env=False,
    )
    assert mine.status_code == 200 and mine.json() == []


def test_an_employer_logs_in_by_its_unified_social_credit_code(platform: Platform) -> None:
    back = come_back(go_to_provider(platform, "employer", next_path="/my"))
    identity = verify(cookie_of(back, SESSION_COOKIE)[SESSION_COOKIE].value, platform.secret_key)
    assert identity.role is Role.EMPLOYER and identity.uscc == EMPLOYER_USCC


def test_a_token_without_an_id_number_or_uscc_logs_nobody_in(platform: Platform) -> None:
    back = come_back(go_to_provider(platform, "nobody"))
    assert back.status_code == 401 and SESSION_COOKIE not in back.headers.get("set-cookie", "")


def test_a_wrong_state_is_refused(platform: Platform) -> None:
    login = go_to_provider(platform, "graduate")
    forged = login.callback_url.replace("state=", "state=x")
    r = come_back(login, url=forged)
    assert r.status_code == 401 and r.json()["errors"][0]["code"] == "state"
    # nor is a callback that this browser never started (login CSRF)
    r = come_back(login, cookie="")
    assert r.status_code == 401 and r.json()["errors"][0]["code"] == "state"


def test_a_replayed_code_is_refused(platform: Platform) -> None:
    login = go_to_provider(platform, "graduate")
    assert come_back(login).status_code == 303
    again = come_back(login)
    assert again.status_code == 401 and again.json()["errors"][0]["code"] == "code"
    assert SESSION_COOKIE not in again.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"nonce": "another-login-s-nonce-0123456789"}, "nonce"),
        ({"aud": ["another-client"]}, "aud"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
        ({"iss": "http://127.0.0.1:1"}, "iss"),
        ({"signing_key": RSAKey.generate_key(2048, parameters={"kid": "province-1"})}, "signature"),
    ],
    ids=["wrong-nonce", "wrong-audience", "expired", "wrong-issuer", "unpublished-key"],
)
def test_a_bent_id_token_is_refused(
    provider: RunningProvider, platform: Platform, fault: dict[str, object], code: str
) -> None:
    provider.provider.faults = fault
    r = come_back(go_to_provider(platform, "graduate"))
    assert r.status_code == 401, r.text
    assert r.json()["errors"][0]["code"] == code
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/my", "//evil.example/my", "/\\evil.example", "my"]
)
def test_next_never_leaves_the_site(platform: Platform, next_path: str) -> None:
    back = come_back(go_to_provider(platform, "graduate", next_path=next_path))
    assert back.status_code == 303 and back.headers["location"] == "/my"


def test_callbacks_are_rate_limited_per_client(provider: RunningProvider, tmp_path: Path) -> None:
    for platform in serve(provider, tmp_path, LIANBAN_RATE_LOGIN_CLIENT="3 per hour"):
        login = go_to_provider(platform, "graduate")
        answers = [come_back(login).status_code for _ in range(4)]
        assert answers[:3] == [303, 401, 401] and answers[3] == 429


def an_app_login(provider: RunningProvider, platform: Platform, verifier: str, state: str, nonce: str) -> str:
    """An app runs the provider's login itself (the platform's client, its own PKCE); the code."""
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    authorize = httpx.post(
        f"{provider.issuer}/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": f"{platform.url}/auth/oidc/callback",
            "scope": "openid profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
        data={"user": "graduate"},
        trust_env=False,
    )
    assert authorize.status_code == 302, authorize.text
    return parse_qs(urlsplit(authorize.headers["location"]).query)["code"][0]


def test_an_app_exchanges_its_own_provider_login_for_a_bearer_token(
    provider: RunningProvider, platform: Platform
) -> None:
    from authlib.common.security import generate_token

    verifier, state, nonce = generate_token(64), generate_token(24), generate_token(24)
    body = {"code_verifier": verifier, "nonce": nonce, "state": state}
    code = an_app_login(provider, platform, verifier, state, nonce)
    wrong = httpx.post(
        f"{platform.url}/api/v1/auth/oidc", json={**body, "code": code, "nonce": "n" * 24}, trust_env=False
    )
    assert wrong.status_code == 401 and wrong.json()["errors"][0]["code"] == "nonce"
    code = an_app_login(provider, platform, verifier, state, nonce)
    ok = httpx.post(f"{platform.url}/api/v1/auth/oidc", json={**body, "code": code}, trust_env=False)
    assert ok.status_code == 200, ok.text
    assert verify(ok.json()["access_token"], platform.secret_key).id_number == GRADUATE_ID


def test_oidc_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="LIANBAN_OIDC_CLIENT_ID"):
        load_settings({"LIANBAN_OIDC_ISSUER": "https://id.hubei.example"})
    with pytest.raises(ConfigError, match="LIANBAN_OIDC_ISSUER"):
        load_settings({"LIANBAN_OIDC_ISSUER": "http://id.hubei.example", "LIANBAN_OIDC_CLIENT_ID": "x"})
    oidc = load_settings(
        {
            "LIANBAN_OIDC_ISSUER": "https://id.hubei.example/",
            "LIANBAN_OIDC_CLIENT_ID": "lianban",
            "LIANBAN_PUBLIC_URL": "https://lianban.hubei.example",
        }
    ).security.oidc
    assert oidc is not None and oidc.issuer == "https://id.hubei.example"
    assert oidc.redirect_url == "https://lianban.hubei.example/auth/oidc/callback"
