"""预约 on the page: pick a service hall and a half-day on the coming working days, get a booking
number (and an SMS), see one's bookings and cancel one.

The rules are :mod:`lianban.appointments`' (which days may be booked under the statutory
calendar, places per slot, one per person per day, the cancellation limit, the no-show bar — all
the region's settings); a refusal comes back on the page naming its rule, with the choice kept.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.appointments import service
from lianban.appointments.halls import PERIOD_WORDS, Hall
from lianban.appointments.slots import free_slots
from lianban.calendar import china_date
from lianban.errors import DomainError
from lianban.web.deps import platform_of, sessions_of
from lianban.web.feature_deps import halls_of, now_of, regional_of
from lianban.web.pages.my_cases import applicant
from lianban.web.pages.rendering import redirect, render
from lianban.web.pages.route import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)

STATUS = {"booked": "已预约", "cancelled": "已取消", "checked_in": "已签到", "no_show": "未到（爽约）"}
WEEKDAYS = "一二三四五六日"
DONE = {"cancelled": "预约已取消。", "booked": "预约成功，短信已发送到您的手机。"}


def day_words(value: str) -> str:
    """``2026-12-07`` → ``12月7日（星期一）``."""
    d = date.fromisoformat(value)
    return f"{d.month}月{d.day}日（星期{WEEKDAYS[d.weekday()]}）"


def _bookings(request: Request) -> list[dict[str, Any]]:
    identity = applicant(request)
    with sessions_of(request)() as session, session.begin():  # settles passed bookings as no-shows
        mine = service.my_appointments(session, halls_of(request), identity, now_of(request))
    return [{**a, "status_word": STATUS.get(a["status"], a["status"])} for a in mine]


@router.get("/appointments", response_class=HTMLResponse)
def my_bookings(request: Request, done: str = Query("", max_length=20)) -> Response:
    bookings = _bookings(request)
    return render(
        request,
        "appointments.html",
        {
            "coming": [a for a in bookings if a["status"] == "booked"],
            "past": [a for a in bookings if a["status"] != "booked"],
            "periods": PERIOD_WORDS,
            "day_words": day_words,
            "message": DONE.get(done, ""),
        },
    )


def _slot_days(request: Request, hall: Hall) -> list[dict[str, Any]]:
    rules = regional_of(request).appointments.for_region(hall.region_code)
    with sessions_of(request)() as session:
        slots = free_slots(session, hall, rules, china_date(now_of(request)))
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in slots:
        days[s["date"]].append(
            {**s, "value": f"{s['date']}|{s['period']}", "word": PERIOD_WORDS[s["period"]][0]}
        )
    return [{"date": d, "words": day_words(d), "slots": ss} for d, ss in days.items()]


def _booking_page(
    request: Request,
    hall_id: str,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    applicant(request)
    halls = halls_of(request)
    hall = halls.get(hall_id)
    context: dict[str, Any] = {
        "halls": sorted(halls.values(), key=lambda h: (h.region_code, h.name)),
        "hall": hall,
        "typed": typed or {},
        "errors": errors or {},
    }
    if hall is not None:
        rules = regional_of(request).appointments.for_region(hall.region_code)
        catalogue = request.app.state.catalogue
        context |= {
            "days": _slot_days(request, hall),
            "rules": rules,
            "themes": [t for t in catalogue.themes.values() if hall.serves(t.id, t.region_code)],
            "hours": {p: f"{o:%H:%M}–{c:%H:%M}" for p, (o, c) in hall.hours.items()},
        }
    return render(request, "appointment_new.html", context, status=status)


@router.get("/appointments/new", response_class=HTMLResponse)
def booking_page(request: Request, hall: str = Query("", max_length=60)) -> Response:
    return _booking_page(request, hall)


@router.post("/appointments", response_class=HTMLResponse)
def book(
    request: Request,
    hall: Annotated[str, Form(max_length=60)] = "",
    slot: Annotated[str, Form(max_length=20)] = "",
    theme_id: Annotated[str, Form(max_length=100)] = "",
    mobile: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    identity = applicant(request)
    typed = {"slot": slot, "theme_id": theme_id, "mobile": mobile}
    day_text, _, period = slot.partition("|")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return _booking_page(request, hall, typed, {"slot": "请选择一个时段"}, status=422)
    if mobile and not (len(mobile) == 11 and mobile.isdigit() and mobile[0] == "1"):
        return _booking_page(request, hall, typed, {"mobile": "请输入 11 位手机号码"}, status=422)
    ctx = platform_of(request)
    try:
        booked = service.book_in_turn(
            sessions_of(request),
            request.app.state.catalogue,
            halls_of(request),
            identity,
            service.BookingRequest(
                hall=hall,
                day=day,
                period=period,
                theme_id=theme_id or None,
                mobile=service.sms_number(ctx.sharing, identity, mobile or None),
            ),
            now_of(request),
            regional_of(request).appointments,
            ctx.senders,
        )
    except DomainError as refused:
        field = refused.errors[0].field if refused.errors else "slot"
        words = refused.errors[0].message_zh if refused.errors else (refused.detail_zh or refused.title_zh)
        place = {"date": "slot", "period": "slot", "hall": "slot"}.get(field, field)
        return _booking_page(request, hall, typed, {place: words}, status=refused.status)
    return redirect(request, f"/appointments/{quote(booked['appointment_id'])}?done=booked")


def _one_page(
    request: Request, appointment_id: str, done: str = "", error: str = "", status: int = 200
) -> Response:
    identity = applicant(request)
    with sessions_of(request)() as session:
        booking = service.one_appointment(session, halls_of(request), identity, appointment_id)
    hall = halls_of(request).get(booking["hall"])
    return render(
        request,
        "appointment.html",
        {
            "a": {**booking, "status_word": STATUS.get(booking["status"], booking["status"])},
            "hall": hall,
            "period_word": PERIOD_WORDS[booking["period"]][0],
            "day": day_words(booking["date"]),
            "cancel_hours": regional_of(request).appointments.for_region(hall.region_code).cancel_hours_before
            if hall
            else None,
            "message": DONE.get(done, ""),
            "error": error,
        },
        status=status,
    )


@router.get("/appointments/{appointment_id}", response_class=HTMLResponse)
def booking(request: Request, appointment_id: str, done: str = Query("", max_length=20)) -> Response:
    return _one_page(request, appointment_id, done)


@router.post("/appointments/{appointment_id}/cancel", response_class=HTMLResponse)
def cancel(request: Request, appointment_id: str) -> Response:
    identity = applicant(request)
    try:
        with sessions_of(request)() as session, session.begin():
            service.cancel(
                session,
                halls_of(request),
                identity,
                appointment_id,
                now_of(request),
                regional_of(request).appointments,
            )
    except DomainError as refused:
        if refused.status == 404:
            raise
        words = refused.errors[0].message_zh if refused.errors else (refused.detail_zh or "")
        return _one_page(request, appointment_id, error=words, status=refused.status)
    return redirect(request, "/appointments?done=cancelled")
