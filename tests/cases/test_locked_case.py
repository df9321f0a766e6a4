"""A case locked once per transaction (lock_case): the next event of the case in the same
transaction reads nothing again, and once the transaction ends the session lets the case go — a
session used again after a commit or a rollback sees what another connection changed since."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from lianban.bootstrap import keyed_engine
from lianban.cases.progress import lock_case
from lianban.cases.schema import Case
from lianban.config import Mode, load_settings
from lianban.db import session_factory
from lianban.migrate import upgrade

CASE = "LB20261204LOCKED0001"


def _filed(database_url: str, tmp_path: Path) -> Engine:
    """The platform's engine (its keys at rest: the form is read with the case), one case filed."""
    upgrade(database_url)
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var")}, database_url=database_url, mode=Mode.SANDBOX
    )
    engine = keyed_engine(settings)
    at = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cases (case_id, theme_id, theme_digest, owner, actor, channel, status, situation,"
                " form, materials, accepted_at, due_date, promised_due_date, request_hash, updated_at)"
                " VALUES (:id, 't', 'd', 'person:1', 'person:1', 'web', 'submitted', '{}', '{}', '[]', :at,"
                " :day, :day, 'h', :at)"
            ),
            {"id": CASE, "at": at, "day": date(2026, 12, 31)},
        )
    return engine


@contextmanager
def _selects(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _lock_and_note(session: Session) -> str:
    case = lock_case(session, CASE)
    assert case is not None
    return case.status  # (no reference to the case kept past the call)


def test_a_second_lock_in_the_transaction_reads_nothing(database_url: str, tmp_path: Path) -> None:
    engine = _filed(database_url, tmp_path)
    with session_factory(engine)() as session, session.begin():
        first = lock_case(session, CASE)
        with _selects(engine) as seen:
            again = lock_case(session, CASE)
        assert again is first and seen == []
    engine.dispose()


def test_the_next_transaction_on_the_session_sees_another_connections_change(
    database_url: str, tmp_path: Path
) -> None:
    engine = _filed(database_url, tmp_path)
    with session_factory(engine)() as session:
        with session.begin():
            assert _lock_and_note(session) == "submitted"
        with engine.begin() as other:  # a worker's connection moves the case on
            other.execute(text("UPDATE cases SET status = 'in_progress' WHERE case_id = :id"), {"id": CASE})
        with session.begin():
            case = session.get(Case, CASE)
            assert case is not None and case.status == "in_progress"
        del case
        with session.begin():  # a rolled-back transaction lets its case go too
            assert _lock_and_note(session) == "in_progress"
            session.rollback()
        with engine.begin() as other:
            other.execute(text("UPDATE cases SET status = 'completed' WHERE case_id = :id"), {"id": CASE})
        with session.begin():
            case = session.get(Case, CASE)
            assert case is not None and case.status == "completed"
    engine.dispose()
