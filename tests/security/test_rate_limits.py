"""Rate limits (限流) and lock-outs: a staff password, a pickup code or a login cannot be guessed by
trying hundreds of times; filings and uploads are counted per applicant. Counters live in the
database (SQLite, PostgreSQL) or in Redis when LIANBAN_REDIS_URL names one — each test runs on both."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from security_support import ProductionApp
from sqlalchemy import func, select

from lianban.cases.schema import Delivery
from lianban.clock import SettableClock
from lianban.config import LockoutPolicy, Mode
from lianban.security.schema import SecurityEvent, StaffAccount
from lianban.security.staff import Caller, add_staff
from sandbox_cases import bearer, file_hebei_case

REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "Jianghan-tax-clerk-2026"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

LimitedApp = Callable[..., TestClient]


@pytest.fixture(params=["database", "redis"])
def limited_app(request: pytest.FixtureRequest, production_app: ProductionApp) -> LimitedApp:
    """Apps whose rate-limit counters are in the test's database, or in the local Redis."""
    redis = {"LIANBAN_REDIS_URL": REDIS_URL} if request.param == "redis" else {}

    def start(**kwargs: object) -> TestClient:
        return production_app(**redis, **kwargs)

    return start


def a_tax_clerk(client: TestClient) -> None:
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        add_staff(
            session,
            Caller("operator:test"),
            username="zhou.tax",
            role="department_staff",
            department="tax",
            password=PASSWORD,
            departments=["tax"],
            now=NOW,
        )


def log_in(
    client: TestClient, password: str, lang: str = "zh-CN"
) -> tuple[int, dict[str, str], dict[str, object]]:
    r = client.post(
        "/api/v1/auth/staff",
        json={"username": "zhou.tax", "password": password},
        headers={"Accept-Language": lang},
    )
    return r.status_code, dict(r.headers), r.json()


def refusals(client: TestClient, reason: str) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        rows = session.scalars(select(SecurityEvent).where(SecurityEvent.action == "staff_login_refused"))
        return sum(1 for e in rows if e.detail.get("reason") == reason)


def test_hundreds_of_wrong_passwords_end_in_429_and_a_locked_account(limited_app: LimitedApp) -> None:
    client = limited_app()
    a_tax_clerk(client)
    answers = [log_in(client, f"guess-{n:04d}-password") for n in range(300)]
    statuses = [status for status, _, _ in answers]
    assert statuses[:4] == [401] * 4  # four wrong passwords are just wrong
    assert set(statuses[4:]) == {429}  # the fifth locks the account; all the rest are refused
    for _, headers, body in answers[4:]:
        assert int(headers["retry-after"]) >= 1
        assert body["status"] == 429 and body["title"] == "请求过于频繁"
    _, _, english = log_in(client, "one-more-guess", lang="en")
    assert english["title"] == "Too many requests"
    # only the first five ever had their password checked; the limiter stopped the rest at the door
    assert refusals(client, "wrong_password") == 5
    assert refusals(client, "locked") == 5  # ten attempts per account reached it; 290 were stopped before
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        account = session.get(StaffAccount, "zhou.tax")
        assert account is not None and account.locked_until is not None
        assert session.scalar(select(func.count()).where(SecurityEvent.action == "staff_locked")) == 1
    status, headers, _ = log_in(client, PASSWORD)
    assert status == 429 and int(headers["retry-after"]) >= 1  # the right password too


def test_a_locked_account_refuses_the_right_password_until_the_lock_ends(limited_app: LimitedApp) -> None:
    clock = SettableClock(NOW)
    client = limited_app(
        clock=clock, LIANBAN_RATE_LOGIN_ACCOUNT="1000 per hour", LIANBAN_LOGIN_LOCKOUT_MINUTES="15"
    )
    a_tax_clerk(client)
    assert [log_in(client, f"wrong-password-{n}")[0] for n in range(5)] == [401, 401, 401, 401, 429]
    status, headers, _ = log_in(client, PASSWORD)
    assert status == 429 and int(headers["retry-after"]) == 15 * 60
    clock.advance(timedelta(minutes=14))
    status, headers, _ = log_in(client, PASSWORD)
    assert status == 429 and int(headers["retry-after"]) == 60
    clock.advance(timedelta(minutes=1, seconds=1))
    assert log_in(client, PASSWORD)[0] == 200
    assert log_in(client, "wrong-again-password")[0] == 401  # the count started over


