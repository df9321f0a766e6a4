"""综窗受理: the window clerk's console — the day's bookings of her hall with check-in and a queue
number, looking a walk-in person or employer up in data sharing, and the themes she may start for
them (帮办代办). The rules are :mod:`lianban.appointments.desk`'s and :mod:`lianban.window`'s."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.appointments import desk
from lianban.appointments.halls import PERIOD_WORDS, Hall
from lianban.calendar import china_date
from lianban.errors import Conflict, Invalid
from lianban.security.tokens import Identity, Role
from lianban.web.deps import platform_of, sessions_of
from lianban.web.feature_deps import halls_of, now_of
from lianban.web.pages.rendering import redirect
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff.access import render_staff, staff_caller
from lianban.web.pages.staff.words import when
from lianban.web.problems import wants_english
from lianban.window import service as window

router = APIRouter(route_class=PageRoute, include_in_schema=False)

BOOKING_STATUS = {"booked": "已预约", "checked_in": "已签到", "no_show": "未到", "cancelled": "已取消"}


def _halls(request: Request, identity: Identity) -> list[Hall]:
    halls = list(halls_of(request).values())
    return [h for h in halls if identity.hall is None or h.id == identity.hall]


def _themes_for(request: Request, kind: str) -> list[tuple[str, str, str]]:
    """The themes a person (or an employer) applies for: (id, name, region)."""
    wanted = "employer" if kind == "employer" else "person"
    themes = request.app.state.catalogue.themes.values()
    return sorted(
        ((t.id, t.name, t.region_name) for t in themes if t.applicant_type == wanted), key=lambda t: t[2]
    )


def _console(
    request: Request,
    identity: Identity,
    hall_id: str,
    message: str = "",
    error: str = "",
    number: str = "",
    status: int = 200,
) -> HTMLResponse:
    halls = _halls(request, identity)
    now = now_of(request)
    chosen = next((h for h in halls if h.id == hall_id), None)
    bookings: list[dict[str, Any]] = []
    with sessions_of(request)() as session, session.begin():
        if chosen is None:  # the first hall with bookings today, else the first
            for hall in halls:
                bookings = desk.day_bookings(
                    session, halls_of(request), identity, hall.id, china_date(now), now
                )
                if bookings:
                    chosen = hall
                    break
            chosen = chosen or (halls[0] if halls else None)
        else:
            bookings = desk.day_bookings(
                session, halls_of(request), identity, chosen.id, china_date(now), now
            )
    return render_staff(
        request,
        identity,
        "staff/window.html",
        {
            "halls": halls,
            "hall": chosen,
            "bookings": bookings,
            "today": china_date(now).isoformat(),
            "periods": {p: w[0] for p, w in PERIOD_WORDS.items()},
            "statuses": BOOKING_STATUS,
            "themes": {t.id: t.name for t in request.app.state.catalogue.themes.values()},
            "message": message,
            "error": error,
            "number": number,
        },
        status=status,
    )


@router.get("/staff/window", response_class=HTMLResponse)
def console(
    request: Request,
    hall: str = Query("", max_length=60),
    queue: str = Query("", max_length=8),
) -> HTMLResponse:
    identity = staff_caller(request, Role.WINDOW_CLERK)
    message = f"已签到，排队号 {queue}。请核验身份证件后受理。" if queue else ""
    return _console(request, identity, hall, message=message)


@router.post("/staff/window/check-in/{appointment_id}")
def check_in(
    request: Request, appointment_id: str, hall: Annotated[str, Form(max_length=60)] = ""
) -> Response:
    identity = staff_caller(request, Role.WINDOW_CLERK)
    try:
        done = desk.check_in_turn(
            sessions_of(request), halls_of(request), identity, appointment_id, now_of(request)
        )
    except Conflict as refused:  # not today, the slot is over, already checked in
        en = wants_english(request)
        error = (refused.detail_en if en else refused.detail_zh) or ""
        return _console(request, identity, hall, error=error, status=422)
    return redirect(request, f"/staff/window?{urlencode({'hall': done['hall'], 'queue': done['queue_no']})}")


@router.post("/staff/window/look-up", response_class=HTMLResponse)
def look_up(request: Request, number: Annotated[str, Form(max_length=40)] = "") -> HTMLResponse:
    """查询: a POST, so the number never sits in an address, a history or a log of URLs."""
    identity = staff_caller(request, Role.WINDOW_CLERK)
    client = request.client.host if request.client else None
    try:
        found = window.look_up(platform_of(request), identity, number, client)
    except Invalid as refused:
        en = wants_english(request)
        error = next((e.message_en if en else e.message_zh for e in refused.errors), "") or ""
        return _console(request, identity, "", error=error, number=number, status=422)
    return render_staff(
        request,
        identity,
        "staff/window_person.html",
        {
            "found": found,
            "themes": _themes_for(request, found["kind"]),
            "theme_names": {t.id: t.name for t in request.app.state.catalogue.themes.values()},
            "when": when,
        },
    )
