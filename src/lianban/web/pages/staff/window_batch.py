"""单位批量申报 at the window: an employer's employee sheet (员工花名册, .xlsx) brought on a USB
stick, read and checked row by row exactly as a filing would check it, every bad row shown with
its sheet row, column and the rule it breaks. Reading and checking are
:func:`lianban.forms.sheet.read_employee_sheet`'s; the employer's data from data sharing."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from lianban.errors import Invalid
from lianban.forms.service import read_sheet, theme_of
from lianban.forms.sheet import SheetRefused
from lianban.forms.uploads import UploadTooLarge, read_limited
from lianban.security.tokens import Identity, Role
from lianban.web.deps import platform_of
from lianban.web.limits import DEFAULT_MAX_BODY_BYTES
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff.access import render_staff, staff_caller
from lianban.web.problems import wants_english
from lianban.window.service import subject_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ROW = re.compile(r"employees\[(\d+)\]")


def _employer_themes(request: Request) -> list[tuple[str, str]]:
    themes = request.app.state.catalogue.themes.values()
    return sorted((t.id, t.name) for t in themes if t.applicant_type == "employer")


def _page(
    request: Request,
    identity: Identity,
    typed: dict[str, str] | None = None,
    result: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render_staff(
        request,
        identity,
        "staff/window_batch.html",
        {
            "themes": _employer_themes(request),
            "typed": typed or {},
            "result": result,
            "errors": errors or {},
        },
        status=status,
    )


@router.get("/staff/window/batch", response_class=HTMLResponse)
def batch_page(request: Request) -> HTMLResponse:
    return _page(request, staff_caller(request, Role.WINDOW_CLERK))


def _by_row(result: Any, lang: str) -> list[dict[str, Any]]:
    """Every bad row: its sheet row and its problems, in sheet order."""
    rows: dict[int, list[str]] = {}
    other: list[str] = []
    for issue in result.errors:
        found = ROW.match(issue.field)
        if found is None:
            other.append(issue.message(lang))
            continue
        index = int(found[1])
        sheet_row = result.rows[index] if index < len(result.rows) else index + 1
        rows.setdefault(sheet_row, []).append(issue.message(lang))
    out = [{"row": row, "problems": problems} for row, problems in sorted(rows.items())]
    if other:
        out.insert(0, {"row": None, "problems": other})
    return out


@router.post("/staff/window/batch", response_class=HTMLResponse)
def check_batch(
    request: Request,
    theme_id: Annotated[str, Form(max_length=100)] = "",
    uscc: Annotated[str, Form(max_length=40)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    identity = staff_caller(request, Role.WINDOW_CLERK)
    typed = {"theme_id": theme_id, "uscc": uscc}
    errors: dict[str, str] = {}
    if theme_id not in dict(_employer_themes(request)):
        errors["theme_id"] = "请选择单位办理的主题"
    try:
        subject = subject_of(uscc)
    except Invalid:  # shown beside the field below
        subject = ""
    if not subject.startswith("employer:"):
        errors["uscc"] = "请输入有效的 18 位统一社会信用代码"
    data = b""
    if file is None or not file.filename:
        errors["file"] = "请选择员工花名册文件（.xlsx）"
    else:
        try:
            data = read_limited(file.file, DEFAULT_MAX_BODY_BYTES)
        except UploadTooLarge:
            errors["file"] = "文件过大"
    if errors:
        return _page(request, identity, typed, errors=errors, status=422)
    ctx = platform_of(request)
    theme = theme_of(ctx, theme_id)
    header = {"employer.uscc": subject.partition(":")[2]}
    try:
        result = read_sheet(ctx, theme, identity, data, form=header)
    except SheetRefused as exc:
        message = exc.message_en if wants_english(request) else exc.message_zh
        return _page(request, identity, typed, errors={"file": message}, status=422)
    lang = "en" if wants_english(request) else "zh"
    bad = _by_row(result, lang)
    answer = {
        "theme_name": theme.name,
        "employees": len(result.employees),
        "bad_rows": bad,
        "bad_count": sum(1 for b in bad if b["row"] is not None),
        "warnings": [w.message(lang) for w in result.warnings],
    }
    return _page(request, identity, typed, result=answer, status=422 if bad else 200)
