"""The worker, one round at a time: what ``lianban worker`` does, run by the test when its story
needs it (sends to the departments, due-date timers, the case's events passed on)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lianban.dispatch.worker import DispatchConfig, Dispatcher


def run_worker(client: TestClient, limit: int = 100) -> int:
    """One round of the worker of a deployment with no department system configured: sub-items go
    to the worklist, the case's events are passed on (notices, deliveries). Returns the jobs taken."""
    state = client.app.state  # type: ignore[attr-defined]
    dispatcher = Dispatcher(
        state.sessions, state.catalogue, DispatchConfig(state.department_keys, {}, "http://127.0.0.1:9")
    )
    try:
        return dispatcher.run_once(limit=limit)
    finally:
        dispatcher.close()
