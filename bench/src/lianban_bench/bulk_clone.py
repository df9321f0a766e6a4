"""Growing the bulk-generated cases past their base by copies made in the database (批量复制办件).

Generating a case in Python costs about 3 ms (its 42 rows: sub-items, timeline, jobs, delivery,
notices, sealed form and payloads), so a million cases took 17 minutes per database. Past the
first ``base`` cases (generated in full by :mod:`lianban_bench.bulk`), case ``n`` is a copy of base
case ``n % base`` made by ``INSERT … SELECT`` inside the database: every row of the base case
(the same sizes, statuses, timeline and ciphertexts) under its own case id
(``LB`` + the base case's date + the bijective hex part of ``n``, as a generated case's), its own
owner — the keyed hash of the ID number case ``n`` would have, so a sampled applicant logs in
and finds exactly her own cases — and the ``Idempotency-Key`` ``bulk-{seed}-{n}``. The copy's
form and payloads are its base case's ciphertexts (sealed for their column, not for a row): a
copied case shows its base case's applicant's details, which the status figures do not look at.

The copies are written in case-id order, a chunk per statement set, from a temporary copy of the
base rows: each index of the growing tables takes its new keys in order. On SQLite the copies
are written without a journal when no other connection has the file open (each page once,
straight into the file, as a bulk load would; the platform's WAL mode is set back after).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine

from lianban.security.lookup import lookup_hash, lookup_key
from lianban_bench.bulk_cases import _hex_part
from lianban_bench.bulk_world import MARK, owner_id_number

# the tables a generated case has rows in, parents first; every one keyed by case_id first
TABLES = ("cases", "case_items", "outbox_jobs", "timeline_events", "deliveries", "notices")
CHUNK = 20_000  # copies per statement set (a PostgreSQL chunk is sorted in memory)


class _Database:
    """A plain DB-API connection with the dialect's parameter marks (``?`` / ``%s``)."""

    def __init__(self, engine: Engine) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:  # a connection of its own: its journal mode is its own
            self.raw: Any = sqlite3.connect(engine.url.database or "", isolation_level=None)
            # each page written once, straight into the file — unless another connection has the
            # database open (a running server): then it stays in WAL mode
            try:
                self.journal = str(self.raw.execute("PRAGMA journal_mode=OFF").fetchone()[0])
            except sqlite3.OperationalError:  # locked: another connection has it open
                self.journal = "wal"
            for pragma in (
                "busy_timeout=600000",
                "synchronous=OFF",
                "cache_size=-262144",
                "temp_store=MEMORY",
            ):
                self.raw.execute(f"PRAGMA {pragma}")
        else:
            self.fairy = engine.raw_connection()
            self.raw = self.fairy.driver_connection
            self.raw.autocommit = True
            self.journal = ""
            # the base rows' temporary copy kept in memory (temp_buffers: set before any temporary
            # table is touched), a chunk sorted in memory
            for setting in ("temp_buffers = '1GB'", "work_mem = '512MB'", "synchronous_commit = off"):
                self.raw.execute(f"SET {setting}")
        self.mark = "?" if self.sqlite else "%s"

    def run(self, sql: str, params: Any = ()) -> list[Any]:
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql.replace("?", self.mark), params)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        cursor = self.raw.cursor()
        try:
            cursor.executemany(sql.replace("?", self.mark), rows)
        finally:
            cursor.close()

    def load(self, table: str, rows: list[tuple[str, ...]]) -> None:
        if self.sqlite:
            self.many(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in rows[0])})", rows)
            return
        with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def close(self) -> None:
        if self.sqlite:
            if self.journal != "wal":
                self.raw.execute("PRAGMA journal_mode=WAL")  # the platform's mode (lianban.db)
            self.raw.close()
        else:
            self.fairy.close()


def _base_ids(db: _Database, seed: int, base: int) -> list[str]:
    """The case ids of base cases 0…base-1, by number."""
    ids: dict[int, str] = {}
    prefix = f"{MARK}-{seed}-"
    for first in range(0, base, 500):
        keys = [f"{prefix}{n}" for n in range(first, min(first + 500, base))]
        marks = ", ".join("?" for _ in keys)
        for case_id, key in db.run(
            f"SELECT case_id, idempotency_key FROM cases WHERE idempotency_key IN ({marks})", keys
        ):
            ids[int(key[len(prefix) :])] = case_id
    missing = base - len(ids)
    if missing:
        raise RuntimeError(f"{missing} of the {base} base cases are not in the database")
    return [ids[n] for n in range(base)]


def _copies(
    key: bytes, seed: int, base_ids: list[str], have: int, target: int, per_owner: int
) -> list[tuple[str, ...]]:
    """(case id, base case id, owner hash, idempotency key) of copies have…target-1, by case id."""
    owners: dict[int, str] = {}
    rows: list[tuple[str, ...]] = []
    for n in range(have, target):
        base_id = base_ids[n % len(base_ids)]
        person = n // per_owner
        owner = owners.get(person)
        if owner is None:
            owners.clear()  # an owner's cases are consecutive numbers
            owner = owners[person] = str(lookup_hash(f"person:{owner_id_number(seed, person)}", key))
        rows.append((f"LB{base_id[2:10]}{_hex_part(seed, n)}", base_id, owner, f"{MARK}-{seed}-{n}"))
    rows.sort()
    return rows


