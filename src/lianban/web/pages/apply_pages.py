"""The apply flow's pages (在线申请页面), for any filer: :func:`apply_router` mounts them under a
URL pattern and resolves each request's :class:`~.apply_flow.ApplyFlow` through ``flow_of`` (see
:mod:`.apply_flow` for the entry points). Every page is a full page that also works without
JavaScript; with htmx, forms swap ``#main`` in place, the region picker and the housing-fund
amounts refresh as the person types, and the form is kept as a draft on every change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from lianban.cases.service import case_view
from lianban.cases.uploads import accept_upload
from lianban.catalog.model import department_name
from lianban.errors import Invalid
from lianban.forms.regions import deployment_regions
from lianban.forms.service import housing_fund_preview
from lianban.forms.spec import asked_situations, build_form
from lianban.forms.submission import CheckedSubmission
from lianban.receipts import service as receipts
from lianban.web.deps import platform_of
from lianban.web.pages import apply_employees as employees
from lianban.web.pages import apply_fields as fields
from lianban.web.pages.apply_flow import (
    EMPLOYER_STEPS,
    STEPS,
    ApplyFlow,
    State,
    blockers,
    check_state,
    file_state,
    load_state,
    prefill,
    save_state,
    theme,
)
from lianban.web.pages.rendering import redirect, render
from lianban.web.pages.route import PageRoute

FlowOf = Callable[[Request, str], ApplyFlow]


def _render(
    request: Request, flow: ApplyFlow, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    t = theme(platform_of(request), flow)
    steps = EMPLOYER_STEPS if t.applicant_type == "employer" else STEPS
    return render(
        request, f"apply/{name}.html", {"flow": flow, "theme": t, "steps": steps, **context}, status
    )


def _blocked(request: Request, flow: ApplyFlow, reasons: list[str]) -> HTMLResponse:
    return _render(request, flow, "blocked", {"step": "situation", "reasons": reasons})


def _situation_page(
    request: Request, flow: ApplyFlow, state: State, error: str | None = None
) -> HTMLResponse:
    ctx = platform_of(request)
    t = theme(ctx, flow)
    spec = build_form(ctx.catalogue, t, None, state.situation)
    asked = set(asked_situations(t, spec.situation, [it.code for it in spec.items]))
    questions = [
        {"id": s.id, "question": s.question, "options": s.options, "value": spec.situation.get(s.id, "")}
        for s in t.situations
        if s.id in asked
    ]
    return _render(
        request,
        flow,
        "situation",
        {"step": "situation", "questions": questions, "error": error},
        status=422 if error else 200,
    )


def form_page(
    request: Request,
    flow: ApplyFlow,
    state: State,
    checked: CheckedSubmission | None = None,
    status: int = 200,
    note: str | None = None,
    sheet_problems: list[str] | None = None,
    open_row: int | None = None,
) -> HTMLResponse:
    """The one form: the applicant's sections (and, for an employer, the employees' rows), with
    every error of ``checked`` beside its field and in a summary at the top."""
    ctx = platform_of(request)
    checked = checked or check_state(ctx, flow, state)
    issues = checked.errors if status != 200 or request.query_params.get("check") else []
    if sheet_problems is not None:  # after a sheet: its rows' problems (the header comes at 下一步)
        issues = [i for i in issues if i.field.startswith("employees")]
    errors = fields.error_map(issues)
    verified = prefill(ctx, flow)
    context: dict[str, Any] = {
        "step": "form",
        "sections": fields.sections(
            ctx.catalogue,
            checked.spec,
            state.form,
            verified,
            errors,
            regions=deployment_regions(ctx.settings),
        ),
        "issues": issues,
        "summary": employees.summary(checked.spec, issues),
        "not_applicable": checked.dropped,
        "state": state,
        "note": note,
        "sheet_problems": sheet_problems or [],
        "open_row": open_row,
    }
    if theme(ctx, flow).applicant_type == "employer":
        context["rows"] = employees.row_views(
            ctx, flow, checked.spec, state, errors, fields.error_map(checked.errors), open_row
        )
    return _render(request, flow, "form", context, status)


def _materials_page(
    request: Request, flow: ApplyFlow, state: State, errors: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    ctx = platform_of(request)
    spec = check_state(ctx, flow, state).spec
    uploaded = {str(m["material_id"]): m for m in state.materials}
    return _render(
        request,
        flow,
        "materials",
        {
            "step": "materials",
            "materials": spec.materials,
            "uploaded": uploaded,
            "errors": errors or {},
            "rules": {m.id: m for m in theme(ctx, flow).materials},
        },
        status,
    )


def apply_router(pattern: str, flow_of: FlowOf) -> APIRouter:
    """The apply pages under ``pattern`` (e.g. ``/themes/{theme_id}/apply``)."""
    router = APIRouter(route_class=PageRoute, include_in_schema=False)

    @router.get(pattern, response_class=HTMLResponse)
    def start(request: Request, theme_id: str) -> Response:
        """Back where the draft was (a closed tab loses nothing), else the situation questions."""
        flow = flow_of(request, theme_id)
        state = load_state(platform_of(request), flow)
        step = state.step if state.step in ("form", "materials", "review") else "situation"
        return redirect(request, flow.url(step))

    @router.get(pattern + "/situation", response_class=HTMLResponse)
    def situation(request: Request, theme_id: str) -> Response:
        flow = flow_of(request, theme_id)
        ctx = platform_of(request)
        state = load_state(ctx, flow)
        reasons = [] if request.query_params.get("change") else blockers(ctx, flow, state.situation)
        if reasons:  # told before filling anything in
            return _blocked(request, flow, reasons)
        if not theme(ctx, flow).situations:
            return redirect(request, flow.url("form"))
        return _situation_page(request, flow, state)

    @router.post(pattern + "/situation", response_class=HTMLResponse)
    async def answer_situation(request: Request, theme_id: str) -> Response:
        flow = flow_of(request, theme_id)
        ctx = platform_of(request)
        posted = await request.form()
        t = theme(ctx, flow)
        state = await run_in_threadpool(load_state, ctx, flow)
        answers = {s.id: str(posted.get(s.id) or "") for s in t.situations}
        options = {s.id: {o.code for o in s.options} for s in t.situations}
        state.situation = {k: v for k, v in answers.items() if v in options[k]}
        spec = build_form(ctx.catalogue, t, None, state.situation)
        unanswered = [
            s
            for s in t.situations
            if s.id in asked_situations(t, spec.situation, [it.code for it in spec.items])
            and s.id not in spec.situation
        ]
        if unanswered:  # a question that depends on an earlier answer, or one left open
            return _situation_page(request, flow, state, f"请回答：{unanswered[0].question}")
        reasons = await run_in_threadpool(blockers, ctx, flow, state.situation)
        if reasons:
            return _blocked(request, flow, reasons)
        state.step = "form"
        await run_in_threadpool(save_state, ctx, flow, state)
        return redirect(request, flow.url("form"))

    @router.get(pattern + "/form", response_class=HTMLResponse)
    def form(request: Request, theme_id: str) -> Response:
        flow = flow_of(request, theme_id)
        ctx = platform_of(request)
        state = load_state(ctx, flow)
        reasons = blockers(ctx, flow, state.situation)
        if reasons:
            return _blocked(request, flow, reasons)
        return form_page(request, flow, state)

    @router.post(pattern + "/form", response_class=HTMLResponse)
    async def post_form(request: Request, theme_id: str) -> Response:
        flow = flow_of(request, theme_id)
        posted = await request.form()
        return await run_in_threadpool(_post_form, request, flow, posted)

    @router.post(pattern + "/draft", response_class=HTMLResponse)
    async def autosave(request: Request, theme_id: str) -> Response:
        """草稿: the form as typed so far, kept on every change (htmx), no check."""
        flow = flow_of(request, theme_id)
        posted = await request.form()
        state = await run_in_threadpool(_typed_state, request, flow, posted)
        await run_in_threadpool(save_state, platform_of(request), flow, state)
        return render(request, "apply/_saved.html", {"state": state})

    @router.get(pattern + "/region", response_class=HTMLResponse)
    def region(request: Request, theme_id: str, field: str = "") -> Response:
        """The region picker's selects after a choice (htmx)."""
        flow_of(request, theme_id)
        params = {k: v for k, v in request.query_params.items()}
        chosen = fields.region_chain(fields.picked_region(params, field)) if field else []
        levels = fields.region_levels(field, chosen)
        return render(
            request,
            "apply/_region.html",
            {"levels": levels, "name": field, "flow": flow_of(request, theme_id)},
        )

    @router.get(pattern + "/amounts", response_class=HTMLResponse)
    def amounts(request: Request, theme_id: str, row: str = "") -> Response:
        """月缴存额 computed from the base and the rates as they are typed (htmx)."""
        flow = flow_of(request, theme_id)
        n = int(row) if row.isdigit() else None
        figures = [request.query_params.get(fields.html_name(k, n), "") for k in fields.HOUSING_FUND_INPUTS]
        platform = platform_of(request)
        found = housing_fund_preview(
            theme(platform, flow), *figures, regions=deployment_regions(platform.settings)
        )
        return render(request, "apply/_amounts.html", {"amounts": found, "row": n})

    @router.get(pattern + "/materials", response_class=HTMLResponse)
    def materials(request: Request, theme_id: str) -> Response:
        flow = flow_of(request, theme_id)
        return _materials_page(request, flow, load_state(platform_of(request), flow))

    @router.post(pattern + "/materials", response_class=HTMLResponse)
    async def upload(request: Request, theme_id: str) -> Response:
        """One material uploaded and checked at once (type, size, pages, photo spec)."""
        flow = flow_of(request, theme_id)
        posted = await request.form()
        return await run_in_threadpool(_upload, request, flow, posted)

    @router.get(pattern + "/review", response_class=HTMLResponse)
    def review(request: Request, theme_id: str) -> Response:
        flow = flow_of(request, theme_id)
        ctx = platform_of(request)
        state = load_state(ctx, flow)
        checked = check_state(ctx, flow, state)
        if not checked.ok:
            return redirect(request, flow.url("form") + "?check=1")
        state.step = "review"
        save_state(ctx, flow, state)
        verified = prefill(ctx, flow)
        departments = ctx.catalogue.code_lists["department"].labels("zh")
        return _render(
            request,
            flow,
            "review",
            {
                "step": "review",
                "sections": fields.sections(
                    ctx.catalogue,
                    checked.spec,
                    {**state.form, **checked.values},
                    verified,
                    {},
                    regions=deployment_regions(ctx.settings),
                ),
                "rows": employees.review_rows(ctx, flow, checked),
                "items": [
                    (it, departments.get(it.department.value, department_name(it.department)))
                    for it in checked.spec.items
                ],
                "dropped": checked.dropped,
                "warnings": checked.warnings,
                "uploaded": state.materials,
                "key": uuid.uuid4().hex,
            },
        )

    @router.post(pattern + "/submit", response_class=HTMLResponse)
    async def submit(request: Request, theme_id: str) -> Response:
        flow = flow_of(request, theme_id)
        posted = await request.form()
        key = str(posted.get("idempotency_key") or "")[:100] or None
        return await run_in_threadpool(_submit, request, flow, key)

    @router.get(pattern + "/receipt/{case_id}/pdf")
    def receipt_pdf(request: Request, theme_id: str, case_id: str) -> Response:
        """受理回执 as a PDF (the receipts service: the applicant or the clerk who took it)."""
        flow = flow_of(request, theme_id)
        ctx = platform_of(request)
        with ctx.sessions() as session, session.begin():
            body = receipts.acceptance_receipt(session, ctx.catalogue, flow.filer, case_id, ctx.clock.now())
        return Response(
            body,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{case_id}-receipt.pdf"'},
        )

    @router.get(pattern + "/receipt/{case_id}", response_class=HTMLResponse)
    def receipt(request: Request, theme_id: str, case_id: str) -> Response:
        """The receipt page: the case number, each department's item and its due dates."""
        flow = flow_of(request, theme_id)
        ctx = platform_of(request)
        case = case_view(ctx, flow.filer, case_id)
        departments = ctx.catalogue.code_lists["department"].labels("zh")
        return _render(request, flow, "receipt", {"step": "done", "case": case, "departments": departments})

    employees.add_routes(router, pattern, flow_of, form_page)
    return router


