"""我的办件 (my cases): the logged-in person's or employer's cases, newest first.

The list is the API's (``GET /api/v1/applications``): the same query, the same rule of who sees
what. Without a session the page sends the person to log in and brings her back.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lianban.certificates.service import case_certificates
from lianban.web.api.applications import list_applications
from lianban.web.api.certificates import certificate_pdf
from lianban.web.deps import platform_of
from lianban.web.pages.rendering import render
from lianban.web.pages.route import PageRoute
from lianban.web.pages.session import page_identity

router = APIRouter(route_class=PageRoute, include_in_schema=False)
WITH_CERTIFICATES = ("in_progress", "completed", "partially_completed")


@router.get("/my", response_class=HTMLResponse)
def my_cases(request: Request) -> Response:
    identity = page_identity(request)
    if identity is None:
        return RedirectResponse(f"/login?next={quote('/my')}", status_code=303)
    themes = request.app.state.catalogue.themes
    cases = [
        {
            **c,
            "theme_name": themes[c["theme_id"]].name if c["theme_id"] in themes else c["theme_id"],
            # 电子证照: what its approved items issued, to download
            "certificates": case_certificates(platform_of(request), identity, c["case_id"])
            if c["status"] in WITH_CERTIFICATES
            else [],
        }
        for c in list_applications(request, identity)
    ]
    return render(request, "my_cases.html", {"cases": cases})


@router.get("/my/cases/{case_id}/certificates/{code}.pdf")
def my_certificate(request: Request, case_id: str, code: str) -> Response:
    """One e-certificate of the person's case, signed (电子证照下载)."""
    identity = page_identity(request)
    if identity is None:
        return RedirectResponse(f"/login?next={quote('/my')}", status_code=303)
    return certificate_pdf(request, identity, case_id, code)
