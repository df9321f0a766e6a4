"""Database engine and sessions: SQLite by default, PostgreSQL for scale, the same code.

SQLite gets WAL, foreign keys and a busy timeout so an API process and its in-process worker
share one file safely — set once per connection, when the pool opens it (连接池). The pool keeps
as many connections as the server has threads, so a request never waits for one nor opens one.

A writer's transaction (:func:`writing`) begins with ``BEGIN IMMEDIATE`` on SQLite: it takes the
process's writer turn and SQLite's write lock at its start, never upgrading a read snapshot that
another writer may have overtaken ("database is locked" however long it waits). Others keep the
driver's own begin: at their first write, their reads before it outside the transaction.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Dialect, Engine, MetaData, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

from lianban.checkpoints import AUTOCHECKPOINT_PAGES, checkpointer

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; constraint names are stable for Alembic."""

    metadata = MetaData(naming_convention=NAMING)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


POOL_SIZE = 32  # at least the requests one process serves at once (its thread pool: 40, mostly idle)
POOL_OVERFLOW = 16
WRITE = {"lianban_write": True}  # execution option of a writer's connection (BEGIN IMMEDIATE)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # the log is checkpointed by the file's checkpointer, outside the writer turn; a writer's
    # commit checkpoints only past this larger size, SQLite's backstop (lianban.checkpoints)
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    cursor.close()


BUSY_SECONDS = 10.0  # the busy timeout above
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_turns: dict[str, threading.Lock] = {}
_turns_lock = threading.Lock()
_engine_turns: WeakKeyDictionary[Engine, WriterTurns] = WeakKeyDictionary()


