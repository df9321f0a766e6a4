"""Structured logs (结构化日志): one JSON object a line, each carrying the request, the case and
the job it is about — so an operator finds every line of one failed request or job."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from lianban.cases.schema import Case, OutboxJob
from lianban.dispatch.worker import Dispatcher
from lianban.logs import bind_case, configure_logging
from sandbox_cases import file_hebei_case


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The process's log as it would go to stderr, in JSON lines."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("json", "INFO", stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_request_s_log_line_carries_its_request_id_and_the_answer_echoes_it(
    client: TestClient, log_lines: io.StringIO
) -> None:
    r = client.get("/api/v1/themes", headers={"X-Request-ID": "hall-window-7.0001"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "hall-window-7.0001"
    (line,) = [x for x in lines(log_lines) if x["logger"] == "lianban.http"]
    assert line["request_id"] == "hall-window-7.0001"
    assert (line["method"], line["path"], line["status"], line["level"]) == (
        "GET",
        "/api/v1/themes",
        200,
        "INFO",
    )

    made = client.get("/api/v1/themes").headers["x-request-id"]  # none given: one is made
    hostile = client.get("/api/v1/themes", headers={"X-Request-ID": "a b\tc" * 30}).headers["x-request-id"]
    assert len(made) == 32 and len(hostile) == 32 and made != hostile  # never echoed as given
    assert [x["request_id"] for x in lines(log_lines) if x["logger"] == "lianban.http"][1:] == [made, hostile]


def test_an_error_no_handler_answered_is_logged_with_the_request_id(
    client: TestClient, log_lines: io.StringIO
) -> None:
    def broken() -> None:
        raise RuntimeError("the registry of deeds is on fire")

    client.app.add_api_route("/api/v1/broken", broken)  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError):
        client.get("/api/v1/broken", headers={"X-Request-ID": "window-3.0042"})
    (error,) = [x for x in lines(log_lines) if x["level"] == "ERROR"]
    assert error["request_id"] == "window-3.0042" and "/api/v1/broken" in error["message"]
    assert "the registry of deeds is on fire" in error["error"]  # the traceback, in the same line


def test_a_worker_s_error_carries_its_job_and_case(client: TestClient, log_lines: io.StringIO) -> None:
    case_id, _ = file_hebei_case(client)
    platform = client.app.state.platform  # type: ignore[attr-defined]
    with platform.sessions() as session, session.begin():
        # the province withdrew the theme after this case was filed: its sends cannot be made
        session.execute(update(Case).where(Case.case_id == case_id).values(theme_id="hebei.withdrawn"))
        sends = set(
            session.execute(
                select(OutboxJob.job_id).where(OutboxJob.case_id == case_id, OutboxJob.kind == "dispatch")
            ).scalars()
        )
    dispatcher = Dispatcher(
        platform.sessions, platform.catalogue, platform.dispatch_config(department_urls={})
    )
    try:
        dispatcher.run_once()
    finally:
        dispatcher.close()
    errors = [x for x in lines(log_lines) if x["level"] == "ERROR" and x["logger"] == "lianban.dispatch"]
    assert errors and {x["job_id"] for x in errors} == sends
    assert {x["case_id"] for x in errors} == {case_id}
    assert all("hebei.withdrawn" in x["message"] and x["request_id"] is None for x in errors)


def test_a_request_s_line_never_carries_the_case_an_earlier_request_on_the_same_task_bound(
    client: TestClient, log_lines: io.StringIO
) -> None:
    """A handler that runs on the event loop (not in the thread pool) and takes a case's lock binds
    the case in the task's own context; on a keep-alive connection (one task, requests in turn)
    the next request's lines must not be about that case."""
    app = client.app

    async def look_at_case(case_no: str) -> dict[str, str]:
        bind_case(case_no)  # what lock_case does
        logging.getLogger("lianban.cases").info("looked at the case")
        return {"case": case_no}

    app.add_api_route("/api/v1/looked-at/{case_no}", look_at_case)  # type: ignore[attr-defined]

    async def two_requests_in_turn() -> None:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://lianban.test") as http:
            await http.get("/api/v1/looked-at/LB20261204000001", headers={"X-Request-ID": "first"})
            await http.get("/api/v1/themes", headers={"X-Request-ID": "second"})

    asyncio.run(two_requests_in_turn())
    by_request = {(x["request_id"], x["logger"]): x["case_id"] for x in lines(log_lines)}
    assert by_request[("first", "lianban.cases")] == "LB20261204000001"
    assert by_request[("second", "lianban.http")] is None


def test_a_worker_s_lines_after_its_jobs_carry_no_case(client: TestClient, log_lines: io.StringIO) -> None:
    """The worker thread lives on: what it logs after a round (idle, or a round that failed) is
    about no case — neither one bound on the thread before the round nor the jobs' own."""
    file_hebei_case(client)  # its sends are the round's jobs
    platform = client.app.state.platform  # type: ignore[attr-defined]
    dispatcher = Dispatcher(
        platform.sessions, platform.catalogue, platform.dispatch_config(department_urls={})
    )
    bind_case("LB-an-earlier-case")  # this thread's context, as a sweep before the round left it
    try:
        dispatcher.run_once()
    finally:
        dispatcher.close()
    logging.getLogger("lianban.dispatch").info("the round is over, nothing to do")
    assert lines(log_lines)[-1]["case_id"] is None and lines(log_lines)[-1]["job_id"] is None
