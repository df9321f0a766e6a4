"""The merged form (一张表单): POST /api/v1/themes/{theme_id}/form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from lianban.forms.service import theme_of
from lianban.forms.spec import UnknownItems, build_form, form_answer
from lianban.web.api.themes import catalogue_of
from lianban.web.auth import identity_of
from lianban.web.deps import platform_of
from lianban.web.problems import FieldError, invalid, wants_english
from lianban.web.sharing import prefill_for

router = APIRouter(prefix="/api/v1/themes", tags=["forms"])


class FormRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[str] | None = Field(default=None, description="事项编码；省略为全部适用事项")
    situation: dict[str, str] | None = Field(default=None, description="情形选项")


@router.post("/{theme_id}/form", summary="The one merged form for the chosen items and situation")
def post_form(request: Request, theme_id: str, body: FormRequest | None = None) -> dict[str, Any]:
    theme = theme_of(platform_of(request), theme_id)
    body = body or FormRequest()
    situation = body.situation or {}
    errors: list[FieldError] = []
    options = {s.id: {o.code for o in s.options} for s in theme.situations}
    for sid, code in situation.items():
        if sid not in options:
            errors.append(
                FieldError(
                    f"situation.{sid}", "unknown", f"主题没有情形 {sid}", f"the theme has no situation {sid}"
                )
            )
        elif code not in options[sid]:
            errors.append(
                FieldError(
                    f"situation.{sid}",
                    "code_list",
                    f"情形 {sid} 的选项应为 {'、'.join(sorted(options[sid]))} 之一",
                    f"situation {sid} must be one of {', '.join(sorted(options[sid]))}",
                )
            )
    try:
        spec = build_form(catalogue_of(request), theme, body.items, situation)
    except UnknownItems as exc:
        errors += [
            FieldError("items", "code_list", f"未知的事项编码 {c}", f"unknown item code {c}")
            for c in exc.codes
        ]
    if errors:
        raise invalid(errors)
    prefill = prefill_for(request, identity_of(request))
    return form_answer(
        catalogue_of(request), spec, prefill=prefill, lang="en" if wants_english(request) else "zh"
    )
