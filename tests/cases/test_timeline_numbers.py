"""The timeline's numbers (办理进度的序号): steps written at once by writers that do not take the
case's lock first — a clerk's page, the worker's sends, a reminder — each get the next number, none
fails on the (case, number) key, and each case's steps are numbered 1, 2, 3 … without a gap."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianban.cases.progress import add_event
from lianban.cases.schema import TimelineEvent
from sandbox_cases import file_graduate_case, file_hebei_case

WRITERS = 6
STEPS = 8


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


def test_steps_written_at_once_without_the_case_lock_are_numbered_without_gaps(
    client: TestClient,
) -> None:
    cases = [file_hebei_case(client)[0], file_graduate_case(client)[0]]
    platform = client.app.state.platform  # type: ignore[attr-defined]
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        start.wait()
        for step in range(STEPS):
            try:
                with platform.sessions() as session, session.begin():
                    add_event(
                        session,
                        cases[(n + step) % 2],
                        datetime.now(UTC),
                        "reminded",
                        None,
                        f"writer {n} step {step}",
                    )
            except Exception as exc:  # a UNIQUE failure is what is looked for
                failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with platform.sessions() as session:
        for case_id in cases:
            steps = session.execute(
                select(TimelineEvent.seq, TimelineEvent.detail)
                .where(TimelineEvent.case_id == case_id)
                .order_by(TimelineEvent.seq)
            ).all()
            assert [seq for seq, _ in steps] == list(range(1, len(steps) + 1))
            ours = [d for _, d in steps if d and d.startswith("writer ")]
            assert len(ours) == WRITERS * STEPS // 2
