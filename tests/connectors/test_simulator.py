"""Department simulators over real HTTP on loopback: signed records, receipts, callbacks, fault modes."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from lianban.security.department_keys import DepartmentKeys
from lianban.security.signing import (
    HEADER_NONCE,
    Keyring,
    NonceCache,
    SignatureError,
    SigningKey,
    sign_request,
    verify_request,
)
from lianban_sandbox.simulators import (
    DEPARTMENTS,
    Behaviour,
    DepartmentSimulator,
    SimulatorError,
    SimulatorFleet,
    SimulatorStore,
    find_id_number,
)

ID_NUMBER = "420102200001011234"

# The hrss system's own schema for 个人就业登记 (field names after 拆分还原).
EMPLOYMENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["AAC002", "AAC003", "AAC004", "graduation_date"],
    "properties": {
        "AAC002": {"type": "string", "pattern": r"^\d{17}[\dX]$"},
        "AAC003": {"type": "string", "minLength": 1},
        "AAC004": {"enum": ["1", "2", "9"]},
        "graduation_date": {"type": "string", "format": "date"},
        "school_name": {"type": "string"},
    },
}

GRADUATE_PAYLOAD: dict[str, Any] = {
    "AAC002": ID_NUMBER,
    "AAC003": "李明",
    "AAC004": "1",
    "graduation_date": "2025-06-30",
    "school_name": "武汉大学",
    "work_description": "灵活就业（网约配送）",
}


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


class CallbackReceiver:
    """A tiny department-callback endpoint on loopback that checks signatures and records calls."""

    def __init__(self, keyring: Keyring, fail_first: int = 0) -> None:
        self.keyring = keyring
        self.fail_first = fail_first
        self.calls: list[dict[str, Any]] = []
        self.refused = 0
        self.nonces = NonceCache()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.receive(self.path, body, {k: v for k, v in self.headers.items()})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/connectors/hrss/callback"

    def receive(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        with self._lock:
            try:
                verify_request(self.keyring, "POST", path, body, headers)
            except SignatureError:
                self.refused += 1
                return 401
            if self.nonces.seen(headers[HEADER_NONCE]):
                self.refused += 1
                return 401
            if self.fail_first > 0:
                self.fail_first -= 1
                return 503
            self.calls.append(json.loads(body))
            return 200

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        wait_until(lambda: len(self.calls) >= count, timeout)
        with self._lock:
            return list(self.calls)

    def __enter__(self) -> CallbackReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture(autouse=True)
def no_simulator_left_running() -> Iterator[None]:
    yield
    left = [t.name for t in threading.enumerate() if t.name.startswith("simulator-")]
    assert left == [], f"simulator threads still running: {left}"


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(SigningKey("sandbox-1", b"s" * 32))


@pytest.fixture
def receiver(keyring: Keyring) -> Iterator[CallbackReceiver]:
    with CallbackReceiver(keyring) as rec:
        yield rec


@pytest.fixture
def hrss(tmp_path: Path, keyring: Keyring) -> Iterator[DepartmentSimulator]:
    sim = DepartmentSimulator(
        "hrss",
        tmp_path / "sim",
        keyring,
        behaviour=Behaviour(latency_ms=50),
        schemas={"employment_registration": EMPLOYMENT_SCHEMA},
        seed=7,
        callback_backoff_seconds=0.02,
    )
    with sim:
        yield sim


def record_body(
    receiver: CallbackReceiver, payload: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "item": "employment_registration",
        "case_id": "case-2025-0001",
        "employee": None,
        "payload": GRADUATE_PAYLOAD if payload is None else payload,
        "callback_url": receiver.url,
        **extra,
    }


def post_record(
    base_url: str,
    keyring: Keyring | None,
    body: dict[str, Any],
    key: str | None = None,
    timeout: float = 5.0,
) -> httpx.Response:
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": key or str(uuid.uuid4())}
    if keyring is not None:
        headers.update(sign_request(keyring, "POST", "/records", raw))
    return httpx.post(f"{base_url}/records", content=raw, headers=headers, timeout=timeout)


def signed_get(base_url: str, keyring: Keyring, path: str) -> httpx.Response:
    return httpx.get(f"{base_url}{path}", headers=sign_request(keyring, "GET", path, b""), timeout=5)


def test_graduate_employment_registration_gets_receipt_and_signed_approval(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    response = post_record(hrss.url, keyring, record_body(receiver))
    assert response.status_code == 202
    answer = response.json()
    assert answer["status"] == "accepted"
    receipt = answer["receipt_no"]
    assert receipt.startswith("HRSS-") and len(receipt.split("-")[1]) == 8 and len(receipt.split("-")[2]) == 6

    (callback,) = receiver.wait_for(1)
    assert receiver.refused == 0
    assert callback["receipt_no"] == receipt
    assert callback["status"] == "approved"
    assert callback["sequence"] == 2
    assert callback["idempotency_key"]
    assert callback["decided_at"]
    result = callback["result"]
    assert result["document"] == "就业创业证"
    assert result["number"].startswith(ID_NUMBER[:6])

    polled = signed_get(hrss.url, keyring, f"/records/{receipt}")
    assert polled.status_code == 200
    assert polled.json()["status"] == "approved"
    stats = hrss.stats()
    assert stats["records"] == 1 and stats["callbacks_sent"] == 1
    # Every exchange is logged with its body hash.
    with_store = SimulatorStore(hrss.store_path)
    try:
        logged = with_store.exchanges()
    finally:
        with_store.close()
    assert any(row["direction"] == "out" and row["status_code"] == 200 for row in logged)
    assert all(len(row["body_sha256"]) == 64 for row in logged)


def test_same_idempotency_key_gives_same_receipt_and_one_record(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    body = record_body(receiver)
    first = post_record(hrss.url, keyring, body, key="case-2025-0001:employment_registration")
    second = post_record(hrss.url, keyring, body, key="case-2025-0001:employment_registration")
    assert first.status_code == second.status_code == 202
    assert first.json()["receipt_no"] == second.json()["receipt_no"]
    assert second.json()["duplicate"] is True
    stats = hrss.stats()
    assert stats["records"] == 1
    assert stats["duplicates_refused"] == 1
    receiver.wait_for(1)

    changed = record_body(receiver, {**GRADUATE_PAYLOAD, "AAC003": "王芳"})
    conflict = post_record(hrss.url, keyring, changed, key="case-2025-0001:employment_registration")
    assert conflict.status_code == 409


def test_unsigned_forged_and_replayed_requests_are_refused(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    assert post_record(hrss.url, None, record_body(receiver)).status_code == 401
    forger = Keyring(SigningKey("sandbox-1", b"f" * 32))
    assert post_record(hrss.url, forger, record_body(receiver)).status_code == 401

    raw = json.dumps(record_body(receiver)).encode()
    headers = {"Idempotency-Key": "k-replay", **sign_request(keyring, "POST", "/records", raw)}
    assert httpx.post(f"{hrss.url}/records", content=raw, headers=headers).status_code == 202
    replay = httpx.post(f"{hrss.url}/records", content=raw, headers=headers)
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("replayed")
    assert httpx.get(f"{hrss.url}/stats").status_code == 401
    assert hrss.stats()["records"] == 1


def test_malformed_payload_is_refused_with_the_schema_errors(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    bad = {**GRADUATE_PAYLOAD, "AAC002": "12345", "AAC004": "男"}
    del bad["AAC003"]
    response = post_record(hrss.url, keyring, record_body(receiver, bad))
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {(err["field"], err["code"]) for err in problem["errors"]}
    assert ("payload.AAC002", "pattern") in fields
    assert ("payload.AAC004", "enum") in fields
    assert ("payload", "required") in fields

    # A schema sent in the body applies to an item without a start-up schema.
    inline = record_body(
        receiver,
        {"amount": "many"},
        item="other_item",
        schema={"type": "object", "properties": {"amount": {"type": "integer"}}},
    )
    inline_answer = post_record(hrss.url, keyring, inline)
    assert inline_answer.status_code == 422
    assert inline_answer.json()["errors"][0]["field"] == "payload.amount"

    no_payload = {k: v for k, v in record_body(receiver).items() if k != "payload"}
    assert post_record(hrss.url, keyring, no_payload).status_code == 422
    assert hrss.stats()["records"] == 0


def test_unavailable_department_answers_503(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    assert hrss.control(available=False)["available"] is False
    assert post_record(hrss.url, keyring, record_body(receiver)).status_code == 503
    assert signed_get(hrss.url, keyring, "/records/HRSS-20250101-000001").status_code == 503
    hrss.control(available=True)
    assert post_record(hrss.url, keyring, record_body(receiver)).status_code == 202
    assert hrss.stats()["records"] == 1


def test_reject_decision_calls_back_rejected_with_reason(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    settings = hrss.control(decision="reject", latency_ms=20)
    assert settings["decision"] == "reject" and settings["latency_ms"] == 20 and settings["available"] is True
    assert post_record(hrss.url, keyring, record_body(receiver)).status_code == 202
    (callback,) = receiver.wait_for(1)
    assert callback["status"] == "rejected"
    assert "不予通过" in callback["reason"]
    assert "result" not in callback

    hrss.control(decision="correct")
    post_record(hrss.url, keyring, record_body(receiver))
    assert receiver.wait_for(2)[1]["status"] == "correction_required"


def test_duplicate_callbacks_deliver_the_same_callback_twice(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    hrss.control(duplicate_callbacks=True)
    post_record(hrss.url, keyring, record_body(receiver))
    first, second = receiver.wait_for(2)
    assert first == second
    assert receiver.refused == 0  # each delivery is signed afresh, so neither is a replay
    wait_until(lambda: hrss.stats()["callbacks_sent"] == 2)


def test_out_of_order_callback_arrives_after_the_decision(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    hrss.control(out_of_order_callbacks=True)
    post_record(hrss.url, keyring, record_body(receiver))
    decision, stale = receiver.wait_for(2)
    assert decision["status"] == "approved"
    assert stale["status"] == "accepted"
    assert stale["sequence"] < decision["sequence"]
    assert stale["receipt_no"] == decision["receipt_no"]


def test_error_rate_one_answers_500_and_stores_nothing(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    hrss.control(error_rate=1.0)
    for _ in range(3):
        assert post_record(hrss.url, keyring, record_body(receiver), key="same").status_code == 500
    stats = hrss.stats()
    assert stats["records"] == 0 and stats["injected_errors"] == 3
    hrss.control(error_rate=0.0)
    assert post_record(hrss.url, keyring, record_body(receiver), key="same").status_code == 202


def test_timeout_after_storing_then_retry_gets_the_same_receipt(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    hrss.control(timeout_rate=1.0, timeout_seconds=1.0)
    body = record_body(receiver)
    with pytest.raises(httpx.ReadTimeout):
        post_record(hrss.url, keyring, body, key="k-timeout", timeout=0.2)
    hrss.control(timeout_rate=0.0)
    retry = post_record(hrss.url, keyring, body, key="k-timeout")
    assert retry.status_code == 202 and retry.json()["duplicate"] is True
    (callback,) = receiver.wait_for(1)
    assert callback["receipt_no"] == retry.json()["receipt_no"]
    assert hrss.stats()["records"] == 1


def test_stop_cuts_a_long_stall_short(tmp_path: Path, keyring: Keyring, receiver: CallbackReceiver) -> None:
    sim = DepartmentSimulator("tax", tmp_path, keyring, behaviour=Behaviour(latency_ms=50, timeout_rate=1.0))
    sim.start()
    outcome: queue.Queue[BaseException | int] = queue.Queue()

    def call() -> None:
        try:
            outcome.put(post_record(sim.url, keyring, record_body(receiver), timeout=10).status_code)
        except httpx.HTTPError as exc:
            outcome.put(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    wait_until(lambda: sim.stats()["injected_timeouts"] == 1)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 5  # not the default 30 s
    caller.join(5)
    assert not caller.is_alive()
    assert not outcome.empty()


def test_callback_delivery_retries_until_acknowledged(tmp_path: Path, keyring: Keyring) -> None:
    with (
        CallbackReceiver(keyring, fail_first=2) as flaky,
        DepartmentSimulator(
            "social_card",
            tmp_path,
            keyring,
            behaviour=Behaviour(latency_ms=10),
            callback_backoff_seconds=0.02,
        ) as sim,
    ):
        response = post_record(sim.url, keyring, record_body(flaky, item="social_card_application"))
        assert response.status_code == 202
        (callback,) = flaky.wait_for(1)
        assert callback["result"]["number"] == ID_NUMBER  # 社会保障卡号 = 公民身份号码
        stats = sim.stats()
        assert stats["callback_attempts"] == 3 and stats["callbacks_sent"] == 1


def test_rotated_key_is_accepted_and_retired_key_refused(
    hrss: DepartmentSimulator, receiver: CallbackReceiver, keyring: Keyring
) -> None:
    old = Keyring(keyring.current)
    keyring.rotate(SigningKey("sandbox-2", b"t" * 32))
    assert post_record(hrss.url, old, record_body(receiver)).status_code == 202
    assert post_record(hrss.url, keyring, record_body(receiver)).status_code == 202
    keyring.retire("sandbox-1")
    assert post_record(hrss.url, old, record_body(receiver)).status_code == 401
    assert len(receiver.wait_for(2)) >= 2


def test_pending_decision_survives_a_restart(
    tmp_path: Path, keyring: Keyring, receiver: CallbackReceiver
) -> None:
    slow = DepartmentSimulator("archives", tmp_path, keyring, behaviour=Behaviour(latency_ms=400))
    with slow:
        receipt = post_record(slow.url, keyring, record_body(receiver)).json()["receipt_no"]
    assert receiver.calls == []
    with DepartmentSimulator("archives", tmp_path, keyring) as again:
        (callback,) = receiver.wait_for(1)
        assert callback["receipt_no"] == receipt
        assert callback["result"]["document"] == "调档函"
        assert again.stats()["records"] == 1


def test_unacknowledged_callback_is_sent_again_after_a_restart(tmp_path: Path, keyring: Keyring) -> None:
    with CallbackReceiver(keyring, fail_first=1) as flaky:
        first = DepartmentSimulator(
            "housing_fund", tmp_path, keyring, behaviour=Behaviour(latency_ms=10), callback_backoff_seconds=30
        )
        with first:
            receipt = post_record(first.url, keyring, record_body(flaky)).json()["receipt_no"]
            wait_until(lambda: first.stats()["callback_attempts"] == 1)  # refused; now backing off 30 s
        assert flaky.calls == []
        with DepartmentSimulator("housing_fund", tmp_path, keyring) as again:
            (callback,) = flaky.wait_for(1)
            assert callback["receipt_no"] == receipt and callback["status"] == "approved"
            wait_until(lambda: again.stats()["callbacks_sent"] == 1)


def test_control_is_validated(hrss: DepartmentSimulator) -> None:
    with pytest.raises(ValueError):
        hrss.control(error_rate=2.0)
    with pytest.raises(ValueError):
        hrss.control(decision="maybe")
    assert hrss.behaviour()["decision"] == "approve"


def test_fleet_starts_all_eight_departments(tmp_path: Path, keyring: Keyring) -> None:
    with SimulatorFleet(list(DEPARTMENTS), tmp_path, DepartmentKeys.single(keyring, DEPARTMENTS)) as fleet:
        urls = fleet.urls()
        assert set(urls) == set(DEPARTMENTS)
        assert len(set(urls.values())) == 8
        for dept, url in urls.items():
            assert httpx.get(f"{url}/healthz").json()["department"] == dept
        assert fleet.control("tax", available=False, latency_ms=10)["available"] is False
        assert fleet["hrss"].behaviour()["available"] is True
    assert sorted(p.name for p in tmp_path.glob("*.sqlite3")) == sorted(f"{d}.sqlite3" for d in DEPARTMENTS)
    with pytest.raises(SimulatorError):
        _ = fleet["hrss"].url


@pytest.mark.slow  # a simulator process
def test_runs_as_a_separate_process(tmp_path: Path, keyring: Keyring, receiver: CallbackReceiver) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lianban_sandbox.simulators",
            "--department",
            "medical_insurance",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
            "--key-id",
            keyring.current.key_id,
            "--secret",
            keyring.current.secret.hex(),
            "--latency-ms",
            "30",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    reader = threading.Thread(
        target=lambda: lines.put(proc.stdout.readline() if proc.stdout else ""), daemon=True
    )
    reader.start()
    try:
        url = lines.get(timeout=30).strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.stderr else ""
        assert post_record(url, keyring, record_body(receiver)).status_code == 202
        (callback,) = receiver.wait_for(1)
        assert callback["status"] == "approved" and callback["receipt_no"].startswith("MEDICAL_INSURANCE-")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0


def test_find_id_number_prefers_named_keys() -> None:
    assert find_id_number({"phone": "13800000000", "nested": [{"AAC002": ID_NUMBER}]}) == ID_NUMBER
    assert find_id_number({"other": "11010519491231002x", "id_number": ID_NUMBER}) == ID_NUMBER
    assert find_id_number({"name": "李明"}) is None
