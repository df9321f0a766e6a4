"""Fair dispatch (公平派发): a Zibo employer hiring a thousand people files first — 4,000 sub-items
due at once — then a graduate in Wuhan files her 8. Workers claim in batches; her first sub-item is
in the very next batch, and all eight go out long before the employer's thousandth hire's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from lianban.cases.schema import OutboxJob
from lianban.db import make_engine, session_factory
from lianban.dispatch.outbox import claim
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
