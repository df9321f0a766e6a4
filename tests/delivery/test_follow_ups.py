"""Following deliveries up (送达跟踪): a posted card is tracked until the courier says it arrived;
documents waiting at the window bring reminders until the clerk hands them over against the
pickup code; both stop and tell staff when they go on too long. Timers are outbox jobs run by the
real dispatcher, on SQLite and PostgreSQL, with the clock moved forward."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianban.cases.schema import Delivery, OutboxJob
from lianban.clock import SettableClock
from lianban.config import DeliveryPolicy
from lianban.delivery.follow_up import FOLLOW_UP, first_follow_up, follow_up_due
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from lianban.security.tokens import verify
from lianban_sandbox.courier import SandboxCourier
from sandbox_cases import bearer, file_hebei_case

# a Monday; the first follow-up of a letter posted then falls two working days later, Wednesday 09:00
POSTED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


def a_delivery(client: TestClient, method: str, policy: DeliveryPolicy) -> tuple[str, str]:
    """The Hebei worker's case, with a document delivered by ``method`` as a finished case would."""
    case_id, _ = file_hebei_case(client)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session, session.begin():
        delivery = Delivery(
            case_id=case_id,
            delivery_id=uuid.uuid4().hex,
            method=method,
            documents=[{"code": "employment_card", "name": "就业创业证"}],
            address={"region": "130104", "detail": "中山西路 1 号"} if method == "post" else None,
            recipient="申请人",
            tracking_no="EA123456781CN" if method == "post" else None,
            pickup_code="482913" if method == "pickup" else None,
            status="sent" if method == "post" else "prepared",
            created_at=POSTED,
        )
        session.add(delivery)
        first_follow_up(session, delivery, POSTED, policy)
        # the case's own dispatch and due-date timers are not what these tests follow
        for job in session.execute(select(OutboxJob).where(OutboxJob.case_id == case_id)).scalars():
            if job.kind != FOLLOW_UP:
                job.status = "done"
    return case_id, delivery.delivery_id


def dispatcher(
    client: TestClient, clock: SettableClock, policy: DeliveryPolicy, courier: SandboxCourier
) -> Dispatcher:
    state = client.app.state  # type: ignore[attr-defined]
    config = DispatchConfig(
        keys=state.department_keys,
        department_urls={},
        callback_base_url="http://127.0.0.1:9",
        delivery=policy,
        courier=courier,
    )
    return Dispatcher(state.sessions, state.catalogue, config, clock=clock)


def state_of(client: TestClient, case_id: str, delivery_id: str) -> tuple[str, int, list[OutboxJob]]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        delivery = session.get(Delivery, (case_id, delivery_id))
        assert delivery is not None
        jobs = list(
            session.execute(
                select(OutboxJob).where(
                    OutboxJob.case_id == case_id, OutboxJob.kind == FOLLOW_UP, OutboxJob.status == "pending"
                )
            ).scalars()
        )
        return delivery.status, delivery.follow_ups, jobs


