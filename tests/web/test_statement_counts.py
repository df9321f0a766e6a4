"""What filing and reading a case cost the database (语句数): a Hebei flexible worker files once and
reads her case. Filing's transaction is a handful of multi-row statements, begun as a writer
(SQLite: BEGIN IMMEDIATE) after every check; reading one case is at most two queries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from lianban.cases import service
from lianban.prepared import BoundRows, Prepared, PreparedWrite
from support.login import login
from web.test_applications_api import file_hebei, persona


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


class Statements:
    """Every statement the platform's engine sends, from the request-handling threads: those sent
    through its connections, and the prepared reads and writes run on its driver connections, a
    filing's transaction among them (they send no engine events: lianban.prepared,
    lianban.db.raw_writing)."""

    def __init__(self, api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[str] = []
        self.main = threading.get_ident()
        engine = api.app.state.engine  # type: ignore[attr-defined]
        event.listen(engine, "before_cursor_execute", self.record)
        event.listen(engine, "commit", lambda _conn: self.seen.append("COMMIT"))
        rows = Prepared.rows

        def prepared(read: Prepared, conn: Any, dialect: Any, params: Any) -> list[list[Any]]:
            self.record(conn, None, str(read.statement.compile(dialect=dialect)))
            return rows(read, conn, dialect, params)

        monkeypatch.setattr(Prepared, "rows", prepared)
        send, insert_bound = PreparedWrite.send, PreparedWrite.insert_bound

        def written(write: PreparedWrite, cursor: Any, dialect: Any, params: Any) -> None:
            self.record(cursor, None, write.compiled(dialect).sql)
            send(write, cursor, dialect, params)

        def inserted(write: PreparedWrite, cursor: Any, bound: BoundRows) -> None:
            self.record(cursor, None, bound.compiled.sql)
            insert_bound(write, cursor, bound)

        monkeypatch.setattr(PreparedWrite, "send", written)
        monkeypatch.setattr(PreparedWrite, "insert_bound", inserted)
        transaction = service.raw_writing

        @contextmanager
        def observed(engine: Any, conn: Any) -> Iterator[Any]:
            with transaction(engine, conn) as cursor:
                self.seen.append("BEGIN IMMEDIATE" if engine.dialect.name == "sqlite" else "BEGIN")
                yield cursor
            self.seen.append("COMMIT")

        monkeypatch.setattr(service, "raw_writing", observed)

    def record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(" ".join(statement.split()))

    def clear(self) -> None:
        self.seen.clear()


def test_filing_writes_in_one_short_transaction_of_bulk_inserts(
    api: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = persona(api, "hebei_flexible_public_archive")
    headers = login(api, id_number=worker["id_number"])
    statements = Statements(api, monkeypatch)
    r = file_hebei(api, headers, key="first-filing")
    assert r.status_code == 201, r.text
    seen = statements.seen
    tables = ("cases", "case_items", "outbox_jobs", "timeline_events", "audit_heads", "audit_log")
    inserts = [s for s in seen if s.startswith("INSERT") and s.split()[2] in tables]
    # one statement per table, however many sub-items (six here) and jobs: case, items, jobs,
    # timeline; then the audit entry on the day's hash chain: its number (one upsert), the entry
    assert [s.split()[2] for s in inserts] == list(tables)
    chained = next(s for s in seen if s.startswith("UPDATE audit_heads"))  # the day's last hash
    if database_url.startswith("sqlite"):
        begin = seen.index("BEGIN IMMEDIATE")
        end = seen.index("COMMIT", begin)
        # the writer's transaction holds only the writes: the filed draft's removal, the case
        # number of the day (one upsert), the rows
        number = next(s for s in seen if s.startswith("INSERT INTO case_number_sequences"))
        draft = next(s for s in seen if s.startswith("DELETE FROM drafts"))
        assert seen[begin + 1 : end] == [draft, number, *inserts, chained]
    else:
        # PostgreSQL: the rows every filing takes in turn — the region's number of the day, the
        # day's audit chain — come last, after the case's rows and the draft's removal
        begin = next(i for i, s in enumerate(seen) if s.startswith("DELETE FROM drafts"))
        end = seen.index("COMMIT", begin)
        writes = seen[begin:end]
        # (the number and the chain's head taken together, their answers fetched in one round trip)
        first_hot = next(i for i, s in enumerate(writes) if s.startswith("INSERT INTO case_number_sequences"))
        hot = [" ".join(s.split()[:3]) for s in writes[first_hot:]]
        assert hot == [
            "INSERT INTO case_number_sequences",
            "INSERT INTO audit_heads",
            "UPDATE cases SET",
            "INSERT INTO audit_log",
            "UPDATE audit_heads SET",
        ]
        assert writes[first_hot + 2].startswith("UPDATE cases SET case_no=")
        assert not any("audit_heads" in s for s in writes[:first_hot])
    # the idempotency key was looked up by the (owner, key) index, before the transaction
    lookup = [s for s in seen if "idempotency_key" in s and s.startswith("SELECT")]
    assert len(lookup) == 1 and "WHERE cases.owner =" in lookup[0]


def test_reading_her_case_is_two_queries_and_her_list_comes_a_page_at_a_time(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = persona(api, "hebei_flexible_public_archive")
    headers = login(api, id_number=worker["id_number"])
    filed = [file_hebei(api, headers, key=f"filing-{i}").json()["case_id"] for i in range(5)]

    statements = Statements(api, monkeypatch)
    case = api.get(f"/api/v1/applications/{filed[0]}", headers=headers)
    assert case.status_code == 200
    reads = [s for s in statements.seen if s.startswith(("SELECT", "WITH"))]
    reads = [s for s in reads if "rate_limit" not in s and "revoked" not in s]
    assert 1 <= len(reads) <= 2, reads
    assert len(case.json()["items"]) == 6 and case.json()["timeline"][0]["event"] == "submitted"

    # 我的办件, two at a time, newest first: three pages, each from the cursor the last one gave
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/applications", headers=headers, params=params)
        assert page.status_code == 200
        seen += [c["case_id"] for c in page.json()]
        pages += 1
        cursor = page.headers.get("X-Next-Cursor")
        if cursor is None:
            assert "Link" not in page.headers
            break
        assert page.headers["Link"].endswith('rel="next"') and "cursor=" in page.headers["Link"]
    assert pages == 3
    assert seen == filed[::-1]
    # without a limit, the first page is what the list always answered
    assert [c["case_id"] for c in api.get("/api/v1/applications", headers=headers).json()] == seen
    assert api.get("/api/v1/applications", headers=headers, params={"cursor": "nonsense"}).status_code == 422
