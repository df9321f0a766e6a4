"""The applicant portal's front pages: home (主题, by region and by who applies) and the guide (一次性告知).

Both read what the API reads — the theme list and the catalogue's guide function — and only
arrange it for people: grouped by region, filtered by a search, as tables that read on a phone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from lianban.catalog.catalogue import Catalogue
from lianban.web.api.themes import get_guide, list_themes
from lianban.web.pages.rendering import render
from lianban.web.pages.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)

AUDIENCES = {"person": "个人办事", "employer": "单位办事"}


def department_names(request: Request) -> dict[str, str]:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue.code_lists["department"].labels("zh")


def _haystack(theme: dict[str, Any], departments: dict[str, str]) -> str:
    words = [theme["name"], theme["region_name"], theme.get("service_object") or ""]
    for item in theme["items"]:
        words += [item["name"], departments.get(item["department"], "")]
    return " ".join(words).casefold()


def matching(
    themes: Iterable[dict[str, Any]], query: str, who: str | None, departments: dict[str, str]
) -> list[dict[str, Any]]:
    """Themes whose name, region, service object, items or departments hold every word of ``query``."""
    words = query.casefold().split()
    return [
        t
        for t in themes
        if (who is None or t["applicant_type"] == who) and all(w in _haystack(t, departments) for w in words)
    ]


def by_region(themes: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    regions: dict[str, list[dict[str, Any]]] = {}
    for t in sorted(themes, key=lambda t: (t["region_code"], t["applicant_type"] != "person", t["name"])):
        regions.setdefault(t["region_name"], []).append(t)
    return list(regions.items())


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    q: str = Query("", max_length=50),
    who: str | None = Query(None, max_length=10),
) -> HTMLResponse:
    audience = who if who in AUDIENCES else None
    departments = department_names(request)
    catalogue: Catalogue = request.app.state.catalogue
    themes = [{**t, "service_object": catalogue.themes[t["id"]].service_object} for t in list_themes(request)]
    found = matching(themes, q.strip(), audience, departments)
    return render(
        request,
        "home.html",
        {
            "q": q.strip(),
            "who": audience,
            "audiences": AUDIENCES,
            "regions": by_region(found),
            "found": len(found),
            "total": len(themes),
        },
    )


@router.get("/themes/{theme_id}", response_class=HTMLResponse)
def guide_page(request: Request, theme_id: str) -> HTMLResponse:
    guide = get_guide(request, theme_id)  # a 404 problem for an unknown theme
    theme = request.app.state.catalogue.themes[theme_id]
    item_names = {it["code"]: it["name"] for it in guide["items"]}
    limits = {it["code"]: it for it in guide["time_limit"]["items"]}
    return render(
        request,
        "guide.html",
        {
            "g": guide,
            "theme": theme,
            "departments": department_names(request),
            "item_names": item_names,
            "limits": limits,
            "delivery_labels": request.app.state.catalogue.code_lists["delivery_method"].labels("zh"),
        },
    )
