"""Liveness and readiness: GET /healthz (the process answers) and GET /readyz (it can do its work).

``/healthz`` asks nothing of the database: an orchestrator restarts a process that does not
answer it, and a database outage is no reason to restart every API process. ``/readyz`` says
whether this process should get traffic: the database answers, its schema is at the newest
migration (an unmigrated database would answer 500 on every request), and the dispatcher —
when this process runs one (``lianban serve`` without ``--no-in-process-worker``) — is alive.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lianban import __version__
from lianban.security.startup import schema_problem

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz(request: Request) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "mode": request.app.state.settings.mode.value,
        "themes": len(request.app.state.catalogue.themes),
    }


def _dispatcher_state(request: Request) -> str:
    worker = getattr(request.app.state, "worker", None)
    if worker is None:
        return "external"  # separate `lianban worker` processes dispatch
    return "alive" if worker.alive() else "stopped"


@router.get("/readyz", summary="Readiness: database reachable, schema at head, dispatcher alive")
async def readyz(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    problem = await run_in_threadpool(schema_problem, request.app.state.engine, settings.database_url)
    dispatcher = _dispatcher_state(request)
    problems = [p for p in (problem, "the dispatcher has stopped" if dispatcher == "stopped" else None) if p]
    body = {
        "status": "not_ready" if problems else "ready",
        "database": "not_ready" if problem else "ok",
        "dispatcher": dispatcher,
        "detail": "; ".join(problems) or "ready",
    }
    return JSONResponse(body, status_code=503 if problems else 200)
