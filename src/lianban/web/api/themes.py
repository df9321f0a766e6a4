"""Catalogue and one-time notification (一次性告知): /api/v1/themes, /themes/{id}, /themes/{id}/guide."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.guide import guide
from lianban.catalog.model import Theme
from lianban.web.problems import not_found

router = APIRouter(prefix="/api/v1/themes", tags=["catalogue"])


def catalogue_of(request: Request) -> Catalogue:
    cat: Catalogue = request.app.state.catalogue
    return cat


def _theme(request: Request, theme_id: str) -> Theme:
    cat = catalogue_of(request)
    if theme_id not in cat.themes:
        raise not_found(f"主题 {theme_id} ", f"theme {theme_id}")
    return cat.themes[theme_id]


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
    _theme(request, theme_id)
    cat = catalogue_of(request)
    body = cat.theme_json(theme_id)
    body["version"] = cat.theme_digest(theme_id)
    return body


@router.get("/{theme_id}/guide", summary="The one-time notification guide (一次性告知)")
def get_guide(request: Request, theme_id: str) -> dict[str, Any]:
    return guide(_theme(request, theme_id))
