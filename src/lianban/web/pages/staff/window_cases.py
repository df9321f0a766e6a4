"""窗口办件 and 证件交付: every case taken at this window with its progress, one case with its
sub-items, history and the documents to print (受理回执, 不予受理通知书), and the handover of
issued documents against the pickup code. The rules are :mod:`lianban.window`'s,
:mod:`lianban.receipts`' and :mod:`lianban.delivery.service`'s."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.cases.service import case_view
from lianban.delivery.service import hand_over_delivery
from lianban.errors import Conflict, Invalid, NotFound
from lianban.receipts import service as receipts
from lianban.security.tokens import Identity, Role
from lianban.web.deps import platform_of, sessions_of
from lianban.web.feature_deps import now_of
from lianban.web.pages.rendering import redirect
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff.access import render_staff, staff_caller
from lianban.web.pages.staff.words import CHANNELS, event_word, when
from lianban.web.problems import wants_english
from lianban.web.ratelimit import enforce
from lianban.window import service as window

router = APIRouter(route_class=PageRoute, include_in_schema=False)
DELIVERY_STATUS = {"prepared": "待领取", "sent": "已寄出", "delivered": "已送达", "collected": "已领取"}


def _theme_names(request: Request) -> dict[str, str]:
    return {t.id: t.name for t in request.app.state.catalogue.themes.values()}


@router.get("/staff/window/cases", response_class=HTMLResponse)
def cases_page(request: Request) -> HTMLResponse:
    identity = staff_caller(request, Role.WINDOW_CLERK)
    rows = window.window_cases(platform_of(request), identity)
    return render_staff(
        request,
        identity,
        "staff/window_cases.html",
        {"rows": rows, "themes": _theme_names(request), "when": when},
    )


@router.get("/staff/window/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str, filed: bool = False) -> HTMLResponse:
    identity = staff_caller(request, Role.WINDOW_CLERK)
    case: dict[str, Any] = case_view(platform_of(request), identity, case_id)  # 404 unless she took it
    refused = [e for e in case["timeline"] if e["event"] == "item_refused"]
    return render_staff(
        request,
        identity,
        "staff/window_case.html",
        {
            "case": case,
            "theme_name": _theme_names(request).get(case["theme_id"], case["theme_id"]),
            "refused": refused,
            "channels": CHANNELS,
            "event_word": event_word,
            "deliveries": case.get("deliveries") or ([case["delivery"]] if case.get("delivery") else []),
            "delivery_status": DELIVERY_STATUS,
            "message": "已受理。请打印受理回执交申请人。" if filed else "",
            "when": when,
        },
    )


def _pdf(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/staff/window/cases/{case_id}/receipt.pdf")
def receipt(request: Request, case_id: str) -> Response:
    identity = staff_caller(request, Role.WINDOW_CLERK)
    with sessions_of(request)() as session, session.begin():
        body = receipts.acceptance_receipt(
            session, request.app.state.catalogue, identity, case_id, now_of(request)
        )
    return _pdf(body, f"{case_id}-receipt.pdf")


@router.get("/staff/window/cases/{case_id}/refusal-notice.pdf")
def refusal_notice(request: Request, case_id: str) -> Response:
    identity = staff_caller(request, Role.WINDOW_CLERK)
    with sessions_of(request)() as session, session.begin():
        body = receipts.refusal_notice(
            session, request.app.state.catalogue, identity, case_id, now_of(request)
        )
    return _pdf(body, f"{case_id}-refusal-notice.pdf")


def _handover_page(
    request: Request,
    identity: Identity,
    case_id: str,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    found: dict[str, Any] | None = None
    missing = ""
    if case_id:
        try:
            found = window.pickups(platform_of(request), identity, case_id)
        except NotFound:
            missing = f"办件 {case_id} 没有待窗口领取的证件（编号有误，或为邮寄送达）。"
    return render_staff(
        request,
        identity,
        "staff/window_handover.html",
        {
            "case_id": case_id,
            "found": found,
            "missing": missing,
            "errors": errors or {},
            "message": message,
            "themes": _theme_names(request),
            "statuses": DELIVERY_STATUS,
        },
        status=status if not missing else 404,
    )


@router.get("/staff/window/handover", response_class=HTMLResponse)
def handover_page(request: Request, case: str = Query("", max_length=40), done: bool = False) -> HTMLResponse:
    identity = staff_caller(request, Role.WINDOW_CLERK)
    return _handover_page(
        request, identity, case.strip(), message="证件已交付，已通知申请人。" if done else ""
    )


@router.post("/staff/window/handover/{case_id}/{delivery_id}", response_class=HTMLResponse)
def hand_over(
    request: Request,
    case_id: str,
    delivery_id: str,
    pickup_code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    identity = staff_caller(request, Role.WINDOW_CLERK)
    enforce(request, "pickup_code", case_id, delivery_id)  # a pickup code cannot be guessed (限流)
    try:
        hand_over_delivery(platform_of(request), identity, case_id, delivery_id, pickup_code)
    except (Invalid, Conflict) as refused:
        en = wants_english(request)
        message = next((e.message_en if en else e.message_zh for e in refused.errors), None)
        detail = message or (refused.detail_en if en else refused.detail_zh) or ""
        return _handover_page(request, identity, case_id, {delivery_id: detail}, status=422)
    return redirect(request, f"/staff/window/handover?{urlencode({'case': case_id, 'done': 'true'})}")
