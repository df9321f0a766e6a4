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

For plain SELECTs with named parameters: no ``IN`` list expanded at execution, no
``literal_execute``.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Engine, Select
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

_Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    """One statement as one dialect runs it."""

    sql: str
    names: tuple[str, ...] | None  # the parameters' order for a positional driver (SQLite's ?)
    constants: dict[str, Any]  # literal values bound in the statement (``literal('t')``)
    binds: dict[str, _Processor]  # bind processors of the parameters that have one

    def parameters(self, given: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = {**self.constants, **given}
        for name, process in self.binds.items():
            values[name] = process(values[name])
        return values if self.names is None else [values[name] for name in self.names]


def _compile(statement: Select[Any], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
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
    return _Compiled(str(compiled), names, constants, binds)


@contextmanager
def reading(engine: Engine) -> Iterator[PoolProxiedConnection]:
    """One of ``engine``'s pooled connections for prepared reads, each its own statement
    (autocommit on PostgreSQL: no transaction begun or rolled back); given back as it was."""
    conn = engine.raw_connection()
    try:
        if engine.dialect.name != "postgresql":
            yield conn
            return
        driver = conn.dbapi_connection
        assert driver is not None
        engine.dialect.set_isolation_level(driver, "AUTOCOMMIT")
        try:
            yield conn
        finally:
            try:
                engine.dialect.reset_isolation_level(driver)
            except Exception:  # a broken connection: the pool opens another instead of this one
                conn.invalidate()
    finally:
        conn.close()


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
        compiled = self._compiled.get(dialect)
        if compiled is None:
            with self._lock:
                compiled = self._compiled[dialect] = _compile(self.statement, dialect)
        cursor = conn.cursor()
        try:
            cursor.execute(compiled.sql, compiled.parameters(params))
            found = cursor.fetchall()
            converts = self._results.get(dialect)
            if converts is None:  # the driver's column types, as execute hands them to the processors
                with self._lock:
                    converts = self._results[dialect] = self._result_processors(dialect, cursor.description)
        finally:
            cursor.close()
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
