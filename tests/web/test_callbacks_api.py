"""Department callbacks: signed or refused; a replay changes nothing; never backwards; on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianban.cases.schema import AuditEntry, Case, CaseItem, OutboxJob, TimelineEvent
from lianban.security.audit import verify
from lianban.security.signing import Keyring, SigningKey, sign_request
from sandbox_cases import file_hebei_case


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url


def signed(client: TestClient, path: str, message: dict[str, Any], keyring: Keyring | None = None) -> Any:
    body = json.dumps(message).encode()
    headers = {
        "Content-Type": "application/json",
        **sign_request(keyring or hrss_keys(client), "POST", path, body),
    }
    return client.post(path, content=body, headers=headers)


def hrss_keys(client: TestClient) -> Keyring:
    """The key ring the sandbox shares with the hrss system (人社)."""
    ring: Keyring = client.app.state.department_keys.for_department("hrss")  # type: ignore[attr-defined]
    return ring


def dispatched_item(client: TestClient) -> tuple[str, str]:
    case_id, _ = file_hebei_case(client)
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        item = session.execute(
            select(CaseItem).where(CaseItem.case_id == case_id, CaseItem.code == "employment_registration")
        ).scalar_one()
        item.status = "dispatched"
        item.receipt_no = "HRSS-20261123-000001"
    return case_id, "HRSS-20261123-000001"


PATH = "/api/v1/connectors/hrss/callback"


def item_status(client: TestClient, case_id: str) -> str:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.execute(
            select(CaseItem.status).where(
                CaseItem.case_id == case_id, CaseItem.code == "employment_registration"
            )
        ).scalar_one()


def test_an_unsigned_or_forged_callback_is_refused(client: TestClient) -> None:
    case_id, receipt = dispatched_item(client)
    message = {"receipt_no": receipt, "status": "approved", "sequence": 2}
    assert client.post(PATH, json=message).status_code == 401
    forged = Keyring(SigningKey.generate("attacker"))
    assert signed(client, PATH, message, forged).status_code == 401
    assert item_status(client, case_id) == "dispatched"


def test_a_replayed_callback_is_acknowledged_and_changes_nothing(client: TestClient) -> None:
    case_id, receipt = dispatched_item(client)
    body = json.dumps({"receipt_no": receipt, "status": "approved", "sequence": 2}).encode()
    headers = {
        "Content-Type": "application/json",
        **sign_request(hrss_keys(client), "POST", PATH, body),
    }
    first = client.post(PATH, content=body, headers=headers)
    again = client.post(PATH, content=body, headers=headers)
    assert first.json()["changed"] is True
    assert again.status_code == 200 and again.json()["changed"] is False
    assert item_status(client, case_id) == "approved"


def test_an_out_of_order_callback_never_moves_an_item_backwards(client: TestClient) -> None:
    case_id, receipt = dispatched_item(client)
    assert signed(client, PATH, {"receipt_no": receipt, "status": "approved", "sequence": 2}).json()[
        "changed"
    ]
    late = signed(client, PATH, {"receipt_no": receipt, "status": "accepted", "sequence": 1})
    assert late.status_code == 200 and late.json()["changed"] is False
    assert item_status(client, case_id) == "approved"


def test_an_unknown_receipt_is_a_404_and_a_bad_status_a_422(client: TestClient) -> None:
    dispatched_item(client)
    assert (
        signed(client, PATH, {"receipt_no": "nope", "status": "approved", "sequence": 1}).status_code == 404
    )
    assert signed(client, PATH, {"receipt_no": "x", "status": "maybe", "sequence": 1}).status_code == 422


def test_a_return_from_a_departments_site_must_be_signed_and_counts_once(client: TestClient) -> None:
    from lianban.connectors.redirect import sign_return

    case_id, _ = dispatched_item(client)
    path = "/api/v1/connectors/hrss/return"
    forged = sign_return(
        Keyring(SigningKey.generate("attacker")), case_id, "employment_registration", "approved"
    )
    assert client.get(path, params=forged).status_code == 401
    good = sign_return(hrss_keys(client), case_id, "employment_registration", "approved")
    tampered = {**good, "status": "rejected"}
    assert client.get(path, params=tampered).status_code == 401
    first = client.get(path, params=good)
    assert first.status_code == 200 and first.json()["changed"] is True
    again = client.get(path, params=good)
    assert again.status_code == 200 and again.json()["changed"] is False
    assert item_status(client, case_id) == "approved"


def test_a_callback_naming_no_department_code_is_refused_not_a_server_error(client: TestClient) -> None:
    # found by Schemathesis: an empty or whitespace department made the sandbox derive a key for it (500)
    for department in ("%20", "MR%F0%A1%9B%A9", "a%0Db"):
        answer = client.post(f"/api/v1/connectors/{department}/callback", json={"receipt_no": "x"})
        assert answer.status_code == 401, (department, answer.text)
        back = client.get(f"/api/v1/connectors/{department}/return", params={"case_id": "x"})
        assert back.status_code in (400, 401, 422), (department, back.text)


def test_callbacks_for_one_case_at_once_each_count_once(client: TestClient) -> None:
    """The case's lock serialises its callbacks: every item's decision arriving together is applied
    once, the case completed once (by whichever came last: it sees the others), the timeline
    numbered without a gap, one event and one audit entry per decision."""
    case_id, _ = file_hebei_case(client)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session, session.begin():
        session.get(Case, case_id).status = "in_progress"  # type: ignore[union-attr]
        items = session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars().all()
        for item in items:  # all sent (the waiting ones too: their decisions race the others')
            item.status, item.receipt_no = "dispatched", f"R-{item.item_id}"
        calls = [(item.department, item.receipt_no or "") for item in items]
    keys = client.app.state.department_keys  # type: ignore[attr-defined]
    together = threading.Barrier(len(calls))
    answers: list[Any] = []

    def call_back(department: str, receipt: str) -> None:
        together.wait()
        message = {"receipt_no": receipt, "status": "approved", "sequence": 2}
        path = f"/api/v1/connectors/{department}/callback"
        answers.append(signed(client, path, message, keys.for_department(department)).json())

    threads = [threading.Thread(target=call_back, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [{"acknowledged": True, "changed": True}] * len(calls)
    with sessions() as session:
        assert session.get(Case, case_id).status == "completed"  # type: ignore[union-attr]
        jobs = session.execute(select(OutboxJob.kind).where(OutboxJob.case_id == case_id)).scalars().all()
        assert jobs.count("item_decided") == len(calls)
        assert jobs.count("case_changed") == 1
        steps = session.execute(
            select(TimelineEvent.seq, TimelineEvent.event).where(TimelineEvent.case_id == case_id)
        ).all()
        assert [seq for seq, _ in steps] == list(range(1, len(steps) + 1))
        assert [event for _, event in steps].count("approved") == len(calls)
        assert [event for _, event in steps].count("case_completed") == 1
        audit = (
            session.execute(
                select(AuditEntry.detail).where(
                    AuditEntry.case_id == case_id, AuditEntry.action == "callback"
                )
            )
            .scalars()
            .all()
        )
        assert sorted(d["item"] for d in audit) == sorted(r.removeprefix("R-") for _, r in calls)
        assert verify(session).intact


def test_a_callback_answered_before_the_router_is_refused_as_the_route_refuses(client: TestClient) -> None:
    """lianban.web.callbacks answers a callback with the route's steps: its refusals are the
    route's problems, in the caller's language; an oversized body is still a 413."""
    bad = client.post(PATH, content=b"{", headers={"Content-Type": "application/json"})
    assert bad.status_code == 401 and bad.json()["title"] == "签名无效"
    english = client.post(PATH, content=b"{}", headers={"Accept-Language": "en"})
    assert english.status_code == 401 and english.json()["title"] == "Invalid signature"
    body = b"{"
    headers = {"Content-Type": "application/json", **sign_request(hrss_keys(client), "POST", PATH, body)}
    malformed = client.post(PATH, content=body, headers=headers)
    assert malformed.status_code == 422 and malformed.json()["title"] == "回调内容有误"
    huge = client.post(PATH, content=b"x" * (64 * 1024 * 1024), headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    assert client.get(PATH).status_code == 405  # another method: the router's answer


def test_a_return_answered_before_the_router_is_refused_as_the_route_refuses(client: TestClient) -> None:
    """lianban.web.callbacks answers the applicant's return with the route's own steps too: unsigned
    or forged is a 401 problem in the caller's language, a status no department reports a 422, a
    signed one the route's answer."""
    from lianban.connectors.redirect import sign_return

    case_id, _ = dispatched_item(client)
    path = "/api/v1/connectors/hrss/return"
    english = client.get(path, params={"case_id": case_id}, headers={"Accept-Language": "en"})
    assert english.status_code == 401 and english.json()["title"] == "Invalid signature"
    odd = client.get(path, params=sign_return(hrss_keys(client), case_id, "employment_registration", "maybe"))
    assert odd.status_code == 422
    good = client.get(
        path, params=sign_return(hrss_keys(client), case_id, "employment_registration", "approved")
    )
    assert good.json() == {
        "case_id": case_id,
        "item_id": "employment_registration",
        "status": "approved",
        "changed": True,
    }
