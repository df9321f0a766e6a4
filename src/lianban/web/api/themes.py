"""Catalogue and one-time notification (一次性告知): /api/v1/themes, /themes/{id}, /themes/{id}/guide."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.guide import guide
from lianban.forms.service import theme_of
from lianban.web.deps import platform_of

router = APIRouter(prefix="/api/v1/themes", tags=["catalogue"])


def catalogue_of(request: Request) -> Catalogue:
    cat: Catalogue = request.app.state.catalogue
    return cat


@router.get("", summary="All themes with their items")
def list_themes(request: Request) -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "name": t.name,
            "name_en": t.name_en,
            "region_code": t.region_code,
            "region_name": t.region_name,
            "applicant_type": t.applicant_type,
            "items": [
                {"code": it.code, "name": it.name, "department": it.department.value} for it in t.items
            ],
        }
        for t in catalogue_of(request).themes.values()
    ]


@router.get("/{theme_id}", summary="The whole definition of one theme")
def get_theme(request: Request, theme_id: str) -> dict[str, Any]:
    theme_of(platform_of(request), theme_id)
    cat = catalogue_of(request)
    body = cat.theme_json(theme_id)
    body["version"] = cat.theme_digest(theme_id)
    return body


@router.get("/{theme_id}/guide", summary="The one-time notification guide (一次性告知)")
def get_guide(request: Request, theme_id: str) -> dict[str, Any]:
    return guide(theme_of(platform_of(request), theme_id))
