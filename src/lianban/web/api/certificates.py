"""E-certificates (电子证照) over the API: a case's certificates and their signed PDFs for its
applicant, a certificate's public fields and status for anyone holding its code, revocation by the
issuing department. The rules are in :mod:`lianban.certificates.service`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from lianban.certificates import service
from lianban.security.tokens import Identity
from lianban.web.auth import require_identity
from lianban.web.deps import platform_of

router = APIRouter(tags=["certificates"])
Caller = Annotated[Identity, Depends(require_identity)]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the signed certificate (PAdES)"}
}


class RevokeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


def public_base(request: Request) -> str:
    """Where the verification page is reached: LIANBAN_PUBLIC_URL, else this request's host."""
    configured = platform_of(request).settings.public_url
    return configured or str(request.base_url)


def certificate_pdf(request: Request, identity: Identity, case_id: str, code: str) -> Response:
    name, body = service.download(platform_of(request), identity, case_id, code, public_base(request))
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/api/v1/applications/{case_id}/certificates", summary="The e-certificates (电子证照) of a case")
def list_certificates(request: Request, case_id: str, identity: Caller) -> list[dict[str, Any]]:
    return service.case_certificates(platform_of(request), identity, case_id)


@router.get(
    "/api/v1/applications/{case_id}/certificates/{code}.pdf",
    summary="One e-certificate as a signed PDF with the QR code of its verification page",
    responses=PDF,
)
def get_certificate_pdf(request: Request, case_id: str, code: str, identity: Caller) -> Response:
    return certificate_pdf(request, identity, case_id, code)


@router.get(
    "/api/v1/certificates/{code}",
    summary="An e-certificate's own fields and status (valid | revoked); 404 when unknown",
)
def get_certificate(request: Request, code: str) -> dict[str, Any]:
    return service.public_view(platform_of(request), code)


@router.post(
    "/api/v1/certificates/{code}/revoke",
    summary="The issuing department revokes an e-certificate (撤销)",
)
def post_revoke(request: Request, code: str, body: RevokeBody, identity: Caller) -> dict[str, Any]:
    return service.revoke(platform_of(request), identity, code, body.reason)
