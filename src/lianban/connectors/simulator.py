"""Department simulators (模拟部门系统): one real HTTP service per department code, for the sandbox.

``lianban demo`` and the tests start one simulator per department (人社 ``hrss``, 社保经办
``social_insurance``, 医保 ``medical_insurance``, 税务 ``tax``, 公安 ``public_security``, 公积金
``housing_fund``, 人才/档案 ``archives``, 社保卡 ``social_card``) on loopback. Each is a FastAPI app
served by uvicorn in its own thread (or, through ``python -m lianban.connectors.simulator``, in its
own process) with its own SQLite file, and behaves like the department's business system as
lianban's ``rest`` connector reaches it:

``POST /records``
    Signed (``lianban.security.signing``; unsigned, forged or replayed → 401) and carrying an
    ``Idempotency-Key`` header. Body ``{"item", "case_id", "employee", "payload", "callback_url",
    "schema"?}``; the payload is validated against the JSON Schema given in the body, or else the
    one configured for the item at start-up (malformed → 422 problem details listing the errors).
    The same key again answers the same receipt and stores nothing (the same key with a different
    request → 409). Answers 202 ``{"receipt_no": "<DEPT>-YYYYMMDD-NNNNNN", "status": "accepted"}``.
    After ``latency_ms`` the department decides (approve / reject / correct) and POSTs a signed
    callback ``{"receipt_no", "idempotency_key", "status", "reason"?, "result"?, "sequence",
    "decided_at", ...}`` to ``callback_url``, retrying with exponential backoff until a 2xx or the
    attempt limit.
``GET /records/{receipt_no}``
    Signed; the record's current status, for polling.
``PUT /control`` / ``GET /control``
    Signed; the sandbox switches (partial updates): ``available``, ``decision``, ``latency_ms``,
    ``error_rate``, ``timeout_rate``, ``timeout_seconds``, ``duplicate_callbacks``,
    ``out_of_order_callbacks``.
``GET /stats``
    Signed; counters (records, duplicates refused, callbacks sent …).
``GET /healthz``
    Open; liveness.

Fault modes and their order on ``/records``: unavailable → 503 before anything else; then the
signature (401); then ``error_rate`` → 500 *before* anything is stored; then validation and
storage; then ``timeout_rate`` → the answer is held back ``timeout_seconds`` (default 30 s, longer
than any sane client timeout) *after* the record is stored and its decision scheduled. That is the
nasty realistic case: the client gives up, retries with the same idempotency key (signed afresh —
nonces are single-use) and must get the same receipt, while the callback still arrives. The stall
ends at once when the simulator stops. ``duplicate_callbacks`` sends each decision callback twice
(same body, each delivery signed afresh, as an at-least-once sender would); with
``out_of_order_callbacks`` an earlier status (``accepted``, sequence 1) follows the decision
(sequence 2). The decision and the latency are fixed when a record is accepted; the callback fault
modes apply to callbacks sent from then on.

Decisions and callbacks survive a restart: a record not yet decided, or decided but whose callback
was never acknowledged (``callback_state = 'pending'``), is picked up again when a simulator starts
on the same data directory.

Every exchange — each request received and each callback attempt sent — is written to the
simulator's ``exchanges`` table with the SHA-256 of its body, the key id and nonce that signed it,
and the status it got.

Storage is the standard library's ``sqlite3`` rather than SQLAlchemy: a simulator owns one small
file with three tables, needs no migrations and must not share lianban's models (it plays a
foreign system); all store calls run on the simulator's event-loop thread, each a few
microseconds, so one connection and no pool is enough.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
import re
import signal
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lianban.security.signing import (
    HEADER_KEY_ID,
    HEADER_NONCE,
    Keyring,
    NonceCache,
    SignatureError,
    SigningKey,
    content_sha256,
    sign_request,
    verify_request,
)

DEPARTMENTS: tuple[str, ...] = (
    "hrss",
    "social_insurance",
    "medical_insurance",
    "tax",
    "public_security",
    "housing_fund",
    "archives",
    "social_card",
)

DEPARTMENT_NAMES: dict[str, str] = {
    "hrss": "人社",
    "social_insurance": "社保经办",
    "medical_insurance": "医保",
    "tax": "税务",
    "public_security": "公安",
    "housing_fund": "公积金",
    "archives": "人才/档案",
    "social_card": "社保卡",
}

# What each department issues on approval: (document, label of its number).
_ISSUED: dict[str, tuple[str, str]] = {
    "hrss": ("就业创业证", "就业创业证编号"),
    "social_insurance": ("社会保险参保登记", "个人社保编号"),
    "medical_insurance": ("基本医疗保险参保登记", "医保个人编号"),
    "tax": ("税费申报回执", "税务文书号"),
    "public_security": ("准予迁入证明", "准予迁入证明编号"),
    "housing_fund": ("住房公积金个人账户", "公积金个人账号"),
    "archives": ("调档函", "调档函编号"),
    "social_card": ("社会保障卡", "社会保障卡号"),
}

CHINA_TZ = timezone(timedelta(hours=8))
Decision = Literal["approve", "reject", "correct"]
_DECISION_STATUS: dict[str, str] = {
    "approve": "approved",
    "reject": "rejected",
    "correct": "correction_required",
}
SEQUENCE_ACCEPTED = 1
SEQUENCE_DECIDED = 2

_DEPARTMENT_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")
_ID_KEY_HINTS = ("id_number", "idnumber", "aac002", "sfz", "id_no", "card_id")
MAX_IDEMPOTENCY_KEY = 200
START_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 15.0


def _now() -> datetime:
    return datetime.now(CHINA_TZ)


# ---------------------------------------------------------------------------------------------
# Behaviour (the sandbox switches)


@dataclass
class Behaviour:
    """How the simulated department behaves from now on (``PUT /control``)."""

    available: bool = True
    decision: Decision = "approve"
    latency_ms: int = 1000
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    duplicate_callbacks: bool = False
    out_of_order_callbacks: bool = False
    callbacks: bool = True  # False: a system that cannot call back; the platform polls its records

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ControlUpdate(BaseModel):
    """A partial update of :class:`Behaviour`; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    available: bool | None = None
    decision: Decision | None = None
    latency_ms: int | None = Field(default=None, ge=0, le=3_600_000)
    error_rate: float | None = Field(default=None, ge=0.0, le=1.0)
    timeout_rate: float | None = Field(default=None, ge=0.0, le=1.0)
    timeout_seconds: float | None = Field(default=None, gt=0.0, le=3600.0)
    duplicate_callbacks: bool | None = None
    out_of_order_callbacks: bool | None = None
    callbacks: bool | None = None

    def apply(self, behaviour: Behaviour) -> None:
        for name, value in self.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(behaviour, name, value)


