"""An employer's new employees on the apply pages (新招用员工): rows entered by ID number — what
data sharing knows about the person fills the row and is locked at once — or read from the
employee sheet (员工花名册, .xlsx) by the sheet reader the API uses. Every bad row and column is
shown at once; the good rows stay in the draft while the bad ones are fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from lianban.bootstrap import Platform
from lianban.forms.issues import FieldIssue
from lianban.forms.regions import deployment_regions
from lianban.forms.service import HIDDEN, read_sheet
from lianban.forms.sheet import SheetRefused
from lianban.forms.spec import FormSpec
from lianban.forms.submission import CheckedSubmission
from lianban.forms.uploads import UploadTooLarge, read_limited
from lianban.web.deps import platform_of
from lianban.web.limits import DEFAULT_MAX_BODY_BYTES
from lianban.web.pages import apply_fields as fields
from lianban.web.pages.apply_flow import (
    ApplyFlow,
    State,
    employee_prefill,
    filled,
    prefill,
    save_state,
    theme,
)
from lianban.web.pages.apply_flow import load_state as load

ID_KEY = "person.id_number"
NAME_KEY = "person.name"


def _rows(state: State) -> list[dict[str, Any]]:
    rows = state.form.get("employees")
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def read_rows(ctx: Platform, flow: ApplyFlow, spec: FormSpec, posted: FormData) -> list[dict[str, Any]]:
    """The employees' rows as the page holds them (a row's ID number is always posted)."""
    raw = str(posted.get("employees.count") or "0")
    count = min(int(raw), 5000) if raw.isdigit() else 0
    numbers = [str(posted.get(fields.html_name(ID_KEY, i)) or "").strip().upper() for i in range(count)]
    verified = employee_prefill(ctx, flow, [{ID_KEY: n} for n in numbers])
    rows = []
    for i, number in enumerate(numbers):
        row = fields.read_fields(spec.employee_fields, posted, {**verified[i], ID_KEY: number}, row=i)
        rows.append({ID_KEY: number, **row} if number else row)
    return rows


def act(state: State, action: str, posted: FormData) -> bool:
    """Add an employee by ID number, or remove one; True when the form is to be shown again."""
    rows = _rows(state)
    if action == "add":
        number = str(posted.get("new_employee") or "").strip().upper()
        if number:
            rows.append({ID_KEY: number})
        state.form["employees"] = rows
        return True
    if action.startswith("remove:") and action[7:].isdigit():
        index = int(action[7:])
        if index < len(rows):
            rows.pop(index)
        state.form["employees"] = rows
        return True
    return False


def note(action: str) -> str:
    return "已添加：已按身份证号码从数据共享带出并锁定核验信息。" if action == "add" else "已删除该员工。"


def row_views(
    ctx: Platform,
    flow: ApplyFlow,
    spec: FormSpec,
    state: State,
    errors: dict[str, str],
    pending: dict[str, str],
    open_row: int | None = None,
) -> list[dict[str, Any]]:
    """Each employee as a card: the verified values locked, the rest as inputs, its errors beside.
    A row with something still to fix (``pending``), a new one, or one without a name stays open."""
    rows = _rows(state)
    verified = employee_prefill(ctx, flow, rows)
    views = []
    for i, row in enumerate(rows):
        mine = [n for n in errors if n.startswith(f"employees.{i}.")]
        shared = verified[i].get(NAME_KEY)
        name = str(row.get(NAME_KEY) or (shared if shared not in (None, HIDDEN) else "") or "")
        known = bool(name or shared)  # a name data sharing holds, even if not shown before filing
        todo = any(n.startswith(f"employees.{i}.") for n in pending)
        views.append(
            {
                "index": i,
                "id_number": str(row.get(ID_KEY) or ""),
                "name": name,
                "sections": fields.sections(
                    ctx.catalogue,
                    spec,
                    row,
                    verified[i],
                    errors,
                    row=i,
                    regions=deployment_regions(ctx.settings),
                ),
                "errors": len(mine),
                "open": bool(mine) or todo or not known or i == open_row,
            }
        )
    return views


def review_rows(ctx: Platform, flow: ApplyFlow, checked: CheckedSubmission) -> list[dict[str, Any]]:
    """The employees as the review page lists them (checked values, verified ones included)."""
    if theme(ctx, flow).applicant_type != "employer":
        return []
    verified = employee_prefill(ctx, flow, checked.employees)
    return [
        {
            "index": i,
            "sections": fields.sections(
                ctx.catalogue,
                checked.spec,
                {**verified[i], **row},
                verified[i],
                {},
                row=i,
                regions=deployment_regions(ctx.settings),
            ),
        }
        for i, row in enumerate(checked.employees)
    ]


def summary(spec: FormSpec, issues: Sequence[FieldIssue]) -> list[dict[str, str]]:
    """Every error once, at the top, each linked to its field where it has one."""
    known = {fields.html_name(f.key) for f in spec.header_fields}
    out = []
    for issue in issues:
        name = fields.issue_name(issue)
        target = next((k for k in known if name == k or name.startswith(k + ".")), None)
        if target is None and name.startswith("employees."):
            parts = name.split(".")
            key = next((f.key for f in spec.employee_fields if ".".join(parts[2:]).startswith(f.key)), None)
            target = f"employees.{parts[1]}.{key}" if key else None
        out.append({"message": issue.message_zh, "href": f"#{fields.html_id(target)}" if target else ""})
    return out


def _import_sheet(request: Request, flow: ApplyFlow, upload: UploadFile) -> tuple[State, list[str]]:
    """Read the sheet as the API does; its rows join the draft (bad cells as typed)."""
    ctx = platform_of(request)
    state = load(ctx, flow)
    t = theme(ctx, flow)
    header = filled(flow, state).form
    header = {k: v for k, v in header.items() if k != "employees"}
    try:
        data = read_limited(upload.file, DEFAULT_MAX_BODY_BYTES)
    except UploadTooLarge:
        return state, ["文件过大"]
    try:
        result = read_sheet(
            ctx,
            t,
            flow.filer,
            data,
            situation=state.situation or None,
            form=header,
            prefill=prefill(ctx, flow),
            facts_form={**header, **flow.applicant.form_keys()},
        )
    except SheetRefused as exc:
        return state, [exc.message_zh]
    start = len(_rows(state))
    state.form["employees"] = _rows(state) + result.employees
    state.step = "form"
    save_state(ctx, flow, state)
    shifted = []
    for issue in result.errors:  # the reader's words name the sheet's row and column
        shifted.append(
            issue.message_zh if start == 0 else f"（第 {start + 1} 名起为本次导入）{issue.message_zh}"
        )
    return state, shifted


FormPage = Callable[..., HTMLResponse]


def add_routes(
    router: APIRouter, pattern: str, flow_of: Callable[[Request, str], ApplyFlow], form_page: FormPage
) -> None:
    @router.post(pattern + "/sheet", response_class=HTMLResponse)
    async def upload_sheet(request: Request, theme_id: str) -> Response:
        """员工花名册 uploaded: every bad row and column shown at once, the good rows kept."""
        flow = flow_of(request, theme_id)
        posted = await request.form()
        upload = posted.get("sheet")
        if not isinstance(upload, UploadFile) or not upload.filename:
            state = await run_in_threadpool(load, platform_of(request), flow)
            return await run_in_threadpool(
                lambda: form_page(request, flow, state, status=422, note="请选择要上传的员工花名册（.xlsx）")
            )
        state, problems = await run_in_threadpool(_import_sheet, request, flow, upload)
        imported = len(_rows(state))
        text = f"已读取员工花名册，共 {imported} 名员工。" + (
            f"有 {len(problems)} 处需要修改，见下方标红处。" if problems else "全部通过检查。"
        )
        return await run_in_threadpool(
            lambda: form_page(
                request, flow, state, status=422 if problems else 200, note=text, sheet_problems=problems
            )
        )