def test_guessing_pickup_codes_is_stopped(limited_app: LimitedApp) -> None:
    client = limited_app(mode=Mode.SANDBOX)
    case_id, _ = file_hebei_case(client)
    delivery_id = uuid.uuid4().hex
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        session.add(
            Delivery(
                case_id=case_id,
                delivery_id=delivery_id,
                method="pickup",
                documents=[{"code": "employment_card", "name": "就业创业证"}],
                recipient="申请人",
                pickup_code="730518",
                status="prepared",
                created_at=NOW,
            )
        )
    clerk = bearer(client, username="window", password="sandbox")
    url = f"/api/v1/applications/{case_id}/deliveries/{delivery_id}/handover"
    answers = [client.post(url, json={"pickup_code": f"{n:06d}"}, headers=clerk) for n in range(200)]
    assert [a.status_code for a in answers[:5]] == [422] * 5
    assert {a.status_code for a in answers[5:]} == {429}
    assert all(int(a.headers["retry-after"]) > 0 for a in answers[5:])
    right = client.post(url, json={"pickup_code": "730518"}, headers=clerk)
    assert right.status_code == 429  # not even the right code until the window ends
    other = client.post(
        f"/api/v1/applications/{case_id}/deliveries/another/handover",
        json={"pickup_code": "1"},
        headers=clerk,
    )
    assert other.status_code == 404  # another delivery has its own allowance


def test_sandbox_logins_are_limited_per_account_and_per_client(limited_app: LimitedApp) -> None:
    client = limited_app(mode=Mode.SANDBOX, LIANBAN_RATE_LOGIN_CLIENT="15 per hour")
    graduate = {"id_number": "42011120040315002X"}
    statuses = [client.post("/api/v1/auth/sandbox", json=graduate).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    staff = [
        client.post("/api/v1/auth/sandbox", json={"username": "window", "password": "x"}).status_code
        for _ in range(5)
    ]
    assert staff == [401] * 4 + [429]  # the client's fifteenth login attempt of the hour


def test_filings_and_uploads_are_counted_per_applicant(limited_app: LimitedApp) -> None:
    client = limited_app(
        mode=Mode.SANDBOX, LIANBAN_RATE_FILING="2 per hour", LIANBAN_RATE_UPLOAD="1 per hour"
    )
    graduate = bearer(client, id_number="42011120040315002X")
    another = bearer(client, id_number="110101199003070134")
    filings = [client.post("/api/v1/applications", json={}, headers=graduate).status_code for _ in range(3)]
    assert filings == [422, 422, 429]
    assert client.post("/api/v1/applications", json={}, headers=another).status_code == 422
    uploads = [client.post("/api/v1/uploads", headers=graduate).status_code for _ in range(2)]
    assert uploads == [422, 429]
    assert client.post("/api/v1/uploads", headers=another).status_code == 422
    assert client.post("/api/v1/applications", json={}).status_code == 401  # no caller, nothing counted


def test_a_filing_is_counted_once_whether_answered_before_the_router_or_by_it(
    limited_app: LimitedApp,
) -> None:
    client = limited_app(mode=Mode.SANDBOX, LIANBAN_RATE_FILING="3 per hour")
    graduate = bearer(client, id_number="42011120040315002X")
    taken = {"theme_id": "nowhere.none", "form": {}}  # a body the fast path takes (lianban.web.filings)
    refused = {"form": {}}  # one it leaves to the route (no theme_id)
    answers = [client.post("/api/v1/applications", json=b, headers=graduate) for b in (taken, refused, taken)]
    assert [a.status_code for a in answers] == [404, 422, 404]
    late = [client.post("/api/v1/applications", json=b, headers=graduate) for b in (taken, refused)]
    assert [a.status_code for a in late] == [429, 429]
    assert all(int(a.headers["retry-after"]) >= 1 for a in late)
    assert late[0].json() == late[1].json() and "秒后再试" in late[0].json()["detail"]


def test_limits_can_be_configured_and_are_refused_when_malformed(production_app: ProductionApp) -> None:
    from lianban.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="LIANBAN_RATE_PICKUP_CODE"):
        load_settings({"LIANBAN_RATE_PICKUP_CODE": "often"})
    with pytest.raises(ConfigError, match="LIANBAN_LOGIN_LOCKOUT_FAILURES"):
        load_settings({"LIANBAN_LOGIN_LOCKOUT_FAILURES": "0"})
    assert load_settings({"LIANBAN_LOGIN_LOCKOUT_FAILURES": "3"}).security.lockout == LockoutPolicy(3, 15.0)
    client = production_app(LIANBAN_RATE_LIMITS="off")
    assert all(rule is None for rule in client.app.state.throttle.rules.values())  # type: ignore[attr-defined]