class RecordRequest(BaseModel):
    """The envelope of ``POST /records``; the payload is in the department's own field names."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    item: str = Field(min_length=1, max_length=128)
    case_id: str = Field(min_length=1, max_length=128)
    employee: int | None = None
    payload: dict[str, Any]
    callback_url: str = Field(min_length=1, max_length=2048)
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")

    def fingerprint(self) -> str:
        """What makes two requests "the same" for an idempotency key (not the callback or schema)."""
        canonical = json.dumps(
            [self.item, self.case_id, self.employee, self.payload],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return content_sha256(canonical.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Store


@dataclass
class StoredRecord:
    receipt_no: str
    idempotency_key: str
    request_sha256: str
    item: str
    case_id: str
    employee: int | None
    payload: dict[str, Any]
    callback_url: str
    planned_decision: Decision
    latency_ms: int
    status: str
    sequence: int
    accepted_at: str
    reason: str | None = None
    result: dict[str, Any] | None = None
    decided_at: str | None = None
    callback_state: str = "none"  # none (undecided) → pending → delivered | failed

    def public(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "receipt_no": self.receipt_no,
            "idempotency_key": self.idempotency_key,
            "item": self.item,
            "case_id": self.case_id,
            "employee": self.employee,
            "status": self.status,
            "sequence": self.sequence,
            "accepted_at": self.accepted_at,
        }
        if self.reason is not None:
            answer["reason"] = self.reason
        if self.result is not None:
            answer["result"] = self.result
        if self.decided_at is not None:
            answer["decided_at"] = self.decided_at
        return answer


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
    callback_state TEXT NOT NULL DEFAULT 'none'
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
    "planned_decision, latency_ms, status, sequence, accepted_at, reason, result, decided_at, callback_state"
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
        now = _now()
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
            )
            db.execute(
                f"INSERT INTO records ({_RECORD_COLUMNS}) VALUES ({', '.join('?' * 17)})",
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
                ),
            )
        return record

    def decide(
        self, receipt_no: str, status: str, reason: str | None, result: dict[str, Any] | None
    ) -> StoredRecord:
        decided_at = _now().isoformat(timespec="milliseconds")
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
                _now().isoformat(timespec="milliseconds"),
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


# ---------------------------------------------------------------------------------------------
# Decisions


def find_id_number(payload: Any) -> str | None:
    """The first resident ID number (公民身份号码) in a payload, preferring keys that name one."""
    found: list[tuple[int, str]] = []

    def walk(node: Any, key: str) -> None:
        if isinstance(node, dict):
            for child_key, child in node.items():
                walk(child, str(child_key))
        elif isinstance(node, list):
            for child in node:
                walk(child, key)
        elif isinstance(node, str) and _RESIDENT_ID.match(node):
            hinted = any(hint in key.lower() for hint in _ID_KEY_HINTS)
            found.append((0 if hinted else 1, node.upper()))

    walk(payload, "")
    if not found:
        return None
    return min(found, key=lambda pair: pair[0])[1]


def _serial(receipt_no: str, digits: int) -> str:
    value = int(hashlib.sha256(receipt_no.encode("utf-8")).hexdigest()[:12], 16) % (10**digits)
    return f"{value:0{digits}d}"


def issued_result(department: str, record: StoredRecord, decided: datetime) -> dict[str, Any]:
    """What an approval issues (办结结果): a document and its number, deterministic per receipt."""
    document, label = _ISSUED.get(department, ("办结通知书", "文书编号"))
    id_number = find_id_number(record.payload)
    region = id_number[:6] if id_number else "420100"
    year = decided.strftime("%Y")
    if department == "social_card" and id_number:
        number = id_number  # the social security card number is the holder's ID number
    elif department == "hrss":
        number = f"{region}{year}{_serial(record.receipt_no, 8)}"
    elif department == "archives":
        number = f"调档〔{year}〕{_serial(record.receipt_no, 6)}号"
    else:
        number = f"{department.upper()[:4]}{region}{_serial(record.receipt_no, 10)}"
    return {
        "document": document,
        "number_label": label,
        "number": number,
        "issued_at": decided.date().isoformat(),
        "issuer": DEPARTMENT_NAMES.get(department, department),
    }


def decision_reason(department: str, decision: Decision, item: str) -> str | None:
    name = DEPARTMENT_NAMES.get(department, department)
    if decision == "reject":
        return f"{name}审核不予通过：申请信息与部门业务库比对不一致（模拟部门系统，事项 {item}）"
    if decision == "correct":
        return f"{name}要求补正：请补充或更正申请材料后重新提交（模拟部门系统，事项 {item}）"
    return None


# ---------------------------------------------------------------------------------------------
# The service


def _problem(
    status: int, code: str, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> Response:
    content: dict[str, Any] = {
        "type": f"urn:lianban:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        content["errors"] = errors
    headers = {"WWW-Authenticate": 'LianbanHMAC realm="department"'} if status == 401 else None
    return JSONResponse(content, status_code=status, media_type="application/problem+json", headers=headers)


def _target(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _request_target(request: Request) -> str:
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def _schema_errors(schema: dict[str, Any], payload: dict[str, Any]) -> list[dict[str, str]]:
    """The payload's violations of a JSON Schema, as problem-detail errors (empty when valid)."""
    validator_cls = validator_for(schema, default=Draft202012Validator)
    try:
        validator_cls.check_schema(schema)
    except SchemaError as exc:
        return [{"field": "schema", "code": "schema", "message": f"invalid JSON Schema: {exc.message}"}]
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    try:
        violations = sorted(validator.iter_errors(payload), key=lambda err: list(map(str, err.absolute_path)))
    except Exception as exc:  # an unresolvable $ref and the like: the schema is at fault, not the server
        return [{"field": "schema", "code": "schema", "message": f"schema cannot be applied: {exc}"}]
    return [
        {
            "field": ".".join(["payload", *(str(part) for part in err.absolute_path)]),
            "code": str(err.validator),
            "message": err.message,
        }
        for err in violations
    ]


