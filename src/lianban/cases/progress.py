"""How a case moves on (办理进度): department decisions applied to sub-items, waiting items
released in dependency order, the case's status kept in step, every step on the timeline.

What follows from a decision outside the case — telling the applicant, preparing the delivery of a
finished case — is published as a domain event through the outbox (:mod:`lianban.cases.jobs`:
``item_decided``, ``case_changed``), never called from here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, select, update
from sqlalchemy.orm import Session, SessionTransaction, defer

from lianban.cases.jobs import JobKind, new_job, publish
from lianban.cases.release import release_waiting as release_waiting  # (the rooms take it from here)
from lianban.cases.rows import write_item
from lianban.cases.schema import Case, CaseItem
from lianban.cases.states import PROGRESS, IllegalTransition, ItemStatus, case_status, check_transition
from lianban.cases.steps import add_event as add_event  # (the rooms take it from here)
from lianban.logs import bind_case
from lianban.prepared import PreparedWrite, run_in
from lianban.security.audit import append

S = ItemStatus
log = logging.getLogger(__name__)


_LOCKED = "lianban.locked_cases"  # session.info: (the transaction, {case_id: its case, locked})
# read with the lock: what a step of a case needs; the rest (the applicant's form, the sealed
# names) stays unread and undecrypted until something asks for it
_LOCK_READS = (defer(Case.form), defer(Case.owner_sealed), defer(Case.actor_sealed))


def lock_case(session: Session, case_id: str) -> Case | None:
    """Take the case's row lock first (PostgreSQL), so work on one case is serialised and the
    timeline's sequence and the items' statuses never race; SQLite serialises writers anyway.

    Once per transaction: the case locked is kept with the session until the transaction ends
    (then let go, :func:`_forget_locked`),
    so a second lock (the next event of the case in one transaction) and every ``session.get``
    of it after the lock find it without reading it again (the lock is held; what changed it
    since is this transaction's own doing, on that object)."""
    bind_case(case_id)  # what is logged from here on is about this case
    transaction = session.get_transaction()
    held = session.info.get(_LOCKED)
    if transaction is not None and held is not None and held[0] is transaction and case_id in held[1]:
        locked: Case = held[1][case_id]
        return locked
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True, options=_LOCK_READS)
    transaction = session.get_transaction()
    if case is not None and transaction is not None:
        if held is None or held[0] is not transaction:
            cases: dict[str, Case] = {}
            held = session.info[_LOCKED] = (transaction, cases)
        held[1][case_id] = case  # (held: the session's identity map keeps only weak references)
    return case


def locked_status(session: Session, case_id: str) -> str | None:
    """:func:`lock_case` for a step that needs only the case's status: the row locked (PostgreSQL)
    and its status read as a value, no object loaded; None if there is no such case."""
    bind_case(case_id)
    found = session.execute(_LOCK_STATUS, {"c_id": case_id}).scalar()
    return None if found is None else str(found)


@event.listens_for(Session, "after_transaction_end")
def _forget_locked(session: Session, transaction: SessionTransaction) -> None:
    """The transaction whose locks ``lock_case`` kept has ended (commit or rollback): let its cases
    go, so the next transaction on the session reads them afresh (the sessions keep what they
    loaded past a commit, expire_on_commit=False, and only weakly)."""
    held = session.info.get(_LOCKED)
    if held is not None and held[0] is transaction:
        del session.info[_LOCKED]


_CASES = cast(Table, Case.__table__)
_ITEMS = cast(Table, CaseItem.__table__)
_LOCK_STATUS = select(_CASES.c.status).where(_CASES.c.case_id == bindparam("c_id")).with_for_update()


def add_audit(
    session: Session, case_id: str, at: datetime, actor: str, action: str, detail: dict[str, Any]
) -> None:
    """Append to the audit log (审计日志, the day's hash chain): who did what to the case."""
    append(session, at, actor, action, detail, case_id=case_id)


def requeue(session: Session, item: CaseItem, at: datetime, event: str, detail: str) -> None:
    """Put a sub-item back in the queue with a fresh dispatch job (after 补正 or an operator retry)."""
    check_transition(ItemStatus(item.status), ItemStatus.QUEUED)
    item.status = ItemStatus.QUEUED.value
    item.reason = None
    item.updated_at = at
    session.add(new_job(item.case_id, JobKind.DISPATCH, at, item_id=item.item_id))
    add_event(session, item.case_id, at, event, item.item_id, detail)


def refresh_case(session: Session, case_id: str, at: datetime, read: list[str] | None = None) -> str:
    """Keep the case's status in step with its items' (``read``: their statuses, just read)."""
    case = session.get(Case, case_id)
    if case is None:
        return ""
    if read is None:
        read = list(
            session.execute(select(CaseItem.status).distinct().where(CaseItem.case_id == case_id)).scalars()
        )
    new = case_status([ItemStatus(s) for s in read], withdrawn=case.status == "withdrawn").value
    if new != case.status:
        case.status = new
        case.updated_at = at
        _case_moved(session, case_id, at, new)
    return new


def refresh_read(session: Session, case_id: str, current: str, at: datetime, read: list[str]) -> str:
    """:func:`refresh_case` for a case read as a row under its lock (its status ``current``, its
    items' statuses ``read``): the case's row written with one UPDATE when its status moves."""
    new = case_status([ItemStatus(s) for s in read], withdrawn=current == "withdrawn").value
    if new != current:
        run_in(session, CASE_MOVES, {"c_id": case_id, "new_status": new, "at": at})
        _case_moved(session, case_id, at, new)
    return new


