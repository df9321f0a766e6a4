"""One application, many departments, over real HTTP: a flexible worker in Hebei files once; the
dispatcher sends each sub-item to its simulated department in dependency order; the departments
decide and call back (signed); the case completes with a full timeline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from lianban.config import Mode, load_settings
from lianban.connectors.simulator import SimulatorFleet
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from lianban.migrate import upgrade
from lianban.web.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Platform:
    def __init__(self, database_url: str, data_dir: Path) -> None:
        upgrade(database_url)
        settings = load_settings(
            {"LIANBAN_DATA_DIR": str(data_dir)}, database_url=database_url, mode=Mode.SANDBOX
        )
        self.app = create_app(settings)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Platform:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.server.started
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.engine.dispose()


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[Platform, SimulatorFleet, Dispatcher]]:
    with Platform(database_url, tmp_path / "var") as platform:
        fleet = SimulatorFleet(data_dir=tmp_path / "departments", keyring=platform.app.state.keyring)
        urls = fleet.start()
        try:
            for dept in urls:
                fleet.control(dept, latency_ms=20)
            dispatcher = Dispatcher(
                platform.app.state.sessions,
                platform.app.state.catalogue,
                DispatchConfig(
                    keyring=platform.app.state.keyring, department_urls=urls, callback_base_url=platform.url
                ),
            )
            yield platform, fleet, dispatcher
        finally:
            fleet.stop()


def login(base: str, **body: str) -> dict[str, str]:
    token = httpx.post(f"{base}/api/v1/auth/sandbox", json=body, timeout=10).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def hebei_case(platform: Platform) -> tuple[str, dict[str, str]]:
    people = httpx.get(
        f"{platform.url}/api/v1/sandbox/people", params={"filter": "hebei", "limit": 50}, timeout=10
    ).json()
    worker = next(p for p in people if "hebei_flexible_public_archive" in (p.get("persona"), p.get("key")))
    headers = login(platform.url, id_number=worker["id_number"])
    lists = platform.app.state.catalogue.code_lists
    form: dict[str, Any] = {
        "employment.start_date": "2026-11-02",
        "employment.registration_type": lists["hebei.registration_type"].codes[0].code,
        "employment.type": lists["hebei.employment_type"].codes[2].code,
        "employment.work_region": "130104",
        "employment.special_group": lists["hebei.special_group_category"].codes[-1].code,
        "archives.receiving_agency_code": "130100001",
    }
    r = httpx.post(
        f"{platform.url}/api/v1/applications",
        json={"theme_id": "hebei.flexible-employment", "form": form},
        headers=headers,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return r.json()["case_id"], headers


def run_until(
    dispatcher: Dispatcher,
    platform: Platform,
    case_id: str,
    headers: dict[str, str],
    done: set[str],
    seconds: float = 30,
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    case: dict[str, Any] = {}
    while time.monotonic() < deadline:
        dispatcher.run_once()
        case = httpx.get(f"{platform.url}/api/v1/applications/{case_id}", headers=headers, timeout=10).json()
        if case["status"] in done:
            return case
        time.sleep(0.05)
    raise AssertionError(f"case did not finish: {case}")


def test_a_hebei_flexible_worker_files_once_and_every_department_approves(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, fleet, dispatcher = world
    case_id, headers = hebei_case(platform)
    case = run_until(dispatcher, platform, case_id, headers, {"completed", "partially_completed", "rejected"})
    assert case["status"] == "completed"
    assert {i["status"] for i in case["items"]} == {"approved"}
    assert all(i.get("receipt_no") for i in case["items"])
    events = [(e["event"], e.get("item")) for e in case["timeline"]]
    # the tax declaration is queued only after 社会保险登记 is approved
    approved_at = events.index(("approved", "social_insurance_registration"))
    queued_at = events.index(("queued", "si_fee_declaration"))
    assert queued_at > approved_at
    assert events[-1] == ("case_completed", None)
    records = sum(fleet.stats(d)["records"] for d in fleet.urls())
    assert records == 6  # exactly one department record per sub-item


def test_a_rejection_ends_what_waits_for_it(world: tuple[Platform, SimulatorFleet, Dispatcher]) -> None:
    platform, fleet, dispatcher = world
    fleet.control("social_insurance", decision="reject")
    case_id, headers = hebei_case(platform)
    case = run_until(dispatcher, platform, case_id, headers, {"completed", "partially_completed", "rejected"})
    statuses = {i["code"]: i["status"] for i in case["items"]}
    assert statuses["social_insurance_registration"] == "rejected"
    assert statuses["si_fee_declaration"] == "rejected"  # it waited for the refused enrolment
    assert statuses["employment_registration"] == "approved"
    assert case["status"] == "partially_completed"
