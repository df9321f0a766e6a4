"""The world of the feature tests (好差评, 预约, drafts, withdrawal, receipts): a sandbox app on a
migrated database of its own (SQLite or PostgreSQL), a clock the test sets, and departments whose
systems are not integrated, so their staff decide every item in lianban's worklist."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from lianban.calendar import CHINA_TZ
from lianban.catalog.model import Department
from lianban.clock import SettableClock
from lianban.config import Mode, load_settings
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from lianban.migrate import upgrade
from lianban.web.app import create_app
from sandbox_cases import bearer

FINISHED = {"completed", "partially_completed", "rejected"}


def beijing(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An instant given as Beijing time, as the test's story tells it."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ).astimezone(UTC)


@contextmanager
def feature_client(
    database_url: str, tmp_path: Path, clock: SettableClock, env: Mapping[str, str] | None = None
) -> Iterator[TestClient]:
    upgrade(database_url)
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var"), **(env or {})},
        database_url=database_url,
        mode=Mode.SANDBOX,
    )
    app = create_app(settings, clock=clock)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def staff(client: TestClient, department: str) -> dict[str, str]:
    return bearer(client, username=department, password="sandbox")


def run_dispatch(client: TestClient) -> None:
    """One round of the worker of a deployment with no department system configured: sends all to
    the worklist, passes the case's events on (notices, deliveries)."""
    state = client.app.state  # type: ignore[attr-defined]
    dispatcher = Dispatcher(
        state.sessions, state.catalogue, DispatchConfig(state.keyring, {}, "http://127.0.0.1:9")
    )
    try:
        dispatcher.run_once(limit=100)
    finally:
        dispatcher.close()


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