@dataclass
class SimulatorOptions:
    """Start-up settings of one simulator that ``PUT /control`` does not change."""

    schemas: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    seed: int | None = None
    callback_max_attempts: int = 6
    callback_backoff_seconds: float = 0.1
    callback_timeout_seconds: float = 5.0
    max_skew_seconds: int = 300


class SimulatorRuntime:
    """The state of one running simulator; everything here runs on its event-loop thread."""

    def __init__(
        self,
        department: str,
        store_path: Path,
        keyring: Keyring,
        behaviour: Behaviour,
        options: SimulatorOptions,
    ) -> None:
        self.department = department
        self.store_path = store_path
        self.keyring = keyring
        self.behaviour = behaviour
        self.options = options
        self.rng = random.Random(options.seed)
        self.nonces = NonceCache(ttl_seconds=2 * options.max_skew_seconds + 60)
        self._store: SimulatorStore | None = None
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def store(self) -> SimulatorStore:
        if self._store is None:
            raise RuntimeError("simulator is not running")
        return self._store

    # -- life cycle ----------------------------------------------------------------------------

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._store = SimulatorStore(self.store_path)
        self._client = httpx.AsyncClient(timeout=self.options.callback_timeout_seconds, trust_env=False)
        for record in self._store.unfinished():  # work cut short when the simulator last stopped
            self._schedule(record)

    async def close(self) -> None:
        self.begin_shutdown()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
        if self._store is not None:
            self._store.close()
            self._store = None

    def begin_shutdown(self) -> None:
        """End stalls and cancel pending decisions (they are re-scheduled at the next start)."""
        if self._stopping is not None:
            self._stopping.set()
        for task in list(self._tasks):
            task.cancel()

    def request_shutdown(self) -> None:
        """:meth:`begin_shutdown` from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(self.begin_shutdown)

    @property
    def stopping(self) -> bool:
        return self._stopping is not None and self._stopping.is_set()

    # -- requests ------------------------------------------------------------------------------

    def roll(self, rate: float) -> bool:
        return rate > 0.0 and self.rng.random() < rate

    async def stall(self) -> None:
        """Hold an answer back past the client's timeout; ends early when the simulator stops."""
        if self._stopping is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=self.behaviour.timeout_seconds)

    def authenticate(self, request: Request, body: bytes) -> Response | None:
        """None when the request is signed by a key of the keyring and not a replay; else a 401."""
        try:
            verify_request(
                self.keyring,
                request.method,
                _request_target(request),
                body,
                request.headers,
                max_skew_seconds=self.options.max_skew_seconds,
            )
        except SignatureError as exc:
            self.store.bump("refused_unauthorized")
            return _problem(401, "unauthorized", "签名无效", str(exc))
        if self.nonces.seen(request.headers[HEADER_NONCE]):
            self.store.bump("refused_unauthorized")
            return _problem(401, "replayed", "请求重放", "this nonce was already used")
        return None

    async def exchange(self, request: Request, handle: Callable[[bytes], Awaitable[Response]]) -> Response:
        """Run one handler and log the exchange (body hash, signer, status) in the store."""
        body = await request.body()
        response = await handle(body)
        if self._store is not None:
            self._store.log_exchange(
                "in",
                request.method,
                _request_target(request),
                content_sha256(body),
                response.status_code,
                key_id=request.headers.get(HEADER_KEY_ID),
                nonce=request.headers.get(HEADER_NONCE),
            )
        return response

    def accept(self, idempotency_key: str, request: RecordRequest) -> tuple[StoredRecord, bool] | Response:
        """Store a new record, or find the one this idempotency key already made (→ duplicate)."""
        existing = self.store.find_by_key(idempotency_key)
        if existing is not None:
            if existing.request_sha256 != request.fingerprint():
                return _problem(
                    409,
                    "idempotency_conflict",
                    "幂等键冲突",
                    "this Idempotency-Key was used for a different request",
                )
            self.store.bump("duplicates_refused")
            return existing, True
        record = self.store.insert(
            self.department,
            idempotency_key,
            request,
            self.behaviour.decision,
            self.behaviour.latency_ms,
        )
        self._schedule(record, record.latency_ms / 1000)
        return record, False

    # -- decisions and callbacks -----------------------------------------------------------------

    def _schedule(self, record: StoredRecord, delay: float | None = None) -> None:
        """Decide (and call back) after ``delay`` seconds; by default when the latency runs out."""
        if self.stopping:
            return
        if delay is None:
            due = datetime.fromisoformat(record.accepted_at) + timedelta(milliseconds=record.latency_ms)
            delay = min(record.latency_ms / 1000, max(0.0, (due - _now()).total_seconds()))
        task = asyncio.get_running_loop().create_task(self._decide_later(record.receipt_no, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _decide_later(self, receipt_no: str, delay: float) -> None:
        await asyncio.sleep(delay)
        record = self.store.get(receipt_no)
        if record is None:
            return
        if record.decided_at is None:
            decision = record.planned_decision
            decided = _now()
            result = issued_result(self.department, record, decided) if decision == "approve" else None
            reason = decision_reason(self.department, decision, record.item)
            record = self.store.decide(receipt_no, _DECISION_STATUS[decision], reason, result)
        if record.callback_state == "pending" and self.behaviour.callbacks:
            await self._send_decision(record)

    async def _send_decision(self, record: StoredRecord) -> None:
        """The decision callback (kept pending in the store until acknowledged), plus fault-mode extras."""
        message = self._callback_message(record)
        acknowledged = await self._deliver(record.callback_url, message)
        self.store.set_callback_state(record.receipt_no, "delivered" if acknowledged else "failed")
        if self.behaviour.duplicate_callbacks:
            await self._deliver(record.callback_url, message)
        if self.behaviour.out_of_order_callbacks:
            stale = self._callback_message(record)
            stale.update(status="accepted", sequence=SEQUENCE_ACCEPTED, decided_at=record.accepted_at)
            for name in ("reason", "result"):
                stale.pop(name, None)
            await self._deliver(record.callback_url, stale)

    def _callback_message(self, record: StoredRecord) -> dict[str, Any]:
        message: dict[str, Any] = {
            "receipt_no": record.receipt_no,
            "idempotency_key": record.idempotency_key,
            "department": self.department,
            "item": record.item,
            "case_id": record.case_id,
            "employee": record.employee,
            "status": record.status,
            "sequence": record.sequence,
            "decided_at": record.decided_at or record.accepted_at,
        }
        if record.reason is not None:
            message["reason"] = record.reason
        if record.result is not None:
            message["result"] = record.result
        return message

    async def _deliver(self, url: str, message: dict[str, Any]) -> bool:
        """POST one signed callback, retrying with exponential backoff and jitter until a 2xx."""
        if self._client is None:
            return False
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        target = _target(url)
        digest = content_sha256(body)
        for attempt in range(self.options.callback_max_attempts):
            headers = sign_request(self.keyring, "POST", target, body)  # afresh: nonces are single-use
            headers["Content-Type"] = "application/json; charset=utf-8"
            status: int | None
            try:
                response = await self._client.post(url, content=body, headers=headers)
                status = response.status_code
            except httpx.HTTPError:
                status = None
            self.store.bump("callback_attempts")
            self.store.log_exchange(
                "out", "POST", url, digest, status, key_id=headers[HEADER_KEY_ID], nonce=headers[HEADER_NONCE]
            )
            if status is not None and 200 <= status < 300:
                self.store.bump("callbacks_sent")
                return True
            if attempt + 1 < self.options.callback_max_attempts:
                backoff = self.options.callback_backoff_seconds * (2**attempt)
                await asyncio.sleep(min(backoff, 30.0) * (0.5 + self.rng.random() / 2))
        self.store.bump("callbacks_failed")
        return False

    def stats(self) -> dict[str, Any]:
        counters = self.store.counters()
        return {
            "department": self.department,
            "records": self.store.count("records"),
            "decided": self.store.count("records", "decided_at IS NOT NULL"),
            "duplicates_refused": counters.get("duplicates_refused", 0),
            "callbacks_sent": counters.get("callbacks_sent", 0),
            "callback_attempts": counters.get("callback_attempts", 0),
            "callbacks_failed": counters.get("callbacks_failed", 0),
            "refused_unavailable": counters.get("refused_unavailable", 0),
            "refused_unauthorized": counters.get("refused_unauthorized", 0),
            "refused_invalid": counters.get("refused_invalid", 0),
            "injected_errors": counters.get("injected_errors", 0),
            "injected_timeouts": counters.get("injected_timeouts", 0),
            "exchanges": self.store.count("exchanges"),
        }


def _validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in err["loc"]) or "body",
            "code": err["type"],
            "message": err["msg"],
        }
        for err in exc.errors()
    ]


