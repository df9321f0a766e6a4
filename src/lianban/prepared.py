"""Prepared reads (预编译读取): a Core SELECT compiled once per engine and run with the driver's own
cursor on one of the pool's connections, its values converted by the statement's own column types.

``Connection.execute`` spends far more CPU per statement than the database spends answering a
read by key: the statement's cache key walked on every call, an execution context, events, a
result object — about 0.06 ms a statement, three times the driver's own work. A hot read (one
case, :mod:`lianban.cases.reading`) runs instead the SQL its dialect compiled once, and applies
the bind and result processors ``execute`` applies (``TypeDecorator`` columns included: a
look-up hash bound, a sealed value opened, SQLite's stored dates parsed): the same values, without
the per-call machinery. The connection is the pool's (:func:`reading`: :meth:`Engine.raw_connection`),
set up as every other (PRAGMAs at connect, the pre-ping where the engine has one) and reset when
returned; on PostgreSQL it reads in autocommit, as SQLite's driver reads anyway — psycopg would
otherwise send a ``BEGIN`` before the first read and a ``ROLLBACK`` when the pool takes it back,
two round trips more than the reads themselves.

A filing's writes (:class:`PreparedWrite`) are run the same way, on the driver connection its
transaction holds (:func:`lianban.db.raw_writing`): each INSERT, upsert or UPDATE compiled once,
its rows bound by the column types' own processors and sent in one ``executemany``.

For plain statements with named parameters: no ``IN`` list expanded at execution, no
``literal_execute``.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ClauseElement, Dialect, Engine, Select, exc
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Executable

from lianban.db import session_cursor

_Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    """One statement as one dialect runs it."""

    sql: str
    names: tuple[str, ...] | None  # the parameters' order for a positional driver (SQLite's ?)
    constants: dict[str, Any]  # literal values bound in the statement (``literal('t')``)
    binds: dict[str, _Processor]  # bind processors of the parameters that have one
    returns: bool = False  # the statement has RETURNING

    def parameters(self, given: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = {**self.constants, **given}
        for name, process in self.binds.items():
            values[name] = process(values[name])
        return values if self.names is None else [values[name] for name in self.names]


def _compile(
    statement: ClauseElement | Executable, dialect: Dialect, column_keys: Sequence[str] | None = None
) -> _Compiled:
    compiled = cast(ClauseElement, statement).compile(
        dialect=dialect, column_keys=list(column_keys) if column_keys else None
    )
    assert isinstance(compiled, SQLCompiler)
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
        raise ValueError("a prepared read takes plain named parameters only")
    binds: dict[str, _Processor] = {}
    constants: dict[str, Any] = {}
    for bind, name in compiled.bind_names.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds[name] = process
        if not bind.required:
            constants[name] = bind.effective_value
    names = tuple(compiled.positiontup or ()) if dialect.positional else None
    return _Compiled(str(compiled), names, constants, binds, bool(compiled.effective_returning))


@contextmanager
def reading(engine: Engine) -> Iterator[PoolProxiedConnection]:
    """One of ``engine``'s pooled connections for prepared reads, each its own statement
    (autocommit on PostgreSQL: no transaction begun or rolled back); given back as it was."""
    conn = engine.raw_connection()
    try:
        with autocommit(engine, conn):
            yield conn
    finally:
        conn.close()


@contextmanager
def autocommit(engine: Engine, conn: PoolProxiedConnection) -> Iterator[None]:
    """Prepared reads on ``conn``, one of ``engine``'s pooled connections, each its own statement:
    on PostgreSQL in autocommit, then the connection as it was (SQLite's driver reads so anyway)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    driver = conn.dbapi_connection
    assert driver is not None
    engine.dialect.set_isolation_level(driver, "AUTOCOMMIT")
    try:
        yield
    finally:
        try:
            engine.dialect.reset_isolation_level(driver)
        except Exception:  # a broken connection: the pool opens another instead of this one
            conn.invalidate()


class Prepared:
    """A SELECT run as :mod:`lianban.prepared` says; :meth:`rows` gives its rows as lists of the
    values ``Connection.execute`` would give."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self.types = [c.type for c in statement.selected_columns]
        # per dialect: each engine has its own, carrying its keys (lianban.security.bound)
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()
        self._results: weakref.WeakKeyDictionary[Dialect, list[tuple[int, _Processor]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def rows(self, conn: DBAPIConnection, dialect: Dialect, params: Mapping[str, Any]) -> list[list[Any]]:
        cursor = conn.cursor()
        try:
            return self.rows_on(cursor, dialect, params)
        finally:
            cursor.close()

    def rows_on(self, cursor: DBAPICursor, dialect: Dialect, params: Mapping[str, Any]) -> list[list[Any]]:
        """:meth:`rows` on a driver cursor the caller holds (a transaction's: :func:`run_in`)."""
        compiled = self._compiled.get(dialect)
        if compiled is None:
            with self._lock:
                compiled = self._compiled[dialect] = _compile(self.statement, dialect)
        cursor.execute(compiled.sql, compiled.parameters(params))
        found = cursor.fetchall()
        converts = self._results.get(dialect)
        if converts is None:  # the driver's column types, as execute hands them to the processors
            with self._lock:
                converts = self._results[dialect] = self._result_processors(dialect, cursor.description)
        rows = [list(r) for r in found]
        for row in rows:
            for i, process in converts:
                row[i] = process(row[i])
        return rows

    def _result_processors(self, dialect: Dialect, description: Any) -> list[tuple[int, _Processor]]:
        out: list[tuple[int, _Processor]] = []
        for i, type_ in enumerate(self.types):
            process = type_.dialect_impl(dialect).result_processor(dialect, description[i][1])
            if process is not None:
                out.append((i, process))
        return out


class PreparedWrite:
    """An INSERT, UPDATE, DELETE or upsert (``… RETURNING``) run as :mod:`lianban.prepared` says,
    on a driver cursor inside the caller's transaction: compiled once per dialect (an INSERT of
    whole rows once per set of columns the rows give, as ``Connection.execute`` compiles it: a
    column left out is left to the database), its parameters bound by the statement's column
    types. RETURNING values come as the driver gives them (integers, text)."""

    def __init__(self, statement: ClauseElement | Executable) -> None:
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, ...] | None, _Compiled]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def compiled(self, dialect: Dialect, columns: tuple[str, ...] | None = None) -> _Compiled:
        known = self._compiled.get(dialect)
        found = None if known is None else known.get(columns)
        if found is None:
            with self._lock:
                found = _compile(self.statement, dialect, columns)
                self._compiled.setdefault(dialect, {})[columns] = found
        return found

    def run(self, cursor: DBAPICursor, dialect: Dialect, params: Mapping[str, Any]) -> list[Any]:
        """One execution; the rows it returns (RETURNING), else an empty list."""
        self.send(cursor, dialect, params)
        return list(cursor.fetchall()) if self.compiled(dialect).returns else []

    def send(self, cursor: DBAPICursor, dialect: Dialect, params: Mapping[str, Any]) -> None:
        """One execution, its rows (RETURNING) left on ``cursor`` to fetch: in a pipeline
        (PostgreSQL, :func:`lianban.db.raw_writing`) the statement is queued, and only a fetch
        waits for the database — for everything queued before it, in one round trip."""
        compiled = self.compiled(dialect)
        cursor.execute(compiled.sql, compiled.parameters(params))

    def insert_many(self, cursor: DBAPICursor, dialect: Dialect, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows of one INSERT, all giving the same columns, in one ``executemany``."""
        if rows:
            self.insert_bound(cursor, self.bind_many(dialect, rows))

    def bind_many(self, dialect: Dialect, rows: Sequence[Mapping[str, Any]]) -> BoundRows:
        """Rows of one INSERT (at least one, all giving the same columns) bound as the driver
        takes them, before the transaction they are written in (:meth:`insert_bound`)."""
        compiled = self.compiled(dialect, tuple(rows[0]))
        return BoundRows(compiled, [compiled.parameters(row) for row in rows])

    def insert_bound(self, cursor: DBAPICursor, bound: BoundRows) -> None:
        """Rows bound before (:meth:`bind_many`), in one ``executemany``."""
        cursor.executemany(bound.compiled.sql, cast(Any, bound.parameters))


@dataclass(frozen=True)
class BoundRows:
    """The rows of one INSERT as the driver takes them (bound by the column types' processors),
    computed outside the transaction; a value still unknown then is set with :meth:`set`."""

    compiled: _Compiled
    parameters: list[Any]  # per row: a list (a positional driver) or a dict

    def set(self, row: int, name: str, value: Any) -> None:
        """Row ``row``'s parameter ``name``, bound as the column binds it."""
        process = self.compiled.binds.get(name)
        bound = value if process is None else process(value)
        names = self.compiled.names
        self.parameters[row][name if names is None else names.index(name)] = bound


def run_in(session: Session, statement: Prepared | PreparedWrite, params: Mapping[str, Any]) -> list[Any]:
    """One statement in ``session``'s transaction, on its driver cursor (:func:`lianban.db.session_cursor`:
    on SQLite with the writer's turn): a read's rows as :meth:`Prepared.rows` gives them, a write's
    RETURNING rows (else an empty list). What the session holds is the caller's to flush first. A
    driver error is raised as SQLAlchemy's, as ``Session.execute`` raises it."""
    cursor, dialect = session_cursor(session)
    try:
        if isinstance(statement, Prepared):
            return statement.rows_on(cursor, dialect, params)
        return statement.run(cursor, dialect, params)
    except dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error) from error
