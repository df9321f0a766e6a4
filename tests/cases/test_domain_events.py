"""Domain events through the outbox (领域事件): a department's decision is recorded on the case at
once, and what follows outside the case — telling the applicant, preparing the delivery of a
finished case — is an event a worker passes on to its subscribers (notify, delivery)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from feature_world import beijing, run_dispatch, staff
from lianban.cases.jobs import EVENTS, JobKind, subscribers
from lianban.cases.schema import OutboxJob
from lianban.catalog.model import ConnectorKind
from lianban.clock import SettableClock
from lianban.connectors import connector_for, registered
from lianban.dispatch.registry import handler_for, known
from sandbox_cases import file_hebei_case


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(beijing(date(2026, 11, 2), 9))


def pending_events(client: TestClient, case_id: str) -> list[tuple[str, dict[str, object] | None]]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        jobs = session.execute(
            select(OutboxJob).where(
                OutboxJob.case_id == case_id,
                OutboxJob.status == "pending",
                OutboxJob.kind.in_([k.value for k in EVENTS]),
            )
        ).scalars()
        return [(j.kind, j.payload) for j in jobs]


def test_a_decision_is_told_to_the_hebei_worker_when_the_worker_passes_the_event_on(
    client: TestClient,
) -> None:
    case_id, worker = file_hebei_case(client)
    run_dispatch(client)  # no department system configured: the items wait on the worklist
    hrss = staff(client, "hrss")
    (work, *_) = [w for w in client.get("/api/v1/worklist", headers=hrss).json() if w["case_id"] == case_id]
    body = {"decision": "reject", "reason": "不符合条件"}
    r = client.post(f"/api/v1/worklist/{work['item_id']}/decision", json=body, headers=hrss)
    assert r.status_code == 200, r.text

    item_id = work["item_id"].split("~", 1)[1].replace("~", "#")  # the worklist's id: case~item
    case = client.get(f"/api/v1/applications/{case_id}", headers=worker).json()
    decided = next(i for i in case["items"] if i["item_id"] == item_id)
    assert decided["status"] == "rejected"  # the case itself moved on in the decision's transaction
    told = [n["text"] for n in case["notices"]]
    assert not any("不予办理" in t for t in told)  # the applicant is told by the event, not by cases
    assert (JobKind.ITEM_DECIDED.value, {"status": "rejected", "reason": "不符合条件"}) in pending_events(
        client, case_id
    )

    run_dispatch(client)
    case = client.get(f"/api/v1/applications/{case_id}", headers=worker).json()
    assert any(f"事项 {item_id} 不予办理：不符合条件" in n["text"] for n in case["notices"])
    assert pending_events(client, case_id) == []


def test_every_job_kind_has_its_handler_and_every_connector_its_plug_in() -> None:
    for kind in JobKind:
        assert known(kind.value), kind
    assert not known("print_certificate")  # a kind no one handles is parked, not guessed at
    assert handler_for(JobKind.DISPATCH) is None  # the dispatcher's own, with the network call between
    # notify tells the applicant before delivery says where the documents went
    assert [s.__module__ for s in subscribers(JobKind.CASE_CHANGED)] == [
        "lianban.notify.events",
        "lianban.delivery.events",
    ]
    assert registered() == sorted(k.value for k in ConnectorKind)
    with pytest.raises(LookupError, match="fax"):
        connector_for("fax")
