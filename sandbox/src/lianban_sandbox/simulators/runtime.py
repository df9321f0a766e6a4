"""The state of one running simulator: authentication, idempotent acceptance, decisions after the latency and signed callbacks with retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from lianban.security.signing import (
    HEADER_KEY_ID,
    HEADER_NONCE,
    Keyring,
    NonceCache,
    SignatureError,
    content_sha256,
    sign_request,
    verify_request,
)
from lianban_sandbox.simulators.decisions import decision_reason, issued_result
from lianban_sandbox.simulators.model import (
    DECISION_STATUS,
    SEQUENCE_ACCEPTED,
    Behaviour,
    RecordRequest,
    StoredRecord,
    china_now,
)
from lianban_sandbox.simulators.store import SimulatorStore


def problem(
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


def url_target(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def request_target(request: Request) -> str:
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


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
                request_target(request),
                body,
                request.headers,
                max_skew_seconds=self.options.max_skew_seconds,
            )
        except SignatureError as exc:
            self.store.bump("refused_unauthorized")
            return problem(401, "unauthorized", "签名无效", str(exc))
        if self.nonces.seen(request.headers[HEADER_NONCE]):
            self.store.bump("refused_unauthorized")
            return problem(401, "replayed", "请求重放", "this nonce was already used")
        return None

    async def exchange(self, request: Request, handle: Callable[[bytes], Awaitable[Response]]) -> Response:
        """Run one handler and log the exchange (body hash, signer, status) in the store."""
        body = await request.body()
        response = await handle(body)
        if self._store is not None:
            self._store.log_exchange(
                "in",
                request.method,
                request_target(request),
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
                return problem(
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
            delay = min(record.latency_ms / 1000, max(0.0, (due - china_now()).total_seconds()))
        task = asyncio.get_running_loop().create_task(self._decide_later(record.receipt_no, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _decide_later(self, receipt_no: str, delay: float) -> None:
        await asyncio.sleep(delay)
        record = self.store.get(receipt_no)
        if record is None:
            return
        if record.decided_at is None and record.waits_for_arrival and record.planned_decision == "approve":
            # 档案接收: the 调档函 now; the record completes when the archive arrives (see _arrived)
            if record.result is None:
                record = self.store.issue_interim(
                    receipt_no, issued_result(self.department, record, china_now(), "acceptance")
                )
                if self.behaviour.callbacks:
                    await self._deliver(record.callback_url, self._callback_message(record))
            return
        if record.decided_at is None:
            decision = record.planned_decision
            decided = china_now()
            result = issued_result(self.department, record, decided) if decision == "approve" else None
            reason = decision_reason(self.department, decision, record.item)
            record = self.store.decide(receipt_no, DECISION_STATUS[decision], reason, result)
        if record.callback_state == "pending" and self.behaviour.callbacks:
            await self._send_decision(record)
        if record.status == "approved":
            await self._arrived(record)  # after its own word: the archive leaves, then arrives

    async def _arrived(self, sent: StoredRecord) -> None:
        """An item sent on with a document issued at another's acceptance is done (档案转出: the
        archive is on its way with its 转递通知单): the record that issued it completes (档案接收:
        the archive has arrived), keeping its document and noting the arrival."""
        for document in sent.process.get("documents", {}).values():
            waiting = self.store.awaiting_document(str(document.get("number", "")))
            if waiting is None or waiting.planned_decision != "approve":
                continue
            result = {
                **(waiting.result or {}),
                "completed_at": china_now().date().isoformat(),
                "after": {"item": sent.item, "number": (sent.result or {}).get("number")},
            }
            done = self.store.decide(waiting.receipt_no, "approved", None, result)
            if self.behaviour.callbacks:
                await self._send_decision(done)

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
        target = url_target(url)
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
