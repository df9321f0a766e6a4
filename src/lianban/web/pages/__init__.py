"""The people-facing pages (页面): server-rendered Jinja2 templates with htmx, beside the API.

``install_pages(app)`` mounts the static files (vendored, no CDN), the page routers and a
not-found page for browsers; the API's own answers stay problem details in JSON.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from lianban.web.pages import (
    apply,
    appointments,
    correction,
    department_site,
    login,
    my_cases,
    portal,
    prefs,
    ratings,
    staff,
    verify,
)
from lianban.web.pages.rendering import error_page
from lianban.web.pages.route import http_problem

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def wants_page(request: Request) -> bool:
    """A browser asking for a page, not a client of the API."""
    path = request.url.path
    return not path.startswith(("/api/", "/static/")) and "text/html" in request.headers.get("accept", "")


def install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        portal,
        apply,
        login,
        my_cases,
        department_site,
        correction,
        ratings,
        appointments,
        prefs,
        verify,
    ):
        app.include_router(module.router)
    for router in staff.ROUTERS:
        app.include_router(router)
    api_handler = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StarletteHTTPException) and wants_page(request):
            return error_page(request, http_problem(exc.status_code))
        response: Response = await api_handler(request, exc)  # type: ignore[misc]
        return response

    app.add_exception_handler(StarletteHTTPException, http_error)
