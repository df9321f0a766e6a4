"""Helpers of the dispatch tests: a running platform (real HTTP) and waiting for cases to finish."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import select

from lianban.cases.jobs import EVENTS
from lianban.cases.schema import OutboxJob
from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.web.app import create_app
from sandbox_cases import hebei_form


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Platform:
    """The API served by uvicorn in a thread, as departments reach it for callbacks."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        upgrade(database_url)
        self.database_url = database_url
        self.data_dir = data_dir
        settings = load_settings(
            {"LIANBAN_DATA_DIR": str(data_dir)}, database_url=database_url, mode=Mode.SANDBOX
        )
        self.app = create_app(settings)
        self.url = f"http://127.0.0.1:{free_port()}"
        port = int(self.url.rsplit(":", 1)[1])
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning")
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

    def headers(self, **login: str) -> dict[str, str]:
        token = httpx.post(f"{self.url}/api/v1/auth/sandbox", json=login, timeout=10).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def hebei_worker_headers(self) -> dict[str, str]:
        people = httpx.get(
            f"{self.url}/api/v1/sandbox/people", params={"filter": "hebei", "limit": 50}, timeout=10
        ).json()
        worker = next(
            p for p in people if "hebei_flexible_public_archive" in (p.get("persona"), p.get("key"))
        )
        return self.headers(id_number=worker["id_number"])

    def file_hebei_case(self, headers: dict[str, str]) -> str:
        form = hebei_form(self.app.state.catalogue.code_lists)
        r = httpx.post(
            f"{self.url}/api/v1/applications",
            json={"theme_id": "hebei.flexible-employment", "form": form},
            headers=headers,
            timeout=30,
        )
        assert r.status_code == 201, r.text
        case_id: str = r.json()["case_id"]
        return case_id

    def case(self, case_id: str, headers: dict[str, str]) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(
            f"{self.url}/api/v1/applications/{case_id}", headers=headers, timeout=10
        ).json()
        return body


FINISHED = {"completed", "partially_completed", "rejected"}


def events_pending(platform: Platform, case_ids: list[str]) -> bool:
    """Whether a case's events (a notice to send, a delivery to prepare) still wait for a worker."""
    with platform.app.state.sessions() as session:
        waiting = session.execute(
            select(OutboxJob.job_id).where(
                OutboxJob.case_id.in_(case_ids),
                OutboxJob.kind.in_([k.value for k in EVENTS]),
                OutboxJob.status == "pending",
            )
        ).first()
    return waiting is not None


def wait_until_finished(
    platform: Platform,
    case_ids: list[str],
    headers: dict[str, str],
    seconds: float,
    step: Callable[[], object] = lambda: None,
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    cases: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        step()
        cases = [platform.case(c, headers) for c in case_ids]
        if all(c["status"] in FINISHED for c in cases) and not events_pending(platform, case_ids):
            return cases
        time.sleep(0.1)
    raise AssertionError(f"cases did not finish in {seconds} s: {[c['status'] for c in cases]}")
