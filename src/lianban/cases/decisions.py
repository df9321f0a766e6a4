"""Recording a department's decision on a sub-item (部门办理结果), once for every way it arrives:
a signed callback, the worklist, the applicant's return from a department's site, a status poll.

Always in the same order, in the caller's transaction: the case's row lock first (work on one
case is serialised), the decision applied (never backwards, a replay changes nothing), then the
audit entry saying who reported what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session, defer

from lianban.cases.progress import (
    DEPARTMENT_STATUS,
    add_audit,
    apply_decision,
    apply_decision_read,
    lock_case,
)
from lianban.cases.schema import Case, CaseItem
from lianban.errors import FieldError, Invalid, not_found
from lianban.logs import bind_case
from lianban.prepared import Prepared, run_in

__all__ = [
    "DEPARTMENT_STATUS",
    "MAX_SEQUENCE",
    "Decision",
    "check_sequence",
    "check_status",
    "decide",
    "locked_item",
    "locked_item_by_receipt",
    "sequence_allowed",
]

# A department numbers its messages about one record (one push: a 受理编号) from 1: ``accepted``,
# then its decision. A resubmission after 补正 is a new record, numbered afresh. A number beyond
# what a record can have is refused: signed or not, it must not lift the item's mark so high that
# the genuine messages after it count as old.
MAX_SEQUENCE = 2


_CASES = cast(Table, Case.__table__)
_ITEMS = cast(Table, CaseItem.__table__)
# a callback's case, by the receipt (受理编号) of one of its items: its row locked (PostgreSQL; SQLite
# serialises writers), its status and the item's key read with it
_LOCK_BY_RECEIPT = Prepared(
    select(_CASES.c.case_id, _CASES.c.status, _ITEMS.c.item_id)
    .join_from(_CASES, _ITEMS, _ITEMS.c.case_id == _CASES.c.case_id)
    .where(_ITEMS.c.receipt_no == bindparam("receipt_no"), _ITEMS.c.department == bindparam("department"))
    .with_for_update(of=_CASES)
)
# then, the case locked, the item as it is now: what a decision reads of it (never the payload or
# the result); the other items are read only as far as releasing waiting ones needs (cases.release)
_ITEM_NOW = Prepared(
    select(_ITEMS.c.item_id, _ITEMS.c.status, _ITEMS.c.progress, _ITEMS.c.receipt_no).where(
        _ITEMS.c.case_id == bindparam("case_id"), _ITEMS.c.item_id == bindparam("item_id")
    )
)


class ItemNow(NamedTuple):
    """The decided item as :data:`_ITEM_NOW` reads it."""

    item_id: str
    status: str
    progress: int
    receipt_no: str | None


@dataclass(frozen=True)
class Decision:
    """A department's word on a sub-item: ``accepted``, ``approved``, ``rejected`` or
    ``correction_required``; ``sequence`` orders its messages (None: the next after the item's)."""

    status: str
    sequence: int | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None


def check_status(status: str, title: tuple[str, str] = ("请求参数有误", "Invalid request")) -> None:
    """Refuse a status no department reports (422 naming ``status``)."""
    if status not in DEPARTMENT_STATUS:
        raise Invalid(
            f"未知状态 {status}",
            f"unknown status {status}",
            title=title,
            errors=[FieldError("status", "code_list", f"未知状态 {status}", f"unknown status {status}")],
        )


def sequence_allowed(sequence: object) -> bool:
    """Whether ``sequence`` is a message number one department record can have (1 … MAX_SEQUENCE)."""
    return isinstance(sequence, int) and not isinstance(sequence, bool) and 1 <= sequence <= MAX_SEQUENCE


def check_sequence(sequence: object, title: tuple[str, str] = ("回调内容有误", "Malformed callback")) -> None:
    """Refuse a message number a department record cannot have (422 naming ``sequence``)."""
    if not sequence_allowed(sequence):
        zh = f"消息序号须为 1 至 {MAX_SEQUENCE}（同一受理编号的第几条消息），不是 {sequence}"
        en = f"sequence must be 1 to {MAX_SEQUENCE} (the message's number for one receipt), not {sequence}"
        raise Invalid(zh, en, title=title, errors=[FieldError("sequence", "range", zh, en)])


def locked_item(session: Session, case_id: str, item_id: str) -> CaseItem | None:
    """The sub-item, with its case's row lock taken first."""
    lock_case(session, case_id)
    return session.get(CaseItem, (case_id, item_id))


def locked_item_by_receipt(session: Session, department: str, receipt_no: str) -> CaseItem:
    """The sub-item a department knows by its receipt number (受理编号), its case locked; 404 if none."""
    # the keys only (no row to decrypt), then the item read once, as it is now that the case is ours
    found = session.execute(
        select(CaseItem.case_id, CaseItem.item_id).where(
            CaseItem.receipt_no == receipt_no, CaseItem.department == department
        )
    ).one_or_none()
    if found is None:
        raise not_found(f"受理编号 {receipt_no} ", f"receipt {receipt_no}")
    lock_case(session, found.case_id)
    item = session.get(CaseItem, (found.case_id, found.item_id), options=[defer(CaseItem.payload)])
    if item is None or item.receipt_no != receipt_no:  # resubmitted (补正) in between: not that receipt's
        raise not_found(f"受理编号 {receipt_no} ", f"receipt {receipt_no}")
    return item


def decide(
    session: Session,
    item: CaseItem,
    decision: Decision,
    at: datetime,
    *,
    actor: str,
    action: str,
    detail: Callable[[bool], dict[str, Any]] | None = None,
) -> bool:
    """Apply ``decision`` to ``item`` (its case locked by the caller) and audit it; returns whether
    it changed anything. ``detail(changed)`` is the audit entry's detail (default: the item)."""
    sequence = decision.sequence if decision.sequence is not None else item.progress + 1
    changed = apply_decision(
        session, item, decision.status, sequence, at, reason=decision.reason, result=decision.result
    )
    add_audit(
        session,
        item.case_id,
        at,
        actor,
        action,
        detail(changed) if detail is not None else {"item": item.item_id, "changed": changed},
    )
    return changed


def record_callback(
    session: Session,
    department: str,
    receipt_no: str,
    decision: Decision,
    at: datetime,
    *,
    sha256: str,
    key_id: str,
) -> bool:
    """A department system's signed callback (部门回调), its signature already checked; one
    transaction (the caller's). Returns whether the item changed."""
    # the case locked and the item read as a plain row (no object loaded, no payload decrypted),
    # each a statement compiled once, on the transaction's driver cursor
    session.flush()
    found = run_in(session, _LOCK_BY_RECEIPT, {"receipt_no": receipt_no, "department": department})
    if not found:
        raise not_found(f"受理编号 {receipt_no} ", f"receipt {receipt_no}")
    case_id, case_status, item_id = found[0]
    bind_case(case_id)  # what is logged from here on is about this case
    now = run_in(session, _ITEM_NOW, {"case_id": case_id, "item_id": item_id})
    item = ItemNow(*now[0]) if now else None
    if item is None or item.receipt_no != receipt_no:  # resubmitted (补正) in between: not that receipt's
        raise not_found(f"受理编号 {receipt_no} ", f"receipt {receipt_no}")
    sequence = decision.sequence if decision.sequence is not None else item.progress + 1
    changed = apply_decision_read(
        session,
        case_id,
        case_status,
        item,
        decision.status,
        sequence,
        at,
        reason=decision.reason,
        result=decision.result,
    )
    detail = {
        "item": item_id,
        "status": decision.status,
        "sequence": decision.sequence or 0,
        "changed": changed,
        "sha256": sha256,
        "key_id": key_id,
    }
    add_audit(session, case_id, at, f"department:{department}", "callback", detail)
    return changed


class ItemAfter(NamedTuple):
    """A sub-item after a return was recorded: its status then."""

    case_id: str
    item_id: str
    status: str


def record_return(
    session: Session, department: str, case_id: str, item_id: str, status: str, at: datetime
) -> tuple[ItemAfter, bool]:
    """The applicant back from a department's site (跳转办理结果) with its signed outcome: the case
    locked and the item read as plain rows, as a callback's (:func:`record_callback`); the item's
    result keeps what it had, with ``returned`` added."""
    session.flush()
    locked = run_in(session, _LOCK_CASE, {"case_id": case_id})
    found = run_in(session, _RETURNED_ITEM, {"case_id": case_id, "item_id": item_id}) if locked else []
    if not found or found[0][3] != department:
        raise not_found(f"事项 {item_id} ", f"item {item_id}")
    bind_case(case_id)
    (case_status,) = locked[0]
    now_status, progress, result = found[0][1], found[0][2], found[0][4]
    item = ItemNow(item_id, now_status, progress, None)
    changed = apply_decision_read(
        session,
        case_id,
        case_status,
        item,
        status,
        progress + 1,
        at,
        result={**(result or {}), "returned": status},
    )
    detail = {"item": item_id, "status": status, "changed": changed}
    add_audit(session, case_id, at, f"department:{department}", "return", detail)
    return ItemAfter(case_id, item_id, DEPARTMENT_STATUS[status].value if changed else now_status), changed


# a return's case, locked (PostgreSQL; SQLite serialises writers), its status read with it; then its
# item as it is now, with its result (kept, ``returned`` added)
_LOCK_CASE = Prepared(
    select(_CASES.c.status).where(_CASES.c.case_id == bindparam("case_id")).with_for_update()
)
_RETURNED_ITEM = Prepared(
    select(_ITEMS.c.item_id, _ITEMS.c.status, _ITEMS.c.progress, _ITEMS.c.department, _ITEMS.c.result).where(
        _ITEMS.c.case_id == bindparam("case_id"), _ITEMS.c.item_id == bindparam("item_id")
    )
)