def create_simulator_app(runtime: SimulatorRuntime) -> FastAPI:
    """The department system's HTTP API around one runtime."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.open()
        try:
            yield
        finally:
            await runtime.close()

    name = DEPARTMENT_NAMES.get(runtime.department, runtime.department)
    app = FastAPI(
        title=f"模拟部门系统 — {name} ({runtime.department})",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )

    def unavailable() -> Response:
        runtime.store.bump("refused_unavailable")
        return _problem(503, "unavailable", "部门系统不可用", f"{name} system is unavailable (sandbox)")

    def injected_error() -> Response:
        runtime.store.bump("injected_errors")
        return _problem(
            500, "injected_error", "部门系统内部错误", "simulated internal error (sandbox fault mode)"
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "department": runtime.department, "available": runtime.behaviour.available}

    @app.post("/records")
    async def create_record(request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            if not runtime.behaviour.available:
                return unavailable()
            refused = runtime.authenticate(request, body)
            if refused is not None:
                return refused
            if runtime.roll(runtime.behaviour.error_rate):
                return injected_error()
            key = request.headers.get("Idempotency-Key", "").strip()
            if not key or len(key) > MAX_IDEMPOTENCY_KEY:
                runtime.store.bump("refused_invalid")
                return _problem(
                    400,
                    "idempotency_key_required",
                    "缺少幂等键",
                    f"an Idempotency-Key header of 1..{MAX_IDEMPOTENCY_KEY} characters is required",
                )
            try:
                parsed = RecordRequest.model_validate_json(body)
            except ValidationError as exc:
                runtime.store.bump("refused_invalid")
                return _problem(
                    422,
                    "invalid_request",
                    "请求格式错误",
                    "the request body is malformed",
                    _validation_errors(exc),
                )
            callback = urlsplit(parsed.callback_url)
            errors: list[dict[str, str]] = []
            if callback.scheme not in ("http", "https") or not callback.hostname:
                errors.append(
                    {
                        "field": "callback_url",
                        "code": "format",
                        "message": "callback_url must be an http(s) URL",
                    }
                )
            schema = (
                parsed.json_schema
                if parsed.json_schema is not None
                else runtime.options.schemas.get(parsed.item)
            )
            if schema is not None:
                errors.extend(_schema_errors(schema, parsed.payload))
            if errors:
                runtime.store.bump("refused_invalid")
                return _problem(
                    422,
                    "invalid_payload",
                    "数据项不符合部门接口规范",
                    "the payload does not match the schema",
                    errors,
                )
            outcome = runtime.accept(key, parsed)
            if isinstance(outcome, Response):
                return outcome
            record, duplicate = outcome
            if runtime.roll(runtime.behaviour.timeout_rate):
                runtime.store.bump("injected_timeouts")
                await runtime.stall()
            return JSONResponse(
                {"receipt_no": record.receipt_no, "status": "accepted", "duplicate": duplicate},
                status_code=202,
            )

        return await runtime.exchange(request, handle)

    @app.get("/records/{receipt_no}")
    async def get_record(receipt_no: str, request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            if not runtime.behaviour.available:
                return unavailable()
            refused = runtime.authenticate(request, body)
            if refused is not None:
                return refused
            if runtime.roll(runtime.behaviour.error_rate):
                return injected_error()
            record = runtime.store.get(receipt_no)
            if record is None:
                return _problem(404, "not_found", "无此受理记录", f"no record {receipt_no}")
            if runtime.roll(runtime.behaviour.timeout_rate):
                runtime.store.bump("injected_timeouts")
                await runtime.stall()
            return JSONResponse(record.public())

        return await runtime.exchange(request, handle)

    @app.get("/control")
    async def get_control(request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            refused = runtime.authenticate(request, body)
            return refused if refused is not None else JSONResponse(runtime.behaviour.as_dict())

        return await runtime.exchange(request, handle)

    @app.put("/control")
    async def put_control(request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            refused = runtime.authenticate(request, body)
            if refused is not None:
                return refused
            try:
                update = ControlUpdate.model_validate_json(body)
            except ValidationError as exc:
                return _problem(
                    422,
                    "invalid_control",
                    "设置无效",
                    "the control settings are invalid",
                    _validation_errors(exc),
                )
            update.apply(runtime.behaviour)
            return JSONResponse(runtime.behaviour.as_dict())

        return await runtime.exchange(request, handle)

    @app.get("/stats")
    async def stats(request: Request) -> Response:
        async def handle(body: bytes) -> Response:
            refused = runtime.authenticate(request, body)
            return refused if refused is not None else JSONResponse(runtime.stats())

        return await runtime.exchange(request, handle)

    return app


# ---------------------------------------------------------------------------------------------
# Python API: one simulator, the fleet


class SimulatorError(RuntimeError):
    """A simulator that would not start, or a control call it refused."""


class DepartmentSimulator:
    """One department's simulated system, served on loopback in a thread of this process."""

    def __init__(
        self,
        department: str,
        data_dir: Path,
        keyring: Keyring,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        behaviour: Behaviour | None = None,
        schemas: Mapping[str, dict[str, Any]] | None = None,
        seed: int | None = None,
        callback_max_attempts: int = 6,
        callback_backoff_seconds: float = 0.1,
    ) -> None:
        if not _DEPARTMENT_CODE.match(department):
            raise ValueError(f"not a department code: {department!r}")
        if callback_max_attempts < 1:
            raise ValueError("callback_max_attempts must be at least 1")
        self.department = department
        self.keyring = keyring
        self.host = host
        self.port = port
        self.runtime = SimulatorRuntime(
            department,
            Path(data_dir) / f"{department}.sqlite3",
            keyring,
            behaviour or Behaviour(),
            SimulatorOptions(
                schemas=dict(schemas or {}),
                seed=seed,
                callback_max_attempts=callback_max_attempts,
                callback_backoff_seconds=callback_backoff_seconds,
            ),
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise SimulatorError(f"simulator {self.department} is not started")
        return self._url

    @property
    def store_path(self) -> Path:
        return self.runtime.store_path

    def _launch(self) -> None:
        """Bind the port and start serving in a thread, without waiting."""
        if self._thread is not None:
            return
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        port = int(sock.getsockname()[1])
        shown_host = f"[{self.host}]" if family == socket.AF_INET6 else self.host
        self._url = f"http://{shown_host}:{port}"
        config = uvicorn.Config(
            create_simulator_app(self.runtime),
            lifespan="on",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"simulator-{self.department}",
            daemon=True,
        )
        self._thread.start()

    def _wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            raise SimulatorError("simulator was not launched")
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise SimulatorError(f"simulator {self.department} did not start")
            time.sleep(0.01)
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise SimulatorError(f"simulator {self.department} does not answer")
                time.sleep(0.02)

    def start(self) -> str:
        """Serve, wait until ``/healthz`` answers, and return the base URL."""
        self._launch()
        self._wait_ready()
        return self.url

    def _signal_stop(self) -> None:
        """Ask the server to stop (stalled answers end, pending decisions are cancelled); no wait."""
        if self._server is not None:
            self.runtime.request_shutdown()
            self._server.should_exit = True

    def stop(self) -> None:
        """Stop serving: ends stalled answers and pending decisions, then joins the thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._signal_stop()
        thread.join(STOP_TIMEOUT_SECONDS)
        if thread.is_alive():  # pragma: no cover - only when a handler ignores cancellation
            server.force_exit = True
            thread.join(STOP_TIMEOUT_SECONDS)
        self._server = None
        self._thread = None
        self._url = None

    def __enter__(self) -> DepartmentSimulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _signed(self, method: str, path: str, payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = sign_request(self.keyring, method, path, body)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        with httpx.Client(timeout=10.0, trust_env=False) as client:
            response = client.request(method, f"{self.url}{path}", content=body, headers=headers)
        if response.status_code != 200:
            raise SimulatorError(f"{method} {path} → {response.status_code}: {response.text}")
        answer: dict[str, Any] = response.json()
        return answer

    def control(self, **settings: Any) -> dict[str, Any]:
        """Change the behaviour (``available``, ``decision``, ``latency_ms``, fault modes); returns it all."""
        update = ControlUpdate.model_validate(settings)
        return self._signed("PUT", "/control", update.model_dump(exclude_unset=True))

    def behaviour(self) -> dict[str, Any]:
        return self._signed("GET", "/control")

    def stats(self) -> dict[str, Any]:
        return self._signed("GET", "/stats")


class SimulatorFleet:
    """One simulator per department, each with its own port and SQLite file under ``data_dir``."""

    def __init__(
        self,
        departments: Sequence[str] = DEPARTMENTS,
        data_dir: Path | None = None,
        keyring: Keyring | None = None,
        host: str = "127.0.0.1",
        **options: Any,
    ) -> None:
        if data_dir is None or keyring is None:
            raise TypeError("SimulatorFleet needs data_dir and keyring")
        if len(set(departments)) != len(departments):
            raise ValueError("each department may appear once")
        self.keyring = keyring
        self.simulators: dict[str, DepartmentSimulator] = {
            dept: DepartmentSimulator(dept, Path(data_dir), keyring, host, 0, **options)
            for dept in departments
        }

    def start(self) -> dict[str, str]:
        """Start every simulator (all bind first, then all are awaited) and return their URLs."""
        try:
            for simulator in self.simulators.values():
                simulator._launch()
            for simulator in self.simulators.values():
                simulator._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.urls()

    def stop(self) -> None:
        for simulator in self.simulators.values():
            simulator._signal_stop()  # all at once, so the shutdowns overlap
        for simulator in self.simulators.values():
            simulator.stop()

    def urls(self) -> dict[str, str]:
        return {dept: simulator.url for dept, simulator in self.simulators.items()}

    def __getitem__(self, department: str) -> DepartmentSimulator:
        return self.simulators[department]

    def control(self, department: str, **settings: Any) -> dict[str, Any]:
        return self.simulators[department].control(**settings)

    def stats(self, department: str) -> dict[str, Any]:
        return self.simulators[department].stats()

    def __enter__(self) -> SimulatorFleet:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# Entry point: python -m lianban.connectors.simulator


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lianban.connectors.simulator",
        description="Run one simulated department system on loopback until SIGTERM/SIGINT.",
    )
    parser.add_argument("--department", required=True, help="department code, e.g. hrss")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--secret", required=True, help="the shared HMAC secret, hex")
    parser.add_argument(
        "--previous-key",
        action="append",
        default=[],
        metavar="KEY_ID:HEX",
        help="a previous key still accepted (repeatable)",
    )
    parser.add_argument("--latency-ms", type=int, default=Behaviour.latency_ms)
    parser.add_argument("--decision", choices=("approve", "reject", "correct"), default="approve")
    parser.add_argument("--timeout-seconds", type=float, default=Behaviour.timeout_seconds)
    parser.add_argument("--seed", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    previous = []
    for spec in args.previous_key:
        key_id, _, secret_hex = spec.partition(":")
        previous.append(SigningKey.from_hex(key_id, secret_hex))
    keyring = Keyring(SigningKey.from_hex(args.key_id, args.secret), previous)
    behaviour = Behaviour(
        latency_ms=args.latency_ms, decision=args.decision, timeout_seconds=args.timeout_seconds
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    simulator = DepartmentSimulator(
        args.department, args.data_dir, keyring, args.host, args.port, behaviour=behaviour, seed=args.seed
    )
    url = simulator.start()
    try:
        print(url, flush=True)
        while not stop.wait(0.5):
            if simulator._thread is None or not simulator._thread.is_alive():
                print("simulator stopped unexpectedly", file=sys.stderr, flush=True)
                return 1
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
