"""推送方式: an operator sends 人社's new items to the staff worklist while its system is kept aside,
and gives them back; items already with the system stay there; every switch is in the security log."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from feature_world import beijing, staff
from lianban.clock import SettableClock
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from lianban.security.schema import SecurityEvent
from lianban_sandbox.simulators import SimulatorFleet
from sandbox_cases import bearer, file_hebei_case


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(beijing(date(2026, 11, 2), 9))


def hrss_item(client: TestClient, case_id: str, headers: dict[str, str]) -> dict[str, object]:
    items = client.get(f"/api/v1/applications/{case_id}", headers=headers).json()["items"]
    return next(i for i in items if i["department"] == "hrss")


def test_an_operator_sends_hrss_items_to_the_worklist_and_back(client: TestClient, tmp_path: Path) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    operator = bearer(client, username="operator", password="sandbox")
    with SimulatorFleet(["hrss"], data_dir=tmp_path / "departments", keys=state.department_keys) as fleet:
        fleet.control("hrss", latency_ms=3_600_000)

        def dispatch() -> None:
            dispatcher = Dispatcher(
                state.sessions,
                state.catalogue,
                DispatchConfig(state.department_keys, fleet.urls(), "http://127.0.0.1:9"),
            )
            dispatcher.run_once(limit=100)
            dispatcher.close()

        sent_before, worker = file_hebei_case(client)
        dispatch()
        assert hrss_item(client, sent_before, worker)["receipt_no"]  # with 人社's system

        r = client.put("/api/v1/operator/departments/hrss", json={"mode": "worklist"}, headers=operator)
        assert r.status_code == 200 and r.json()["mode"] == "worklist"
        kept_here, _ = file_hebei_case(client)
        dispatch()
        item = hrss_item(client, kept_here, worker)
        assert item["status"] == "dispatched" and "receipt_no" not in item
        on_desk = client.get("/api/v1/worklist", headers=staff(client, "hrss")).json()
        assert [w["case_id"] for w in on_desk] == [kept_here]  # the earlier one stays with the system

        assert (
            client.put(
                "/api/v1/operator/departments/hrss", json={"mode": "system"}, headers=operator
            ).status_code
            == 200
        )
        sent_after, _ = file_hebei_case(client)
        dispatch()
        assert hrss_item(client, sent_after, worker)["receipt_no"]

    routes = {r["department"]: r for r in client.get("/api/v1/operator/departments", headers=operator).json()}
    assert routes["hrss"]["mode"] == "system" and routes["hrss"]["changed_by"] == "staff:operator"
    assert routes["tax"]["mode"] == "system" and "changed_by" not in routes["tax"]
    with state.sessions() as session:
        logged = session.execute(
            select(SecurityEvent.detail)
            .where(SecurityEvent.action == "department_route")
            .order_by(SecurityEvent.id)
        ).scalars()
        assert [d["mode"] for d in logged] == ["worklist", "system"]


def test_only_operators_switch(client: TestClient) -> None:
    hrss = staff(client, "hrss")
    assert (
        client.put("/api/v1/operator/departments/hrss", json={"mode": "worklist"}, headers=hrss).status_code
        == 403
    )
    operator = bearer(client, username="operator", password="sandbox")
    assert (
        client.put(
            "/api/v1/operator/departments/nowhere", json={"mode": "worklist"}, headers=operator
        ).status_code
        == 404
    )
    bad = client.put("/api/v1/operator/departments/hrss", json={"mode": "manual"}, headers=operator)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "mode"
