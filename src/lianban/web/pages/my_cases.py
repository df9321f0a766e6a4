"""我的办件 (my cases): the logged-in person's or employer's cases, one case with each department's
progress (一体反馈), its papers, and withdrawing it (撤回) while no department has acted on it.

Every rule is a service's: the list and the case are :mod:`lianban.cases.service`'s (who sees
what), withdrawing is :mod:`lianban.cases.withdrawal`'s, the receipt and the application PDF are
:mod:`lianban.receipts`', the ratings shown on the case :mod:`lianban.ratings.service`'s. This
module arranges their answers for people: by department, in words, with dates. Without a session
the pages send the person to log in and bring her back.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.cases import service
from lianban.cases.withdrawal import may_withdraw, withdraw
from lianban.certificates.service import case_certificates
from lianban.ratings.service import FINISHED_CASE, ratings_of_case
from lianban.receipts.application import filed_application
from lianban.receipts.service import acceptance_receipt
from lianban.security.tokens import Identity, Role
from lianban.web.api.certificates import certificate_pdf
from lianban.web.deps import platform_of, sessions_of
from lianban.web.feature_deps import now_of
from lianban.web.pages import labels
from lianban.web.pages.portal import department_names
from lianban.web.pages.rendering import GoElsewhere, redirect, render
from lianban.web.pages.route import PageRoute
from lianban.web.pages.session import page_identity
from lianban.web.pages.staff.words import FOLLOW_UP_STATUS, event_word

router = APIRouter(route_class=PageRoute, include_in_schema=False)

APPLICANTS = (Role.APPLICANT, Role.EMPLOYER)
WITH_CERTIFICATES = ("in_progress", "completed", "partially_completed")
DONE = {
    "withdrawn": "您的申请已撤回，各部门不会再办理。",
    "corrected": "补正内容已重新提交，退回的事项已重新送往部门办理。",
    "department": "您已从部门网站返回，办理结果已记入本办件。",
}
FINISHED_ITEM = ("approved", "rejected")
DELIVERY_STATUS = {
    "pending": "准备中",
    "prepared": "待领取",
    "sent": "已寄出",
    "delivered": "已签收",
    "returned": "已退回",
    "collected": "已领取",
}


# what the applicant reads for the case's own events (the staff words cover the items')
CASE_EVENTS = {
    **{f"case_{status}": f"办件{word}" for status, word in labels.CASE_STATUS.items()},
    "certificate_issued": "电子证照已签发",
    "certificate_revoked": "电子证照已撤销",
}


def event_words(event: str) -> str:
    return CASE_EVENTS.get(event) or event_word(event)


def applicant(request: Request) -> Identity:
    """The logged-in person or employer; anyone else is sent to log in and brought back here."""
    identity = page_identity(request)
    if identity is None or identity.role not in APPLICANTS:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise GoElsewhere(f"/login?next={quote(here)}")
    return identity


def theme_name(request: Request, theme_id: str) -> str:
    theme = request.app.state.catalogue.themes.get(theme_id)
    return str(theme.name) if theme is not None else theme_id


ON_SCREEN = 20  # cases per page of 我的办件 on screen (the API's pages are longer)


@router.get("/my", response_class=HTMLResponse)
def my_cases(request: Request, cursor: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """我的办件, newest first, :data:`ON_SCREEN` at a time: 更早的办件 goes on from the last one shown
    (the API's keyset cursor, so the hundredth page costs what the first does)."""
    identity = applicant(request)
    ctx = platform_of(request)
    page, after = service.my_cases_page(ctx, identity, cursor, ON_SCREEN)
    cases = [
        {
            **c,
            "theme_name": theme_name(request, c["theme_id"]),
            # 电子证照: what its approved items issued, to download
            "certificates": case_certificates(ctx, identity, c["case_id"])
            if c["status"] in WITH_CERTIFICATES
            else [],
        }
        for c in page
    ]
    return render(
        request,
        "my_cases.html",
        {"cases": cases, "later_page": cursor is not None, "next_cursor": after},
    )


@router.get("/my/cases", include_in_schema=False)
def my_cases_elsewhere(request: Request) -> Response:
    """``/my/cases`` (where the certificates live, and an address people guess) is the list."""
    return redirect(request, "/my")


@router.get("/my/cases/{case_id}/certificates/{code}.pdf")
def my_certificate(request: Request, case_id: str, code: str) -> Response:
    """One e-certificate of the person's case, signed (电子证照下载)."""
    return certificate_pdf(request, applicant(request), case_id, code)


def by_department(view: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """The items grouped by the department that handles them, each with its own timeline."""
    events: dict[str, list[dict[str, Any]]] = {}
    for e in view["timeline"]:
        if e.get("item"):
            events.setdefault(e["item"], []).append({**e, "word": event_words(e["event"])})
    groups: dict[str, dict[str, Any]] = {}
    for item in view["items"]:
        code = item["department"]
        group = groups.setdefault(code, {"code": code, "name": names.get(code, code), "items": []})
        group["items"].append({**item, "events": events.get(item["item_id"], [])})
    for group in groups.values():
        statuses = {it["status"] for it in group["items"]}
        group["done"] = statuses <= set(FINISHED_ITEM)
        group["returned"] = "correction_required" in statuses
    return list(groups.values())


def deliveries_of(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = view.get("deliveries") or ([view["delivery"]] if view.get("delivery") else [])
    return [
        {
            **d,
            "status_word": DELIVERY_STATUS.get(d["status"], d["status"]),
            "document_names": [
                str(doc.get("name") or doc.get("document") or doc) if isinstance(doc, dict) else str(doc)
                for doc in d.get("documents") or []
            ],
        }
        for d in found
    ]


@router.get("/my/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str, done: str = Query("", max_length=20)) -> Response:
    identity = applicant(request)
    view = service.case_view(platform_of(request), identity, case_id)  # 404 for another's case
    with sessions_of(request)() as session:
        blocked = may_withdraw(session, case_id, view["status"])
        rated = ratings_of_case(session, identity, case_id, now_of(request))
    finished_items = [it for it in view["items"] if it["status"] in FINISHED_ITEM]
    return render(
        request,
        "case.html",
        {
            "case": view,
            "theme_name": theme_name(request, view["theme_id"]),
            "departments": by_department(view, department_names(request)),
            "case_events": [
                {**e, "word": event_words(e["event"])} for e in view["timeline"] if not e.get("item")
            ],
            "deliveries": deliveries_of(view),
            "returned": [it for it in view["items"] if it["status"] == "correction_required"],
            "withdrawable": blocked is None,
            "rateable": view["status"] in FINISHED_CASE or bool(finished_items),
            "rated": rated,
            "follow_up_status": FOLLOW_UP_STATUS,
            "certificates": case_certificates(platform_of(request), identity, case_id)
            if view["status"] in WITH_CERTIFICATES
            else [],
            "refused_at_intake": any(e["event"] == "item_refused" for e in view["timeline"]),
            "message": DONE.get(done, ""),
        },
    )


def _pdf(body: bytes, name: str) -> Response:
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.get("/my/{case_id}/receipt.pdf")
def receipt_pdf(request: Request, case_id: str) -> Response:
    """受理回执, as the API prints it."""
    identity = applicant(request)
    with sessions_of(request)() as session, session.begin():
        body = acceptance_receipt(session, request.app.state.catalogue, identity, case_id, now_of(request))
    return _pdf(body, f"{case_id}-receipt.pdf")


@router.get("/my/{case_id}/application.pdf")
def application_pdf(request: Request, case_id: str) -> Response:
    """The application form as filed (申请表)."""
    identity = applicant(request)
    with sessions_of(request)() as session, session.begin():
        body = filed_application(session, request.app.state.catalogue, identity, case_id, now_of(request))
    return _pdf(body, f"{case_id}-application.pdf")


@router.get("/my/{case_id}/withdraw", response_class=HTMLResponse)
def withdraw_page(request: Request, case_id: str) -> Response:
    identity = applicant(request)
    view = service.case_view(platform_of(request), identity, case_id)
    with sessions_of(request)() as session:
        blocked = may_withdraw(session, case_id, view["status"])
    return render(
        request,
        "withdraw.html",
        {
            "case": view,
            "theme_name": theme_name(request, view["theme_id"]),
            "blocked": blocked[1] if blocked else "",
            "departments": department_names(request),
        },
    )


@router.post("/my/{case_id}/withdraw")
def withdraw_case(
    request: Request, case_id: str, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    identity = applicant(request)
    with sessions_of(request)() as session, session.begin():
        withdraw(
            session, identity, case_id, reason.strip() or None, now_of(request)
        )  # a 409 page naming the item
    return redirect(request, f"/my/{quote(case_id)}?done=withdrawn")
