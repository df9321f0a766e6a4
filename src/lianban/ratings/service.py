"""Rating a finished case or item (好差评), and the applicant's side of a 差评's follow-up.

One rating per case per applicant, and one per finished item (一次一评、一事一评); a second is a
conflict. A 差评 (levels 1–2) opens a follow-up (整改) for each department concerned, due in the
region's working days (default 15) under the statutory calendar, counted from the China date of
the rating. The applicant sees the departments' answers and may rate each follow-up once it is
rectified or closed. Every rating is on the case's timeline and in its audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from lianban.calendar import china_date, due_date
from lianban.cases.progress import add_audit, add_event, lock_case
from lianban.cases.schema import Case, CaseItem
from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import department_name
from lianban.errors import Conflict, FieldError, invalid, invalid_field, not_found, refused_by_rule
from lianban.ratings.schema import FollowUp, RatedDepartment, Rating
from lianban.ratings.vocabulary import LEVELS, REASONS, is_bad
from lianban.regional import ByRegion, RatingRules
from lianban.security.tokens import Identity, Role

FINISHED_CASE = ("completed", "partially_completed", "rejected")
FINISHED_ITEM = ("approved", "rejected")
RATEABLE_FOLLOW_UP = ("rectified", "closed")
CASE = "case"


@dataclass(frozen=True)
class RatingRequest:
    """What the applicant chose: a level, optional words and reasons, optionally one item."""

    level: int
    comment: str | None = None
    reasons: tuple[str, ...] = ()
    item: str | None = None  # an item_id of the case; None rates the whole case
    departments: tuple[str, ...] = ()  # narrow a case's 差评 to these departments


def visible_case(session: Session, identity: Identity, case_id: str, lock: bool = False) -> Case:
    """The case, if the caller is its applicant (or the clerk who filed it); else not found."""
    case = lock_case(session, case_id) if lock else session.get(Case, case_id, options=[defer(Case.form)])
    if case is None or not (
        case.owner == identity.subject
        or (identity.role is Role.WINDOW_CLERK and case.actor == identity.subject)
    ):
        raise not_found(f"办件 {case_id} ", f"case {case_id}")
    return case


def _check_words(request: RatingRequest) -> None:
    issues: list[FieldError] = []
    if request.level not in LEVELS:
        issues.append(FieldError("level", "range", "评价等级须为 1 至 5", "level must be 1 to 5"))
    for i, reason in enumerate(request.reasons):
        if reason not in REASONS:
            issues.append(
                FieldError(
                    f"reasons[{i}]",
                    "code_list",
                    f"评价原因 {reason} 不在可选范围内",
                    f"reason {reason} is not one of the listed reasons",
                )
            )
    if issues:
        raise invalid(issues)


def case_departments(item_departments: Iterable[str]) -> list[str]:
    """The departments a whole-case rating concerns and may name: those that handled the case's
    items (the page lists them, :func:`rate` checks a named one against them)."""
    return sorted(set(item_departments))


def _concerned(session: Session, case: Case, request: RatingRequest) -> tuple[str, list[str]]:
    """What is rated (``case`` or an item_id) and the departments concerned; refuses unfinished work."""
    items = list(session.execute(select(CaseItem).where(CaseItem.case_id == case.case_id)).scalars())
    if request.item is not None:
        item = next((it for it in items if it.item_id == request.item), None)
        if item is None:
            raise invalid_field(
                "item", "unknown", f"本办件没有事项 {request.item}", f"the case has no item {request.item}"
            )
        if item.status not in FINISHED_ITEM:
            raise refused_by_rule(
                "item",
                "not_finished",
                f"事项 {request.item} 尚未办结，办结后才能评价",
                f"item {request.item} is not finished yet; rate it once it is",
            )
        return item.item_id, [item.department]
    if case.status not in FINISHED_CASE:
        raise refused_by_rule(
            "case_id",
            "not_finished",
            f"办件 {case.case_id} 尚未办结，办结后才能评价",
            f"case {case.case_id} is not finished yet; rate it once it is",
        )
    departments = case_departments(it.department for it in items)
    if request.departments:
        issues = [
            FieldError(
                f"departments[{i}]",
                "not_in_case",
                f"部门 {d} 未承办本办件的事项",
                f"department {d} handled no item of this case",
            )
            for i, d in enumerate(request.departments)
            if d not in departments
        ]
        if issues:
            raise invalid(issues)
        departments = sorted(set(request.departments))
    return CASE, departments


def rate(
    session: Session,
    catalogue: Catalogue,
    identity: Identity,
    case_id: str,
    request: RatingRequest,
    now: datetime,
    rules: ByRegion[RatingRules],
) -> dict[str, Any]:
    """Rate a finished case or item; a 差评 opens one follow-up per department concerned.

    The caller's session is committed by the caller; a second rating of the same target by the
    same applicant is a :class:`Conflict` (also when two arrive at once: the unique constraint).
    """
    _check_words(request)
    case = visible_case(session, identity, case_id, lock=True)
    if case.owner != identity.subject:  # the clerk who filed may see the case; only its applicant rates
        raise not_found(f"办件 {case_id} ", f"case {case_id}")
    target, departments = _concerned(session, case, request)
    if session.execute(
        select(Rating.rating_id).where(
            Rating.case_id == case_id, Rating.rater == identity.subject, Rating.target == target
        )
    ).first():
        raise _rated_already(target)
    rating = Rating(
        case_id=case_id,
        rating_id=f"R{secrets.token_hex(8).upper()}",
        target=target,
        rater=identity.subject,
        theme_id=case.theme_id,
        level=request.level,
        comment=(request.comment or "").strip() or None,
        reasons=list(dict.fromkeys(request.reasons)),
        at=now,
    )
    session.add(rating)
    try:
        session.flush()
    except IntegrityError:
        raise _rated_already(target) from None
    session.add_all(
        RatedDepartment(case_id=case_id, rating_id=rating.rating_id, department=d, level=request.level)
        for d in departments
    )
    zh, _en = LEVELS[request.level]
    add_event(session, case_id, now, "rated", None if target == CASE else target, f"评价：{zh}")
    follow_ups: list[FollowUp] = []
    if is_bad(request.level):
        theme = catalogue.themes.get(case.theme_id)
        region_rules = rules.for_region(theme.region_code) if theme else rules.default
        follow_ups = _open_follow_ups(session, case_id, rating.rating_id, departments, now, region_rules)
    add_audit(
        session,
        case_id,
        now,
        identity.subject,
        "rate",
        {
            "rating_id": rating.rating_id,
            "target": target,
            "level": request.level,
            "follow_ups": [f.follow_up_id for f in follow_ups],
        },
    )
    answer = rating_json(rating, departments)
    if follow_ups:
        answer["follow_up"] = {"due_date": follow_ups[0].due_date.isoformat(), "status": follow_ups[0].status}
        answer["follow_ups"] = [follow_up_json(f, now) for f in follow_ups]
    return answer


def _rated_already(target: str) -> Conflict:
    what_zh, what_en = ("本办件", "this case") if target == CASE else (f"事项 {target}", f"item {target}")
    return refused_by_rule(
        "case_id" if target == CASE else "item",
        "already_rated",
        f"您已评价过{what_zh}（一次一评）",
        f"you have already rated {what_en} (one rating each)",
    )


def _open_follow_ups(
    session: Session,
    case_id: str,
    rating_id: str,
    departments: list[str],
    now: datetime,
    rules: RatingRules,
) -> list[FollowUp]:
    day = china_date(now)
    due = due_date(day, rules.follow_up_working_days).due_date
    contact_due = due_date(day, rules.contact_working_days).due_date
    last = session.execute(
        select(func.count()).select_from(FollowUp).where(FollowUp.case_id == case_id)
    ).scalar_one()
    out: list[FollowUp] = []
    for n, department in enumerate(departments, start=last + 1):
        follow_up = FollowUp(
            case_id=case_id,
            follow_up_id=f"{case_id}-{n}",
            rating_id=rating_id,
            department=department,
            status="open",
            opened_at=now,
            contact_due_date=contact_due,
            due_date=due,
            steps=[],
            updated_at=now,
        )
        session.add(follow_up)
        out.append(follow_up)
        add_event(
            session,
            case_id,
            now,
            "follow_up_opened",
            None,
            f"差评整改：{department_name(department)}，{due.isoformat()} 前反馈",
        )
    session.flush()
    return out


def rating_json(rating: Rating, departments: list[str]) -> dict[str, Any]:
    zh, en = LEVELS[rating.level]
    return {
        "rating_id": rating.rating_id,
        "case_id": rating.case_id,
        "target": rating.target,
        "level": rating.level,
        "level_name": zh,
        "level_name_en": en,
        "bad": is_bad(rating.level),
        "comment": rating.comment,
        "reasons": rating.reasons,
        "departments": departments,
        "at": iso(rating.at),
    }


def follow_up_json(f: FollowUp, now: datetime) -> dict[str, Any]:
    today = china_date(now)
    open_ = f.status not in RATEABLE_FOLLOW_UP
    return {
        "follow_up_id": f.follow_up_id,
        "case_id": f.case_id,
        "rating_id": f.rating_id,
        "department": f.department,
        "department_name": department_name(f.department),
        "status": f.status,
        "opened_at": iso(f.opened_at),
        "contact_due_date": f.contact_due_date.isoformat(),
        "due_date": f.due_date.isoformat(),
        "overdue": open_ and f.due_date < today,
        "answer": f.answer,
        "steps": f.steps,
        **(
            {
                "applicant_rating": {
                    "level": f.applicant_level,
                    "level_name": LEVELS[f.applicant_level][0],
                    "comment": f.applicant_comment,
                    "at": iso(f.applicant_rated_at),
                }
            }
            if f.applicant_level is not None
            else {}
        ),
    }


def iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


def ratings_of_case(session: Session, identity: Identity, case_id: str, now: datetime) -> dict[str, Any]:
    """The ratings of a case and the follow-ups with the departments' answers (the applicant's view)."""
    visible_case(session, identity, case_id)
    ratings = list(
        session.execute(select(Rating).where(Rating.case_id == case_id).order_by(Rating.at)).scalars()
    )
    depts: dict[str, list[str]] = {}
    for rating_id, department in session.execute(
        select(RatedDepartment.rating_id, RatedDepartment.department).where(
            RatedDepartment.case_id == case_id
        )
    ):
        depts.setdefault(rating_id, []).append(department)
    follow_ups = session.execute(
        select(FollowUp).where(FollowUp.case_id == case_id).order_by(FollowUp.follow_up_id)
    ).scalars()
    return {
        "case_id": case_id,
        "ratings": [rating_json(r, sorted(depts.get(r.rating_id, []))) for r in ratings],
        "follow_ups": [follow_up_json(f, now) for f in follow_ups],
    }


def rate_follow_up(
    session: Session,
    identity: Identity,
    case_id: str,
    follow_up_id: str,
    level: int,
    comment: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The applicant rates how a department answered a 差评 (once it is rectified or closed)."""
    _check_words(RatingRequest(level=level))
    case = visible_case(session, identity, case_id, lock=True)
    follow_up = session.get(FollowUp, (case_id, follow_up_id))
    if follow_up is None or case.owner != identity.subject:
        raise not_found(f"整改 {follow_up_id} ", f"follow-up {follow_up_id}")
    if follow_up.status not in RATEABLE_FOLLOW_UP:
        raise refused_by_rule(
            "follow_up_id",
            "not_answered",
            "部门尚未反馈整改结果，反馈后才能评价",
            "the department has not answered yet; rate its answer once it has",
        )
    if follow_up.applicant_level is not None:
        raise refused_by_rule(
            "follow_up_id", "already_rated", "您已评价过这次整改", "you have already rated this follow-up"
        )
    follow_up.applicant_level = level
    follow_up.applicant_comment = (comment or "").strip() or None
    follow_up.applicant_rated_at = now
    follow_up.updated_at = now
    add_event(session, case_id, now, "follow_up_rated", None, f"整改评价：{LEVELS[level][0]}")
    add_audit(
        session,
        case_id,
        now,
        identity.subject,
        "rate_follow_up",
        {"follow_up_id": follow_up_id, "level": level},
    )
    return follow_up_json(follow_up, now)
