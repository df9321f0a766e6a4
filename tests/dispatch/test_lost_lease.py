"""A worker whose lease ran out mid-send (a department slow past it) settles late: by then another
worker has taken the job again and is sending it. The late settle closes nothing — the job stays
pending under the other worker's lease, and only that worker closes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session, sessionmaker
from test_fair_claim import _case, _jobs

from lianban.cases.jobs import close_job
from lianban.cases.schema import OutboxJob
from lianban.catalog.catalogue import default_catalogue
from lianban.clock import SettableClock
from lianban.db import make_engine, session_factory
from lianban.dispatch.config import DispatchConfig
from lianban.dispatch.failures import WorkerErrors, job_failed, same_instant, send_failed
from lianban.dispatch.outbox import claim
from lianban.dispatch.worker import Dispatcher
from lianban.migrate import upgrade
from lianban.security.department_keys import DepartmentKeys
from lianban.security.signing import Keyring

CASE = "LB20261204SLOWSEND01"
FILED = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _one_job(database_url: str) -> tuple[Engine, sessionmaker[Session]]:
    """A graduate's case filed at FILED with one send due: the job two workers will both take."""
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        _case(conn, CASE, "person:420111200301010000", FILED)
        conn.execute(insert(OutboxJob), _jobs(CASE, 1, FILED))
    return engine, session_factory(engine)


def test_a_late_settle_does_not_close_the_job_another_worker_took_again(database_url: str) -> None:
    engine, sessions = _one_job(database_url)
    lease = timedelta(seconds=60)
    with sessions() as session, session.begin():
        (first,) = claim(session, FILED + timedelta(seconds=1), limit=1, lease=lease)
        ours = first.lease_until
    with sessions() as session, session.begin():  # our lease has run out: worker B takes it again
        (again,) = claim(session, FILED + timedelta(seconds=62), limit=1, lease=lease)
        theirs = again.lease_until
    assert again.job_id == first.job_id and theirs != ours

    with sessions() as session, session.begin():  # our send comes back at last
        assert not close_job(session, CASE, first.job_id, count_attempt=True, lease=ours)
    with sessions() as session:
        job = session.execute(select(OutboxJob).where(OutboxJob.job_id == first.job_id)).scalar_one()
        assert (job.status, job.attempts) == ("pending", 0)  # B's, untouched
    with sessions() as session, session.begin():
        assert close_job(session, CASE, first.job_id, count_attempt=True, lease=theirs)
    with sessions() as session, session.begin():  # closed once: a second settle finds nothing
        assert not close_job(session, CASE, first.job_id, count_attempt=True, lease=theirs)
        assert not close_job(session, CASE, first.job_id)
    with sessions() as session:
        job = session.execute(select(OutboxJob).where(OutboxJob.job_id == first.job_id)).scalar_one()
        assert (job.status, job.attempts) == ("done", 1)
    engine.dispose()


def test_a_late_failure_poll_or_close_leaves_the_job_another_worker_took_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, sessions = _one_job(database_url)
    lease = timedelta(seconds=60)
    clock = SettableClock(FILED + timedelta(seconds=62))
    config = DispatchConfig(
        DepartmentKeys({"hrss": cast(Keyring, object())}), {"hrss": "http://127.0.0.1:9"}, ""
    )
    worker = Dispatcher(sessions, default_catalogue(), config, clock=clock)
    retry, errors = config.retry, WorkerErrors()
    with sessions() as session, session.begin():
        (first,) = claim(session, FILED + timedelta(seconds=1), limit=1, lease=lease)
        ours, job_id = first.lease_until, first.job_id
    with sessions() as session, session.begin():  # our lease has run out: worker B takes it again
        (again,) = claim(session, clock.now(), limit=1, lease=lease)
    send_failed(sessions, CASE, job_id, again.lease_until, "B: 503", clock.now(), retry)  # B's send fails
    with sessions() as session, session.begin():  # B takes it again when it is due
        (again,) = claim(session, clock.now() + timedelta(minutes=15), limit=1, lease=lease)
        theirs = again.lease_until

    with sessions() as session:
        b_due = session.execute(select(OutboxJob.due_at).where(OutboxJob.job_id == job_id)).scalar_one()

    def job() -> tuple[object, ...]:  # status, attempts, last error, and whether still due when B left it
        with sessions() as session:
            j = session.execute(select(OutboxJob).where(OutboxJob.job_id == job_id)).scalar_one()
            return (j.status, j.attempts, j.last_error, same_instant(j.due_at, b_due))

    as_b_left = ("pending", 1, "B: 503", True)
    assert job() == as_b_left
    # our send, our poll, come back at last: each late write leaves B's job as B left it
    send_failed(sessions, CASE, job_id, ours, "A: timed out", clock.now(), retry)
    assert job() == as_b_left
    send_failed(sessions, CASE, job_id, ours, "A: refused", clock.now(), retry, final=True)
    assert job() == as_b_left
    job_failed(sessions, CASE, job_id, RuntimeError("A: broke"), clock.now(), retry, errors, ours)
    assert job() == as_b_left
    worker._poll_again(CASE, job_id, "A: poll timed out", ours)
    assert job() == as_b_left
    worker._close(CASE, job_id, ours)
    assert job() == as_b_left
    monkeypatch.setattr("lianban.dispatch.worker.fetch_status", lambda *a, **k: {"status": "accepted"})
    worker._poll(CASE, job_id, ours, "R-1", "hrss")  # the department's answer, late
    assert job() == as_b_left
    with sessions() as session:
        assert same_instant(session.get(OutboxJob, (CASE, job_id)).lease_until, theirs)  # type: ignore[union-attr]

    worker._poll_again(CASE, job_id, "B: poll timed out", theirs)  # B's own writes still land
    assert job()[:3] == ("pending", 2, "B: poll timed out")
    with sessions() as session, session.begin():
        (again,) = claim(session, clock.now() + timedelta(hours=1), limit=1, lease=lease)
    worker._close(CASE, again.job_id, again.lease_until)
    assert job()[:3] == ("done", 2, "B: poll timed out")
    worker.close()
    engine.dispose()
