"""Two answers to one 补正 sent at once (a double tap on her phone): the first resubmits the items,
the second finds nothing still sent back once it holds the case and writes nothing — her form and
materials stay as the first answer left them, and nothing goes to the department twice."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from test_correction_request import identity_of, sent_back

from lianban.cases.corrections import correct
from lianban.cases.progress import lock_case
from lianban.cases.schema import Case, CaseItem
from lianban.errors import Conflict

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_database(postgres_url: str) -> str:
    return postgres_url  # a row lock another session can be seen waiting for


def test_a_second_answer_waiting_for_the_case_finds_nothing_left_to_correct(client: TestClient) -> None:
    case_id, applicant = sent_back(client)
    state = client.app.state  # type: ignore[attr-defined]
    me = identity_of(client, applicant)
    outcome: list[object] = []

    def second_answer() -> None:
        try:
            outcome.append(correct(state.platform, me, case_id, {"employment.work_region": "130105"}, []))
        except Conflict as exc:
            outcome.append(exc)

    with state.sessions() as first, first.begin():
        lock_case(first, case_id)  # the first answer holds the case
        racer = threading.Thread(target=second_answer)
        racer.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the second answer waits for the case's lock
            with state.engine.connect() as probe:
                waiting = probe.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                ).scalar()
            if waiting:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the second answer never waited for the case")
        item = first.get(CaseItem, (case_id, "employment_registration"))
        assert item is not None and item.status == "correction_required"
        item.status = "queued"  # the first answer resubmitted it
    racer.join(60)

    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    with state.sessions() as session:
        case = session.execute(select(Case).where(Case.case_id == case_id)).scalar_one()
        assert case.form["employment.work_region"] == "130104"  # the second answer wrote nothing