def events_of(client: TestClient, case_id: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    case = client.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    return [(e["event"], e.get("detail", "")) for e in case["timeline"]]


def test_a_posted_card_is_tracked_until_the_courier_says_it_arrived(client: TestClient) -> None:
    policy = DeliveryPolicy()
    case_id, delivery_id = a_delivery(client, "post", policy)
    _, _, (job,) = state_of(client, case_id, delivery_id)
    wednesday_nine = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in China
    assert job.due_at.replace(tzinfo=UTC) == wednesday_nine
    clock = SettableClock(POSTED + timedelta(days=1))
    worker = dispatcher(client, clock, policy, SandboxCourier(transit=timedelta(days=2, hours=12)))
    assert worker.run_once() == 0  # not due on Tuesday
    clock.set(wednesday_nine)
    assert worker.run_once() == 1  # Wednesday: still on its way (two and a half days in transit)
    status, follow_ups, (next_job,) = state_of(client, case_id, delivery_id)
    assert (status, follow_ups) == ("sent", 1)
    assert next_job.due_at.replace(tzinfo=UTC) == wednesday_nine + timedelta(days=1)  # the next working day
    clock.set(wednesday_nine + timedelta(days=1))
    assert worker.run_once() == 1
    status, follow_ups, pending = state_of(client, case_id, delivery_id)
    assert (status, follow_ups, pending) == ("delivered", 2, [])
    case_headers = file_owner_headers(client)
    assert ("delivered", "运单 EA123456781CN 已签收") in events_of(client, case_id, case_headers)
    notices = client.get(f"/api/v1/applications/{case_id}", headers=case_headers).json()["notices"]
    assert any("就业创业证已送达签收" in n["text"] for n in notices)


def file_owner_headers(client: TestClient) -> dict[str, str]:
    from sandbox_cases import hebei_worker_id

    return bearer(client, id_number=hebei_worker_id(client))


def test_a_letter_that_never_arrives_is_handed_to_staff_after_the_last_follow_up(client: TestClient) -> None:
    policy = DeliveryPolicy(max_follow_ups=3)
    case_id, delivery_id = a_delivery(client, "post", policy)
    clock = SettableClock(POSTED)
    worker = dispatcher(client, clock, policy, SandboxCourier(transit=timedelta(days=365)))
    rounds = 0
    while state_of(client, case_id, delivery_id)[2]:
        clock.advance(timedelta(days=1))
        worker.run_once()
        rounds += 1
        assert rounds < 30
    status, follow_ups, _ = state_of(client, case_id, delivery_id)
    assert (status, follow_ups) == ("sent", 3)
    events = events_of(client, case_id, file_owner_headers(client))
    assert [e for e, _ in events].count("delivery_overdue") == 1


def test_a_returned_letter_tells_the_applicant(client: TestClient) -> None:
    policy = DeliveryPolicy()
    case_id, delivery_id = a_delivery(client, "post", policy)
    clock = SettableClock(POSTED + timedelta(days=7))
    worker = dispatcher(client, clock, policy, SandboxCourier(unreachable=frozenset("1")))
    worker.run_once()
    assert state_of(client, case_id, delivery_id)[:2] == ("returned", 1)
    notices = client.get(f"/api/v1/applications/{case_id}", headers=file_owner_headers(client)).json()[
        "notices"
    ]
    assert any("已退回" in n["text"] for n in notices)


def test_documents_at_the_window_bring_reminders_until_the_clerk_hands_them_over(client: TestClient) -> None:
    policy = DeliveryPolicy(pickup_reminder_working_days=5, max_follow_ups=5)
    case_id, delivery_id = a_delivery(client, "pickup", policy)
    clock = SettableClock(POSTED)
    worker = dispatcher(client, clock, policy, SandboxCourier())
    clock.set(follow_up_due(POSTED, 5))  # five working days later: the first reminder
    assert worker.run_once() == 1
    owner = file_owner_headers(client)
    notices = client.get(f"/api/v1/applications/{case_id}", headers=owner).json()["notices"]
    assert any("取件码 482913" in n["text"] and "提醒" in n["text"] for n in notices)
    assert state_of(client, case_id, delivery_id)[:2] == ("prepared", 1)

    url = f"/api/v1/applications/{case_id}/deliveries/{delivery_id}/handover"
    clerk = bearer(client, username="window", password="sandbox")
    assert client.post(url, json={"pickup_code": "482913"}, headers=owner).status_code == 403
    assert client.post(url, json={"pickup_code": "482913"}).status_code == 401
    wrong = client.post(url, json={"pickup_code": "000000"}, headers=clerk)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "pickup_code"
    right = client.post(url, json={"pickup_code": "482913"}, headers=clerk)
    assert right.status_code == 200, right.text
    assert right.json()["status"] == "collected"
    assert client.post(url, json={"pickup_code": "482913"}, headers=clerk).status_code == 409
    assert (
        client.post(
            f"/api/v1/applications/{case_id}/deliveries/nope/handover",
            json={"pickup_code": "1"},
            headers=clerk,
        ).status_code
        == 404
    )
    # the next reminder finds the documents collected: it closes and schedules nothing
    clock.set(follow_up_due(clock.now(), 5))
    worker.run_once()
    status, follow_ups, pending = state_of(client, case_id, delivery_id)
    assert (status, follow_ups, pending) == ("collected", 1, [])
    assert ("collected", f"已由窗口人员 {clerk_subject(client)} 当面交付") in [
        (e, d) for e, d in events_of(client, case_id, owner)
    ]


def clerk_subject(client: TestClient) -> str:
    token = client.post("/api/v1/auth/sandbox", json={"username": "window", "password": "sandbox"}).json()
    return verify(token["access_token"], client.app.state.secret_key).subject  # type: ignore[attr-defined]
