"""A simulator's own store (its records, counters and exchange log) in one SQLite file.

The standard library's ``sqlite3`` rather than SQLAlchemy: a simulator owns one small file with
three tables, needs no migrations and must not share lianban's models (it plays a foreign system);
all store calls run on the simulator's event-loop thread, each a few microseconds, so one
connection and no pool is enough.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from lianban_sandbox.simulators.model import (
    SEQUENCE_ACCEPTED,
    SEQUENCE_DECIDED,
    Decision,
    RecordRequest,
    StoredRecord,
    china_now,
)

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS records (
    receipt_no TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_sha256 TEXT NOT NULL,
    item TEXT NOT NULL,
    case_id TEXT NOT NULL,
    employee INTEGER,
    payload TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    planned_decision TEXT NOT NULL,
    latency_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    accepted_at TEXT NOT NULL,
    reason TEXT,
    result TEXT,
    decided_at TEXT,
    callback_state TEXT NOT NULL DEFAULT 'none',
    process TEXT
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    direction TEXT NOT NULL,
    method TEXT NOT NULL,
    target TEXT NOT NULL,
    key_id TEXT,
    nonce TEXT,
    body_sha256 TEXT NOT NULL,
    status_code INTEGER
);
"""

_RECORD_COLUMNS = (
    "receipt_no, idempotency_key, request_sha256, item, case_id, employee, payload, callback_url, "
    "planned_decision, latency_ms, status, sequence, accepted_at, reason, result, decided_at, callback_state, "
    "process"
)


