"""Pre-check and print (预审、套打): the one form checked as a submission would be, without filing it.

``POST /api/v1/themes/{theme_id}/check`` answers what ``POST /api/v1/applications`` would refuse
(422 with every field error) or accept (the items that stay, those dropped with the reason, the
warnings and each department's payload). ``POST /api/v1/themes/{theme_id}/application.pdf`` prints
the merged application.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from lianban.forms.printing import application_pdf
from lianban.forms.spec import UnknownItems
from lianban.forms.submission import CheckedSubmission, check_submission
from lianban.web.api.themes import _theme, catalogue_of
from lianban.web.auth import optional_identity
from lianban.web.deps import clock_of
from lianban.web.problems import FieldError, Problem, wants_english
from lianban.web.sharing import employee_sharing, facts_for, prefill_for

router = APIRouter(prefix="/api/v1/themes", tags=["forms"])


class FormBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[str] | None = None
    situation: dict[str, str] | None = None
    form: dict[str, Any] = Field(default_factory=dict)
    facts: dict[str, Any] | None = Field(default=None, description="sandbox only: facts to assume")


def _check(request: Request, theme_id: str, body: FormBody) -> CheckedSubmission:
    theme = _theme(request, theme_id)
    identity = optional_identity(request)
    facts = facts_for(request, theme, identity, body.form)
    if body.facts is not None and request.app.state.settings.sandbox:
        facts.update(body.facts)  # the sandbox lets a tester assume facts
    rows = body.form.get("employees") if theme.applicant_type == "employer" else None
    employee_prefill, employee_facts = employee_sharing(
        request, theme, rows if isinstance(rows, list) else []
    )
    try:
        return check_submission(
            catalogue_of(request),
            theme,
            items=body.items,
            situation=body.situation,
            form=body.form,
            prefill=prefill_for(request, identity, body.form),
            employee_prefill=employee_prefill,
            facts=facts,
            employee_facts=employee_facts,
            today=clock_of(request).today(),
        )
    except UnknownItems as exc:
        errors = [
            FieldError("items", "code_list", f"未知的事项编码 {c}", f"unknown item code {c}")
            for c in exc.codes
        ]
        raise Problem(
            422, "请求参数有误", "Invalid request", errors[0].message_zh, errors[0].message_en, errors
        ) from None


def _refuse(checked: CheckedSubmission) -> Problem:
    errors = [FieldError(i.field, i.code, i.message_zh, i.message_en) for i in checked.errors]
    return Problem(
        422,
        "申请信息有误",
        "The application has errors",
        f"共 {len(errors)} 处需要修改",
        f"{len(errors)} problem(s) to fix",
        errors,
    )


@router.post("/{theme_id}/check", summary="Check a filled form as a submission would be checked (预审)")
def post_check(request: Request, theme_id: str, body: FormBody) -> dict[str, Any]:
    checked = _check(request, theme_id, body)
    if not checked.ok:
        raise _refuse(checked)
    en = wants_english(request)
    return {
        "ok": True,
        "items": [
            {"code": it.code, "name": it.name, "department": it.department.value} for it in checked.spec.items
        ],
        "not_applicable": [{"code": c, "reason": r} for c, r in checked.dropped.items()],
        "warnings": [
            {"field": i.field, "code": i.code, "message": i.message("en" if en else "zh")}
            for i in checked.warnings
        ],
        "payloads": [
            {
                "item": p.item,
                "department": p.department,
                "system": p.system,
                "employee": p.employee,
                "payload": p.payload,
            }
            for p in checked.payloads
        ],
    }


@router.post(
    "/{theme_id}/application.pdf",
    summary="The merged application as a PDF (电子表单套打)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def post_pdf(request: Request, theme_id: str, body: FormBody) -> Response:
    checked = _check(request, theme_id, body)
    data = application_pdf(
        catalogue_of(request), checked.spec, {**body.form, **checked.values}, checked.employees
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{theme_id}.pdf"'},
    )
