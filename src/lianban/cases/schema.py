"""Tables of the cases room.

``theme_versions`` keeps every theme definition a case may be accepted under (by content digest),
so a theme file changed later never changes a case in flight. Catalogue and code lists are small
reference tables (replicated when the database is distributed). Personal values of a case's form,
its items' payloads and its postal address are stored encrypted (``ProtectedJSON``, 个人信息加密存储).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from lianban.db import Base
from lianban.security.audit.schema import AuditEntry
from lianban.security.fieldcrypt import ProtectedJSON, SealedText, Shape
from lianban.security.lookup import LookupHash

__all__ = ["AuditEntry"]  # the audit log is the security room's; cases write to it (add_audit)


class ThemeVersion(Base):
    """One version of a theme definition (主题版本), identified by the SHA-256 of its JSON."""

    __tablename__ = "theme_versions"

    theme_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    item_count: Mapped[int]
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Upload(Base):
    """An uploaded material file (上传材料): stored by content hash, owned by its uploader."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(LookupHash(), index=True)  # keyed hash of the uploader
    owner_sealed: Mapped[str | None] = mapped_column(SealedText("uploads.owner"))
    theme_id: Mapped[str | None] = mapped_column(String(100))
    material_id: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    detected_type: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int]
    checks: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# ---- cases (办件) and what grows with them: every such table carries case_id in its key,
# so a distributed PostgreSQL (Citus) can co-locate a case's rows by case_id.


class Case(Base):
    """One application (办件): one form, one set of materials, many sub-items."""

    __tablename__ = "cases"

    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # 办件编号 in the national pattern: region code + acceptance date + the day's sequence
    # (lianban.cases.numbering); unique, beside the internal id
    case_no: Mapped[str | None] = mapped_column(String(30), unique=True, index=True)
    theme_id: Mapped[str] = mapped_column(String(100), index=True)
    theme_digest: Mapped[str] = mapped_column(String(64))
    # the applicant (person or employer) and who filed it (the owner, or a window clerk: 帮办代办),
    # each a keyed hash (查询用) beside its ciphertext, never in plain (lianban.security.lookup)
    owner: Mapped[str] = mapped_column(LookupHash(), index=True)
    owner_sealed: Mapped[str | None] = mapped_column(SealedText("cases.owner"))
    actor: Mapped[str] = mapped_column(LookupHash())
    actor_sealed: Mapped[str | None] = mapped_column(SealedText("cases.actor"))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), index=True)
    situation: Mapped[dict[str, Any]] = mapped_column(JSON)
    form: Mapped[dict[str, Any]] = mapped_column(ProtectedJSON("cases.form", Shape.FORM))
    materials: Mapped[list[Any]] = mapped_column(JSON)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_date: Mapped[date] = mapped_column(Date)  # legal: longest path through the dependency graph
    promised_due_date: Mapped[date] = mapped_column(Date)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("owner", "idempotency_key", name="uq_cases_owner_idempotency_key"),
        # 我的办件 by keyset: an applicant's (a window clerk's) cases newest first, page after page
        Index("ix_cases_owner_accepted", "owner", "accepted_at", "case_id"),
        Index("ix_cases_actor_accepted", "actor", "accepted_at", "case_id"),
    )


class CaseNumberSequence(Base):
    """The last 办件编号 sequence given out per region and day (a small reference table: one row a
    region a day, taken by an upsert in the filing's transaction)."""

    __tablename__ = "case_number_sequences"

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int]


class CaseItem(Base):
    """One sub-item (子件): an item of the theme, for one employee in employer themes."""

    __tablename__ = "case_items"

    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(60), primary_key=True)  # code, or code#employee
    code: Mapped[str] = mapped_column(String(60))
    employee: Mapped[int | None]
    department: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    waits_for: Mapped[list[Any]] = mapped_column(JSON)  # item_ids, all of them
    waits_for_any: Mapped[list[Any]] = mapped_column(JSON)
    # [[item_id, document code], …]: documents other sub-items issue at acceptance (调档函) that
    # this one is sent with; None or empty: none
    waits_for_document: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(ProtectedJSON("case_items.payload", Shape.PAYLOAD))
    receipt_no: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(ProtectedJSON("case_items.result", Shape.RESULT))
    legal_due_date: Mapped[date] = mapped_column(Date)
    promised_due_date: Mapped[date] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(default=0)  # highest callback sequence applied
    revision: Mapped[int] = mapped_column(default=0)  # resubmissions after 补正
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    # a department's callback finds its item by the receipt it gave (受理编号), not by a scan of
    # every item the department ever had
    __table_args__ = (Index("ix_case_items_department_receipt", "department", "receipt_no"),)


class OutboxJob(Base):
    """Work to do for a case (发件箱): a dispatch, a retry, a timer, a domain event to pass on
    (:class:`lianban.cases.jobs.JobKind`). Written in the case's transaction."""

    __tablename__ = "outbox_jobs"
    # the jobs due now: pending, due up to now (claims, :mod:`lianban.dispatch.outbox`)
    __table_args__ = (Index("ix_outbox_jobs_status_due", "status", "due_at"),)

    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    item_id: Mapped[str | None] = mapped_column(String(60))
    delivery_id: Mapped[str | None] = mapped_column(String(40))  # for delivery follow-ups (送达跟踪)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))  # pending | done | dead
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # what a domain event says (item decided: the status and reason at that moment; case changed:
    # the new status); None for dispatches and timers
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class TimelineEvent(Base):
    """What happened to a case, in order (办理进度)."""

    __tablename__ = "timeline_events"

    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[str] = mapped_column(String(50))
    item_id: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[str | None] = mapped_column(Text)


class Delivery(Base):
    """统一送达: what the departments issued, handed over at the window or sent by post."""

    __tablename__ = "deliveries"

    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    method: Mapped[str] = mapped_column(String(20))  # pickup | post
    documents: Mapped[list[Any]] = mapped_column(JSON)
    address: Mapped[dict[str, Any] | None] = mapped_column(ProtectedJSON("deliveries.address", Shape.WHOLE))
    recipient: Mapped[str | None] = mapped_column(SealedText("deliveries.recipient"))
    tracking_no: Mapped[str | None] = mapped_column(String(60))
    pickup_code: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # prepared | sent | delivered | collected
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    follow_ups: Mapped[int] = mapped_column(default=0, server_default="0")  # courier checks / reminders made
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Notice(Base):
    """A message to the applicant (办件通知): in-app always, SMS or e-mail through a sender."""

    __tablename__ = "notices"

    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(20))  # in_app | sms | email
    recipient: Mapped[str] = mapped_column(SealedText("notices.recipient"))  # a phone number, or the owner
    text: Mapped[str] = mapped_column(Text)


class CaseObligation(Base):
    """A follow-up obligation of the applicant (后补材料): papers handed in after the application, by
    a due date — Shangrao's 缓缴/降缴 papers to the 公积金分中心 within one month (seed 003, 填表说明第7条)."""

    __tablename__ = "case_obligations"

    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), primary_key=True)
    obligation_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    department: Mapped[str] = mapped_column(String(30), index=True)
    to: Mapped[str] = mapped_column(String(200))  # where the papers go (公积金分中心)
    materials: Mapped[list[Any]] = mapped_column(JSON)  # [{"id", "name"}]
    basis: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # open | fulfilled
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fulfilled_by: Mapped[str | None] = mapped_column(String(100))
