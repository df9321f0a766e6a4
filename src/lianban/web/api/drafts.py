"""Drafts over HTTP (草稿): PUT, GET and DELETE /api/v1/drafts/{theme_id} — the caller's own
half-filled form of a theme, kept server-side (personal values encrypted at rest)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from lianban.drafts import service
from lianban.security.tokens import Identity
from lianban.web.auth import require_identity
from lianban.web.deps import sessions_of
from lianban.web.feature_deps import now_of, regional_of

router = APIRouter(prefix="/api/v1/drafts", tags=["drafts 草稿"])

Caller = Annotated[Identity, Depends(require_identity)]


class DraftBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form: dict[str, Any] = Field(default_factory=dict)
    situation: dict[str, Any] = Field(default_factory=dict)
    items: list[str] | None = Field(default=None, max_length=200)
    materials: list[dict[str, Any]] = Field(default_factory=list, max_length=200)
    step: str | None = Field(default=None, max_length=40)


@router.put("/{theme_id}", summary="Keep the caller's half-filled form of a theme")
def put_draft(request: Request, theme_id: str, body: DraftBody, identity: Caller) -> dict[str, Any]:
    content = service.DraftContent(
        form=body.form, situation=body.situation, items=body.items, materials=body.materials, step=body.step
    )
    with sessions_of(request)() as session, session.begin():
        return service.save_draft(
            session,
            request.app.state.catalogue,
            identity,
            theme_id,
            content,
            now_of(request),
            regional_of(request).draft_keep_days,
        )


@router.get("/{theme_id}", summary="The caller's draft of a theme (404 when none or expired)")
def get_draft(request: Request, theme_id: str, identity: Caller) -> dict[str, Any]:
    with sessions_of(request)() as session:
        return service.read_draft(session, request.app.state.catalogue, identity, theme_id, now_of(request))


@router.delete("/{theme_id}", status_code=204, summary="Discard the caller's draft of a theme")
def delete_draft(request: Request, theme_id: str, identity: Caller) -> Response:
    with sessions_of(request)() as session, session.begin():
        service.discard_draft(session, identity, theme_id)
    return Response(status_code=204)
