"""部门工作台: a department reviewer's waiting items, one item opened, decisions, batch approval.

Everything is :mod:`lianban.cases.review`'s (who sees what, the reasons, the audit of every
opening and decision); these handlers read the form, call it and arrange the answer.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.cases import review
from lianban.cases.materials import material_file
from lianban.cases.obligations import fulfil
from lianban.cases.worklist import parse_worklist_id, staff_department
from lianban.certificates.service import department_certificates, revoke
from lianban.errors import Invalid
from lianban.security.tokens import Role
from lianban.web.deps import platform_of
from lianban.web.pages.rendering import redirect
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff.access import render_staff, staff_caller
from lianban.web.pages.staff.words import CHANNELS, event_word, when
from lianban.web.problems import wants_english

router = APIRouter(route_class=PageRoute, include_in_schema=False)

DONE = {
    "received": "已登记后补材料收讫",
    "accept": "已受理并出具文书",
    "revoked": "已撤销电子证照",
    "approve": "已办结",
    "reject": "已作出不予办理决定",
    "correct": "已退回申请人补正",
}


@router.get("/staff/worklist", response_class=HTMLResponse)
def worklist_page(
    request: Request,
    theme: str = Query("", max_length=100),
    due: str = Query("all", max_length=10),
    case: str = Query("", max_length=40),
    order: str = Query("due", max_length=10),
    done: str = Query("", max_length=20),
    count: int = Query(0, ge=0, le=1000),
) -> HTMLResponse:
    identity = staff_caller(request, Role.DEPARTMENT_STAFF)
    chosen = review.WorklistFilter(
        theme_id=theme or None,
        due=due if due in review.DUE_FILTERS else "all",
        case_id=case or None,
        order=order if order in review.ORDERS else "due",
    )
    ctx = platform_of(request)
    rows = review.waiting(ctx, identity, chosen)
    everything = (
        rows if chosen == review.WorklistFilter() else review.waiting(ctx, identity, review.WorklistFilter())
    )
    message = ""
    if done == "bulk":
        message = f"已批量办结 {count} 项。"
    return render_staff(
        request,
        identity,
        "staff/worklist.html",
        {
            "rows": rows,
            "chosen": chosen,
            "batches": review.batches(everything),
            "themes": sorted({(r["theme_id"], r["theme_name"]) for r in everything}),
            "overdue_count": sum(1 for r in everything if r["overdue"]),
            "total": len(everything),
            "channels": CHANNELS,
            "when": when,
            "message": message,
        },
    )


@router.get("/staff/worklist/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: str, done: str = Query("", max_length=20)) -> HTMLResponse:
    identity = staff_caller(request, Role.DEPARTMENT_STAFF)
    item = review.open_item(platform_of(request), identity, item_id)  # 404 for another department's
    return _item_page(request, identity, item, message=DONE.get(done, ""))


def _item_page(
    request: Request,
    identity: object,
    item: dict[str, object],
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    return render_staff(
        request,
        identity,  # type: ignore[arg-type]
        "staff/worklist_item.html",
        {
            "item": item,
            "reasons": review.REASONS,
            "errors": errors or {},
            "typed": typed or {},
            "message": message,
            "channels": CHANNELS,
            "event_word": event_word,
            "when": when,
            # 电子证照 this department issued in the case, to revoke
            "certificates": department_certificates(
                platform_of(request),
                identity,  # type: ignore[arg-type]
                str(item["case_id"]),
            ),
        },
        status=status,
    )


@router.post("/staff/worklist/items/{item_id}/obligations/{obligation_id}")
def obligation_received(request: Request, item_id: str, obligation_id: str) -> Response:
    """后补材料收讫: the papers owed after the application arrived."""
    identity = staff_caller(request, Role.DEPARTMENT_STAFF)
    case_id, _ = parse_worklist_id(item_id)
    fulfil(platform_of(request), identity, staff_department(identity), case_id, obligation_id)
    return redirect(request, f"/staff/worklist/items/{item_id}?{urlencode({'done': 'received'})}")


@router.post("/staff/worklist/items/{item_id}/certificates/{code}/revoke")
def revoke_certificate(
    request: Request, item_id: str, code: str, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    """撤销电子证照: the issuing department revokes a certificate of the case."""
    identity = staff_caller(request, Role.DEPARTMENT_STAFF)
    revoke(platform_of(request), identity, code, reason)
    return redirect(request, f"/staff/worklist/items/{item_id}?{urlencode({'done': 'revoked'})}")


@router.post("/staff/worklist/items/{item_id}/decision", response_class=HTMLResponse)
def decide(
    request: Request,
    item_id: str,
    decision: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    number: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    identity = staff_caller(request, Role.DEPARTMENT_STAFF)
    ctx = platform_of(request)
    try:
        review.decide(ctx, identity, item_id, decision, reason_code=reason or None, note=note, number=number)
    except Invalid as refused:
        en = wants_english(request)
        errors = {e.field: (e.message_en if en else e.message_zh) for e in refused.errors}
        if not errors:
            errors["decision"] = (refused.detail_en if en else refused.detail_zh) or ""
        item = review.open_item(ctx, identity, item_id)
        typed = {"decision": decision, "reason": reason, "note": note, "number": number}
        return _item_page(request, identity, item, errors=errors, typed=typed, status=422)
    return redirect(request, f"/staff/worklist/items/{item_id}?{urlencode({'done': decision})}")


@router.post("/staff/worklist/bulk-approve")
def bulk_approve(request: Request, item_ids: Annotated[list[str], Form()]) -> Response:
    identity = staff_caller(request, Role.DEPARTMENT_STAFF)
    answer = review.bulk_approve(platform_of(request), identity, item_ids)
    return redirect(
        request, f"/staff/worklist?{urlencode({'done': 'bulk', 'count': len(answer['approved'])})}"
    )


@router.get("/staff/worklist/items/{item_id}/materials/{upload_id}")
def material(request: Request, item_id: str, upload_id: str, view: bool = False) -> Response:
    identity = staff_caller(request, Role.DEPARTMENT_STAFF)
    case_id, _ = parse_worklist_id(item_id)
    found = material_file(platform_of(request), identity, case_id, upload_id)
    disposition = "inline" if view else "attachment"
    return Response(
        found.data,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{found.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
