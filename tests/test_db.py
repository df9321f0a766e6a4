"""The database engine: on SQLite a process's writers take turns (写入排队) instead of sleeping in
SQLite's busy handler, and a turn is always given back — on commit, on rollback, and when a
connection goes back to the pool mid-transaction."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, text

from lianban.db import WriterTurns, make_engine, session_factory, writing


def _table(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE filings (n INTEGER PRIMARY KEY, clerk TEXT)"))


def _turn(path: Path) -> threading.Lock:
    return WriterTurns(str(path.resolve())).lock


def test_twelve_window_clerks_file_at_once_and_none_is_told_the_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "lianban.sqlite3"
    engine = make_engine(f"sqlite:///{path}", pool_size=12, max_overflow=0)
    _table(engine)
    failures: list[BaseException] = []
    start = threading.Barrier(12)

    def clerk(i: int) -> None:
        try:
            start.wait()
            for k in range(40):
                with engine.begin() as conn:
                    # a read, then a write, as a filing does
                    conn.execute(text("SELECT count(*) FROM filings")).scalar_one()
                    conn.execute(
                        text("INSERT INTO filings (n, clerk) VALUES (:n, :c)"), {"n": i * 100 + k, "c": i}
                    )
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM filings")).scalar_one() == 12 * 40
    assert not _turn(path).locked()
    engine.dispose()


def test_a_turn_is_given_back_on_rollback_and_on_return_to_the_pool(tmp_path: Path) -> None:
    path = tmp_path / "lianban.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    _table(engine)
    turn = _turn(path)

    with engine.connect() as conn:
        conn.execute(text("INSERT INTO filings (n, clerk) VALUES (1, 'a')"))
        assert turn.locked()  # held from the first write…
        conn.rollback()
        assert not turn.locked()  # …to the rollback

    conn = engine.connect()
    conn.execute(text("INSERT INTO filings (n, clerk) VALUES (2, 'b')"))
    assert turn.locked()
    conn.close()  # back to the pool mid-transaction: rolled back, the turn given back
    assert not turn.locked()

    with engine.connect() as conn:  # reads never take a turn
        conn.execute(text("SELECT * FROM filings")).all()
        assert not turn.locked()
        assert conn.execute(text("SELECT count(*) FROM filings")).scalar_one() == 0
    engine.dispose()


def test_two_engines_on_one_file_share_its_turn(tmp_path: Path) -> None:
    """An API and its in-process worker open the same file with engines of their own."""
    path = tmp_path / "lianban.sqlite3"
    api, worker = make_engine(f"sqlite:///{path}"), make_engine(f"sqlite:///{tmp_path}/./lianban.sqlite3")
    _table(api)
    with api.connect() as conn:
        conn.execute(text("INSERT INTO filings (n, clerk) VALUES (1, 'api')"))
        assert _turn(tmp_path / "." / "lianban.sqlite3").locked()  # the file's turn, however spelt
        taken = threading.Event()

        def worker_writes() -> None:
            with worker.begin() as other:
                other.execute(text("INSERT INTO filings (n, clerk) VALUES (2, 'worker')"))
                taken.set()

        t = threading.Thread(target=worker_writes)
        t.start()
        assert not taken.wait(0.3)  # the worker waits for the API's turn to end…
        conn.commit()
    t.join(5)
    assert taken.is_set()  # …and writes as soon as it has
    with api.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM filings")).scalar_one() == 2
    api.dispose()
    worker.dispose()


def test_a_writer_takes_its_turn_and_the_write_lock_at_begin(tmp_path: Path) -> None:
    """A filing (a writer: BEGIN IMMEDIATE) reads its idempotency key, then writes; twelve clerks
    at once, and none meets a snapshot another overtook."""
    path = tmp_path / "lianban.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    _table(engine)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        writing(session)
        assert _turn(path).locked()  # before any write statement
        session.execute(text("SELECT count(*) FROM filings")).scalar_one()
    assert not _turn(path).locked()

    failures: list[BaseException] = []
    start = threading.Barrier(12)

    def clerk(i: int) -> None:
        try:
            start.wait()
            for k in range(20):
                with sessions() as session, session.begin():
                    writing(session)
                    session.execute(text("SELECT count(*) FROM filings")).scalar_one()
                    session.execute(
                        text("INSERT INTO filings (n, clerk) VALUES (:n, :c)"), {"n": i * 100 + k, "c": i}
                    )
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM filings")).scalar_one() == 12 * 20
    engine.dispose()
