"""What the operator watches (运维视图), on SQLite and PostgreSQL with the simulated departments:
archives down — its sends retry, then fail, and the platform records it unreachable with the
error; back up — a retry of everything failed reaches it and it is recorded reachable again."""

from __future__ import annotations

from dispatch_helpers import Platform, wait_until_finished

from lianban.cases.schema import OutboxJob
from lianban.dispatch import watch
from lianban.dispatch.worker import Dispatcher
from lianban.security.tokens import Identity, Role
from lianban_sandbox.simulators import SimulatorFleet

OPERATOR = Identity(subject="staff:ops", role=Role.OPERATOR, name="运维")


def _archives(platform: Platform) -> dict[str, object]:
    ctx = platform.app.state.platform
    return next(d for d in watch.availability(ctx, OPERATOR, set()) if d["department"] == "archives")


def test_a_department_down_then_back_as_the_operator_sees_it(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, fleet, dispatcher = world
    ctx = platform.app.state.platform
    fleet.control("archives", available=False)
    headers = platform.hebei_worker_headers()
    case_id = platform.file_hebei_case(headers)
    dispatcher.run_once(limit=50)

    stuck = [j for j in watch.stuck_jobs(ctx, OPERATOR) if j["case_id"] == case_id]
    assert [(j["code"], j["state"], j["attempts"]) for j in stuck] == [
        ("archive_receipt_transfer", "retrying", 1)
    ]
    assert "503" in str(stuck[0]["error"])
    archives = _archives(platform)
    assert (
        archives["state"] == "failing" and archives["retrying"] == 1 and "503" in str(archives["last_error"])
    )
    assert archives["last_ok_at"] is None

    with platform.app.state.sessions() as session, session.begin():  # its retries spent: failed
        for job in session.query(OutboxJob).filter_by(case_id=case_id, status="pending", kind="dispatch"):
            job.attempts, job.due_at = 7, ctx.clock.now()
    dispatcher.run_once(limit=50)
    assert _archives(platform)["failed"] == 1 and _archives(platform)["retrying"] == 0

    fleet.control("archives", available=True)
    assert watch.retry_all(ctx, OPERATOR) == 1
    wait_until_finished(platform, [case_id], headers, 30, step=lambda: dispatcher.run_once(limit=50))
    archives = _archives(platform)
    assert archives["state"] == "ok" and archives["failed"] == 0 and archives["last_ok_at"] is not None
    assert watch.stuck_jobs(ctx, OPERATOR) == []
