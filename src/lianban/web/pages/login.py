"""Logging in and out (登录、退出).

In sandbox mode a person picks a sandbox person, an employer or a staff account (or types any
valid ID number or USCC); in production people and employers are handed over to the province's
identity provider (统一身份认证, OIDC — connected in a later step), and staff log in with their
platform account (``lianban staff add``) in every mode. After logging in, a person goes where she was
going (``next``), else to 我的办件.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.security.tokens import Identity, Role
from lianban.web.api.staff_auth import staff_identity
from lianban.web.pages.rendering import local_path, redirect, render
from lianban.web.pages.route import PageRoute
from lianban.web.pages.session import end_session, start_session
from lianban.web.problems import Problem, wants_english

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TABS = {"person": "个人登录", "employer": "法人登录", "staff": "工作人员登录"}
FIELDS = {"person": "id_number", "employer": "uscc", "staff": "username"}
EMPTY = {
    "id_number": ("请输入公民身份号码或选择一位沙箱人员", "enter an ID number or pick a sandbox person"),
    "uscc": ("请输入统一社会信用代码或选择一家沙箱单位", "enter a USCC or pick a sandbox employer"),
    "username": ("请输入用户名", "enter the user name"),
    "password": ("请输入密码", "enter the password"),
}


def landing(role: Role) -> str:
    return "/my" if role in (Role.APPLICANT, Role.EMPLOYER) else "/staff"


def _login_page(
    request: Request,
    tab: str,
    next_page: str,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    via: str = "",
    status: int = 200,
) -> HTMLResponse:
    """The login page; after a refused attempt, the form it came from (``via``) shows why."""
    context: dict[str, Any] = {
        "tab": tab,
        "via": via,
        "tabs": TABS,
        "next": next_page,
        "errors": errors or {},
        "typed": typed or {},
        "directory": None,
        "oidc": request.app.state.oidc is not None,  # the province's identity provider, when configured
    }
    if request.app.state.settings.sandbox:
        from lianban.web.pages import sandbox_login  # sandbox mode only

        context["directory"] = sandbox_login.directory(request)
    return render(request, "login.html", context, status=status)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    next: str = Query("", max_length=500),
    tab: str = Query("person", max_length=10, alias="as"),
) -> HTMLResponse:
    return _login_page(request, tab if tab in TABS else "person", local_path(next, ""))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    kind: Annotated[str, Form(max_length=10)] = "person",
    id_number: Annotated[str, Form(max_length=40)] = "",
    uscc: Annotated[str, Form(max_length=40)] = "",
    username: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    via: Annotated[str, Form(max_length=10)] = "type",
) -> Response:
    sandbox = request.app.state.settings.sandbox
    tab = kind if kind in TABS else "person"
    if not sandbox and tab != "staff":  # people and employers log in at the province's provider
        raise Problem(404, "页面不存在", "Page not found")
    field = FIELDS[tab]
    value = {"id_number": id_number, "uscc": uscc, "username": username}[field].strip()
    en = wants_english(request)
    typed = {field: value}
    missing = [
        f for f, given in ((field, value), ("password", password if tab == "staff" else "-")) if not given
    ]
    if missing:
        errors = {f: EMPTY[f][1 if en else 0] for f in missing}
        return _login_page(request, tab, local_path(next, ""), errors, typed, via, status=422)
    try:
        identity = _sign_in(request, tab, value, password)
    except Problem as problem:
        if problem.status not in (401, 422):
            raise  # a locked account (429) and the like: a page of its own
        errors = {
            (field if e.field in ("id_number", "uscc", "username") else e.field): (
                e.message_en if en else e.message_zh
            )
            for e in problem.errors
        }
        return _login_page(request, tab, local_path(next, ""), errors, typed, via, status=422)
    response = redirect(request, local_path(next, landing(identity.role)))
    start_session(request, response, identity)
    return response


def _sign_in(request: Request, tab: str, value: str, password: str) -> Identity:
    """Staff by the platform's accounts in every mode (the sandbox's demo accounts besides);
    people and employers by the sandbox identity provider."""
    if not request.app.state.settings.sandbox:
        return staff_identity(request, value, password)
    from lianban.web.pages import sandbox_login  # sandbox mode only

    if tab == "staff" and not sandbox_login.is_sandbox_staff(request, value):
        return staff_identity(request, value, password)
    return sandbox_login.sign_in(request, tab, value, password)


@router.post("/logout")
def logout(request: Request) -> Response:
    response = redirect(request, "/")
    end_session(request, response)
    return response
