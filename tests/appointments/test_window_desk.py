"""The window clerk's side of 预约: the day's bookings of the hall, check-in with a queue number,
no-shows after the slot, and a person with two no-shows in a month barred for the rest of it."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from test_booking import resident

from feature_world import beijing
from lianban.clock import SettableClock
from lianban.security.staff import Caller, add_staff
from sandbox_cases import bearer

WUHAN = "wuhan-citizen-home"  # 武汉市民之家: 09:00–12:00 and 13:30–17:00


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(beijing(date(2026, 10, 12), 10))


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


def clerk_of(client: TestClient, username: str, hall: str) -> dict[str, str]:
    """A window clerk account of a hall, as `lianban staff add` makes it, logged in."""
    state = client.app.state  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        add_staff(
            session,
            Caller("operator"),
            username=username,
            role="window_clerk",
            password="Window-clerk-2026",
            departments=(),
            now=state.clock.now(),
            hall=hall,
        )
    token = client.post("/api/v1/auth/staff", json={"username": username, "password": "Window-clerk-2026"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def book(client: TestClient, person: dict[str, str], day: str, period: str, hall: str = WUHAN) -> str:
    r = client.post(
        "/api/v1/appointments", json={"hall": hall, "date": day, "period": period}, headers=person
    )
    assert r.status_code == 201, r.text
    return str(r.json()["appointment_id"])


def test_the_clerk_checks_booked_people_in_with_queue_numbers(
    client: TestClient, clock: SettableClock
) -> None:
    first, second = bearer(client, id_number=resident(61)), bearer(client, id_number=resident(62))
    one, two = book(client, first, "2026-10-13", "am"), book(client, second, "2026-10-13", "am")
    clerk = clerk_of(client, "hongshan.window", WUHAN)
    early = client.post(f"/api/v1/appointments/{one}/check-in", headers=clerk)
    assert early.status_code == 409 and early.json()["errors"][0]["code"] == "not_today"

    clock.set(beijing(date(2026, 10, 13), 9, 20))
    day = client.get(f"/api/v1/appointments/halls/{WUHAN}/day", headers=clerk).json()
    assert [d["appointment_id"] for d in day] == [one, two]
    assert day[0]["person"] == "4201**********0617"[: len(day[0]["person"])] or day[0]["person"].startswith(
        "4201"
    )
    assert "*" in day[0]["person"] and resident(61) not in str(day)
    r = client.post(f"/api/v1/appointments/{two}/check-in", headers=clerk)
    assert r.status_code == 200 and r.json()["queue_no"] == "A001" and r.json()["status"] == "checked_in"
    assert client.post(f"/api/v1/appointments/{one}/check-in", headers=clerk).json()["queue_no"] == "A002"
    again = client.post(f"/api/v1/appointments/{one}/check-in", headers=clerk)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "not_active"
    mine = client.get("/api/v1/appointments", headers=first).json()
    assert mine[0]["queue_no"] == "A002"
    # a checked-in booking is not cancelled any more
    assert client.delete(f"/api/v1/appointments/{one}", headers=first).status_code == 409


def test_a_clerk_works_her_own_hall_only_and_applicants_have_no_desk(client: TestClient) -> None:
    person = bearer(client, id_number=resident(71))
    booked = book(client, person, "2026-10-13", "am", hall="zibo-service-center")
    wuhan_clerk = clerk_of(client, "wuhan.window", WUHAN)
    assert (
        client.get("/api/v1/appointments/halls/zibo-service-center/day", headers=wuhan_clerk).status_code
        == 404
    )
    assert client.post(f"/api/v1/appointments/{booked}/check-in", headers=wuhan_clerk).status_code == 404
    assert client.get(f"/api/v1/appointments/halls/{WUHAN}/day", headers=person).status_code == 403


def test_two_no_shows_in_a_month_bar_booking_until_the_month_ends(
    client: TestClient, clock: SettableClock
) -> None:
    person = bearer(client, id_number=resident(81))
    book(client, person, "2026-10-13", "pm")
    book(client, person, "2026-10-14", "am")
    clerk = clerk_of(client, "wuhan.desk", WUHAN)
    clock.set(beijing(date(2026, 10, 13), 18))
    closed = client.post(f"/api/v1/appointments/halls/{WUHAN}/no-shows", headers=clerk).json()
    assert closed == {"hall": WUHAN, "date": "2026-10-13", "no_shows": 1}
    clock.set(beijing(date(2026, 10, 15), 9))  # the 14th's morning passed unseen: settled when she books
    barred = client.post(
        "/api/v1/appointments", json={"hall": WUHAN, "date": "2026-10-16", "period": "am"}, headers=person
    )
    assert barred.status_code == 409 and barred.json()["errors"][0]["code"] == "no_show_limit"
    assert barred.json()["detail"] == "本月已有 2 次预约未到，本月内（至 2026-10-31）不能再预约"
    assert [a["status"] for a in client.get("/api/v1/appointments", headers=person).json()] == [
        "no_show",
        "no_show",
    ]
    clock.set(beijing(date(2026, 11, 2), 9))
    r = client.post(
        "/api/v1/appointments", json={"hall": WUHAN, "date": "2026-11-03", "period": "am"}, headers=person
    )
    assert r.status_code == 201, r.text
