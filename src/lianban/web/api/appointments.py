"""预约 over HTTP: service halls and their free half-days, booking and cancelling, the person's
bookings; the window clerk's day list, check-in (queue number) and no-shows. The rules live in
:mod:`lianban.appointments`; this module reads requests and writes answers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lianban.appointments import desk, service
from lianban.appointments.slots import bookable_days, free_slots
from lianban.calendar import china_date
from lianban.notify.senders import Sender
from lianban.security.tokens import Identity
from lianban.web.auth import require_identity
from lianban.web.deps import sessions_of
from lianban.web.feature_deps import halls_of, now_of, regional_of

router = APIRouter(prefix="/api/v1/appointments", tags=["appointments 预约"])

Caller = Annotated[Identity, Depends(require_identity)]


class BookingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hall: str = Field(max_length=60)
    date: date
    period: Literal["am", "pm"]
    theme_id: str | None = Field(default=None, max_length=100)
    mobile: str | None = Field(
        default=None, pattern=r"^1[3-9]\d{9}$", description="where the SMS goes (else the registered number)"
    )


def _senders(request: Request) -> tuple[Sender, ...]:
    """The platform's SMS gateways (the sandbox's records; production's as configured)."""
    senders: tuple[Sender, ...] = request.app.state.platform.senders
    return senders


def _mobile(request: Request, identity: Identity, given: str | None) -> str | None:
    """The number to text: the one given, else the one the population registry knows."""
    return service.sms_number(getattr(request.app.state, "sharing", None), identity, given)


@router.get("/halls", summary="Service halls (政务服务大厅) with their windows and hours")
def get_halls(request: Request, region: str | None = None) -> list[dict[str, Any]]:
    regional = regional_of(request)
    halls = [
        h
        for h in halls_of(request).values()
        if region is None or h.region_code.startswith(region.rstrip("0"))
    ]
    today = china_date(now_of(request))
    out = []
    for hall in halls:
        rules = regional.appointments.for_region(hall.region_code)
        days = bookable_days(today, rules)
        out.append(
            {
                **hall.as_json(),
                "rules": {
                    "booking_working_days": rules.booking_working_days,
                    "per_person_per_day": rules.per_person_per_day,
                    "cancel_hours_before": rules.cancel_hours_before,
                    "slots_per_window": rules.slots_per_window,
                    "no_show_limit": rules.no_show_limit,
                },
                "bookable": {"from": days[0].isoformat(), "to": days[-1].isoformat()},
            }
        )
    return out


@router.get("/slots", summary="Half-day slots (am/pm) on the bookable working days, with free places")
def get_slots(
    request: Request, hall: str, from_: Annotated[date | None, Query(alias="from")] = None
) -> list[dict[str, Any]]:
    regional = regional_of(request)
    chosen = service.hall_of(halls_of(request), hall)
    with sessions_of(request)() as session:
        return free_slots(
            session,
            chosen,
            regional.appointments.for_region(chosen.region_code),
            china_date(now_of(request)),
            from_,
        )


@router.post("", status_code=201, summary="Book a half-day at a hall's comprehensive window")
def post_appointment(request: Request, body: BookingBody, identity: Caller) -> JSONResponse:
    regional = regional_of(request)
    answer = service.book_in_turn(
        sessions_of(request),
        request.app.state.catalogue,
        halls_of(request),
        identity,
        service.BookingRequest(
            hall=body.hall,
            day=body.date,
            period=body.period,
            theme_id=body.theme_id,
            mobile=_mobile(request, identity, body.mobile),
        ),
        now_of(request),
        regional.appointments,
        _senders(request),
    )
    return JSONResponse(answer, status_code=201)


@router.get("", summary="The caller's own bookings")
def get_mine(request: Request, identity: Caller) -> list[dict[str, Any]]:
    with sessions_of(request)() as session, session.begin():
        return service.my_appointments(session, halls_of(request), identity, now_of(request))


@router.get("/halls/{hall}/day", summary="Window clerks: a hall's bookings of a day (default today)")
def get_day(request: Request, hall: str, identity: Caller, day: date | None = None) -> list[dict[str, Any]]:
    now = now_of(request)
    with sessions_of(request)() as session, session.begin():
        return desk.day_bookings(session, halls_of(request), identity, hall, day or china_date(now), now)


@router.post(
    "/halls/{hall}/no-shows",
    summary="Window clerks: the day's unchecked bookings whose slot is over become no-shows",
)
def post_no_shows(request: Request, hall: str, identity: Caller, day: date | None = None) -> dict[str, Any]:
    now = now_of(request)
    day = day or china_date(now)
    with sessions_of(request)() as session, session.begin():
        marked = desk.mark_no_shows(session, halls_of(request), identity, hall, day, now)
    return {"hall": hall, "date": day.isoformat(), "no_shows": marked}


@router.get("/{appointment_id}", summary="One of the caller's bookings, with its messages")
def get_appointment(request: Request, appointment_id: str, identity: Caller) -> dict[str, Any]:
    with sessions_of(request)() as session:
        return service.one_appointment(session, halls_of(request), identity, appointment_id)


@router.delete(
    "/{appointment_id}",
    status_code=204,
    summary="Cancel a booking (up to the region's limit before it starts)",
)
def delete_appointment(request: Request, appointment_id: str, identity: Caller) -> Response:
    regional = regional_of(request)
    with sessions_of(request)() as session, session.begin():
        service.cancel(
            session, halls_of(request), identity, appointment_id, now_of(request), regional.appointments
        )
    return Response(status_code=204)


@router.post(
    "/{appointment_id}/check-in", summary="Window clerks: check a booked applicant in; gives a queue number"
)
def post_check_in(request: Request, appointment_id: str, identity: Caller) -> dict[str, Any]:
    return desk.check_in_turn(
        sessions_of(request), halls_of(request), identity, appointment_id, now_of(request)
    )
