"""撤回: an applicant withdraws a case while no department has acted on it; once a department
system holds an item, or a department has decided one, the withdrawal is refused naming the item."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from feature_world import beijing, run_dispatch, staff
from lianban.cases.schema import AuditEntry, OutboxJob
from lianban.clock import SettableClock
from lianban.config import RetryPolicy
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from lianban_sandbox.simulators import SimulatorFleet
from sandbox_cases import bearer, file_hebei_case


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(beijing(date(2026, 11, 2), 9))


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


def jobs_of(client: TestClient, case_id: str) -> list[str]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return sorted(session.execute(select(OutboxJob.status).where(OutboxJob.case_id == case_id)).scalars())


def pending_kinds(client: TestClient, case_id: str) -> list[str]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        pending = OutboxJob.case_id == case_id, OutboxJob.status == "pending"
        return sorted(session.execute(select(OutboxJob.kind).where(*pending)).scalars())


def test_a_hebei_worker_withdraws_her_case_before_any_department_has_it(
    client: TestClient, wuhan_graduate: dict[str, str]
) -> None:
    case_id, worker = file_hebei_case(client)
    assert "pending" in jobs_of(client, case_id)
    r = client.post(
        f"/api/v1/applications/{case_id}/withdraw", json={"reason": "已找到新工作"}, headers=worker
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn" and r.json()["jobs_cancelled"] >= 1
    # nothing is sent any more: what is still to go is the withdrawal's notice to the applicant
    assert pending_kinds(client, case_id) == ["case_changed"]
    run_dispatch(client)  # nothing of it goes out any more
    case = client.get(f"/api/v1/applications/{case_id}", headers=worker).json()
    assert case["status"] == "withdrawn"
    assert {i["status"] for i in case["items"]} <= {"waiting", "queued"}
    assert ("case_withdrawn", "已找到新工作") in [(e["event"], e.get("detail")) for e in case["timeline"]]
    assert any("已撤回" in n["text"] for n in case["notices"])
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        actions = list(
            session.execute(select(AuditEntry.action).where(AuditEntry.case_id == case_id)).scalars()
        )
    assert actions[-1] == "withdraw"
    again = client.post(f"/api/v1/applications/{case_id}/withdraw", headers=worker)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "withdrawn"
    # someone else's case is not hers to withdraw, nor even to know of
    assert client.post(f"/api/v1/applications/{case_id}/withdraw", headers=wuhan_graduate).status_code == 404


def test_items_on_the_worklist_undecided_may_be_withdrawn_and_leave_it(client: TestClient) -> None:
    case_id, worker = file_hebei_case(client)
    run_dispatch(client)  # no department system configured: the items wait on lianban's worklist
    hrss = staff(client, "hrss")
    mine = [w for w in client.get("/api/v1/worklist", headers=hrss).json() if w["case_id"] == case_id]
    assert mine
    assert client.post(f"/api/v1/applications/{case_id}/withdraw", headers=worker).status_code == 200
    assert not [w for w in client.get("/api/v1/worklist", headers=hrss).json() if w["case_id"] == case_id]
    late = client.post(
        f"/api/v1/worklist/{mine[0]['item_id']}/decision", json={"decision": "approve"}, headers=hrss
    )
    assert late.status_code == 404


def test_once_a_department_has_decided_an_item_the_case_stays(client: TestClient) -> None:
    case_id, worker = file_hebei_case(client)
    run_dispatch(client)
    hrss = staff(client, "hrss")
    item = next(w for w in client.get("/api/v1/worklist", headers=hrss).json() if w["case_id"] == case_id)
    client.post(f"/api/v1/worklist/{item['item_id']}/decision", json={"decision": "approve"}, headers=hrss)
    r = client.post(f"/api/v1/applications/{case_id}/withdraw", headers=worker)
    assert r.status_code == 409
    assert r.json()["errors"][0] == {
        "field": "case_id",
        "code": "department_acted",
        "message": f"事项 {item['code']} 部门已办理，不能撤回",
    }
    english = client.post(
        f"/api/v1/applications/{case_id}/withdraw", headers={**worker, "Accept-Language": "en"}
    )
    assert "cannot be withdrawn" in english.json()["detail"]
    assert client.get(f"/api/v1/applications/{case_id}", headers=worker).json()["status"] != "withdrawn"


def test_an_item_a_department_system_holds_refuses_the_withdrawal(client: TestClient, tmp_path: Path) -> None:
    case_id, worker = file_hebei_case(client)
    state = client.app.state  # type: ignore[attr-defined]
    with SimulatorFleet(["hrss"], data_dir=tmp_path / "departments", keys=state.department_keys) as fleet:
        fleet.control("hrss", latency_ms=3_600_000)  # it takes the item and decides in an hour
        dispatcher = Dispatcher(
            state.sessions,
            state.catalogue,
            DispatchConfig(state.department_keys, fleet.urls(), "http://127.0.0.1:9"),
        )
        dispatcher.run_once()
        dispatcher.close()
    hrss_item = next(
        i
        for i in client.get(f"/api/v1/applications/{case_id}", headers=worker).json()["items"]
        if i["department"] == "hrss"
    )
    assert hrss_item["status"] == "dispatched" and hrss_item["receipt_no"]
    r = client.post(f"/api/v1/applications/{case_id}/withdraw", headers=worker)
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "sent_to_department"
    assert hrss_item["receipt_no"] in r.json()["detail"]


def test_a_failed_item_of_a_withdrawn_case_is_not_retried(client: TestClient) -> None:
    case_id, worker = file_hebei_case(client)
    state = client.app.state  # type: ignore[attr-defined]
    down = {
        d: "http://127.0.0.1:9" for d in ("hrss", "social_insurance", "medical_insurance", "tax", "archives")
    }
    dispatcher = Dispatcher(
        state.sessions,
        state.catalogue,
        DispatchConfig(state.department_keys, down, "http://127.0.0.1:9", retry=RetryPolicy(max_attempts=1)),
    )
    dispatcher.run_once()
    dispatcher.close()
    failed = [
        i
        for i in client.get(f"/api/v1/applications/{case_id}", headers=worker).json()["items"]
        if i["status"] == "failed"
    ]
    assert failed
    assert client.post(f"/api/v1/applications/{case_id}/withdraw", headers=worker).status_code == 200
    operator = bearer(client, username="operator", password="sandbox")
    assert all(
        f["case_id"] != case_id for f in client.get("/api/v1/operator/failed", headers=operator).json()
    )
    retried = client.post(f"/api/v1/operator/items/{case_id}~{failed[0]['code']}/retry", headers=operator)
    assert retried.status_code == 409