class SimulatorStore:
    """A simulator's own records, counters and exchange log in one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA_SQL)
        with contextlib.suppress(sqlite3.OperationalError):  # a store file from before the column
            self._db.execute("ALTER TABLE records ADD COLUMN process TEXT")

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @staticmethod
    def _row_to_record(row: tuple[Any, ...]) -> StoredRecord:
        return StoredRecord(
            receipt_no=row[0],
            idempotency_key=row[1],
            request_sha256=row[2],
            item=row[3],
            case_id=row[4],
            employee=row[5],
            payload=json.loads(row[6]),
            callback_url=row[7],
            planned_decision=row[8],
            latency_ms=row[9],
            status=row[10],
            sequence=row[11],
            accepted_at=row[12],
            reason=row[13],
            result=json.loads(row[14]) if row[14] is not None else None,
            decided_at=row[15],
            callback_state=row[16],
            process=json.loads(row[17]) if row[17] else {},
        )

    def _one(self, where: str, value: str) -> StoredRecord | None:
        row = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM records WHERE {where} = ?", (value,)
        ).fetchone()
        return None if row is None else self._row_to_record(row)

    def get(self, receipt_no: str) -> StoredRecord | None:
        return self._one("receipt_no", receipt_no)

    def find_by_key(self, idempotency_key: str) -> StoredRecord | None:
        return self._one("idempotency_key", idempotency_key)

    def unfinished(self) -> list[StoredRecord]:
        """Records still to be decided, or decided but whose callback was never acknowledged."""
        rows = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM records "
            "WHERE decided_at IS NULL OR callback_state = 'pending' ORDER BY accepted_at"
        ).fetchall()
        return [self._row_to_record(row) for row in rows]

    def insert(
        self,
        department: str,
        idempotency_key: str,
        request: RecordRequest,
        decision: Decision,
        latency_ms: int,
    ) -> StoredRecord:
        """Store a new record under the next receipt number of the day (受理回执号)."""
        now = china_now()
        day = now.strftime("%Y%m%d")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO counters(name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (f"receipt:{day}",),
            )
            (serial,) = db.execute(
                "SELECT value FROM counters WHERE name = ?", (f"receipt:{day}",)
            ).fetchone()
            record = StoredRecord(
                receipt_no=f"{department.upper()}-{day}-{serial:06d}",
                idempotency_key=idempotency_key,
                request_sha256=request.fingerprint(),
                item=request.item,
                case_id=request.case_id,
                employee=request.employee,
                payload=request.payload,
                callback_url=request.callback_url,
                planned_decision=decision,
                latency_ms=latency_ms,
                status="accepted",
                sequence=SEQUENCE_ACCEPTED,
                accepted_at=now.isoformat(timespec="milliseconds"),
                process=request.process(),
            )
            db.execute(
                f"INSERT INTO records ({_RECORD_COLUMNS}) VALUES ({', '.join('?' * 18)})",
                (
                    record.receipt_no,
                    record.idempotency_key,
                    record.request_sha256,
                    record.item,
                    record.case_id,
                    record.employee,
                    json.dumps(record.payload, ensure_ascii=False),
                    record.callback_url,
                    record.planned_decision,
                    record.latency_ms,
                    record.status,
                    record.sequence,
                    record.accepted_at,
                    None,
                    None,
                    None,
                    record.callback_state,
                    json.dumps(record.process, ensure_ascii=False),
                ),
            )
        return record

    def decide(
        self, receipt_no: str, status: str, reason: str | None, result: dict[str, Any] | None
    ) -> StoredRecord:
        decided_at = china_now().isoformat(timespec="milliseconds")
        self._db.execute(
            "UPDATE records SET status = ?, reason = ?, result = ?, sequence = ?, decided_at = ?, "
            "callback_state = 'pending' WHERE receipt_no = ?",
            (
                status,
                reason,
                None if result is None else json.dumps(result, ensure_ascii=False),
                SEQUENCE_DECIDED,
                decided_at,
                receipt_no,
            ),
        )
        record = self.get(receipt_no)
        if record is None:  # pragma: no cover - records are never deleted
            raise KeyError(receipt_no)
        return record

    def issue_interim(self, receipt_no: str, result: dict[str, Any]) -> StoredRecord:
        """The document issued at acceptance (调档函): on the record, the record still open."""
        self._db.execute(
            "UPDATE records SET result = ?, callback_state = 'interim' WHERE receipt_no = ?",
            (json.dumps(result, ensure_ascii=False), receipt_no),
        )
        record = self.get(receipt_no)
        if record is None:  # pragma: no cover - records are never deleted
            raise KeyError(receipt_no)
        return record

    def awaiting_document(self, number: str) -> StoredRecord | None:
        """The open record that issued the document numbered ``number`` at acceptance."""
        rows = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM records WHERE decided_at IS NULL AND result IS NOT NULL"
        ).fetchall()
        for row in rows:
            record = self._row_to_record(row)
            if (record.result or {}).get("number") == number:
                return record
        return None

    def set_callback_state(self, receipt_no: str, state: Literal["delivered", "failed"]) -> None:
        self._db.execute("UPDATE records SET callback_state = ? WHERE receipt_no = ?", (state, receipt_no))

    def bump(self, name: str, by: int = 1) -> None:
        self._db.execute(
            "INSERT INTO counters(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?",
            (name, by, by),
        )

    def counters(self) -> dict[str, int]:
        rows = self._db.execute("SELECT name, value FROM counters WHERE name NOT LIKE 'receipt:%'").fetchall()
        return {name: int(value) for name, value in rows}

    def count(self, table: Literal["records", "exchanges"], where: str = "1 = 1") -> int:
        (value,) = self._db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}").fetchone()
        return int(value)

    def log_exchange(
        self,
        direction: Literal["in", "out"],
        method: str,
        target: str,
        body_sha256: str,
        status_code: int | None,
        key_id: str | None = None,
        nonce: str | None = None,
    ) -> None:
        self._db.execute(
            "INSERT INTO exchanges(at, direction, method, target, key_id, nonce, body_sha256, status_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                china_now().isoformat(timespec="milliseconds"),
                direction,
                method,
                target,
                key_id,
                nonce,
                body_sha256,
                status_code,
            ),
        )

    def exchanges(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT at, direction, method, target, key_id, nonce, body_sha256, status_code "
            "FROM exchanges ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        names = ("at", "direction", "method", "target", "key_id", "nonce", "body_sha256", "status_code")
        return [dict(zip(names, row, strict=True)) for row in rows]
