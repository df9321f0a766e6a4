"""窗口代办: the window clerk files any theme for a walk-in applicant with the portal's own apply
pages (:func:`~lianban.web.pages.apply_pages.apply_router`) — the same form, checks and materials
— under ``/staff/window/apply/{theme_id}``, marked ``channel: window`` with the clerk as the agent.

Whom the clerk files for is held in her draft of the theme (one applicant at a time), set when she
starts from the look-up page; no ID number travels in an address. After filing the draft is gone:
the receipt pages need no applicant (the case says whose it is).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lianban.drafts import service as drafts
from lianban.errors import NotFound, invalid_field
from lianban.forms.service import theme_of
from lianban.security.tokens import Identity, Role
from lianban.web.deps import platform_of
from lianban.web.pages.apply_flow import ApplyFlow, load_state, save_state
from lianban.web.pages.apply_pages import apply_router
from lianban.web.pages.rendering import GoElsewhere, redirect
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff.access import staff_caller
from lianban.window.service import subject_of

PATTERN = "/staff/window/apply/{theme_id}"


def _applicant(request: Request, clerk: Identity, theme_id: str) -> dict[str, str]:
    """Whom the clerk's draft of the theme is for: ``{"id_number": …}`` or ``{"uscc": …}``."""
    ctx = platform_of(request)
    with ctx.sessions() as session:
        try:
            draft = drafts.read_draft(session, ctx.catalogue, clerk, theme_id, ctx.clock.now())
        except NotFound:
            return {}
    form = draft["form"] or {}
    if form.get("employer.uscc"):
        return {"uscc": str(form["employer.uscc"])}
    if form.get("person.id_number"):
        return {"id_number": str(form["person.id_number"])}
    return {}


def clerk_flow(request: Request, theme_id: str) -> ApplyFlow:
    clerk = staff_caller(request, Role.WINDOW_CLERK)
    theme_of(platform_of(request), theme_id)  # an unknown theme is a 404 page
    prefix = PATTERN.format(theme_id=theme_id)
    if request.url.path.startswith(prefix + "/receipt/"):  # filed: the case names its applicant
        return ApplyFlow.at_window(clerk, theme_id, prefix)
    applicant = _applicant(request, clerk, theme_id)
    if not applicant:  # no applicant chosen for this theme: look her up first
        raise GoElsewhere("/staff/window")
    return ApplyFlow.at_window(clerk, theme_id, prefix, **applicant)


start_router = APIRouter(route_class=PageRoute, include_in_schema=False)


@start_router.post("/staff/window/apply")
def start(
    request: Request,
    theme_id: Annotated[str, Form(max_length=100)] = "",
    number: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Start (or go back to) a theme for the applicant the clerk looked up."""
    clerk = staff_caller(request, Role.WINDOW_CLERK)
    ctx = platform_of(request)
    theme = theme_of(ctx, theme_id)
    kind, _, value = subject_of(number).partition(":")
    if (kind == "employer") != (theme.applicant_type == "employer"):
        raise invalid_field(
            "theme_id", "kind", "该主题的申请对象与所查询的申请人不符", "the theme is not for this applicant"
        )
    flow = ApplyFlow.at_window(
        clerk,
        theme_id,
        PATTERN.format(theme_id=theme_id),
        **({"uscc": value} if kind == "employer" else {"id_number": value}),
    )
    save_state(ctx, flow, load_state(ctx, flow))  # a draft for another applicant starts afresh
    return redirect(request, flow.url())


router = apply_router(PATTERN, clerk_flow)