def _columns(db: _Database, table: str) -> list[str]:
    if db.sqlite:
        return [row[1] for row in db.run(f"PRAGMA table_info({table})")]
    return [
        row[0]
        for row in db.run(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
    ]


def _select(table: str, columns: list[str]) -> str:
    """The copy's values: its own case id (and owner, key) and everything else of the base row."""
    own = {"case_id": "m.case_id"}
    if table == "cases":
        own |= {"owner": "m.owner", "actor": "m.owner", "idempotency_key": "m.idem", "case_no": "NULL"}
    return ", ".join(own.get(c, f"b.{c}") for c in columns)


def _prepare(db: _Database, base_ids: list[str]) -> dict[str, list[str]]:
    """The connection's temporary tables: the base cases' rows (indexed by case id) and the copies
    of a chunk; returns each table's columns."""
    temp = "TEMP" if db.sqlite else "TEMPORARY"
    db.run(
        f"CREATE {temp} TABLE bulk_copies (case_id VARCHAR(40), base_id VARCHAR(40), owner VARCHAR(100), "
        "idem VARCHAR(200))"
    )
    db.run(f"CREATE {temp} TABLE bulk_base_ids (case_id VARCHAR(40) PRIMARY KEY)")
    db.load("bulk_base_ids", [(c,) for c in base_ids])
    for table in TABLES:
        db.run(
            f"CREATE {temp} TABLE bulk_base_{table} AS SELECT * FROM {table} "
            "WHERE case_id IN (SELECT case_id FROM bulk_base_ids)"
        )
        db.run(f"CREATE INDEX ix_bulk_base_{table} ON bulk_base_{table} (case_id)")
        if not db.sqlite:
            db.run(f"ANALYZE bulk_base_{table}")
    return {t: _columns(db, t) for t in TABLES}


def _copy(db: _Database, chunk: list[tuple[str, ...]], columns: dict[str, list[str]]) -> None:
    """One chunk of copies, every table, in one transaction."""
    # SQLite scans the copies in the order they were loaded (CROSS JOIN keeps that table outside)
    source, order = (
        ("bulk_copies m CROSS JOIN", "") if db.sqlite else ("bulk_copies m JOIN", " ORDER BY m.case_id")
    )
    db.run("BEGIN")
    db.run("DELETE FROM bulk_copies")
    db.load("bulk_copies", chunk)
    if not db.sqlite:
        db.run("ANALYZE bulk_copies")
    for table in TABLES:  # the case rows first: the others refer to them
        cols = columns[table]
        db.run(
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {_select(table, cols)} "
            f"FROM {source} bulk_base_{table} b ON b.case_id = m.base_id{order}"
        )
    db.run("COMMIT")


def _lanes(engine: Engine, copies: int) -> int:
    """Connections copying at once: PostgreSQL one per core (up to four) for a large fill, each
    its own range of case ids; SQLite one (its writers take turns anyway)."""
    if engine.dialect.name == "sqlite" or copies < 4 * CHUNK:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def clone_cases(
    engine: Engine,
    *,
    seed: int,
    base: int,
    have: int,
    target: int,
    cases_per_owner: int,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Add generated cases have…target-1 as copies of base cases 0…base-1 (``have`` ≥ ``base``)."""
    if have >= target:
        return
    if base % cases_per_owner:
        raise ValueError("base must hold whole owners (a multiple of cases_per_owner)")
    engine.dispose()  # idle pooled connections would keep a SQLite file in WAL mode
    db = _Database(engine)
    try:
        base_ids = _base_ids(db, seed, base)
    finally:
        db.close()
    copies = _copies(lookup_key(engine), seed, base_ids, have, target, cases_per_owner)
    lanes = _lanes(engine, len(copies))
    share = -(-len(copies) // lanes)
    done = have
    counting = threading.Lock()

    def lane(part: list[tuple[str, ...]]) -> None:
        nonlocal done
        db = _Database(engine)
        try:
            columns = _prepare(db, base_ids)
            for first in range(0, len(part), CHUNK):
                chunk = part[first : first + CHUNK]
                _copy(db, chunk, columns)
                with counting:
                    done += len(chunk)
                    if progress is not None:
                        progress(done)
        finally:
            db.close()  # its temporary tables go with it

    with ThreadPoolExecutor(lanes, thread_name_prefix="bulk-copy") as pool:
        for finished in [pool.submit(lane, copies[i : i + share]) for i in range(0, len(copies), share)]:
            finished.result()


def unlogged(engine: Engine) -> list[str]:
    """PostgreSQL: the case tables of a database made for reading at scale become UNLOGGED —
    written without the write-ahead log (a million cases are ~20 GB of rows; the log doubles that
    and its checkpoints write it again), read exactly as a logged table is. Every table that refers
    to ``cases`` first (a logged table may not refer to an unlogged one), then ``cases``. Returns
    the tables changed; SQLite: none (its writes go without a journal, see :class:`_Database`)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.begin() as conn:
        referring = list(
            conn.exec_driver_sql(
                "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid = 'cases'::regclass ORDER BY 1"
            ).scalars()
        )
        for table in [*referring, "cases"]:
            conn.exec_driver_sql(f"ALTER TABLE {table} SET UNLOGGED")
    return [*referring, "cases"]
