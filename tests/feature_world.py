"""The world of the feature tests (好差评, 预约, drafts, withdrawal, receipts): a sandbox app on a
migrated database of its own (SQLite or PostgreSQL), a clock the test sets, and departments whose
systems are not integrated, so their staff decide every item in lianban's worklist."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from lianban.calendar import CHINA_TZ
from lianban.catalog.model import Department
from lianban.clock import SettableClock
from support.apps import sandbox_client
from support.login import staff
from support.worker import run_worker

__all__ = ["beijing", "decide_all", "feature_client", "run_dispatch", "staff"]

FINISHED = {"completed", "partially_completed", "rejected"}


def beijing(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An instant given as Beijing time, as the test's story tells it."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ).astimezone(UTC)


def feature_client(
    database_url: str, tmp_path: Path, clock: SettableClock, env: Mapping[str, str] | None = None
) -> AbstractContextManager[TestClient]:
    return sandbox_client(database_url, tmp_path, clock, env)


def run_dispatch(client: TestClient) -> None:
    """One round of the worker (:func:`support.worker.run_worker`)."""
    run_worker(client)


def decide_all(
    client: TestClient,
    case_id: str,
    applicant: dict[str, str],
    decisions: Mapping[str, str] | None = None,
    rounds: int = 12,
) -> dict[str, Any]:
    """Each department's staff decide the case's items on their worklist (approve unless ``decisions``
    says otherwise for an item code) until the case is finished; returns the case."""
    logins = {d.value: staff(client, d.value) for d in Department}
    for _ in range(rounds):
        run_dispatch(client)
        for headers in logins.values():
            for work in client.get("/api/v1/worklist", headers=headers).json():
                if work["case_id"] != case_id:
                    continue
                decision = (decisions or {}).get(work["code"], "approve")
                body = {"decision": decision, **({"reason": "不符合条件"} if decision != "approve" else {})}
                r = client.post(f"/api/v1/worklist/{work['item_id']}/decision", json=body, headers=headers)
                assert r.status_code == 200, r.text
        case: dict[str, Any] = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
        if case["status"] in FINISHED:
            run_dispatch(client)  # the worker passes the case's events on: notices, the delivery
            finished: dict[str, Any] = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
            return finished
    raise AssertionError(f"case {case_id} did not finish: {case['items']}")
