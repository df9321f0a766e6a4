"""A worker whose lease ran out mid-send (a department slow past it) settles late: by then another
worker has taken the job again and is sending it. The late settle closes nothing — the job stays
pending under the other worker's lease, and only that worker closes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from test_fair_claim import _case, _jobs

from lianban.cases.jobs import close_job
from lianban.cases.schema import OutboxJob
from lianban.db import make_engine, session_factory
from lianban.dispatch.outbox import claim
from lianban.migrate import upgrade

CASE = "LB20261204SLOWSEND01"


def test_a_late_settle_does_not_close_the_job_another_worker_took_again(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    filed = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        _case(conn, CASE, "person:420111200301010000", filed)
        conn.execute(insert(OutboxJob), _jobs(CASE, 1, filed))
    sessions = session_factory(engine)
    lease = timedelta(seconds=60)
    with sessions() as session, session.begin():
        (first,) = claim(session, filed + timedelta(seconds=1), limit=1, lease=lease)
        ours = first.lease_until
    with sessions() as session, session.begin():  # our lease has run out: worker B takes it again
        (again,) = claim(session, filed + timedelta(seconds=62), limit=1, lease=lease)
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