# the case's status written as a value (refresh_read; the worker's recorded send), compiled once
CASE_MOVES = PreparedWrite(
    update(_CASES)
    .where(_CASES.c.case_id == bindparam("c_id"))
    .values(
        status=bindparam("new_status", type_=_CASES.c.status.type),
        updated_at=bindparam("at", type_=_CASES.c.updated_at.type),
    )
)


def _case_moved(session: Session, case_id: str, at: datetime, new: str) -> None:
    add_event(session, case_id, at, f"case_{new}", None, None)
    publish(session, case_id, JobKind.CASE_CHANGED, at, {"status": new})


_MARKINGS: dict[tuple[str, ...], Any] = {}  # mark_dispatched's UPDATE per set of columns, built once


def _marking(columns: tuple[str, ...]) -> Any:
    statement = _MARKINGS.get(columns)
    if statement is None:
        statement = _MARKINGS[columns] = (
            update(_ITEMS)
            .where(
                _ITEMS.c.case_id == bindparam("c_id"),
                _ITEMS.c.item_id == bindparam("i_id"),
                _ITEMS.c.status == S.QUEUED.value,
            )
            .values(
                status=S.DISPATCHED.value,
                updated_at=bindparam("at", type_=_ITEMS.c.updated_at.type),
                **{c: bindparam(f"new_{c}", type_=_ITEMS.c[c].type) for c in columns},
            )
            .returning(_ITEMS.c.department)
        )
    return statement


def mark_dispatched(
    session: Session, case_id: str, item_id: str, at: datetime, detail: str, **changes: Any
) -> str | None:
    """A queued sub-item sent (已推送): moved to ``dispatched`` with ``changes`` (its receipt) in
    one UPDATE, the item not read — only if it is still queued (a callback that overtook the send
    moved it on already: then nothing changes) — and its step on the timeline. Its department, or
    None when it was not queued."""
    check_transition(S.QUEUED, S.DISPATCHED)
    values = {"c_id": case_id, "i_id": item_id, "at": at, **{f"new_{k}": v for k, v in changes.items()}}
    moved = session.execute(_marking(tuple(sorted(changes))), values).scalar()
    if moved is None:
        return None
    add_event(session, case_id, at, "dispatched", item_id, detail)
    return str(moved)


DEPARTMENT_STATUS = {
    "accepted": S.ACCEPTED,
    "approved": S.APPROVED,
    "rejected": S.REJECTED,
    "correction_required": S.CORRECTION_REQUIRED,
}


def apply_decision(
    session: Session,
    item: CaseItem,
    status: str,
    sequence: int,
    at: datetime,
    reason: str | None = None,
    result: dict[str, Any] | None = None,
) -> bool:
    """Apply a department's status change; a replay or an older message changes nothing.

    Returns whether anything changed. Never moves an item backwards.
    """
    target = decided_status(
        session, item.case_id, item.item_id, item.status, item.progress, status, sequence, at
    )
    if target is None:
        return False
    item.status = target.value
    item.progress = sequence
    item.updated_at = at
    if reason:
        item.reason = reason
    if result:
        item.result = result
    item_decided(session, item.case_id, item.item_id, target, at, reason)
    statuses = release_waiting(session, item.case_id, at)
    refresh_case(session, item.case_id, at, statuses)  # the statuses read once
    return True


def decided_status(
    session: Session,
    case_id: str,
    item_id: str,
    current_status: str,
    progress: int,
    status: str,
    sequence: int,
    at: datetime,
) -> ItemStatus | None:
    """The status a department's message moves an item to (the item at ``current_status``, its
    messages up to ``progress`` applied); None when it changes nothing: a replay, an older message,
    or a move the item cannot make (refused: logged and put on the timeline, never applied)."""
    target = DEPARTMENT_STATUS[status]
    current = ItemStatus(current_status)
    if sequence <= progress or PROGRESS[target] < PROGRESS[current] or current is target:
        return None
    if current is S.QUEUED and target is not S.ACCEPTED:
        current = S.DISPATCHED  # the decision overtook our own record of sending
    try:
        check_transition(current, target)
    except IllegalTransition as exc:
        # refused and logged, never applied
        log.warning("illegal transition refused: case %s item %s: %s", case_id, item_id, exc)
        add_event(session, case_id, at, "transition_refused", item_id, str(exc))
        return None
    return target


def item_decided(
    session: Session, case_id: str, item_id: str, target: ItemStatus, at: datetime, reason: str | None
) -> None:
    """A decision applied to a sub-item: its step on the timeline and its domain event."""
    add_event(session, case_id, at, target.value, item_id, reason)
    publish(
        session,
        case_id,
        JobKind.ITEM_DECIDED,
        at,
        {"status": target.value, "reason": reason},
        item_id=item_id,
    )


def apply_decision_read(
    session: Session,
    case_id: str,
    case_status: str,
    item: Any,
    status: str,
    sequence: int,
    at: datetime,
    reason: str | None = None,
    result: dict[str, Any] | None = None,
) -> bool:
    """:func:`apply_decision` on a case read as a row under its lock, not as objects: the case's
    status ``case_status``, ``item`` the one decided as a row (``item_id``, ``status``,
    ``progress``). The item is written with one UPDATE; the rules are :func:`apply_decision`'s."""
    target = decided_status(session, case_id, item.item_id, item.status, item.progress, status, sequence, at)
    if target is None:
        return False
    values: dict[str, Any] = {"status": target.value, "progress": sequence, "updated_at": at}
    if reason:
        values["reason"] = reason
    if result:
        values["result"] = result
    write_item(session, case_id, item.item_id, values)
    item_decided(session, case_id, item.item_id, target, at, reason)
    statuses = release_waiting(session, case_id, at)
    refresh_read(session, case_id, case_status, at, statuses)
    return True