def _typed_state(request: Request, flow: ApplyFlow, posted: FormData) -> State:
    """The state with what the page holds now (the header and, for an employer, the rows)."""
    ctx = platform_of(request)
    state = load_state(ctx, flow)
    spec = build_form(ctx.catalogue, theme(ctx, flow), None, state.situation, state.form)
    header = fields.read_fields(spec.header_fields, posted, prefill(ctx, flow))
    rows = (
        employees.read_rows(ctx, flow, spec, posted)
        if theme(ctx, flow).applicant_type == "employer"
        else None
    )
    state.form = {**header, **({"employees": rows} if rows is not None else {})}
    state.step = "form" if state.step == "situation" else state.step
    return state


def _post_form(request: Request, flow: ApplyFlow, posted: FormData) -> Response:
    ctx = platform_of(request)
    state = _typed_state(request, flow, posted)
    action = str(posted.get("action") or "next")
    if employees.act(state, action, posted):  # added or removed an employee: the form again
        save_state(ctx, flow, state)
        added = len(state.form.get("employees") or []) - 1 if action == "add" else None
        return form_page(request, flow, state, note=employees.note(action), open_row=added)
    if action == "save":
        save_state(ctx, flow, state)
        return form_page(request, flow, state, note="已保存草稿，下次打开本页即可继续填写。")
    checked = check_state(ctx, flow, state)
    if not checked.ok:  # every error at once, beside its field, with what was typed kept
        save_state(ctx, flow, state)
        return form_page(request, flow, state, checked, status=422)
    needs_upload = any(m.provided_by == "applicant" for m in checked.spec.materials)
    state.step = "materials" if needs_upload else "review"
    save_state(ctx, flow, state)
    return redirect(request, flow.url(state.step))


def _upload(request: Request, flow: ApplyFlow, posted: FormData) -> Response:
    ctx = platform_of(request)
    state = load_state(ctx, flow)
    material_id = str(posted.get("material_id") or "")
    file = posted.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _materials_page(request, flow, state, {material_id: "请选择要上传的文件"}, status=422)
    try:
        found = accept_upload(ctx, flow.filer, material_id, flow.theme_id, file.filename, file.file)
    except Invalid as refused:
        message = "；".join(e.message_zh for e in refused.errors) or (refused.detail_zh or "")
        return _materials_page(request, flow, state, {material_id: message}, status=422)
    entry = {**found, "filename": file.filename[:255]}
    state.materials = [m for m in state.materials if m.get("material_id") != material_id] + [entry]
    state.step = "materials"
    save_state(ctx, flow, state)
    return _materials_page(request, flow, state)


def _submit(request: Request, flow: ApplyFlow, key: str | None) -> Response:
    ctx = platform_of(request)
    state = load_state(ctx, flow)
    try:
        filing = file_state(ctx, flow, state, key)
    except Invalid:  # changed since the review (data sharing, the date): back to the form
        return form_page(request, flow, state, status=422)
    return redirect(request, flow.url(f"receipt/{filing.answer['case_id']}"))
