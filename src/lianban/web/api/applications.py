"""Applications (办件): POST /api/v1/applications, GET /api/v1/applications[/{case_id}].

Filing checks the form as the pre-check does, then writes the case, its sub-items, the first
outbox jobs and the audit entry in one transaction. An applicant sees only own cases, an employer
only its unit's; another's case is a 404, never a 403, so its existence is not revealed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lianban.cases.filing import FiledItem, IdempotencyConflict, file_case, find_by_key
from lianban.cases.progress import add_audit, lock_case, refresh_case, requeue
from lianban.cases.schema import Case, CaseItem, Delivery, Notice, TimelineEvent
from lianban.cases.states import ItemStatus
from lianban.delivery import delivery_json
from lianban.drafts.service import discard_on_filing
from lianban.security.tokens import Identity, Role
from lianban.web.api.precheck import FormBody, _check, _refuse
from lianban.web.api.themes import _theme, catalogue_of
from lianban.web.auth import require_identity
from lianban.web.deps import clock_of
from lianban.web.problems import Problem, not_found
from lianban.web.ratelimit import per_caller

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])

FILERS = {Role.APPLICANT, Role.EMPLOYER, Role.WINDOW_CLERK}


class ApplicationBody(FormBody):
    theme_id: str
    materials: list[dict[str, str]] = Field(default_factory=list)
    channel: Literal["web", "app", "window"] = "web"


def _owner(identity: Identity, body: ApplicationBody, employer_theme: bool) -> str:
    """Whose case it is: the caller, or — at the window (帮办代办) — the applicant the form names."""
    if identity.role is Role.WINDOW_CLERK:
        key = "employer.uscc" if employer_theme else "person.id_number"
        value = str(body.form.get(key) or "").strip().upper()
        if not value:
            raise Problem(
                422,
                "请求参数有误",
                "Invalid request",
                f"窗口代办须填写申请人的 {key}",
                f"filing at the window needs the applicant's {key}",
            )
        return f"{'employer' if employer_theme else 'person'}:{value}"
    if body.channel == "window":
        raise Problem(
            403,
            "无权执行此操作",
            "Forbidden",
            "只有综窗工作人员可以窗口受理",
            "only window clerks file at the window",
        )
    if employer_theme and identity.role is not Role.EMPLOYER:
        raise Problem(
            403,
            "无权执行此操作",
            "Forbidden",
            "该主题须由用人单位申请",
            "this theme is applied for by an employer",
        )
    if not employer_theme and identity.role is not Role.APPLICANT:
        raise Problem(
            403, "无权执行此操作", "Forbidden", "该主题须由个人申请", "this theme is applied for by a person"
        )
    return identity.subject


def _request_hash(body: ApplicationBody) -> str:
    return hashlib.sha256(
        json.dumps(body.model_dump(), sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def case_summary(
    case: Case, items: Sequence[CaseItem | FiledItem], names: dict[str, str], today: date
) -> dict[str, Any]:
    """The case as the applicant reads it; ``today`` (the China date) decides what is overdue."""
    return {
        "case_id": case.case_id,
        "theme_id": case.theme_id,
        "status": case.status,
        "channel": case.channel,
        "accepted_at": case.accepted_at.isoformat()
        if case.accepted_at.tzinfo
        else case.accepted_at.replace(tzinfo=UTC).isoformat(),
        "due_date": case.due_date.isoformat(),
        "promised_due_date": case.promised_due_date.isoformat(),
        "items": [
            {
                "item_id": it.item_id,
                "code": it.code,
                "name": names.get(it.code, it.code),
                "department": it.department,
                "status": it.status,
                **({"employee": it.employee} if it.employee is not None else {}),
                **({"receipt_no": it.receipt_no} if it.receipt_no else {}),
                **({"reason": it.reason} if it.reason else {}),
                **({"result": it.result} if it.result else {}),
                "legal_due_date": it.legal_due_date.isoformat(),
                "overdue": it.status not in ("approved", "rejected") and it.promised_due_date < today,
                "promised_due_date": it.promised_due_date.isoformat(),
                "updated_at": (
                    it.updated_at if it.updated_at.tzinfo else it.updated_at.replace(tzinfo=UTC)
                ).isoformat(),
            }
            for it in sorted(items, key=lambda i: i.item_id)
        ],
    }


@router.post(
    "",
    status_code=201,
    summary="File an application: one form, many sub-items",
    dependencies=[Depends(per_caller("filing"))],
)
def post_application(
    request: Request,
    body: ApplicationBody,
    identity: Annotated[Identity, Depends(require_identity)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> JSONResponse:
    if identity.role not in FILERS:
        raise Problem(
            403, "无权执行此操作", "Forbidden", "该角色不能提交申请", "this role cannot file applications"
        )
    theme = _theme(request, body.theme_id)
    owner = _owner(identity, body, theme.applicant_type == "employer")
    request_hash = _request_hash(body)
    sessions = request.app.state.sessions
    if idempotency_key:  # a repeat answers before any work is redone
        with sessions() as session:
            existing = find_by_key(session, owner, idempotency_key)
            if existing is not None:
                if existing.request_hash != request_hash:
                    raise _conflict()
                items = list(
                    session.execute(select(CaseItem).where(CaseItem.case_id == existing.case_id)).scalars()
                )
                return JSONResponse(
                    case_summary(existing, items, _names(theme), clock_of(request).today()), status_code=200
                )
    checked = _check(request, body.theme_id, body)
    if not checked.ok:
        raise _refuse(checked)
    if not checked.payloads:
        raise Problem(
            422, "没有可办理的事项", "No item to handle", "按所填情形，没有事项适用", "no item applies"
        )
    try:
        with sessions() as session, session.begin():
            filed = file_case(
                session,
                catalogue_of(request),
                theme,
                checked,
                owner=owner,
                actor=identity.subject,
                channel="window" if identity.role is Role.WINDOW_CLERK else body.channel,
                situation=checked.spec.situation,
                form={**body.form, **checked.values},
                materials=body.materials,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                accepted_at=clock_of(request).now(),
                key_checked=bool(idempotency_key),
            )
            answer = case_summary(filed.case, filed.items, _names(theme), clock_of(request).today())
            discard_on_filing(session, theme.id, owner, identity.subject)  # the draft is filed (草稿)
    except IdempotencyConflict:
        raise _conflict() from None
    except IntegrityError:  # two identical requests raced: the other one created it
        with sessions() as session:
            existing = find_by_key(session, owner, idempotency_key or "")
            if existing is None or existing.request_hash != request_hash:
                raise _conflict() from None
            items = list(
                session.execute(select(CaseItem).where(CaseItem.case_id == existing.case_id)).scalars()
            )
            return JSONResponse(
                case_summary(existing, items, _names(theme), clock_of(request).today()), status_code=200
            )
    answer["warnings"] = [
        {"field": i.field, "code": i.code, "message": i.message_zh} for i in checked.warnings
    ]
    answer["not_applicable"] = [
        {"code": c, "reason": r, "refused": c in checked.refused} for c, r in checked.dropped.items()
    ]
    return JSONResponse(answer, status_code=200 if filed.replay else 201)


def _conflict() -> Problem:
    return Problem(
        409,
        "幂等键冲突",
        "Idempotency conflict",
        "同一 Idempotency-Key 已用于内容不同的申请",
        "the Idempotency-Key was used for a different request",
    )


def _names(theme: Any) -> dict[str, str]:
    return {it.code: it.name for it in theme.items}


def _visible(identity: Identity, case: Case) -> bool:
    return case.owner == identity.subject or (
        identity.role is Role.WINDOW_CLERK and case.actor == identity.subject
    )


@router.get("", summary="The caller's own cases, newest first")
def list_applications(
    request: Request, identity: Annotated[Identity, Depends(require_identity)]
) -> list[dict[str, Any]]:
    column = Case.actor if identity.role is Role.WINDOW_CLERK else Case.owner
    with request.app.state.sessions() as session:
        # only the columns the list shows: the form (encrypted personal data) is not read or decrypted
        rows = session.execute(
            select(Case.case_id, Case.theme_id, Case.status, Case.accepted_at, Case.due_date)
            .where(column == identity.subject)
            .order_by(Case.accepted_at.desc())
            .limit(200)
        ).all()
        return [
            {
                "case_id": r.case_id,
                "theme_id": r.theme_id,
                "status": r.status,
                "accepted_at": r.accepted_at.isoformat(),
                "due_date": r.due_date.isoformat(),
            }
            for r in rows
        ]


@router.get("/{case_id}", summary="One case: items, timeline")
def get_application(
    request: Request, case_id: str, identity: Annotated[Identity, Depends(require_identity)]
) -> dict[str, Any]:
    with request.app.state.sessions() as session:
        case = session.get(Case, case_id)
        if case is None or not _visible(identity, case):
            raise not_found(f"办件 {case_id} ", f"case {case_id}")
        items = list(session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars())
        events = list(
            session.execute(
                select(TimelineEvent).where(TimelineEvent.case_id == case_id).order_by(TimelineEvent.seq)
            ).scalars()
        )
        theme = catalogue_of(request).themes.get(case.theme_id)
        answer = case_summary(case, items, _names(theme) if theme else {}, clock_of(request).today())
        deliveries = list(session.execute(select(Delivery).where(Delivery.case_id == case_id)).scalars())
        if deliveries:
            answer["delivery"] = delivery_json(deliveries[0])
            if len(deliveries) > 1:  # employer themes: one per employee
                answer["deliveries"] = [delivery_json(d) for d in deliveries]
        notices = session.execute(
            select(Notice).where(Notice.case_id == case_id, Notice.channel == "in_app").order_by(Notice.seq)
        ).scalars()
        answer["notices"] = [{"at": n.at.isoformat(), "text": n.text} for n in notices]
        answer["timeline"] = [
            {
                "at": e.at.isoformat(),
                "event": e.event,
                **({"item": e.item_id} if e.item_id else {}),
                **({"detail": e.detail} if e.detail else {}),
            }
            for e in events
        ]
        return answer


class CorrectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[dict[str, str]] = Field(default_factory=list)


@router.post("/{case_id}/corrections", summary="Resubmit the items a department sent back (补正)")
def post_corrections(
    request: Request,
    case_id: str,
    body: CorrectionBody,
    identity: Annotated[Identity, Depends(require_identity)],
) -> dict[str, Any]:
    sessions = request.app.state.sessions
    with sessions() as session:
        case = session.get(Case, case_id)
        if case is None or not _visible(identity, case):
            raise not_found(f"办件 {case_id} ", f"case {case_id}")
        to_fix = [
            (it.code, it.employee)
            for it in session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars()
            if it.status == ItemStatus.CORRECTION_REQUIRED.value
        ]
        theme_id, situation, old_form = case.theme_id, dict(case.situation), dict(case.form)
    if not to_fix:
        raise Problem(
            409,
            "没有需要补正的事项",
            "Nothing to correct",
            "本办件没有被退回补正的事项",
            "no item of this case was sent back for correction",
        )
    merged = {**old_form, **body.form}
    checked = _check(request, theme_id, FormBody(situation=situation, form=merged))
    if not checked.ok:
        raise _refuse(checked)
    payloads = {(p.item, p.employee): p.payload for p in checked.payloads}
    now = clock_of(request).now()
    with sessions() as session, session.begin():
        case = lock_case(session, case_id)
        assert case is not None
        case.form = {**merged, **checked.values}
        if body.materials:
            case.materials = [*case.materials, *body.materials]
        resubmitted: list[str] = []
        for code, employee in to_fix:
            item_key = code if employee is None else f"{code}#{employee}"
            item = session.get(CaseItem, (case_id, item_key))
            if item is None or item.status != ItemStatus.CORRECTION_REQUIRED.value:
                continue
            item.payload = payloads.get((code, employee), item.payload)
            item.revision += 1  # a new department request, with its own idempotency key
            item.receipt_no = None
            requeue(session, item, now, "resubmitted", "补正后重新提交")
            resubmitted.append(item_key)
        add_audit(session, case_id, now, identity.subject, "correct", {"items": resubmitted})
        refresh_case(session, case_id, now)
    return {"case_id": case_id, "resubmitted": resubmitted}
