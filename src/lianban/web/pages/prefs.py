"""The 长辈版 switch (适老化): one form on every page, remembered in a cookie, back to the same page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lianban.web.pages.rendering import local_path, redirect
from lianban.web.pages.route import PageRoute
from lianban.web.pages.session import remember_elder

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.post("/prefs/elder")
def switch_elder_mode(
    request: Request,
    elder: Annotated[str, Form(max_length=1)] = "0",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    response = redirect(request, local_path(next))
    remember_elder(request, response, elder == "1")
    return response
