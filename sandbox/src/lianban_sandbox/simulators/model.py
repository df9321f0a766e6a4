"""The simulated departments' vocabulary: department codes, the sandbox switches (:class:`Behaviour`), the ``POST /records`` envelope and a stored record."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lianban.security.signing import (
    content_sha256,
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

CHINA_TZ = timezone(timedelta(hours=8))
Decision = Literal["approve", "reject", "correct"]
DECISION_STATUS: dict[str, str] = {
    "approve": "approved",
    "reject": "rejected",
    "correct": "correction_required",
}
SEQUENCE_ACCEPTED = 1
SEQUENCE_DECIDED = 2

DEPARTMENT_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")
ID_KEY_HINTS = ("id_number", "idnumber", "aac002", "sfz", "id_no", "card_id")
MAX_IDEMPOTENCY_KEY = 200
START_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 15.0


def china_now() -> datetime:
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
    # the case's order around the item: what it issues and when, the documents it goes on with
    # (档案转出 with the 调档函), the items it completes after (档案接收 after 档案转出)
    issues: list[dict[str, Any]] = Field(default_factory=list)
    documents: dict[str, dict[str, Any]] = Field(default_factory=dict)
    completes_after: list[str] = Field(default_factory=list)

    def process(self) -> dict[str, Any]:
        return {"issues": self.issues, "documents": self.documents, "completes_after": self.completes_after}

    def fingerprint(self) -> str:
        """What makes two requests "the same" for an idempotency key (not the callback or schema)."""
        canonical = json.dumps(
            [self.item, self.case_id, self.employee, self.payload],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return content_sha256(canonical.encode("utf-8"))


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
    process: dict[str, Any] = field(default_factory=dict)  # RecordRequest.process()

    def issue(self, at: str) -> dict[str, Any] | None:
        """The document the item issues at ``acceptance`` or ``completion``, as the platform sent it."""
        return next((d for d in self.process.get("issues", []) if d.get("at", "completion") == at), None)

    @property
    def waits_for_arrival(self) -> bool:
        """Issues a document at acceptance and completes only after another item of the case
        (档案接收: the 调档函 first, done when the archive arrives)."""
        return bool(self.process.get("completes_after")) and self.issue("acceptance") is not None

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
