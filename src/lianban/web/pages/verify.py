"""The public verification page of an e-certificate (电子证照核验, ``/verify/{code}``): valid, revoked
or unknown — only the certificate's own fields, nothing of the case. The QR code on the PDF leads
here; no login."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lianban.certificates import service
from lianban.errors import NotFound
from lianban.web.deps import platform_of
from lianban.web.pages.rendering import render
from lianban.web.pages.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/verify/{code}", response_class=HTMLResponse)
def verify(request: Request, code: str) -> HTMLResponse:
    try:
        certificate = service.public_view(platform_of(request), code)
    except NotFound:
        return render(request, "verify.html", {"certificate": None, "code": code}, status=404)
    return render(request, "verify.html", {"certificate": certificate, "code": code})
