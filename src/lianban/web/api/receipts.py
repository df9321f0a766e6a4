"""The acceptance receipt (受理回执) and the notice of non-acceptance (不予受理通知书) as PDFs —
the documents are built in :mod:`lianban.receipts`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from lianban.receipts import service
from lianban.security.tokens import Identity
from lianban.web.auth import require_identity
from lianban.web.deps import sessions_of
from lianban.web.feature_deps import now_of

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])

Caller = Annotated[Identity, Depends(require_identity)]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the document as PDF"}
}


def _pdf(body: bytes, name: str) -> Response:
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.get("/{case_id}/receipt.pdf", summary="The acceptance receipt (受理回执) of a case", responses=PDF)
def get_receipt(request: Request, case_id: str, identity: Caller) -> Response:
    with sessions_of(request)() as session, session.begin():
        body = service.acceptance_receipt(
            session, request.app.state.catalogue, identity, case_id, now_of(request)
        )
    return _pdf(body, f"{case_id}-receipt.pdf")


@router.get(
    "/{case_id}/refusal-notice.pdf",
    summary="The notice of non-acceptance (不予受理通知书) of the items refused at intake; 404 when none was",
    responses=PDF,
)
def get_refusal_notice(request: Request, case_id: str, identity: Caller) -> Response:
    with sessions_of(request)() as session, session.begin():
        body = service.refusal_notice(
            session, request.app.state.catalogue, identity, case_id, now_of(request)
        )
    return _pdf(body, f"{case_id}-refusal-notice.pdf")
