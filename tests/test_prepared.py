"""A prepared read (lianban.prepared) gives the values Connection.execute gives for the same
statement — a look-up hash bound, a sealed form opened, stored times parsed, a literal bound —
on SQLite and PostgreSQL, from the driver's cursor on a pooled connection."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, literal, select

from lianban.cases.schema import Case, CaseItem
from lianban.db import make_engine
from lianban.prepared import Prepared, reading
from lianban.security.tokens import verify
from sandbox_cases import file_hebei_case


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


def test_a_prepared_read_gives_what_execute_gives(client: TestClient) -> None:
    case_id, her = file_hebei_case(client)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    owner = verify(her["Authorization"].split()[1], client.app.state.secret_key).subject  # type: ignore[attr-defined]
    statement = (
        select(
            literal("case").label("kind"),
            Case.case_id,
            Case.owner,
            Case.form,
            Case.accepted_at,
            Case.due_date,
            CaseItem.item_id,
            CaseItem.result,
        )
        .join(CaseItem, CaseItem.case_id == Case.case_id)
        .where(Case.case_id == bindparam("case_id"), Case.owner == bindparam("who", type_=Case.owner.type))
        .order_by(CaseItem.item_id)
    )
    params: dict[str, Any] = {"case_id": case_id, "who": owner}
    with engine.connect() as conn:
        executed = [list(r) for r in conn.execute(statement, params)]
    read = Prepared(statement)
    raw = engine.raw_connection()
    try:
        prepared = read.rows(raw, engine.dialect, params)
        again = read.rows(raw, engine.dialect, params)  # compiled and its processors taken once
        stranger = read.rows(raw, engine.dialect, {**params, "who": "110101199001011234"})
    finally:
        raw.close()
    assert prepared == executed == again and len(prepared) > 1
    kind, _, stored_owner, form, accepted_at, *_ = prepared[0]
    assert kind == "case" and stored_owner == owner and str(stored_owner) != owner  # its keyed hash
    assert form["employment.start_date"] == "2026-11-02" and accepted_at.year >= 2026
    assert stranger == []


def test_reading_gives_the_connection_back_as_it_was(database_url: str) -> None:
    """On PostgreSQL the reads run in autocommit (no BEGIN, no ROLLBACK); the next user of the
    pooled connection finds it in transactions again."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        read = Prepared(select(literal(1).label("one")))
        with reading(engine) as conn:
            assert read.rows(conn, engine.dialect, {}) == [[1]]
            if engine.dialect.name == "postgresql":
                assert conn.dbapi_connection.autocommit  # type: ignore[union-attr]
        with engine.connect() as again:  # the same connection: the pool holds one
            again.execute(select(literal(1)))
            assert again.in_transaction()
            if engine.dialect.name == "postgresql":
                assert not again.connection.dbapi_connection.autocommit  # type: ignore[union-attr]
    finally:
        engine.dispose()