class WriterTurns:
    """SQLite's one writer at a time, taken in turn inside a process (写入排队).

    A SQLite file has one writer at a time. Left to SQLite, a thread that finds the file locked
    sleeps in its busy handler in growing steps (up to 100 ms) and may lose its turn again: under
    32 concurrent filings that was most of the latency tail. So a connection about to write first
    takes the process's turn for that file (a plain lock, granted the moment the previous writer
    ends) and gives it back when its transaction commits or rolls back. Other processes (a worker
    beside the API) still meet at SQLite's own lock. A turn not granted within the busy timeout
    is not waited for further: SQLite's lock then decides, as without this.
    """

    def __init__(self, database: str) -> None:
        with _turns_lock:
            self.lock = _turns.setdefault(database, threading.Lock())
        self.checkpoints = checkpointer(database)

    def take(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        info = conn.info
        if "turn" in info or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        info["turn"] = self.lock.acquire(timeout=BUSY_SECONDS)

    def give_back(self, conn: Any, *_args: Any) -> None:
        self._release(conn.info)

    def committed(self, conn: Any) -> None:
        self._release(conn.info)
        self.checkpoints.committed()

    def on_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        self._release(record.info)  # a connection returned mid-transaction (it was rolled back)

    def _release(self, info: dict[str, Any]) -> None:
        if info.pop("turn", False):
            self.lock.release()

    def begin(self, conn: Any) -> None:
        """A writer (:data:`WRITE`) takes its turn, then SQLite's write lock, at its start."""
        if conn.get_execution_options().get("lianban_write"):
            conn.info["turn"] = self.lock.acquire(timeout=BUSY_SECONDS)
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def install(self, engine: Engine) -> None:
        event.listen(engine, "begin", self.begin)
        event.listen(engine, "before_cursor_execute", self.take)
        event.listen(engine, "commit", self.committed)
        event.listen(engine, "rollback", self.give_back)
        event.listen(engine.pool, "checkin", self.on_checkin)
        _engine_turns[engine] = self


def json_text(value: Any) -> str:
    """A JSON column's value as text, as ``json.dumps`` writes it; the empty list and null —
    most of a filing's ~45 JSON values (waits, job payloads) — without the encoder's round."""
    if value is None:
        return "null"
    if type(value) is list and not value:
        return "[]"
    return json.dumps(value)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; a SQLite file's directory is created when missing."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("pool_size", POOL_SIZE)
            kwargs.setdefault("max_overflow", POOL_OVERFLOW)
        kwargs.setdefault("json_serializer", json_text)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if database and database != ":memory:":
            WriterTurns(str(Path(database).resolve())).install(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    return create_engine(url, **kwargs)


def writing(session: Session) -> Session:
    """Begin ``session``'s transaction as a writer's: on SQLite ``BEGIN IMMEDIATE`` with the
    process's writer turn (elsewhere nothing changes). Call it first in the transaction."""
    session.connection(execution_options=WRITE)
    return session


def session_factory(engine: Engine, info: dict[str, Any] | None = None) -> sessionmaker[Any]:
    """Sessions on ``engine``; ``info`` is what each session carries of its platform (its wiring)."""
    return sessionmaker(engine, expire_on_commit=False, info=info)


def engine_of(sessions: sessionmaker[Any]) -> Engine:
    """The engine ``sessions`` are bound to: a hot read runs Core statements on one of its pooled
    connections, without an ORM session."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("sessions are not bound to an engine")
    return bind


@contextmanager
def raw_writing(engine: Engine, conn: PoolProxiedConnection, pipeline: bool = True) -> Iterator[DBAPICursor]:
    """One writer's transaction on ``conn``, one of ``engine``'s pooled driver connections
    (:meth:`Engine.raw_connection`), for statements run with the driver's own cursor
    (:class:`lianban.prepared.PreparedWrite`): on SQLite the process's writer turn and ``BEGIN
    IMMEDIATE`` first, as :func:`writing` begins a session's; committed at the end, rolled back
    on an error (the turn given back either way). A driver error is raised as SQLAlchemy's
    (:class:`sqlalchemy.exc.IntegrityError` for a duplicate key), as ``Connection.execute`` does.

    On PostgreSQL the transaction is one pipeline (psycopg's pipeline mode): statements are sent
    without waiting for their answers, and the database is waited for only where a statement's
    answer is fetched and at the commit — a filing's dozen statements in two round trips, not a
    dozen. An error comes out at that fetch or the commit, and rolls back as any other. Without
    ``pipeline`` each statement waits for its answer: on loopback that costs less CPU (psycopg's
    pipeline spends ~0.04 ms more per transaction than the round trips it saves)."""
    dialect = engine.dialect
    turns = _engine_turns.get(engine)
    cursor = conn.cursor()
    try:
        if turns is not None:
            conn.info["turn"] = turns.lock.acquire(timeout=BUSY_SECONDS)
        try:
            if dialect.name == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            with _pipeline(conn) if pipeline else nullcontext():
                yield cursor
                conn.commit()
        except BaseException as error:
            try:
                conn.rollback()
            except Exception:  # a broken connection: the pool opens another instead of this one
                conn.invalidate()
            if isinstance(error, dialect.loaded_dbapi.Error):
                raise exc.DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error) from error
            raise
        finally:
            if turns is not None:
                turns._release(conn.info)
    finally:
        cursor.close()
    if turns is not None:  # committed: its pages in the log, checkpointed outside the turn
        turns.checkpoints.committed()


def _pipeline(conn: PoolProxiedConnection) -> AbstractContextManager[Any]:
    """psycopg's pipeline mode on ``conn`` where the driver has it (libpq ≥ 14), else nothing."""
    pipeline = getattr(conn.dbapi_connection, "pipeline", None)
    if pipeline is None:
        return nullcontext()
    from psycopg import Pipeline  # only a psycopg connection has .pipeline

    return cast(AbstractContextManager[Any], pipeline()) if Pipeline.is_supported() else nullcontext()


_CURSOR = "lianban.driver_cursor"  # session.info: (the transaction, its driver cursor, the dialect)


def session_cursor(session: Session) -> tuple[DBAPICursor, Dialect]:
    """The driver's own cursor in ``session``'s transaction, and its dialect: for a writer's
    statements compiled once and run without ``Connection.execute``'s per-call machinery
    (:func:`lianban.prepared.run_in`; a statement there costs a third of the CPU). The caller
    flushes what the session holds first. On SQLite the process's writer turn is taken here, as the
    session's first INSERT would take it (given back at the session's commit or rollback). One
    cursor per transaction."""
    transaction = session.get_transaction()
    held = session.info.get(_CURSOR)
    if held is not None and transaction is not None and held[0] is transaction:
        return held[1], held[2]
    conn = session.connection()
    turns = _engine_turns.get(conn.engine)
    if turns is not None and "turn" not in conn.info:
        conn.info["turn"] = turns.lock.acquire(timeout=BUSY_SECONDS)
    cursor = conn.connection.cursor()
    session.info[_CURSOR] = (session.get_transaction(), cursor, conn.dialect)
    return cursor, conn.dialect


@event.listens_for(Session, "after_transaction_end")
def _forget_cursor(session: Session, transaction: Any) -> None:
    """The transaction whose driver cursor :func:`session_cursor` kept has ended: let it go."""
    held = session.info.get(_CURSOR)
    if held is not None and held[0] is transaction:
        del session.info[_CURSOR]
