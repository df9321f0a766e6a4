"""The applicant's apply pages (在线申请): ``/themes/{theme_id}/apply`` and its steps, for the
logged-in person or employer applying for themselves online (channel ``web``).

The pages are :func:`~.apply_pages.apply_router`'s; this module only says whose flow it is: the
session's person or employer, who must be of the theme's kind. Without a session the browser goes
to the login page and comes back.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request

from lianban.errors import Forbidden
from lianban.forms.service import theme_of
from lianban.security.tokens import Role
from lianban.web.deps import platform_of
from lianban.web.pages.apply_flow import ApplyFlow
from lianban.web.pages.apply_pages import apply_router
from lianban.web.pages.rendering import GoElsewhere
from lianban.web.pages.session import page_identity

PATTERN = "/themes/{theme_id}/apply"


def applicant_flow(request: Request, theme_id: str) -> ApplyFlow:
    theme = theme_of(platform_of(request), theme_id)  # an unknown theme is a 404 page
    prefix = PATTERN.format(theme_id=theme_id)
    identity = page_identity(request)
    if identity is None:
        raise GoElsewhere(
            f"/login?next={quote(prefix)}" + ("&as=employer" if theme.applicant_type == "employer" else "")
        )
    wanted = Role.EMPLOYER if theme.applicant_type == "employer" else Role.APPLICANT
    if identity.role is not wanted:
        raise Forbidden(
            "该一件事须由用人单位（法人）登录后申请"
            if wanted is Role.EMPLOYER
            else "该一件事须由个人登录后申请",
            "this theme is applied for by an employer"
            if wanted is Role.EMPLOYER
            else "this theme is applied for by a person",
        )
    return ApplyFlow.own(identity, theme_id, prefix)


router = apply_router(PATTERN, applicant_flow)
