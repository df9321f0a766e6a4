"""Departments as a deployment finds them: one that cannot call back is asked for its records
(状态查询) until it has decided; one that is down is tried as often as the deployment says, with
backoff up to the deployment's cap, and then the sub-item is failed for an operator."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from dispatch_helpers import Platform, wait_until_finished
from sqlalchemy import select

from lianban.cases.schema import AuditEntry, OutboxJob
from lianban.config import RetryPolicy
from lianban.dispatch.outbox import backoff
from lianban.dispatch.worker import STATUS_POLL, Dispatcher
from lianban_sandbox.simulators import SimulatorFleet


def test_departments_that_cannot_call_back_are_polled_until_they_decide(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, fleet, dispatcher = world
    for dept in fleet.urls():
        fleet.control(dept, callbacks=False, latency_ms=300)
    polling = Dispatcher(
        dispatcher.sessions,
        dispatcher.catalogue,
        replace(dispatcher.config, poll_seconds=dict.fromkeys(fleet.urls(), 0.1)),
    )
    headers = platform.hebei_worker_headers()
    case_id = platform.file_hebei_case(headers)
    (case,) = wait_until_finished(platform, [case_id], headers, 60, polling.run_once)
    assert case["status"] == "completed"
    assert {i["status"] for i in case["items"]} == {"approved"}
    assert sum(fleet.stats(d)["callbacks_sent"] for d in fleet.urls()) == 0  # nobody called back
    with platform.app.state.sessions() as session:
        polls = list(
            session.execute(
                select(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.action == "status_poll")
            ).scalars()
        )
        pending = session.execute(
            select(OutboxJob).where(
                OutboxJob.case_id == case_id, OutboxJob.kind == STATUS_POLL, OutboxJob.status == "pending"
            )
        ).all()
    # every sub-item learned its decision from a poll: its last poll found it approved
    last = {p.detail["item"]: p.detail for p in sorted(polls, key=lambda p: p.seq)}
    assert set(last) == {i["code"] for i in case["items"]}
    assert all(d["status"] == "approved" and d["changed"] for d in last.values())
    assert pending == []  # decided items are not asked again


def test_a_department_that_is_down_is_tried_as_often_as_the_deployment_says(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, fleet, dispatcher = world
    fleet.control("hrss", available=False)
    stubborn = Dispatcher(
        dispatcher.sessions,
        dispatcher.catalogue,
        replace(
            dispatcher.config, retry=RetryPolicy(max_attempts=3, base_delay_seconds=0, max_delay_seconds=0)
        ),
    )
    headers = platform.hebei_worker_headers()
    case_id = platform.file_hebei_case(headers)

    def registration() -> dict[str, object]:
        items = platform.case(case_id, headers)["items"]
        return next(i for i in items if i["code"] == "employment_registration")

    for _ in range(50):
        stubborn.run_once()
        if registration()["status"] == "failed":
            break
    item = registration()
    assert item["status"] == "failed"
    assert "503" in str(item.get("reason"))
    assert fleet.stats("hrss")["refused_unavailable"] == 3  # three sends, as configured, then no more
    assert fleet.stats("hrss")["records"] == 0
    with platform.app.state.sessions() as session:
        (job,) = session.execute(
            select(OutboxJob).where(
                OutboxJob.case_id == case_id,
                OutboxJob.item_id == "employment_registration",
                OutboxJob.kind == "dispatch",
            )
        ).scalars()
    assert (job.status, job.attempts) == ("dead", 3)


def test_backoff_grows_to_the_configured_cap_and_no_further() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay_seconds=1, max_delay_seconds=5)
    waits = [backoff(n, policy) for n in range(1, 8)]
    assert timedelta(seconds=0.5) <= waits[0] <= timedelta(seconds=1)
    assert all(w <= timedelta(seconds=5) for w in waits)
    assert waits[-1] >= timedelta(seconds=2.5)  # capped at 5 s, jittered into its upper half
