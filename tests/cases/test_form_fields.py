"""A few fields of a case's form read alone (form_fields): the values the whole form gives, the
personal ones decrypted, without the rest of the form read — on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, event, inspect, select, type_coerce
from sqlalchemy.orm import defer

from lianban.cases.form_fields import form_fields
from lianban.cases.schema import Case
from lianban.db import engine_of
from lianban.security.fieldcrypt import is_sealed
from sandbox_cases import file_graduate_case


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


ASKED = ("person.mobile", "person.name", "employment.work_region", "employer.agent_phone")


def test_the_fields_asked_read_alone_as_the_whole_form_gives_them(client: TestClient) -> None:
    case_id, _headers = file_graduate_case(client)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session:
        whole = session.get(Case, case_id).form
    with sessions() as session:
        stored = session.execute(
            select(type_coerce(Case.__table__.c.form, JSON)["person.mobile"]).where(Case.case_id == case_id)
        ).scalar()
        assert is_sealed(stored)  # what is read alone is opened, not handed back sealed
        case = session.get(Case, case_id, options=[defer(Case.form)])
        read = form_fields(session, case, *ASKED)
        assert "form" in inspect(case).unloaded  # the rest of the form never read
    assert read == {name: whole.get(name) for name in ASKED}
    assert read["person.mobile"] and read["person.name"] and read["employer.agent_phone"] is None
    assert read["employment.work_region"] == "420111"  # not personal: stored as typed
    with sessions() as session:  # the form already loaded: taken from it
        case = session.get(Case, case_id)
        assert form_fields(session, case, *ASKED) == read


def test_a_case_gone_reads_nothing(client: TestClient) -> None:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        ghost = Case(case_id="no-such-case")
        assert form_fields(session, ghost, "person.mobile") == {"person.mobile": None}


def test_a_second_ask_in_the_same_transaction_reads_nothing(client: TestClient) -> None:
    case_id, _headers = file_graduate_case(client)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    statements: list[str] = []
    engine = engine_of(sessions)

    def listen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        with sessions() as session, session.begin():
            case = session.get(Case, case_id, options=[defer(Case.form)])
            first = form_fields(session, case, "person.mobile")
            read = len(statements)
            again = form_fields(session, case, "person.mobile")
            assert len(statements) == read and again == first  # the notice after the first: no read
            both = form_fields(session, case, "person.mobile", "person.name")
            assert len(statements) == read + 1  # only the field not asked before
            assert both["person.mobile"] == first["person.mobile"] and both["person.name"]
        with sessions() as session, session.begin():  # a new transaction reads again
            case = session.get(Case, case_id, options=[defer(Case.form)])
            read = len(statements)
            assert form_fields(session, case, "person.mobile") == first
            assert len(statements) == read + 1
    finally:
        event.remove(engine, "before_cursor_execute", listen)
