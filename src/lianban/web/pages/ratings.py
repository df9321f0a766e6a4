"""好差评 on the page (国办发〔2019〕51号): after a case, or a finished item, the applicant rates it on
the five levels with optional words and reasons to tick — once each (一次一评). Rating the whole
case she may tick the departments she means; a 差评 (不满意, 非常不满意) opens a follow-up (整改)
for each of them — or, when she ticks none, for every department of the case; an item's rating
concerns its department. The applicant sees their answers here and rates each answer once it is
given.

The rules are :mod:`lianban.ratings.service`'s (what may be rated, one each, the follow-ups and
their working-day deadlines from the region's settings); this page reads the form and shows the
answers.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.cases import service as cases
from lianban.catalog.model import department_name
from lianban.errors import Invalid
from lianban.ratings import service
from lianban.ratings.vocabulary import LEVELS, REASONS, is_bad
from lianban.security.tokens import Identity
from lianban.web.deps import platform_of, sessions_of
from lianban.web.feature_deps import now_of, regional_of
from lianban.web.pages.my_cases import FINISHED_ITEM, applicant, theme_name
from lianban.web.pages.rendering import redirect, render
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff.words import FOLLOW_UP_STATUS

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# good reasons first for a good rating, the others for a 差评: the page shows them in two groups
GOOD_REASONS = ("fast", "one_trip", "clear_guide", "good_attitude")
DONE = {
    "rated": "感谢您的评价。",
    "rated_bad": "感谢您的评价。我们已转交相关部门核实整改，请留意下方的整改期限和部门反馈。",
    "follow_up_rated": "已收到您对整改结果的评价。",
}


def _targets(view: dict[str, Any], ratings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """What the applicant may still rate: the whole case once finished, and each finished item."""
    done = {r["target"] for r in ratings}
    out: list[tuple[str, str]] = []
    if view["status"] in service.FINISHED_CASE and service.CASE not in done:
        out.append((service.CASE, "整个办件"))
    for it in view["items"]:
        if it["status"] in FINISHED_ITEM and it["item_id"] not in done:
            out.append((it["item_id"], it["name"]))
    return out


def _departments(view: dict[str, Any]) -> list[tuple[str, str]]:
    """The departments that handled the case's items, by name: what a whole-case rating may name."""
    codes = service.case_departments(it["department"] for it in view["items"])
    return [(code, department_name(code)) for code in codes]


def _page(
    request: Request,
    identity: Identity,
    case_id: str,
    done: str = "",
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = cases.case_view(platform_of(request), identity, case_id)  # 404 for another's case
    with sessions_of(request)() as session:
        rated = service.ratings_of_case(session, identity, case_id, now_of(request))
    names = {it["item_id"]: it["name"] for it in view["items"]}
    return render(
        request,
        "rating.html",
        {
            "case": view,
            "theme_name": theme_name(request, view["theme_id"]),
            "targets": _targets(view, rated["ratings"]),
            "departments": _departments(view),
            "ratings": rated["ratings"],
            "follow_ups": rated["follow_ups"],
            "item_names": names,
            "levels": LEVELS,
            "reasons": REASONS,
            "good_reasons": GOOD_REASONS,
            "follow_up_status": FOLLOW_UP_STATUS,
            "rateable_follow_up": service.RATEABLE_FOLLOW_UP,
            "message": DONE.get(done, ""),
            "typed": typed or {},
            "errors": errors or {},
        },
        status=status,
    )


@router.get("/my/{case_id}/rating", response_class=HTMLResponse)
def rating_page(request: Request, case_id: str, done: str = Query("", max_length=20)) -> Response:
    return _page(request, applicant(request), case_id, done)


def _field_errors(refused: Invalid) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in refused.errors:
        errors.setdefault(e.field.split("[")[0], e.message_zh)
    if not errors:
        errors["level"] = refused.detail_zh or refused.title_zh
    return errors


@router.post("/my/{case_id}/rating", response_class=HTMLResponse)
def rate(
    request: Request,
    case_id: str,
    level: Annotated[int | None, Form(ge=1, le=5)] = None,
    target: Annotated[str, Form(max_length=60)] = service.CASE,
    comment: Annotated[str, Form(max_length=500)] = "",
    reasons: Annotated[list[str] | None, Form(max_length=12)] = None,
    departments: Annotated[list[str] | None, Form(max_length=8)] = None,
) -> Response:
    identity = applicant(request)
    typed = {
        "level": level,
        "target": target,
        "comment": comment,
        "reasons": reasons or [],
        "departments": departments or [],
    }
    if level is None:
        errors = {"level": "请选择一个评价等级"}
        return _page(request, identity, case_id, typed=typed, errors=errors, status=422)
    chosen = service.RatingRequest(
        level=level,
        comment=comment,
        reasons=tuple(reasons or ()),
        item=None if target == service.CASE else target,
        # the departments she means, rating the whole case (an item's rating concerns its own)
        departments=tuple(departments or ()) if target == service.CASE else (),
    )
    try:
        with sessions_of(request)() as session, session.begin():
            service.rate(
                session,
                request.app.state.catalogue,
                identity,
                case_id,
                chosen,
                now_of(request),
                regional_of(request).ratings,
            )
    except Invalid as refused:
        return _page(request, identity, case_id, typed=typed, errors=_field_errors(refused), status=422)
    done = "rated_bad" if is_bad(level) else "rated"
    return redirect(request, f"/my/{quote(case_id)}/rating?done={done}")


@router.post("/my/{case_id}/follow-ups/{follow_up_id}/rating", response_class=HTMLResponse)
def rate_follow_up(
    request: Request,
    case_id: str,
    follow_up_id: str,
    level: Annotated[int | None, Form(ge=1, le=5)] = None,
    comment: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    identity = applicant(request)
    if level is None:
        errors = {f"follow_up:{follow_up_id}": "请选择一个评价等级"}
        return _page(request, identity, case_id, errors=errors, status=422)
    with sessions_of(request)() as session, session.begin():
        service.rate_follow_up(session, identity, case_id, follow_up_id, level, comment, now_of(request))
    return redirect(request, f"/my/{quote(case_id)}/rating?done=follow_up_rated#follow-ups")
