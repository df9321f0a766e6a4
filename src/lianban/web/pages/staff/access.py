"""Who may open which staff desk (工作人员页面的访问控制), checked on the server for every request.

A staff page names the roles it serves. Without a session the browser is sent to the staff login
and brought back; a person, an employer or a staff member of another role gets a 403 page (the
desk is not theirs). Objects a desk shows are the services' to guard: an item of another
department is not found (404), whatever its address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse

from lianban.security.tokens import Identity, Role
from lianban.web.pages.rendering import GoElsewhere, render
from lianban.web.pages.session import page_identity
from lianban.web.problems import Problem

STAFF_ROLES = (Role.WINDOW_CLERK, Role.DEPARTMENT_STAFF, Role.SUPERVISOR, Role.OPERATOR)

# each role's desks, in the order of the staff navigation: (address, name)
DESKS: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.WINDOW_CLERK: (
        ("/staff/window", "综窗受理"),
        ("/staff/window/cases", "窗口办件"),
        ("/staff/window/handover", "证件交付"),
        ("/staff/window/batch", "单位批量申报"),
    ),
    Role.DEPARTMENT_STAFF: (("/staff/worklist", "部门工作台"), ("/staff/follow-ups", "差评整改")),
    Role.SUPERVISOR: (("/staff/supervisor", "监管看板"), ("/staff/follow-ups", "差评整改")),
    Role.OPERATOR: (("/staff/operator", "运维"),),
}
ROLE_NAMES = {
    Role.WINDOW_CLERK: "综窗工作人员",
    Role.DEPARTMENT_STAFF: "部门经办人员",
    Role.SUPERVISOR: "监督人员",
    Role.OPERATOR: "运维人员",
}


def staff_caller(request: Request, *roles: Role) -> Identity:
    """The logged-in staff member if the desk serves her role; else to the login page or a 403."""
    identity = page_identity(request)
    if identity is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise GoElsewhere(f"/login?as=staff&next={quote(here)}")
    if identity.role not in roles:
        raise Problem(
            403,
            "无权访问",
            "Forbidden",
            "该工作台不属于您的岗位。请用相应岗位的工作人员账号登录。",
            "This desk is not for your role. Log in with an account of that role.",
        )
    return identity


def home_desk(identity: Identity) -> str:
    """Where a staff member starts: the first desk of her role."""
    return DESKS[identity.role][0][0] if identity.role in DESKS else "/"


def render_staff(
    request: Request, identity: Identity, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A staff page with the navigation of the caller's desks."""
    return render(
        request,
        name,
        {
            **context,
            "desks": DESKS.get(identity.role, ()),
            "role_name": ROLE_NAMES.get(identity.role, ""),
            "department_label": identity.department,
        },
        status=status,
    )
