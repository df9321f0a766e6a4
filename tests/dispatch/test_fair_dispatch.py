"""Fair dispatch with the simulated departments (公平派发): the Shangrao factory hiring a thousand
people files first — 4,000 sub-items due at once — and its items start going out. While the
worker sends its claimed batch, a graduate in Wuhan files her 8. Her first item is claimed and
sent right after the send under way, not after the rest of the factory's batch; the factory's
hires still go out in their order, and nothing reaches a department twice."""

from __future__ import annotations

from datetime import datetime

import httpx
from dispatch_helpers import Platform
from sqlalchemy import select

from lianban.cases.schema import OutboxJob
from lianban.dispatch.worker import CLAIM_BATCH, Dispatcher
from lianban_sandbox.registry import sandbox_hires
from lianban_sandbox.simulators import SimulatorFleet
from sandbox_cases import graduate_form
from support.employers import SHANGRAO, shangrao_form

HIRES = 1000


def _factory_files(platform: Platform) -> str:
    employers = httpx.get(
        f"{platform.url}/api/v1/sandbox/employers", params={"filter": "shangrao_employer"}, timeout=10
    ).json()
    uscc = next(e for e in employers if e["persona"] == "shangrao_employer")["uscc"]
    state = platform.app.state
    rows = sandbox_hires(HIRES, SHANGRAO, catalogue=state.catalogue, hub=state.sharing)
    filed = httpx.post(
        f"{platform.url}/api/v1/applications",
        json={"theme_id": SHANGRAO, "form": shangrao_form(rows)},
        headers=platform.headers(uscc=uscc),
        timeout=300,
    )
    assert filed.status_code == 201, filed.text
    return str(filed.json()["case_id"])


def _graduate_files(platform: Platform) -> str:
    people = httpx.get(
        f"{platform.url}/api/v1/sandbox/people", params={"filter": "wuhan_graduate", "limit": 10}, timeout=10
    ).json()
    graduate = next(p for p in people if "wuhan_graduate" in (p.get("persona"), p.get("key")))
    filed = httpx.post(
        f"{platform.url}/api/v1/applications",
        json={
            "theme_id": "hubei.graduate-employment",
            "situation": {"settle_city": "wuhan"},
            "form": graduate_form(platform.app.state.catalogue.code_lists, graduate["name"]),
        },
        headers=platform.headers(id_number=graduate["id_number"]),
        timeout=30,
    )
    assert filed.status_code == 201, filed.text
    return str(filed.json()["case_id"])


def _due_order(platform: Platform, case_id: str) -> dict[str, tuple[datetime, str]]:
    with platform.app.state.sessions() as session:
        jobs = session.execute(select(OutboxJob).where(OutboxJob.case_id == case_id)).scalars()
        return {j.job_id: (j.due_at, j.job_id) for j in jobs}


def test_a_graduate_filing_while_a_thousand_hires_go_out_is_sent_next(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, fleet, dispatcher = world
    factory = _factory_files(platform)
    sent: list[tuple[str, str]] = []  # (case, job) in the order the worker handled them
    graduate: list[str] = []
    handle = dispatcher.handle

    def handling(case_id: str, job_id: str, claimed_lease: datetime | None = None) -> None:
        handle(case_id, job_id, claimed_lease)
        sent.append((case_id, job_id))
        if len(sent) == 1:  # the factory's first hire has gone out: now she files
            graduate.append(_graduate_files(platform))

    dispatcher.handle = handling  # type: ignore[method-assign]
    taken = dispatcher.run_once()

    (her,) = graduate
    cases = [case for case, _ in sent]
    assert cases[0] == factory
    assert cases[1] == her  # her first item: claimed between two of the factory's sends
    assert cases[2:] == [factory] * (CLAIM_BATCH - 1)  # then the rest of the factory's batch
    assert taken == CLAIM_BATCH + 1
    # the factory's items went in their order, each once
    order = _due_order(platform, factory)
    factory_jobs = [order[job] for case, job in sent if case == factory]
    assert factory_jobs == sorted(factory_jobs) and len(set(factory_jobs)) == len(factory_jobs)
    # the next round goes on with both cases, each job once
    for _ in range(3):
        dispatcher.run_once()
    assert len(set(sent)) == len(sent)
    received = sum(int(fleet.stats(d)["records"]) for d in fleet.urls())
    refused = sum(int(fleet.stats(d)["duplicates_refused"]) for d in fleet.urls())
    assert refused == 0 and 0 < received <= len(sent)
