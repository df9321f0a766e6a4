"""补正 on the page: a department sent items back; the applicant sees each reason and changes only
the fields of those items, then resubmits them.

What is asked is :func:`lianban.cases.corrections.correction_request`'s, the resubmission
:func:`lianban.cases.corrections.correct`'s (the whole form checked again, each returned item a
new request to its department). An error comes back beside its field, every one at once, with
what was typed kept.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from lianban.cases.corrections import CorrectionRequest, correct, correction_request
from lianban.errors import Invalid
from lianban.web.deps import platform_of
from lianban.web.pages.my_cases import applicant, theme_name
from lianban.web.pages.portal import department_names
from lianban.web.pages.rendering import redirect, render
from lianban.web.pages.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PARTS = {"address": ("region", "detail"), "date_range": ("start", "end"), "month_range": ("start", "end")}
INPUT_TYPES = {"date": "date", "month": "month", "email": "email", "mobile": "tel", "phone": "tel"}
NUMERIC = ("integer", "decimal", "money", "percent")


def typed_values(asked: CorrectionRequest, form: FormData) -> dict[str, Any]:
    """The values typed for the asked fields, in the form's own shapes (an address, a range …);
    a field left empty keeps the case's value."""
    out: dict[str, Any] = {}
    for f in asked.fields:
        if f.get("locked"):
            continue  # verified by data sharing: not the applicant's to change
        key, kind = f["key"], f["type"]
        if kind in PARTS:
            parts = {p: str(form.get(f"{key}.{p}") or "").strip() for p in PARTS[kind]}
            if any(parts.values()):
                out[key] = {p: v or None for p, v in parts.items()}
        elif kind == "codes":
            chosen = [str(v) for v in form.getlist(key) if str(v)]
            if chosen:
                out[key] = chosen
        else:
            value = str(form.get(key) or "").strip()
            if value:
                out[key] = value
    return out


def _shown(asked: CorrectionRequest, typed: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The asked fields with what to show in them: what was just typed, else the case's value."""
    typed = typed or {}
    return [{**f, "value": typed.get(f["key"], f.get("value"))} for f in asked.fields]


def _page(
    request: Request,
    asked: CorrectionRequest,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    others: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "correct.html",
        {
            "asked": asked,
            "fields": _shown(asked, typed),
            "theme_name": theme_name(request, asked.theme_id),
            "departments": department_names(request),
            "errors": errors or {},
            "others": others or [],
            "input_types": INPUT_TYPES,
            "numeric": NUMERIC,
        },
        status=status,
    )


@router.get("/my/{case_id}/correct", response_class=HTMLResponse)
def correction_page(request: Request, case_id: str) -> Response:
    identity = applicant(request)
    return _page(request, correction_request(platform_of(request), identity, case_id))


@router.post("/my/{case_id}/correct", response_class=HTMLResponse)
async def resubmit(request: Request, case_id: str) -> Response:
    identity = applicant(request)
    ctx = platform_of(request)
    asked = correction_request(ctx, identity, case_id)  # 409 when nothing (any more) was sent back
    typed = typed_values(asked, await request.form())
    try:
        correct(ctx, identity, case_id, typed, [])
    except Invalid as refused:
        asked_keys = {f["key"] for f in asked.fields}
        errors: dict[str, str] = {}
        others: list[str] = []
        for e in refused.errors:
            key = next((k for k in sorted(asked_keys, key=len, reverse=True) if e.field.startswith(k)), None)
            if key is not None:
                errors.setdefault(key, e.message_zh)
            else:  # a field of the form outside the returned items (rare): said above the form
                others.append(e.message_zh)
        return _page(request, asked, typed, errors, others, status=422)
    return redirect(request, f"/my/{quote(case_id)}?done=corrected")
