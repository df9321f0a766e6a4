"""预约: a person books a half-day at a service hall on the coming working days, under the
region's rules, and may cancel up to two hours before; every refusal names its rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from stdnum.cn import ric

from feature_world import beijing, feature_client
from lianban.clock import SettableClock
from sandbox_cases import bearer

SHANGRAO = "shangrao-service-center"  # 上饶市政务服务中心: 4 windows, 08:30–12:00 and 14:30–17:30


def resident(serial: int, place: str = "420102", born: str = "19960305") -> str:
    """A checksum-valid resident ID number (the sandbox registry knows every such number)."""
    body = f"{place}{born}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")  # (the function wants a number with a check digit)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(beijing(date(2026, 10, 12), 10))  # Monday 12 October 2026


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


def rule_of(answer: object) -> str:
    body = answer.json()  # type: ignore[attr-defined]
    code: str = body["errors"][0]["code"]
    return code


def test_a_person_books_shangrao_tomorrow_morning_gets_an_sms_cancels_and_books_again(
    client: TestClient,
) -> None:
    person = bearer(client, id_number=resident(11))
    slots = client.get("/api/v1/appointments/slots", params={"hall": SHANGRAO}).json()
    # the next five working days from tomorrow, a morning and an afternoon each
    assert [(s["date"], s["period"]) for s in slots[:2]] == [("2026-10-13", "am"), ("2026-10-13", "pm")]
    assert sorted({s["date"] for s in slots}) == [
        "2026-10-13",
        "2026-10-14",
        "2026-10-15",
        "2026-10-16",
        "2026-10-19",
    ]
    assert slots[0]["free"] == 16 and slots[0]["starts_at"] == "2026-10-13T08:30:00+08:00"

    r = client.post(
        "/api/v1/appointments",
        json={"hall": SHANGRAO, "date": "2026-10-13", "period": "am", "theme_id": "shangrao.recruitment"},
        headers=person,
    )
    assert r.status_code == 201, r.text
    booking = r.json()
    assert booking["booking_no"].startswith("YY261013A") and booking["status"] == "booked"
    assert booking["hall_name"] == "上饶市政务服务中心"
    free = client.get("/api/v1/appointments/slots", params={"hall": SHANGRAO, "from": "2026-10-13"}).json()
    assert free[0]["free"] == 15
    seen = client.get(f"/api/v1/appointments/{booking['appointment_id']}", headers=person).json()
    sms = [n for n in seen["notices"] if n["channel"] == "sms"]
    assert len(sms) == 1 and booking["booking_no"] in sms[0]["text"] and "2026-10-13 上午" in sms[0]["text"]

    # one booking per person per day: the afternoon of the same day is refused, naming the rule
    same_day = client.post(
        "/api/v1/appointments", json={"hall": SHANGRAO, "date": "2026-10-13", "period": "pm"}, headers=person
    )
    assert same_day.status_code == 409 and rule_of(same_day) == "one_per_day"
    assert same_day.json()["errors"][0]["field"] == "date"

    assert (
        client.delete(f"/api/v1/appointments/{booking['appointment_id']}", headers=person).status_code == 204
    )
    assert client.get("/api/v1/appointments/slots", params={"hall": SHANGRAO}).json()[0]["free"] == 16
    again = client.post(
        "/api/v1/appointments", json={"hall": SHANGRAO, "date": "2026-10-13", "period": "pm"}, headers=person
    )
    assert again.status_code == 201, again.text
    mine = client.get("/api/v1/appointments", headers=person).json()
    assert sorted(a["status"] for a in mine) == ["booked", "cancelled"]
    # someone else's booking is not there for her
    other = bearer(client, id_number=resident(12))
    assert (
        client.delete(f"/api/v1/appointments/{again.json()['appointment_id']}", headers=other).status_code
        == 404
    )


def test_the_booking_window_weekends_and_the_cancellation_limit(
    client: TestClient, clock: SettableClock
) -> None:
    person = bearer(client, id_number=resident(21))
    saturday = client.post(
        "/api/v1/appointments", json={"hall": SHANGRAO, "date": "2026-10-17", "period": "am"}, headers=person
    )
    assert saturday.status_code == 409 and rule_of(saturday) == "not_working_day"
    too_far = client.post(
        "/api/v1/appointments", json={"hall": SHANGRAO, "date": "2026-10-20", "period": "am"}, headers=person
    )
    assert too_far.status_code == 409 and rule_of(too_far) == "booking_window"
    assert too_far.json()["detail"] == "只能预约明天起 5 个工作日内的时段（2026-10-13 至 2026-10-19）"
    today = client.post(
        "/api/v1/appointments", json={"hall": SHANGRAO, "date": "2026-10-12", "period": "pm"}, headers=person
    )
    assert rule_of(today) == "booking_window"
    unknown = client.post(
        "/api/v1/appointments", json={"hall": "nowhere", "date": "2026-10-13", "period": "am"}, headers=person
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "hall"
    evening = client.post(
        "/api/v1/appointments",
        json={"hall": SHANGRAO, "date": "2026-10-13", "period": "night"},
        headers=person,
    )
    assert evening.status_code == 422 and evening.json()["errors"][0]["field"] == "period"

    booked = client.post(
        "/api/v1/appointments", json={"hall": SHANGRAO, "date": "2026-10-14", "period": "am"}, headers=person
    ).json()
    clock.set(beijing(date(2026, 10, 14), 7, 0))  # 90 minutes before 08:30
    late = client.delete(f"/api/v1/appointments/{booked['appointment_id']}", headers=person)
    assert late.status_code == 409 and rule_of(late) == "cancel_deadline"
    assert late.json()["detail"] == "时段开始前 2 小时内不能取消预约"
    english = client.delete(
        f"/api/v1/appointments/{booked['appointment_id']}", headers={**person, "Accept-Language": "en"}
    )
    assert (
        english.json()["detail"] == "a booking cannot be cancelled less than 2 hours before its slot starts"
    )


def test_national_day_is_skipped_and_the_make_up_saturday_is_bookable(
    client: TestClient, clock: SettableClock
) -> None:
    clock.set(beijing(date(2026, 9, 29), 9))
    days = sorted(
        {s["date"] for s in client.get("/api/v1/appointments/slots", params={"hall": SHANGRAO}).json()}
    )
    assert days == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"]


def test_a_full_half_day_and_a_region_s_own_rules(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text(
        "appointments:\n  regions:\n    '361100': {slots_per_window: 1, per_person_per_day: 2, booking_working_days: 3}\n",
        encoding="utf-8",
    )
    with feature_client(
        database_url, tmp_path, clock, {"LIANBAN_DEPLOYMENT_FILE": str(deployment)}
    ) as client:
        slots = client.get("/api/v1/appointments/slots", params={"hall": SHANGRAO}).json()
        assert len(slots) == 6 and slots[0]["free"] == 4  # 3 working days, 4 windows × 1 place
        for serial in range(4):
            r = client.post(
                "/api/v1/appointments",
                json={"hall": SHANGRAO, "date": "2026-10-13", "period": "am"},
                headers=bearer(client, id_number=resident(40 + serial)),
            )
            assert r.status_code == 201, r.text
        fifth = bearer(client, id_number=resident(49))
        full = client.post(
            "/api/v1/appointments",
            json={"hall": SHANGRAO, "date": "2026-10-13", "period": "am"},
            headers=fifth,
        )
        assert full.status_code == 409 and rule_of(full) == "slot_full" and "已约满" in full.json()["detail"]
        # two a day are allowed in 上饶 now: the afternoon of the same day is fine
        for period in ("pm",):
            r = client.post(
                "/api/v1/appointments",
                json={"hall": SHANGRAO, "date": "2026-10-13", "period": period},
                headers=fifth,
            )
            assert r.status_code == 201
        # other cities keep the defaults
        wuhan = client.get("/api/v1/appointments/slots", params={"hall": "wuhan-citizen-home"}).json()
        assert len(wuhan) == 10 and wuhan[0]["free"] == 32


def test_staff_do_not_book(client: TestClient) -> None:
    supervisor = bearer(client, username="supervisor", password="sandbox")
    r = client.post(
        "/api/v1/appointments",
        json={"hall": SHANGRAO, "date": "2026-10-13", "period": "am"},
        headers=supervisor,
    )
    assert r.status_code == 403
    assert (
        client.post(
            "/api/v1/appointments", json={"hall": SHANGRAO, "date": "2026-10-13", "period": "am"}
        ).status_code
        == 401
    )


def test_eight_people_racing_for_four_places_four_get_one(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from lianban.appointments.halls import load_halls
    from lianban.appointments.service import BookingRequest, book_in_turn
    from lianban.errors import Conflict
    from lianban.security.tokens import Identity, Role

    deployment = tmp_path / "deployment.yaml"
    deployment.write_text("appointments: {slots_per_window: 1}\n", encoding="utf-8")
    with feature_client(
        database_url, tmp_path, clock, {"LIANBAN_DEPLOYMENT_FILE": str(deployment)}
    ) as client:
        state = client.app.state  # type: ignore[attr-defined]

        def attempt(serial: int) -> str:
            number = resident(90 + serial)
            person = Identity(subject=f"person:{number}", role=Role.APPLICANT, id_number=number)
            request = BookingRequest(hall=SHANGRAO, day=date(2026, 10, 13), period="am")
            try:
                book_in_turn(
                    state.sessions, state.catalogue, load_halls(state.regional.halls_file), person, request,
                    clock.now(), state.regional.appointments,
                )  # fmt: skip
            except Conflict as refused:
                return refused.errors[0].code
            return "booked"

        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = sorted(pool.map(attempt, range(8)))
        assert outcomes == ["booked"] * 4 + ["slot_full"] * 4
        slots = client.get("/api/v1/appointments/slots", params={"hall": SHANGRAO}).json()
        assert slots[0]["free"] == 0


def test_a_deployment_s_own_halls_and_an_unusable_halls_file(tmp_path: Path, clock: SettableClock) -> None:
    from lianban.config import ConfigError

    halls = tmp_path / "halls.yaml"
    halls.write_text(
        "- {id: xiangyang-center, name: 襄阳市民服务中心, region_code: '420600', windows: 2,"
        " hours: {am: ['09:00', '12:00'], pm: ['14:00', '17:30']}}\n",
        encoding="utf-8",
    )
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text("appointments: {halls_file: halls.yaml}\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'halls.sqlite3'}"
    with feature_client(url, tmp_path, clock, {"LIANBAN_DEPLOYMENT_FILE": str(deployment)}) as client:
        listed = client.get("/api/v1/appointments/halls").json()
        assert [h["id"] for h in listed] == ["xiangyang-center"]
        assert listed[0]["bookable"] == {"from": "2026-10-13", "to": "2026-10-19"}
        assert (
            client.get("/api/v1/appointments/slots", params={"hall": "xiangyang-center"}).json()[0]["free"]
            == 8
        )
    halls.write_text("- {id: broken, name: 无窗口大厅, region_code: '420600', hours: {}}\n", encoding="utf-8")
    broken = feature_client(url, tmp_path, clock, {"LIANBAN_DEPLOYMENT_FILE": str(deployment)})
    with pytest.raises(ConfigError, match=r"halls\[0\] needs windows"), broken:
        pass
