"""Writing the bulk-generated rows (:mod:`lianban_bench.bulk`): ``executemany`` on SQLite,
``COPY`` on PostgreSQL, every value through its column type's bind processor for the dialect."""

from __future__ import annotations

import fcntl
import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Table
from sqlalchemy.sql import sqltypes

import lianban.cases.schema  # noqa: F401 — registers the cases room's tables on Base.metadata
from lianban.db import Base

# ---------------------------------------------------------------------------- writing


TABLES = Base.metadata.tables
COLUMNS: dict[str, tuple[Table, tuple[str, ...]]] = {
    "cases": (
        TABLES["cases"],
        (
            "case_id",
            "theme_id",
            "theme_digest",
            "owner",
            "actor",
            "channel",
            "status",
            "situation",
            "form",
            "materials",
            "accepted_at",
            "due_date",
            "promised_due_date",
            "idempotency_key",
            "request_hash",
            "updated_at",
        ),
    ),
    "items": (
        TABLES["case_items"],
        (
            "case_id",
            "item_id",
            "code",
            "employee",
            "department",
            "status",
            "waits_for",
            "waits_for_any",
            "payload",
            "receipt_no",
            "reason",
            "result",
            "legal_due_date",
            "promised_due_date",
            "progress",
            "revision",
            "updated_at",
        ),
    ),
    "jobs": (
        TABLES["outbox_jobs"],
        ("case_id", "job_id", "item_id", "kind", "status", "due_at", "attempts", "lease_until", "last_error"),
    ),
    "events": (TABLES["timeline_events"], ("case_id", "seq", "at", "event", "item_id", "detail")),
    "deliveries": (
        TABLES["deliveries"],
        (
            "case_id",
            "delivery_id",
            "method",
            "documents",
            "address",
            "recipient",
            "tracking_no",
            "pickup_code",
            "status",
            "created_at",
        ),
    ),
    "notices": (TABLES["notices"], ("case_id", "seq", "at", "channel", "recipient", "text")),
}


class _Writer:
    """Plain-SQL inserts, each value through its column type's bind processor (TypeDecorators too)."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self.sqlite = self.dialect.name == "sqlite"
        database = engine.url.database
        self.lock_file = (
            f"{database}.bulk-lock" if self.sqlite and database and database != ":memory:" else None
        )
        self.raw = engine.raw_connection()
        self.processors: dict[str, list[tuple[int, Callable[[Any], Any]]]] = {}
        for name, (table, columns) in COLUMNS.items():
            procs: list[tuple[int, Callable[[Any], Any]]] = []
            for i, column in enumerate(columns):
                bind = table.c[column].type.dialect_impl(self.dialect).bind_processor(self.dialect)
                if bind is None:
                    continue
                proc: Callable[[Any], Any] = bind if self.sqlite else _as_json_text(bind)
                if self.sqlite and isinstance(table.c[column].type, sqltypes.DateTime):
                    proc = _sqlite_datetime  # what SQLAlchemy's processor writes, in C
                procs.append((i, _memo(proc) if _is_date(table, column) else proc))
            self.processors[name] = procs
        cursor = self.raw.cursor()
        if self.sqlite:
            # busy_timeout: a generating process waits its turn while another commits its batch
            pragmas = ("busy_timeout=600000", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY")
            for pragma in pragmas:
                cursor.execute(f"PRAGMA {pragma}")
        else:
            cursor.execute("SET synchronous_commit = off")
        cursor.close()
        self.raw.commit()

    def prepare(self, name: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]] | bytes:
        """The rows as the database takes them: every value through its bind processor, and on
        PostgreSQL the whole COPY text (done before the write, outside any lock)."""
        procs = self.processors[name]
        if procs:
            # one object shared by many rows (an owner's form and payloads, constant lists) is
            # processed once: sealing and serialising are most of the cost
            seen: dict[int, tuple[Any, Any]] = {}
            rows = [_processed(row, procs, seen) for row in rows]
        if self.sqlite:
            return rows
        try:
            return "".join(["\t".join([_copy_field(v) for v in row]) + "\n" for row in rows]).encode("utf-8")
        except TypeError:  # a value of a kind the text format below does not know: row by row
            return rows

    def insert(self, name: str, data: list[tuple[Any, ...]] | bytes) -> None:
        if not data:
            return
        table, columns = COLUMNS[name]
        cursor = self.raw.cursor()
        copy_sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        try:
            if isinstance(data, bytes):
                with cursor.copy(copy_sql) as copy:
                    copy.write(data)
            elif self.sqlite:
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", data)
            else:
                with cursor.copy(copy_sql) as copy:
                    for row in data:
                        copy.write_row(row)
        finally:
            cursor.close()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """SQLite: this process's turn to write, among the generating processes (a file lock).
        Waiting outside SQLite's own lock keeps every writer out of a transaction while it waits,
        so the write-ahead log is emptied after each batch instead of growing without end."""
        if not self.sqlite or self.lock_file is None:
            yield
            return
        with open(self.lock_file, "a+b") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(held, fcntl.LOCK_UN)

    def checkpoint(self) -> None:
        """SQLite: the batch moved from the write-ahead log into the file, the log emptied."""
        if self.sqlite:
            cursor = self.raw.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                cursor.close()

    def commit(self) -> None:
        self.raw.commit()

    def close(self) -> None:
        cursor = self.raw.cursor()
        if self.sqlite:
            cursor.execute("PRAGMA synchronous=NORMAL")  # the platform's own setting (lianban.db)
        cursor.close()
        self.raw.close()


def _as_json_text(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """psycopg's JSON wrapper, serialised here: a value shared by many rows is then serialised once."""
    from psycopg.types.json import Json, Jsonb

    def process(value: Any) -> Any:
        out = proc(value)
        if isinstance(out, Json | Jsonb):
            return (out.dumps or json.dumps)(out.obj)
        return out

    return process


SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's storage format for DateTime on SQLite


def _sqlite_datetime(value: datetime) -> str:
    return value.strftime(SQLITE_DATETIME)


def _escaped(value: str) -> str:
    """Backslash, tab and line ends escaped (str.replace and ``in`` run in C; str.translate does not)."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _copy_field(value: Any) -> str:
    """One field in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):  # datetimes too: ISO 8601 with the offset
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _is_date(table: Table, column: str) -> bool:
    """Dates repeat across a batch (due dates): their processed form is worth remembering."""
    return isinstance(table.c[column].type, sqltypes.Date)


def _memo(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return functools.lru_cache(maxsize=4096)(proc)


def _processed(
    row: tuple[Any, ...], procs: list[tuple[int, Callable[[Any], Any]]], seen: dict[int, tuple[Any, Any]]
) -> tuple[Any, ...]:
    values = list(row)
    for i, proc in procs:
        value = values[i]
        if value is None:
            continue
        if isinstance(value, dict | list):  # by identity; the object is kept, so its id stays its own
            known = seen.get(id(value))
            if known is None:
                known = seen[id(value)] = (value, proc(value))
            values[i] = known[1]
        else:
            values[i] = proc(value)
    return tuple(values)
