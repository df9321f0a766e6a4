"""An employer's case for the tests that need one: the Shangrao factory (上饶 员工招聘一件事) files
three new hires with all four items, its items go to lianban's worklist, and a department's
reviewer sends one back (补正)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from stdnum.cn import ric

from lianban.dispatch.worker import DispatchConfig, Dispatcher
from lianban_sandbox.registry import sandbox_hires
from support.login import login, staff

SHANGRAO = "shangrao.recruitment"


def shangrao_employer(client: TestClient) -> dict[str, str]:
    """The Shangrao factory (a sandbox employer), logged in: its bearer headers."""
    return login(client, uscc=shangrao_uscc(client))


def shangrao_uscc(client: TestClient) -> str:
    employers = client.get("/api/v1/sandbox/employers", params={"filter": "shangrao_employer"}).json()
    return str(next(e for e in employers if e["persona"] == "shangrao_employer")["uscc"])


def shangrao_header() -> dict[str, Any]:
    """The employer fields the Shangrao factory's clerk fills once (参保、就业登记 and 公积金, its agent
    李娜; name, codes and address come verified)."""
    agent = "36110219850101122"
    return {
        "employer.service_items": ["si_medical", "employment_registration", "housing_fund"],
        "employer.application_date": date.today().isoformat(),
        "employer.agent_name": "李娜",
        "employer.agent_id_number": agent + ric.calc_check_digit(agent + "0"),
        "employer.agent_phone": "0793-8221234",
    }


def shangrao_form(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The factory's one form for its new hires."""
    return {**shangrao_header(), "employees": rows}


def file_three_hires(client: TestClient) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    """The factory files three new hires: the case id, its bearer headers, the rows as filed."""
    headers = shangrao_employer(client)
    state = client.app.state  # type: ignore[attr-defined]
    rows = sandbox_hires(3, SHANGRAO, catalogue=state.catalogue, hub=state.sharing)
    form = shangrao_form(rows)
    filed = client.post("/api/v1/applications", headers=headers, json={"theme_id": SHANGRAO, "form": form})
    assert filed.status_code == 201, filed.text
    return str(filed.json()["case_id"]), headers, rows


def dispatch_to_worklists(client: TestClient) -> None:
    """The worker with no department system configured: every item to the worklist."""
    state = client.app.state  # type: ignore[attr-defined]
    worker = Dispatcher(
        state.sessions, state.catalogue, DispatchConfig(state.department_keys, {}, "http://127.0.0.1:9")
    )
    while worker.run_once():
        pass


def send_back(client: TestClient, case_id: str, item: str, reason: str, department: str) -> None:
    """The department's reviewer sends one sub-item (``pension_enrolment#1``) back for 补正."""
    r = client.post(
        f"/api/v1/worklist/{quote(f'{case_id}~{item}')}/decision",
        json={"decision": "correct", "reason": reason},
        headers=staff(client, department),
    )
    assert r.status_code == 200, r.text
