"""Pre-check and print (预审、套打): the one form checked as a submission would be, without filing it.

``POST /api/v1/themes/{theme_id}/check`` answers what ``POST /api/v1/applications`` would refuse
(422 with every field error) or accept (the items that stay, those dropped with the reason, the
warnings and each department's payload). ``POST /api/v1/themes/{theme_id}/application.pdf`` prints
the merged application. Both only for a logged-in applicant, with what she may see
(:func:`lianban.forms.service.precheck`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from lianban.cases.service import hires_filed
from lianban.forms.printing import application_pdf
from lianban.forms.service import FilledForm, precheck, refusal
from lianban.web.api.answers import Answer, FieldMessage, NotApplicable
from lianban.web.auth import identity_of
from lianban.web.deps import platform_of
from lianban.web.problems import wants_english

router = APIRouter(prefix="/api/v1/themes", tags=["forms"])


class FormBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[str] | None = None
    situation: dict[str, str] | None = None
    form: dict[str, Any] = Field(default_factory=dict)
    facts: dict[str, Any] | None = Field(default=None, description="sandbox only: facts to assume")


def filled(body: FormBody) -> FilledForm:
    return FilledForm(items=body.items, situation=body.situation, form=body.form, facts=body.facts)


class ItemEntry(Answer):
    code: str
    name: str
    department: str


class Payload(Answer):
    """One department's share of the form (拆分还原), in its own field names."""

    item: str
    department: str
    system: str | None = None
    employee: int | None = None
    payload: dict[str, Any]


class Checked(Answer):
    ok: bool
    items: list[ItemEntry]
    not_applicable: list[NotApplicable]
    warnings: list[FieldMessage]
    payloads: list[Payload]


@router.post(
    "/{theme_id}/check",
    summary="Check a filled form as a submission would be checked (预审)",
    response_model=Checked,
    response_model_exclude_unset=True,
)
def post_check(request: Request, theme_id: str, body: FormBody) -> dict[str, Any]:
    checked = precheck(platform_of(request), identity_of(request), theme_id, filled(body), hires_filed)
    if not checked.ok:
        raise refusal(checked)
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
    checked = precheck(platform_of(request), identity_of(request), theme_id, filled(body), hires_filed)
    data = application_pdf(
        platform_of(request).catalogue, checked.spec, {**body.form, **checked.values}, checked.employees
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{theme_id}.pdf"'},
    )
