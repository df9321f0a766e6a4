"""The employee sheet (员工花名册) over HTTP: download the template, upload it filled in.

An employer hiring many people (批量导入员工花名册):

1. ``GET /api/v1/themes/{theme_id}/employee-sheet`` — the theme's sheet (.xlsx). Optional query:
   ``items`` (repeatable: the items to apply for) and any of the theme's situation ids with an
   option code (``?housing_fund_relief=apply``), which decide the columns; ``Accept-Language: en``
   gives English headings. Public, like the guide.
2. ``POST /api/v1/themes/{theme_id}/employee-sheet`` — multipart ``file`` (the filled sheet) and
   optionally ``items`` (JSON list), ``situation`` and ``form`` (JSON objects: the employer fields
   the application will carry). An employer or a window clerk's bearer token, as for filing.
   Answer ``200 {"rows", "employees", "errors", "warnings", "sheet_rows"}``: one employee per
   non-empty row in canonical form, and every problem as ``{field, code, message}`` —
   ``employees[i].<key>`` with the sheet row and column in the message, as the 422 of
   ``POST /api/v1/applications`` would name it. A file that is no readable .xlsx (or has more
   than ``LIANBAN_SHEET_MAX_ROWS`` employees, default 5,000) is a 422 problem on ``file``.
3. ``POST /api/v1/applications`` with ``form.employees`` = ``employees`` plus the employer fields.

A person's theme has no employees: 409. Uploads stay under the 20 MiB body limit (web/limits.py).
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from lianban.catalog.model import Theme
from lianban.forms.service import read_sheet, theme_of
from lianban.forms.sheet import (
    DEFAULT_MAX_ROWS,
    XLSX_MEDIA_TYPE,
    Language,
    SheetRefused,
    employee_sheet_template,
    sheet_filename,
)
from lianban.forms.spec import UnknownItems
from lianban.forms.uploads import UploadTooLarge, read_limited
from lianban.security.tokens import Identity, Role
from lianban.web.api.themes import catalogue_of
from lianban.web.auth import require_identity
from lianban.web.deps import platform_of
from lianban.web.limits import DEFAULT_MAX_BODY_BYTES
from lianban.web.problems import FieldError, Problem, wants_english

router = APIRouter(prefix="/api/v1/themes", tags=["forms"])

UPLOADERS = {Role.EMPLOYER, Role.WINDOW_CLERK}


def max_rows(request: Request) -> int:
    """Employees one sheet may hold: the deployment's ``LIANBAN_SHEET_MAX_ROWS`` (default 5,000)."""
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "sheet_max_rows", DEFAULT_MAX_ROWS))


def _employer_theme(request: Request, theme_id: str) -> Theme:
    theme = theme_of(platform_of(request), theme_id)
    if theme.applicant_type != "employer":
        raise Problem(
            409,
            "该主题没有员工花名册",
            "No employee sheet",
            f"“{theme.name}”由个人申请，没有新招用员工，不使用员工花名册",
            f"{theme.name_en} is applied for by a person: it has no employees and no employee sheet",
        )
    return theme


def _unknown_items(exc: UnknownItems) -> Problem:
    errors = [
        FieldError("items", "code_list", f"未知的事项编码 {c}", f"unknown item code {c}") for c in exc.codes
    ]
    return Problem(422, "请求参数有误", "Invalid request", errors[0].message_zh, errors[0].message_en, errors)


def _json_part(name: str, raw: str | None, kind: type) -> Any:
    """An optional multipart field holding JSON of the given kind (list or dict)."""
    if raw is None or not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if kind is list and isinstance(raw, str) and value is None:
        value = [p.strip() for p in raw.split(",") if p.strip()]  # items=a,b
    if not isinstance(value, kind):
        shape = ("JSON 数组", "a JSON list") if kind is list else ("JSON 对象", "a JSON object")
        error = FieldError(name, "format", f"{name} 应为{shape[0]}", f"{name} must be {shape[1]}")
        raise Problem(422, "请求参数有误", "Invalid request", error.message_zh, error.message_en, [error])
    return value


@router.get(
    "/{theme_id}/employee-sheet",
    summary="The employee sheet template of an employer theme (员工花名册, .xlsx)",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}},
)
def get_employee_sheet(
    request: Request,
    theme_id: str,
    items: Annotated[list[str] | None, Query(description="the items to apply for (default: all)")] = None,
) -> Response:
    theme = _employer_theme(request, theme_id)
    situation = {s.id: request.query_params[s.id] for s in theme.situations if s.id in request.query_params}
    language: Language = "en" if wants_english(request) else "zh"
    try:
        data = employee_sheet_template(
            catalogue_of(request),
            theme,
            language,
            items=items,
            situation=situation,
            max_rows=max_rows(request),
        )
    except UnknownItems as exc:
        raise _unknown_items(exc) from None
    name = sheet_filename(theme, language)
    disposition = f"attachment; filename=\"{theme.id}-employees.xlsx\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition})


@router.post("/{theme_id}/employee-sheet", summary="Upload a filled employee sheet: read and checked by row")
def post_employee_sheet(
    request: Request,
    theme_id: str,
    identity: Annotated[Identity, Depends(require_identity)],
    file: Annotated[UploadFile, File(description="the filled employee sheet (.xlsx)")],
    items: Annotated[str | None, Form(description="JSON list of item codes")] = None,
    situation: Annotated[str | None, Form(description="JSON object: situation answers")] = None,
    form: Annotated[str | None, Form(description="JSON object: the employer fields")] = None,
) -> dict[str, Any]:
    if identity.role not in UPLOADERS:
        raise Problem(
            403,
            "无权执行此操作",
            "Forbidden",
            "只有用人单位或综窗工作人员可以上传员工花名册",
            "only an employer or a window clerk uploads an employee sheet",
        )
    theme = _employer_theme(request, theme_id)
    chosen = _json_part("items", items, list)
    answers = _json_part("situation", situation, dict)
    header = _json_part("form", form, dict) or {}
    try:
        data = read_limited(file.file, DEFAULT_MAX_BODY_BYTES)
    except UploadTooLarge:
        raise Problem(413, "请求体过大", "Request body too large") from None
    try:
        result = read_sheet(
            platform_of(request),
            theme,
            identity,
            data,
            items=[str(c) for c in chosen] if chosen is not None else None,
            situation={str(k): str(v) for k, v in answers.items()} if answers else None,
            form=header,
        )
    except SheetRefused as exc:
        error = FieldError("file", "format", exc.message_zh, exc.message_en)
        raise Problem(
            exc.status,
            "无法读取员工花名册",
            "The employee sheet cannot be read",
            exc.message_zh,
            exc.message_en,
            [error],
        ) from None
    except UnknownItems as exc:
        raise _unknown_items(exc) from None
    lang = "en" if wants_english(request) else "zh"
    return {
        "rows": len(result.employees),
        "employees": result.employees,
        "errors": [{"field": i.field, "code": i.code, "message": i.message(lang)} for i in result.errors],
        "warnings": [{"field": i.field, "code": i.code, "message": i.message(lang)} for i in result.warnings],
        "sheet_rows": result.rows,
    }
