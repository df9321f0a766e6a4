"""补正 on the page: a department sent items back; the applicant sees each reason and changes only
the fields of those items, adds the materials they need, then resubmits them.

What is asked is :func:`lianban.cases.corrections.correction_request`'s, the resubmission
:func:`lianban.cases.corrections.correct`'s (the whole form checked again, each returned item a
new request to its department), a file's checks :func:`lianban.cases.uploads.accept_upload`'s. An
error comes back beside its field or material, every one at once, with what was typed kept and the
files already accepted held (their upload ids ride along in the form).

An employer whose employees were sent back answers on the same page: each of those employees'
rows with only the returned items' columns (:mod:`.correction_rows`), the other rows and columns
kept as filed by the service; an error comes back beside its cell, every row's typed values kept.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from lianban.cases.corrections import CorrectionRequest, correct, correction_request
from lianban.cases.uploads import accept_upload
from lianban.context import Context
from lianban.errors import Invalid
from lianban.security.tokens import Identity
from lianban.web.deps import platform_of
from lianban.web.pages import correction_rows
from lianban.web.pages.my_cases import applicant, theme_name
from lianban.web.pages.portal import department_names
from lianban.web.pages.rendering import redirect, render
from lianban.web.pages.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PARTS = {"address": ("region", "detail"), "date_range": ("start", "end"), "month_range": ("start", "end")}
INPUT_TYPES = {"date": "date", "month": "month", "email": "email", "mobile": "tel", "phone": "tel"}
NUMERIC = ("integer", "decimal", "money", "percent")


def typed_values(asked: CorrectionRequest, form: FormData) -> dict[str, Any]:
    """The values typed for the asked fields, in the form's own shapes (an address, a range …).
    The page shows each field with the case's value, so a field posted empty was emptied: None,
    which clears an optional value (a required one is refused naming it); a field not posted at
    all keeps the case's value."""
    out: dict[str, Any] = {}
    for f in asked.fields:
        if f.get("locked"):
            continue  # verified by data sharing: not the applicant's to change
        key, kind = f["key"], f["type"]
        if kind in PARTS:
            if not any(f"{key}.{p}" in form for p in PARTS[kind]):
                continue
            parts = {p: str(form.get(f"{key}.{p}") or "").strip() for p in PARTS[kind]}
            out[key] = {p: v or None for p, v in parts.items()} if any(parts.values()) else None
        elif kind == "codes":
            if key in form:  # a hidden empty value rides with the boxes: none ticked is posted too
                out[key] = [str(v) for v in form.getlist(key) if str(v)] or None
        elif key in form:
            out[key] = str(form.get(key) or "").strip() or None
    return out


def _shown(asked: CorrectionRequest, typed: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The asked fields with what to show in them: what was just typed, else the case's value."""
    typed = typed or {}
    return [{**f, "value": typed.get(f["key"], f.get("value"))} for f in asked.fields]


def _page(
    request: Request,
    identity: Identity,
    asked: CorrectionRequest,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    others: list[str] | None = None,
    uploaded: dict[str, dict[str, str]] | None = None,
    rows: dict[int, dict[str, Any]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    views = correction_rows.row_views(platform_of(request), asked, rows or {}, errors or {})
    return render(
        request,
        "correct.html",
        {
            "asked": asked,
            "fields": _shown(asked, typed),
            "rows": views,
            "row_errors": correction_rows.summary(views),
            "flow": correction_rows.picker_flow(identity, asked),
            "theme_name": theme_name(request, asked.theme_id),
            "departments": department_names(request),
            "errors": errors or {},
            "others": others or [],
            "uploaded": uploaded or {},
            "input_types": INPUT_TYPES,
            "numeric": NUMERIC,
        },
        status=status,
    )


@router.get("/my/{case_id}/correct", response_class=HTMLResponse)
def correction_page(request: Request, case_id: str) -> Response:
    identity = applicant(request)
    return _page(request, identity, correction_request(platform_of(request), identity, case_id))


def kept_uploads(asked: CorrectionRequest, form: FormData) -> dict[str, dict[str, str]]:
    """Files accepted on an earlier try of this page (material → upload id and file name)."""
    out: dict[str, dict[str, str]] = {}
    for m in asked.materials:
        upload_id = str(form.get(f"upload:{m['id']}") or "")
        if upload_id:
            out[m["id"]] = {"upload_id": upload_id, "filename": str(form.get(f"uploadname:{m['id']}") or "")}
    return out


def _take_files(
    ctx: Context,
    identity: Identity,
    asked: CorrectionRequest,
    form: FormData,
    uploaded: dict[str, dict[str, str]],
) -> dict[str, str]:
    """Check and keep each chosen file (into ``uploaded``); the refusals by material."""
    errors: dict[str, str] = {}
    for m in asked.materials:
        file = form.get(f"file:{m['id']}")
        if not isinstance(file, UploadFile) or not file.filename:
            continue
        try:
            found = accept_upload(ctx, identity, m["id"], asked.theme_id, file.filename, file.file)
        except Invalid as refused:
            errors[m["id"]] = "；".join(e.message_zh for e in refused.errors) or (refused.detail_zh or "")
            continue
        uploaded[m["id"]] = {"upload_id": found["upload_id"], "filename": file.filename[:255]}
    return errors


def _field_errors(
    asked: CorrectionRequest, refused: Invalid, materials: list[dict[str, str]]
) -> tuple[dict[str, str], list[str]]:
    """The refusal's errors beside the asked fields and materials; the rest (rare) said above."""
    keys = sorted((f["key"] for f in asked.fields), key=len, reverse=True)
    errors: dict[str, str] = {}
    others: list[str] = []
    for e in refused.errors:
        sent = re.fullmatch(r"materials\[(\d+)\].*", e.field)
        if sent and int(sent[1]) < len(materials):  # a file reference, by its place in the list sent
            key: str | None = f"material:{materials[int(sent[1])]['material_id']}"
        elif e.field.startswith("employees"):  # an employee's cell, by its input's name
            key = correction_rows.cell_of(asked, e.field)
        else:
            key = next((k for k in keys if e.field.startswith(k)), None)
        if key is not None:
            errors.setdefault(key, e.message_zh)
        else:
            others.append(correction_rows.whose(e.field) + e.message_zh)
    return errors, others


@router.post("/my/{case_id}/correct", response_class=HTMLResponse)
async def resubmit(request: Request, case_id: str) -> Response:
    identity = applicant(request)
    form = await request.form()
    return await run_in_threadpool(_resubmit, request, identity, case_id, form)


def _resubmit(request: Request, identity: Identity, case_id: str, form: FormData) -> Response:
    ctx = platform_of(request)
    asked = correction_request(ctx, identity, case_id)  # 409 when nothing (any more) was sent back
    typed = typed_values(asked, form)
    rows = correction_rows.typed_rows(asked, form)
    uploaded = kept_uploads(asked, form)
    file_errors = _take_files(ctx, identity, asked, form, uploaded)
    if file_errors:
        errors = {f"material:{k}": v for k, v in file_errors.items()}
        return _page(request, identity, asked, typed, errors, uploaded=uploaded, rows=rows, status=422)
    materials = [{"material_id": k, "upload_id": v["upload_id"]} for k, v in uploaded.items()]
    try:
        correct(ctx, identity, case_id, typed, materials, rows=rows, asked=asked)
    except Invalid as refused:
        errors, others = _field_errors(asked, refused, materials)
        return _page(request, identity, asked, typed, errors, others, uploaded, rows, status=422)
    return redirect(request, f"/my/{quote(case_id)}?done=corrected")
