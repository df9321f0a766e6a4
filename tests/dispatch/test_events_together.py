"""A case's events are passed on together (事件合并): the worker that takes one of a case's domain
events passes on the case's other due events in the same transaction — each exactly once — and
when one of those fails, the whole transaction is undone, the first event is passed on alone and
the failing one meets the failure handling in its own turn, the others untouched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from feature_world import beijing, run_dispatch, staff
from lianban.cases import jobs
from lianban.cases.jobs import EVENTS, JobKind, publish
from lianban.cases.schema import Notice, OutboxJob
from lianban.catalog.model import Department
from lianban.clock import SettableClock
from lianban.dispatch.worker import Dispatcher
from sandbox_cases import file_hebei_case


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(beijing(date(2026, 11, 2), 9))


def _events(client: TestClient, case_id: str) -> list[OutboxJob]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return list(
            session.execute(
                select(OutboxJob)
                .where(OutboxJob.case_id == case_id, OutboxJob.kind.in_([k.value for k in EVENTS]))
                .order_by(OutboxJob.due_at, OutboxJob.job_id)
            ).scalars()
        )


def _notices(client: TestClient, case_id: str) -> list[str]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return list(
            session.execute(
                select(Notice.text).where(Notice.case_id == case_id, Notice.channel == "in_app")
            ).scalars()
        )


def _worker(client: TestClient) -> Dispatcher:
    platform = client.app.state.platform  # type: ignore[attr-defined]
    return Dispatcher(
        platform.sessions,
        platform.catalogue,
        platform.dispatch_config(department_urls={}),
        clock=platform.clock,
    )


def _decide_two(client: TestClient, case_id: str) -> None:
    """Staff decide two of the case's items on their worklists: two decisions, their events due."""
    run_dispatch(client)  # no department system configured: the items wait on the worklist
    run_dispatch(client)  # (the case's first events: in progress)
    decisions = iter(({"decision": "approve"}, {"decision": "reject", "reason": "不符合条件"}))
    for department in Department:
        login = staff(client, department.value)
        for w in client.get("/api/v1/worklist", headers=login).json():
            if w["case_id"] != case_id:
                continue
            body = next(decisions, None)
            if body is None:
                return
            r = client.post(f"/api/v1/worklist/{w['item_id']}/decision", json=body, headers=login)
            assert r.status_code == 200, r.text
    assert next(decisions, None) is None, "fewer than two items on the worklists"


def test_one_claim_passes_on_all_of_a_cases_due_events_once(client: TestClient) -> None:
    case_id, _ = file_hebei_case(client)
    _decide_two(client, case_id)
    due = [j for j in _events(client, case_id) if j.status == "pending"]
    assert len(due) >= 2  # two item_decided (and the case's moves, if any)
    before = len(_notices(client, case_id))

    worker = _worker(client)
    try:
        worker.handle(case_id, due[0].job_id)  # as a claim hands it over
        assert worker.taken_along == len(due) - 1  # the others taken along, in its transaction
    finally:
        worker.close()
    assert all(j.status == "done" for j in _events(client, case_id))
    told = _notices(client, case_id)
    assert len(told) == before + len(due)  # each event told once
    assert sum("不予办理：不符合条件" in t for t in told) == 1
    assert sum("已办结" in t for t in told) == 1


def test_an_event_that_fails_when_taken_along_undoes_nothing_but_itself(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, _ = file_hebei_case(client)
    _decide_two(client, case_id)
    platform = client.app.state.platform  # type: ignore[attr-defined]
    later = platform.clock.now() + timedelta(seconds=1)  # after the decisions' events
    with platform.sessions() as session, session.begin():
        publish(session, case_id, JobKind.CASE_CHANGED, later, {"status": "broken"})

    def breaks(session: object, job: OutboxJob, at: datetime) -> None:
        if (job.payload or {}).get("status") == "broken":
            raise RuntimeError("a subscriber that fails")

    monkeypatch.setitem(
        jobs._SUBSCRIBERS,
        JobKind.CASE_CHANGED,
        [*jobs._SUBSCRIBERS[JobKind.CASE_CHANGED], (999, "test.breaks", breaks)],
    )
    platform.clock.set(later.astimezone(UTC) + timedelta(seconds=1))
    good = [
        j for j in _events(client, case_id) if j.status == "pending" and j.payload != {"status": "broken"}
    ]
    before = len(_notices(client, case_id))

    worker = _worker(client)
    try:
        # the first event takes the others along, the broken one undoes that: the first goes alone
        worker.handle(case_id, good[0].job_id)
        assert worker.taken_along == 0
        after = {j.job_id: j.status for j in _events(client, case_id)}
        assert after[good[0].job_id] == "done"
        assert all(after[j.job_id] == "pending" for j in good[1:])
        assert len(_notices(client, case_id)) == before + 1
        while worker.run_once():  # the rest in their turns; the broken one fails on its own
            pass
    finally:
        worker.close()
    by_id = {j.job_id: j for j in _events(client, case_id)}
    assert all(by_id[j.job_id].status == "done" for j in good)
    broken = next(j for j in by_id.values() if j.payload == {"status": "broken"})
    assert broken.status == "pending" and broken.attempts == 1  # retried later, like any failure
    assert "a subscriber that fails" in (broken.last_error or "")
    told = _notices(client, case_id)
    assert len(told) >= before + len(good) and len(told) == len(set(told))  # nothing told twice
