"""The departments' side of a 差评 (差评整改): supervisors see every follow-up, overdue first; a
department's staff see and answer only their own department's.

A follow-up moves ``open → contacted`` (核实: the department reached the applicant), then
``contacted → rectified`` (整改 done) or ``contacted → closed`` (verified, nothing to rectify, with
the explanation), and ``rectified → closed``. Every step carries the department's answer, which
the applicant sees on the case and is told of; every step is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from lianban.calendar import china_date, working_days_between
from lianban.cases.progress import add_audit, add_event, lock_case
from lianban.cases.schema import Case
from lianban.catalog.model import department_name
from lianban.errors import Forbidden, invalid_field, not_found, refused_by_rule
from lianban.notify import notify
from lianban.ratings.schema import FollowUp, Rating
from lianban.ratings.service import RATEABLE_FOLLOW_UP, follow_up_json, iso
from lianban.ratings.vocabulary import LEVELS
from lianban.security.tokens import Identity, Role

STATUSES = ("open", "contacted", "rectified", "closed")
NEXT: dict[str, tuple[str, ...]] = {
    "open": ("contacted",),
    "contacted": ("rectified", "closed"),
    "rectified": ("closed",),
    "closed": (),
}
STATUS_WORDS = {"contacted": "已联系核实", "rectified": "已整改", "closed": "已办结"}


def _scope(identity: Identity, department: str | None) -> str | None:
    """The department the caller may look at (None: all, for supervisors)."""
    if identity.role is Role.SUPERVISOR:
        return department
    if identity.role is Role.DEPARTMENT_STAFF and identity.department:
        if department is not None and department != identity.department:
            raise Forbidden("只能查看本部门的差评整改", "staff see only their own department's follow-ups")
        return identity.department
    raise Forbidden(
        "差评整改仅供监督人员和部门经办人员查看", "follow-ups are for supervisors and department staff"
    )


def list_follow_ups(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    status: str | None = None,
    department: str | None = None,
    overdue_only: bool = False,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Follow-ups the caller may see: overdue first, then by due date."""
    scope = _scope(identity, department)
    if status is not None and status not in STATUSES:
        raise invalid_field(
            "status",
            "code_list",
            f"状态须为 {'、'.join(STATUSES)} 之一",
            f"status must be one of {', '.join(STATUSES)}",
        )
    today = china_date(now)
    late = (FollowUp.status.notin_(RATEABLE_FOLLOW_UP)) & (FollowUp.due_date < today)
    query = (
        select(FollowUp, Rating, Case.theme_id, Case.case_no)
        .join(Rating, (Rating.case_id == FollowUp.case_id) & (Rating.rating_id == FollowUp.rating_id))
        .join(Case, Case.case_id == FollowUp.case_id)
        .order_by(case((late, 0), else_=1), FollowUp.due_date, FollowUp.opened_at, FollowUp.follow_up_id)
        .limit(limit)
    )
    if scope is not None:
        query = query.where(FollowUp.department == scope)
    if status is not None:
        query = query.where(FollowUp.status == status)
    if overdue_only:
        query = query.where(late)
    return [_with_rating(f, r, theme_id, case_no, now) for f, r, theme_id, case_no in session.execute(query)]


def _with_rating(f: FollowUp, r: Rating, theme_id: str, case_no: str | None, now: datetime) -> dict[str, Any]:
    answer = follow_up_json(f, now)
    today = china_date(now)
    answer["theme_id"] = theme_id
    answer["case_no"] = case_no  # 办件编号
    answer["working_days_left"] = (
        None
        if f.status in RATEABLE_FOLLOW_UP
        else (
            working_days_between(today, f.due_date)
            if f.due_date >= today
            else -working_days_between(f.due_date, today)
        )
    )
    answer["rating"] = {
        "target": r.target,
        "level": r.level,
        "level_name": LEVELS[r.level][0],
        "comment": r.comment,
        "reasons": r.reasons,
        "at": iso(r.at),
    }
    return answer


def _case_of(follow_up_id: str) -> str:
    return follow_up_id.rpartition("-")[0]


def get_follow_up(session: Session, identity: Identity, follow_up_id: str, now: datetime) -> dict[str, Any]:
    scope = _scope(identity, None)
    row = session.execute(
        select(FollowUp, Rating, Case.theme_id, Case.case_no)
        .join(Rating, (Rating.case_id == FollowUp.case_id) & (Rating.rating_id == FollowUp.rating_id))
        .join(Case, Case.case_id == FollowUp.case_id)
        .where(FollowUp.case_id == _case_of(follow_up_id), FollowUp.follow_up_id == follow_up_id)
    ).first()
    if row is None or (scope is not None and row[0].department != scope):
        raise not_found(f"整改 {follow_up_id} ", f"follow-up {follow_up_id}")
    return _with_rating(row[0], row[1], row[2], row[3], now)


def answer_follow_up(
    session: Session, identity: Identity, follow_up_id: str, status: str, answer: str, now: datetime
) -> dict[str, Any]:
    """A department's staff record a step of its follow-up, with the answer the applicant will read."""
    if identity.role is not Role.DEPARTMENT_STAFF or not identity.department:
        raise Forbidden(
            "只有承办部门的经办人员可以反馈差评整改", "only the department's staff answer its follow-ups"
        )
    if not answer.strip():
        raise invalid_field(
            "answer", "required", "请填写核实或整改情况", "say what was verified or rectified"
        )
    case_id = _case_of(follow_up_id)
    case = lock_case(session, case_id)
    follow_up = session.get(FollowUp, (case_id, follow_up_id)) if case is not None else None
    if case is None or follow_up is None or follow_up.department != identity.department:
        raise not_found(f"整改 {follow_up_id} ", f"follow-up {follow_up_id}")
    if status not in NEXT.get(follow_up.status, ()):
        allowed = NEXT.get(follow_up.status, ())
        raise refused_by_rule(
            "status",
            "illegal_transition",
            f"整改当前为 {follow_up.status}，"
            + (f"下一步只能是 {'、'.join(allowed)}" if allowed else "已办结，不能再变更"),
            f"the follow-up is {follow_up.status}; "
            + (f"next it can only be {', '.join(allowed)}" if allowed else "it is closed"),
        )
    follow_up.status = status
    follow_up.answer = answer.strip()
    follow_up.steps = [
        *follow_up.steps,
        {"at": now.isoformat(), "status": status, "answer": follow_up.answer, "by": identity.subject},
    ]
    if status == "contacted":
        follow_up.contacted_at = now
    else:
        follow_up.finished_at = now
    follow_up.updated_at = now
    words = f"{department_name(follow_up.department)}{STATUS_WORDS[status]}：{follow_up.answer}"
    add_event(session, case_id, now, f"follow_up_{status}", None, words)
    add_audit(session, case_id, now, identity.subject, f"follow_up:{status}", {"follow_up_id": follow_up_id})
    notify(session, case, f"您对办件 {case_id} 的差评，{words}", now)
    return follow_up_json(follow_up, now)
