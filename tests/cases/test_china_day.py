"""Overdue is judged by the day in China (时限以北京时间计): at 23:30 UTC it is already the next
morning in Beijing, and a sub-item promised for "yesterday" there is overdue — in the applicant's
view of the case, in the supervisor's figures and in the Prometheus metrics alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient

from lianban.clock import SettableClock, SystemClock
from sandbox_cases import bearer, file_hebei_case


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime.now(UTC))


def overdue_seen(
    client: TestClient, case_id: str, applicant: dict[str, str], item: str
) -> tuple[bool, int, int]:
    """(the applicant's overdue flag on ``item``, the supervisor's overdue count, the metric)."""
    case = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    flag = next(i["overdue"] for i in case["items"] if i["code"] == item)
    stats = client.get(
        "/api/v1/stats", headers=bearer(client, username="supervisor", password="sandbox")
    ).json()
    metric = next(
        line for line in client.get("/metrics").text.splitlines() if line.startswith("lianban_overdue_items ")
    )
    return flag, stats["totals"]["overdue_items"], int(float(metric.split()[1]))


def test_at_half_past_eleven_utc_the_promised_day_has_passed_in_beijing(
    client: TestClient, clock: SettableClock
) -> None:
    case_id, applicant = file_hebei_case(client)
    items = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["items"]
    first = min(items, key=lambda i: i["promised_due_date"])
    promised = date.fromisoformat(first["promised_due_date"])
    due_that_day = sum(1 for i in items if i["promised_due_date"] == first["promised_due_date"])

    # 07:30 in Beijing on the promised day itself (23:30 UTC the evening before): still in time
    clock.set(datetime.combine(promised - timedelta(days=1), time(23, 30), tzinfo=UTC))
    assert clock.today() == promised
    assert overdue_seen(client, case_id, applicant, first["code"]) == (False, 0, 0)

    # 23:30 UTC on the promised day is 07:30 the next morning in Beijing: overdue, everywhere alike
    clock.set(datetime.combine(promised, time(23, 30), tzinfo=UTC))
    assert clock.today() == promised + timedelta(days=1)
    assert overdue_seen(client, case_id, applicant, first["code"]) == (True, due_that_day, due_that_day)


def test_the_system_clock_tells_the_china_date() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    beijing = (now + timedelta(hours=8)).date()
    assert SystemClock().today() in (beijing, beijing - timedelta(days=1))  # the instant may pass midnight


def test_a_settable_clock_moves_only_when_told() -> None:
    clock = SettableClock(datetime(2026, 1, 31, 16, 0))  # naive: UTC, as SQLite hands it back
    assert clock.now() == datetime(2026, 1, 31, 16, 0, tzinfo=UTC)
    assert clock.today() == date(2026, 2, 1)  # midnight in Beijing
    assert clock.advance(timedelta(hours=-1)) == datetime(2026, 1, 31, 15, 0, tzinfo=UTC)
    assert clock.today() == date(2026, 1, 31)
