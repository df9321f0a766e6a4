"""好差评 over HTTP: an applicant rates a finished case or item and sees the follow-ups of a 差评;
supervisors and departments list follow-ups (overdue first) and departments answer their own.
The rules live in :mod:`lianban.ratings`; this module only reads requests and writes answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lianban.calendar import china_date
from lianban.ratings import figures, follow_ups, service
from lianban.ratings.vocabulary import LEVELS, REASONS
from lianban.security.tokens import Identity, Role
from lianban.web.auth import require_identity
from lianban.web.deps import sessions_of
from lianban.web.feature_deps import now_of, regional_of
from lianban.web.problems import Problem

router = APIRouter(tags=["ratings 好差评"])

Caller = Annotated[Identity, Depends(require_identity)]


class RatingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=5, description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
    comment: str | None = Field(default=None, max_length=500)
    reasons: list[str] = Field(default_factory=list, max_length=12)
    item: str | None = Field(default=None, max_length=60, description="rate one finished item (item_id)")
    departments: list[str] = Field(default_factory=list, max_length=8)


class FollowUpRatingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["contacted", "rectified", "closed"]
    answer: str = Field(min_length=1, max_length=2000)


@router.get("/api/v1/ratings/vocabulary", summary="The five levels and the reasons to tick")
def vocabulary() -> dict[str, Any]:
    return {
        "levels": [{"level": k, "name": zh, "name_en": en} for k, (zh, en) in LEVELS.items()],
        "reasons": [{"code": k, "name": zh, "name_en": en} for k, (zh, en) in REASONS.items()],
    }


@router.post(
    "/api/v1/applications/{case_id}/rating",
    status_code=201,
    summary="Rate a finished case or item (一次一评); a 差评 opens a follow-up",
)
def post_rating(request: Request, case_id: str, body: RatingBody, identity: Caller) -> JSONResponse:
    now = now_of(request)
    with sessions_of(request)() as session, session.begin():
        answer = service.rate(
            session,
            request.app.state.catalogue,
            identity,
            case_id,
            service.RatingRequest(
                level=body.level,
                comment=body.comment,
                reasons=tuple(body.reasons),
                item=body.item,
                departments=tuple(body.departments),
            ),
            now,
            regional_of(request).ratings,
        )
    return JSONResponse(answer, status_code=201)


@router.get("/api/v1/applications/{case_id}/rating", summary="A case's ratings and its 差评 follow-ups")
def get_ratings(request: Request, case_id: str, identity: Caller) -> dict[str, Any]:
    with sessions_of(request)() as session:
        return service.ratings_of_case(session, identity, case_id, now_of(request))


@router.post(
    "/api/v1/applications/{case_id}/follow-ups/{follow_up_id}/rating",
    status_code=201,
    summary="Rate a department's answer to a 差评",
)
def post_follow_up_rating(
    request: Request, case_id: str, follow_up_id: str, body: FollowUpRatingBody, identity: Caller
) -> JSONResponse:
    with sessions_of(request)() as session, session.begin():
        answer = service.rate_follow_up(
            session, identity, case_id, follow_up_id, body.level, body.comment, now_of(request)
        )
    return JSONResponse(answer, status_code=201)


@router.get("/api/v1/follow-ups", summary="差评 follow-ups, overdue first (supervisors; staff: their own)")
def get_follow_ups(
    request: Request,
    identity: Caller,
    status: str | None = None,
    department: str | None = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    with sessions_of(request)() as session:
        return follow_ups.list_follow_ups(
            session,
            identity,
            now_of(request),
            status=status,
            department=department,
            overdue_only=overdue,
            limit=limit,
        )


@router.get("/api/v1/follow-ups/{follow_up_id}", summary="One follow-up with its rating and steps")
def get_follow_up(request: Request, follow_up_id: str, identity: Caller) -> dict[str, Any]:
    with sessions_of(request)() as session:
        return follow_ups.get_follow_up(session, identity, follow_up_id, now_of(request))


@router.post(
    "/api/v1/follow-ups/{follow_up_id}/answer",
    summary="The department records a step: contacted, rectified or closed, with its answer",
)
def post_answer(request: Request, follow_up_id: str, body: AnswerBody, identity: Caller) -> dict[str, Any]:
    with sessions_of(request)() as session, session.begin():
        return follow_ups.answer_follow_up(
            session, identity, follow_up_id, body.status, body.answer, now_of(request)
        )


def _watcher(identity: Identity) -> None:
    if identity.role not in (Role.SUPERVISOR, Role.OPERATOR, Role.WINDOW_CLERK):
        raise Problem(
            403,
            "无权执行此操作",
            "Forbidden",
            "统计仅供监督、运维和综窗人员查看",
            "figures are for supervisors, operators and window clerks",
        )


@router.get("/api/v1/ratings", summary="The latest ratings, newest first (supervisors)")
def get_ratings_list(
    request: Request,
    identity: Caller,
    theme_id: str | None = None,
    department: str | None = None,
    bad: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    if identity.role is not Role.SUPERVISOR:
        raise Problem(
            403, "无权执行此操作", "Forbidden", "评价明细仅供监督人员查看", "ratings are for supervisors"
        )
    with sessions_of(request)() as session:
        return figures.recent_ratings(
            session, theme_id=theme_id, department=department, bad_only=bad, limit=limit
        )


@router.get("/api/v1/ratings/figures", summary="好差评 counts and 好评率 per theme and department")
def get_figures(request: Request, identity: Caller) -> dict[str, Any]:
    _watcher(identity)
    with sessions_of(request)() as session:
        return figures.rating_figures(session, china_date(now_of(request)))
