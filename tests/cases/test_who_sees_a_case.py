"""Who may see a case is one rule (lianban.cases.reading._naming) asked two ways: of a loaded case
(``visible``: certificates, 补正) and in SQL by the case read (``case_view``). For each caller the
two must agree, and agree with the rule: the owner sees it whatever her role, a window clerk also
sees the cases the clerk filed as agent, nobody else does — another is told it does not exist."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from lianban.cases.reading import case_view, visible
from lianban.cases.schema import Case
from lianban.errors import NotFound
from lianban.security.tokens import Identity, Role, verify
from sandbox_cases import file_hebei_case

CLERK = "window-clerk-0007"


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


def test_the_loaded_check_and_the_case_read_answer_every_caller_alike(client: TestClient) -> None:
    case_id, her = file_hebei_case(client)
    owner = verify(her["Authorization"].split()[1], client.app.state.secret_key).subject  # type: ignore[attr-defined]
    platform = client.app.state.platform  # type: ignore[attr-defined]
    with platform.sessions() as session, session.begin():  # filed at the window by a clerk (代办)
        session.execute(update(Case).where(Case.case_id == case_id).values(actor=CLERK))

    expected = {
        Identity(owner, Role.APPLICANT): True,  # the applicant
        Identity(owner, Role.EMPLOYER): True,  # an owner who is an employer
        Identity(owner, Role.WINDOW_CLERK): True,  # the owner, whatever her role
        Identity(CLERK, Role.WINDOW_CLERK): True,  # the clerk who filed it
        Identity(CLERK, Role.APPLICANT): False,  # the agent's subject, not as a clerk
        Identity(CLERK, Role.EMPLOYER): False,
        Identity("window-clerk-0008", Role.WINDOW_CLERK): False,  # another clerk
        Identity("110101199001011237", Role.APPLICANT): False,  # another person
        Identity("91110000MA01ABCD2X", Role.EMPLOYER): False,  # another employer
    }
    with platform.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        loaded = {identity: visible(identity, case) for identity in expected}
    read: dict[Identity, bool] = {}
    for identity in expected:
        try:
            read[identity] = case_view(platform, identity, case_id)["case_id"] == case_id
        except NotFound:  # another's case is not found, never forbidden
            read[identity] = False
    assert loaded == expected
    assert read == expected
