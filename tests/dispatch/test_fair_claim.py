"""Fair dispatch (公平派发): a Zibo employer hiring a thousand people files first — 4,000 sub-items
due at once — then a graduate in Wuhan files her 8. Workers claim in batches; her first sub-item is
in the very next batch, and all eight go out long before the employer's thousandth hire's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from lianban.cases.schema import OutboxJob
from lianban.db import make_engine, session_factory
from lianban.dispatch.outbox import claim, newcomer_among
from lianban.migrate import upgrade

EMPLOYER, GRADUATE = "LB20261204EMPLOYER01", "LB20261204GRADUATE01"


def _case(conn: object, case_id: str, owner: str, at: datetime) -> None:
    conn.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO cases (case_id, theme_id, theme_digest, owner, actor, channel, status, situation,"
            " form, materials, accepted_at, due_date, promised_due_date, request_hash, updated_at)"
            " VALUES (:id, 't', 'd', :owner, :owner, 'web', 'submitted', '{}', '{}', '[]', :at, :day,"
            " :day, 'h', :at)"
        ),
        {"id": case_id, "owner": owner, "at": at, "day": date(2026, 12, 31)},
    )


def _jobs(case_id: str, n: int, due: datetime) -> list[dict[str, object]]:
    return [
        {
            "case_id": case_id,
            "job_id": f"{case_id}-{i:05d}",
            "item_id": f"item#{i}",
            "kind": "dispatch",
            "status": "pending",
            "due_at": due + timedelta(microseconds=i),
            "attempts": 0,
        }
        for i in range(n)
    ]


def test_a_graduate_filing_after_a_thousand_hires_is_not_held_back(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    filed = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    with engine.begin() as conn:
        _case(conn, EMPLOYER, "employer:91370303MA3C0000XX", filed)
        _case(conn, GRADUATE, "person:420111200301010000", filed + timedelta(seconds=5))
        conn.execute(insert(OutboxJob), _jobs(EMPLOYER, 4000, filed))
        conn.execute(insert(OutboxJob), _jobs(GRADUATE, 8, filed + timedelta(seconds=5)))
    sessions = session_factory(engine)
    now = filed + timedelta(minutes=1)
    batches: list[list[str]] = []
    while True:
        with sessions() as session, session.begin():
            taken = claim(session, now, limit=20)
            for job in taken:  # done at once, as if sent
                job.status = "done"
            batches.append([job.case_id for job in taken])
        if not taken or len(batches) > 300:
            break
    engine.dispose()

    first = batches[0]
    assert GRADUATE in first  # her first sub-item goes out in the very first batch
    hers = [i for i, batch in enumerate(batches) for case in batch if case == GRADUATE]
    assert len(hers) == 8 and max(hers) == 0  # all eight in it: round-robin, one of hers per turn
    # the employer's hires still all go out, none lost or taken twice
    assert sum(batch.count(EMPLOYER) for batch in batches) == 4000


def test_a_worker_sending_the_employers_batch_notices_the_graduate_who_files_meanwhile(
    database_url: str,
) -> None:
    """The worker has claimed the employer's first hires and is sending them; between two sends it
    asks whether someone new has filed. The graduate has: her first sub-item is claimed on its own,
    none of the employer's with it. Once it is taken she is no newcomer; neither is the employer
    (its decisions' events fall due all the time) nor an earlier case whose waiting item falls due."""
    upgrade(database_url)
    engine = make_engine(database_url)
    filed = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    earlier = "LB20261204EARLIER0001"
    with engine.begin() as conn:
        _case(conn, EMPLOYER, "employer:91370303MA3C0000XX", filed)
        _case(conn, earlier, "person:420111199001010000", filed - timedelta(days=1))
        conn.execute(insert(OutboxJob), _jobs(EMPLOYER, 4000, filed))
        sent_before = _jobs(earlier, 2, filed - timedelta(days=1))
        sent_before[0]["status"] = "done"
        conn.execute(insert(OutboxJob), sent_before[:1])
    sessions = session_factory(engine)
    claimed_at = filed + timedelta(seconds=30)
    with sessions() as session, session.begin():
        batch = claim(session, claimed_at, limit=5)
    assert {job.case_id for job in batch} == {EMPLOYER}
    since, now = claimed_at - timedelta(seconds=5), claimed_at + timedelta(seconds=2)
    assert newcomer_among(sessions, now, since, {EMPLOYER}) is None  # nobody new yet

    with engine.begin() as conn:  # meanwhile: the employer's decisions, the earlier case's next item
        events = _jobs(EMPLOYER, 3, claimed_at + timedelta(seconds=1))
        conn.execute(insert(OutboxJob), [e | {"job_id": f"event-{i}"} for i, e in enumerate(events)])
        conn.execute(insert(OutboxJob), sent_before[1] | {"due_at": claimed_at + timedelta(seconds=1)})
    assert newcomer_among(sessions, now, since, {EMPLOYER}) is None

    with engine.begin() as conn:  # and the graduate files
        _case(conn, GRADUATE, "person:420111200301010000", claimed_at + timedelta(seconds=1))
        conn.execute(insert(OutboxJob), _jobs(GRADUATE, 8, claimed_at + timedelta(seconds=1)))
    assert newcomer_among(sessions, now, since, {EMPLOYER}) == GRADUATE
    with sessions() as session, session.begin():
        (hers,) = claim(session, now, limit=1, only={GRADUATE})
    assert (hers.case_id, hers.job_id) == (GRADUATE, f"{GRADUATE}-00000")  # her first, in her order
    assert newcomer_among(sessions, now, since, {EMPLOYER, GRADUATE}) is None
    assert newcomer_among(sessions, now, since, {EMPLOYER}) is None  # one of hers is being sent
    engine.dispose()


def test_a_case_whose_send_failed_is_no_newcomer(database_url: str) -> None:
    """A Wuhan graduate's only sub-item was sent while her department was down: the job is pending
    again, no lease, its next try due later. When that try falls due during the employer's batch it
    waits its turn in the claim, it does not jump ahead as if she had just filed — in an outage that
    would send the failing department one more request between any two of the batch."""
    upgrade(database_url)
    engine = make_engine(database_url)
    filed = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    claimed_at = filed + timedelta(seconds=30)
    with engine.begin() as conn:
        _case(conn, EMPLOYER, "employer:91370303MA3C0000XX", filed)
        _case(conn, GRADUATE, "person:420111200301010000", filed - timedelta(seconds=20))
        conn.execute(insert(OutboxJob), _jobs(EMPLOYER, 100, filed))
        retried = _jobs(GRADUATE, 1, claimed_at + timedelta(seconds=1))  # backoff: due again later
        conn.execute(insert(OutboxJob), [retried[0] | {"attempts": 1, "last_error": "503"}])
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        batch = claim(session, claimed_at, limit=5)
    assert {job.case_id for job in batch} == {EMPLOYER}
    since, now = claimed_at - timedelta(seconds=5), claimed_at + timedelta(seconds=2)
    assert newcomer_among(sessions, now, since, {EMPLOYER}) is None
    with engine.begin() as conn:  # a graduate who has just filed still goes first
        _case(conn, "LB20261204GRADUATE02", "person:420111200301010001", claimed_at + timedelta(seconds=1))
        conn.execute(insert(OutboxJob), _jobs("LB20261204GRADUATE02", 2, claimed_at + timedelta(seconds=1)))
    assert newcomer_among(sessions, now, since, {EMPLOYER}) == "LB20261204GRADUATE02"
    engine.dispose()
