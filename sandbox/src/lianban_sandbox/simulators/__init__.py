"""Department simulators (模拟部门系统): one real HTTP service per department code, for the sandbox.

``lianban demo`` and the tests start one simulator per department (人社 ``hrss``, 社保经办
``social_insurance``, 医保 ``medical_insurance``, 税务 ``tax``, 公安 ``public_security``, 公积金
``housing_fund``, 人才/档案 ``archives``, 社保卡 ``social_card``) on loopback. Each is a FastAPI app
served by uvicorn in its own thread (or, through ``python -m lianban_sandbox.simulators``, in its
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

Modules: :mod:`.model` (switches, envelope, record), :mod:`.store` (SQLite), :mod:`.decisions`
(what a department decides and issues), :mod:`.runtime` (one running simulator), :mod:`.app` (its
HTTP API), :mod:`.fleet` (run from Python), ``__main__`` (run as a process).
"""

from lianban_sandbox.simulators.app import create_simulator_app
from lianban_sandbox.simulators.decisions import decision_reason, find_id_number, issued_result
from lianban_sandbox.simulators.fleet import DepartmentSimulator, SimulatorError, SimulatorFleet
from lianban_sandbox.simulators.model import (
    CHINA_TZ,
    DEPARTMENT_NAMES,
    DEPARTMENTS,
    SEQUENCE_ACCEPTED,
    SEQUENCE_DECIDED,
    Behaviour,
    ControlUpdate,
    Decision,
    RecordRequest,
    StoredRecord,
)
from lianban_sandbox.simulators.runtime import SimulatorOptions, SimulatorRuntime
from lianban_sandbox.simulators.store import SimulatorStore

__all__ = [
    "CHINA_TZ",
    "DEPARTMENTS",
    "DEPARTMENT_NAMES",
    "SEQUENCE_ACCEPTED",
    "SEQUENCE_DECIDED",
    "Behaviour",
    "ControlUpdate",
    "Decision",
    "DepartmentSimulator",
    "RecordRequest",
    "SimulatorError",
    "SimulatorFleet",
    "SimulatorOptions",
    "SimulatorRuntime",
    "SimulatorStore",
    "StoredRecord",
    "create_simulator_app",
    "decision_reason",
    "find_id_number",
    "issued_result",
]
