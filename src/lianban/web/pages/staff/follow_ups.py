"""差评整改 pages: supervisors see every department's follow-ups (overdue first, with their
deadlines); a department's staff see their own and answer one — contact made (核实), rectified
(整改), closed — in words the applicant reads. The rules and the audit are
:mod:`lianban.ratings.follow_ups`'."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.catalog.model import Department, department_name
from lianban.errors import Conflict, Invalid
from lianban.ratings import follow_ups
from lianban.ratings.vocabulary import REASONS
from lianban.security.tokens import Identity, Role
from lianban.web.deps import clock_of, sessions_of
from lianban.web.pages.rendering import redirect
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff.access import render_staff, staff_caller
from lianban.web.pages.staff.words import FOLLOW_UP_STATUS, when
from lianban.web.problems import wants_english

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READERS = (Role.SUPERVISOR, Role.DEPARTMENT_STAFF)
STEP_WORDS = {
    "contacted": "已联系申请人核实",
    "rectified": "已整改",
    "closed": "办结（核实无需整改或整改完毕）",
}


def _themes(request: Request) -> dict[str, str]:
    return {t.id: t.name for t in request.app.state.catalogue.themes.values()}


@router.get("/staff/follow-ups", response_class=HTMLResponse)
def follow_up_list(
    request: Request,
    status: str = Query("", max_length=20),
    department: str = Query("", max_length=30),
    overdue: bool = False,
) -> HTMLResponse:
    identity = staff_caller(request, *READERS)
    with sessions_of(request)() as session:
        rows = follow_ups.list_follow_ups(
            session,
            identity,
            clock_of(request).now(),
            status=status or None,
            department=(department or None) if identity.role is Role.SUPERVISOR else None,
            overdue_only=overdue,
        )
    return render_staff(
        request,
        identity,
        "staff/follow_ups.html",
        {
            "rows": rows,
            "chosen": {"status": status, "department": department, "overdue": overdue},
            "statuses": FOLLOW_UP_STATUS,
            "departments": [(d.value, department_name(d.value)) for d in Department],
            "themes": _themes(request),
            "when": when,
        },
    )


def _detail(
    request: Request,
    identity: Identity,
    follow_up_id: str,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    with sessions_of(request)() as session:
        found: dict[str, Any] = follow_ups.get_follow_up(
            session, identity, follow_up_id, clock_of(request).now()
        )
    answerable = identity.role is Role.DEPARTMENT_STAFF and identity.department == found["department"]
    return render_staff(
        request,
        identity,
        "staff/follow_up.html",
        {
            "f": found,
            "next_steps": [(s, STEP_WORDS[s]) for s in follow_ups.NEXT.get(found["status"], ())]
            if answerable
            else [],
            "statuses": FOLLOW_UP_STATUS,
            "reasons": {k: v[0] for k, v in REASONS.items()},
            "theme_name": _themes(request).get(found["theme_id"], found["theme_id"]),
            "errors": errors or {},
            "typed": typed or {},
            "message": message,
            "when": when,
        },
        status=status,
    )


@router.get("/staff/follow-ups/{follow_up_id}", response_class=HTMLResponse)
def follow_up_page(request: Request, follow_up_id: str, done: str = Query("", max_length=20)) -> HTMLResponse:
    identity = staff_caller(request, *READERS)
    message = f"已记录：{FOLLOW_UP_STATUS[done]}。申请人会收到通知。" if done in FOLLOW_UP_STATUS else ""
    return _detail(request, identity, follow_up_id, message=message)


@router.post("/staff/follow-ups/{follow_up_id}", response_class=HTMLResponse)
def answer(
    request: Request,
    follow_up_id: str,
    status: Annotated[str, Form(max_length=20)] = "",
    answer: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    identity = staff_caller(request, Role.DEPARTMENT_STAFF)
    try:
        with sessions_of(request)() as session, session.begin():
            follow_ups.answer_follow_up(
                session, identity, follow_up_id, status, answer, clock_of(request).now()
            )
    except (Invalid, Conflict) as refused:  # no answer, or a step the follow-up cannot take now
        en = wants_english(request)
        errors = {e.field: (e.message_en if en else e.message_zh) for e in refused.errors}
        return _detail(
            request, identity, follow_up_id, errors, {"status": status, "answer": answer}, status=422
        )
    return redirect(request, f"/staff/follow-ups/{follow_up_id}?{urlencode({'done': status})}")
