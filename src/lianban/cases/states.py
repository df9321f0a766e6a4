"""State machines of sub-items (子件) and cases (办件), exactly as the public contract names them.

An illegal transition is refused with :class:`IllegalTransition` — never applied — and the caller
logs it. A case's status follows from its items'.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class ItemStatus(StrEnum):
    WAITING = "waiting"  # 等待前置事项
    QUEUED = "queued"  # 待推送
    DISPATCHED = "dispatched"  # 已推送
    ACCEPTED = "accepted"  # 部门已受理
    APPROVED = "approved"  # 办结（准予）
    REJECTED = "rejected"  # 不予办理
    CORRECTION_REQUIRED = "correction_required"  # 补正
    FAILED = "failed"  # 推送失败，待人工重试


class CaseStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PARTIALLY_COMPLETED = "partially_completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


S = ItemStatus
ITEM_TRANSITIONS: dict[ItemStatus, frozenset[ItemStatus]] = {
    S.WAITING: frozenset({S.QUEUED, S.REJECTED}),  # rejected: what it waits for was refused
    S.QUEUED: frozenset({S.DISPATCHED, S.FAILED, S.ACCEPTED, S.APPROVED, S.REJECTED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.APPROVED, S.REJECTED, S.CORRECTION_REQUIRED, S.FAILED, S.QUEUED}),
    S.ACCEPTED: frozenset({S.APPROVED, S.REJECTED, S.CORRECTION_REQUIRED}),
    S.CORRECTION_REQUIRED: frozenset({S.QUEUED}),
    S.FAILED: frozenset({S.QUEUED}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
}

TERMINAL = frozenset({S.APPROVED, S.REJECTED})

# how far along an item is: a callback never moves an item backwards
PROGRESS: dict[ItemStatus, int] = {
    S.WAITING: 0,
    S.QUEUED: 1,
    S.FAILED: 1,
    S.DISPATCHED: 2,
    S.ACCEPTED: 3,
    S.CORRECTION_REQUIRED: 4,
    S.APPROVED: 5,
    S.REJECTED: 5,
}


class IllegalTransition(ValueError):
    """A status change the state machine does not allow."""

    def __init__(self, current: ItemStatus, target: ItemStatus) -> None:
        super().__init__(f"item cannot go from {current.value} to {target.value}")
        self.current, self.target = current, target


def check_transition(current: ItemStatus, target: ItemStatus) -> None:
    if target not in ITEM_TRANSITIONS[current]:
        raise IllegalTransition(current, target)


def case_status(items: Iterable[ItemStatus], withdrawn: bool = False) -> CaseStatus:
    """A case's status from its items' (一体反馈)."""
    if withdrawn:
        return CaseStatus.WITHDRAWN
    statuses = list(items)
    if not statuses:
        return CaseStatus.SUBMITTED
    if all(s is S.APPROVED for s in statuses):
        return CaseStatus.COMPLETED
    if all(s in TERMINAL for s in statuses):
        return (
            CaseStatus.PARTIALLY_COMPLETED if any(s is S.APPROVED for s in statuses) else CaseStatus.REJECTED
        )
    if all(s in (S.WAITING, S.QUEUED) for s in statuses):
        return CaseStatus.SUBMITTED
    return CaseStatus.IN_PROGRESS
