"""Filings worked on at once: every filing — the API's, the pages', the window's — passes one gate
per database in the filing service (lianban.cases.filing_gate), 2 at once on SQLite, 4 on
PostgreSQL, never more than LIANBAN_THREADS; the others wait at the gate, and all are filed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lianban.cases import filing_gate, service
from lianban.cases.filing_gate import FILINGS_AT_ONCE, FilingGate
from lianban.forms.service import FilledForm
from lianban.security.tokens import verify
from sandbox_cases import hebei_form, hebei_worker_id, login

GUARD = 60  # seconds: only so that a broken gate fails instead of hanging


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


def test_no_more_filings_than_the_gate_admits_work_at_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = client.app.state.platform  # type: ignore[attr-defined]
    at_once = FILINGS_AT_ONCE[platform.engine.dialect.name]
    filers = at_once + 3
    state = threading.Condition()
    count = {"arrived": 0, "admitted": 0, "inside": 0, "peak": 0}
    released = threading.Event()

    class Counted(filing_gate.FilingGate):  # the gate, its arrivals and admissions counted
        def acquire(self) -> bool:
            with state:
                count["arrived"] += 1
                state.notify_all()
            got = super().acquire()
            with state:
                count["admitted"] += 1
                state.notify_all()
            return got

    monkeypatch.setattr(filing_gate, "FilingGate", Counted)
    monkeypatch.setattr(filing_gate, "_gates", type(filing_gate._gates)())
    prepare = service.prepare_case

    def held(*args: Any, **kwargs: Any) -> Any:  # a filing's work, held until all have come
        with state:
            count["inside"] += 1
            count["peak"] = max(count["peak"], count["inside"])
            state.notify_all()
        assert released.wait(GUARD)
        try:
            return prepare(*args, **kwargs)
        finally:
            with state:
                count["inside"] -= 1

    monkeypatch.setattr(service, "prepare_case", held)
    token = login(client, id_number=hebei_worker_id(client))["Authorization"].split()[1]
    worker = verify(token, client.app.state.secret_key)  # type: ignore[attr-defined]
    form = hebei_form(platform.catalogue.code_lists)
    filed: list[str] = []
    failed: list[BaseException] = []

    def file() -> None:
        application = service.Application("hebei.flexible-employment", FilledForm(form=form))
        try:
            filed.append(service.file_application(platform, worker, application).answer["case_id"])
        except BaseException as e:  # reported below
            failed.append(e)

    threads = [threading.Thread(target=file) for _ in range(filers)]
    for t in threads:
        t.start()
    with state:  # every filing is either working (held) or waiting at the gate
        settled = state.wait_for(
            lambda: count["arrived"] == filers and count["inside"] == count["admitted"], GUARD
        )
        working = count["inside"]
    released.set()
    for t in threads:
        t.join(GUARD)
    assert settled and not failed, failed
    assert working == at_once and count["peak"] == at_once
    assert len(set(filed)) == filers


def test_filings_are_let_in_in_the_order_they_came() -> None:
    gate = FilingGate(1)
    gate.acquire()  # the one filing at work
    admitted: list[int] = []
    waiting: list[threading.Thread] = []

    def wait(n: int) -> None:
        with gate:
            admitted.append(n)

    for n in range(5):  # each waits at the gate before the next one comes
        t = threading.Thread(target=wait, args=(n,))
        t.start()
        waiting.append(t)
        deadline = GUARD
        while len(gate._waiting) <= n and deadline > 0:
            threading.Event().wait(0.01)
            deadline -= 0.01
    # the place is handed on, never free: one arriving now waits behind the five
    late = threading.Thread(target=wait, args=(5,))
    gate.release()
    late.start()
    for t in [*waiting, late]:
        t.join(GUARD)
    assert admitted == [0, 1, 2, 3, 4, 5]
    assert gate.free == 1
