"""跳转办理 from 我的办件: the applicant goes to a department's own site (Hubei's 社保费申报 on the
e-tax site) from her case page, and comes back to that page with a message — not to the API's JSON
answer, which stays the return of a link an integrator follows.

The link the worker stored on the item (:mod:`lianban.connectors.redirect`) is re-signed with the
case page's return address; the return is checked (signed by the department, not too old) and
recorded by the same service as the API's (:func:`lianban.cases.decisions.record_return`).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lianban.cases import service
from lianban.cases.decisions import check_status, record_return
from lianban.connectors.redirect import ReturnRefused, returning_to, verify_return
from lianban.web.deps import platform_of
from lianban.web.pages.my_cases import applicant
from lianban.web.pages.rendering import redirect
from lianban.web.pages.route import PageRoute
from lianban.web.problems import Problem

router = APIRouter(route_class=PageRoute, include_in_schema=False)

HANDED_OFF = ("dispatched", "accepted")


def _return_path(case_id: str, department: str) -> str:
    return f"/my/{quote(case_id)}/department-return/{quote(department)}"


@router.get("/my/{case_id}/items/{item_id}/department-site")
def to_department_site(request: Request, case_id: str, item_id: str) -> Response:
    """前往部门网站办理: to the department's site, told to send her back to this case's page."""
    identity = applicant(request)
    view = service.case_view(platform_of(request), identity, case_id)  # 404 for another's case
    item = next((it for it in view["items"] if it["item_id"] == item_id), None)
    url = ((item or {}).get("result") or {}).get("redirect_url")
    if item is None or not url or item["status"] not in HANDED_OFF:
        raise Problem(
            409,
            "无需跳转办理",
            "Nothing to do on the department's site",
            "该事项目前不需要到部门网站办理，请返回办件查看进度。",
            "This item needs nothing from you on the department's site; see the case's progress.",
        )
    department = item["department"]
    keyring = platform_of(request).department_keys.get(department)  # the department's own keys
    if keyring is None:
        raise Problem(
            409,
            "无法跳转办理",
            "The department's site cannot be reached from here",
            "该部门尚未配置密钥，暂不能跳转办理。",
            "No keys are configured for this department.",
        )
    there = returning_to(url, _return_path(case_id, department), keyring)
    return RedirectResponse(there, status_code=303)


@router.get("/my/{case_id}/department-return/{department}")
def back_from_department_site(request: Request, case_id: str, department: str) -> Response:
    """Back from the department's site: its signed outcome recorded, then the case page says so."""
    params = dict(request.query_params)
    keyring = platform_of(request).department_keys.get(department)
    try:
        if keyring is None:
            raise ReturnRefused(f"no key for department {department}")
        verify_return(keyring, params)
        if params["case_id"] != case_id:
            raise ReturnRefused("the return names another case")
    except ReturnRefused as exc:
        raise Problem(
            401, "签名无效", "Invalid signature", f"返回结果校验失败：{exc}", f"return check failed: {exc}"
        ) from None
    check_status(params["status"], ("返回内容有误", "Malformed return"))
    platform = platform_of(request)
    with platform.sessions() as session, session.begin():
        record_return(session, department, case_id, params["item_id"], params["status"], platform.clock.now())
    return redirect(request, f"/my/{quote(case_id)}?done=department")
