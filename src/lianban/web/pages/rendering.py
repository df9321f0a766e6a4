"""Rendering pages (页面渲染): the templates, what every page knows, errors as pages.

Every page gets the logged-in identity, the CSRF token for its forms and whether 长辈版 is on.
A domain error (:class:`~lianban.web.problems.Problem`) becomes a page in Chinese — in English
when the browser asks for English first, with the messages the API already has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from lianban.web.pages import labels
from lianban.web.pages.session import csrf_token, elder_mode, keep_seed, page_identity
from lianban.web.problems import Problem, wants_english

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


def _page_context(request: Request) -> dict[str, Any]:
    return {
        "me": page_identity(request),
        "elder": elder_mode(request),
        "csrf_token": csrf_token(request),
        "sandbox": request.app.state.settings.sandbox,
        "path": request.url.path,
        "here": local_path(str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")),
        "labels": labels,
    }


templates = Jinja2Templates(directory=TEMPLATES_DIR, context_processors=[_page_context])


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context or {}, status_code=status)
    keep_seed(request, response)
    return response


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirect to other sites)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def redirect(request: Request, target: str) -> Response:
    """Go to another page after a POST: 303 for a plain form, ``HX-Redirect`` for htmx."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


class GoElsewhere(Exception):
    """Raised by a page that sends the browser elsewhere first (to log in, say)."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


def error_page(request: Request, problem: Problem) -> HTMLResponse:
    """A domain error as a page; from htmx, it replaces the page's main part, not a fragment."""
    en = wants_english(request)
    response = render(
        request,
        "error.html",
        {
            "status": problem.status,
            "title": problem.title_en if en else problem.title_zh,
            "detail": (problem.detail_en if en else problem.detail_zh) or "",
            "errors": [(e.field, e.message_en if en else e.message_zh) for e in problem.errors],
            "message_lang": "en" if en else "zh-CN",
        },
        status=problem.status,
    )
    if is_htmx(request):
        response.headers.update({"HX-Retarget": "#main", "HX-Reswap": "outerHTML", "HX-Reselect": "#main"})
    return response
