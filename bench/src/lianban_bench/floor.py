"""The floor (基线): the best this machine does for one filing, on the same server stack.

A bare ASGI callable served by uvicorn exactly as ``lianban serve`` serves the platform, whose
one endpoint ``POST /api/v1/applications`` reads and parses the body and inserts the rows a
filing inserts — the case, its sub-items, their outbox jobs, the timeline entry and the audit
entry — with plain SQL in one transaction, through the same engine settings (``lianban.db``).
The rows are copied, as stored, from a real filing of this run (:func:`filing_template`), so the
floor writes exactly what the platform writes (sealed personal values included), with a new case
id, job ids and times. No validation,
no prefill, no authorisation: that is what the platform adds above the floor.

Run as ``python -m lianban_bench.floor --database-url URL --template FILE --port N``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy import Date, DateTime, Engine, text
from sqlalchemy.types import JSON

from lianban.cases.schema import AuditEntry, Case, CaseItem, OutboxJob, TimelineEvent
from lianban.db import Base, is_sqlite, make_engine

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

TABLES = (Case, CaseItem, OutboxJob, TimelineEvent, AuditEntry)


def _kind(column: Any) -> str:
    declared = column.type
    stored = getattr(declared, "impl_instance", declared)  # a TypeDecorator stores as its impl
    if isinstance(stored, JSON):
        return "json"
    if isinstance(stored, DateTime):
        return "datetime"
    if isinstance(stored, Date):
        return "date"
    return "plain"


def _plain(value: Any, kind: str) -> Any:
    if kind == "json" and isinstance(value, str):
        return json.loads(value)  # SQLite hands back the stored text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def filing_template(engine: Engine, case_id: str) -> dict[str, Any]:
    """Every row one real filing wrote, by table, as stored (personal values still sealed: the
    floor writes the same bytes), with each column's kind; JSON-serialisable."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for model in TABLES:
            table = Base.metadata.tables[model.__tablename__]
            kinds = {c.name: _kind(c) for c in table.columns}
            found = conn.execute(
                text(f"SELECT * FROM {table.name} WHERE case_id = :case_id"), {"case_id": case_id}
            ).mappings()
            rows = [{k: _plain(v, kinds[k]) for k, v in row.items()} for row in found]
            out[table.name] = {"kinds": kinds, "rows": rows}
    return out


class FloorApp:
    """The raw ASGI application of the floor."""

    def __init__(self, database_url: str, template: dict[str, Any]) -> None:
        self.engine = make_engine(database_url)
        self.template = template
        cast_json = not is_sqlite(database_url)
        self.statements = {}
        for table, body in template.items():
            kinds: dict[str, str] = body["kinds"]
            names = list(kinds)
            values = [f"CAST(:{n} AS JSON)" if cast_json and kinds[n] == "json" else f":{n}" for n in names]
            self.statements[table] = text(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(values)})"
            )

    def _rows(self, table: str, case_id: str, key: str | None, now: datetime) -> list[dict[str, Any]]:
        body = self.template[table]
        kinds: dict[str, str] = body["kinds"]
        out = []
        for row in body["rows"]:
            new: dict[str, Any] = {}
            for name, value in row.items():
                kind = kinds[name]
                if name == "case_id":
                    value = case_id
                elif name == "job_id":
                    value = uuid.uuid4().hex
                elif name == "idempotency_key":
                    value = key
                if kind == "json":
                    value = None if value is None else json.dumps(value, ensure_ascii=False)
                elif kind == "datetime" and value is not None:
                    value = now
                elif kind == "date" and value is not None:
                    value = date.fromisoformat(value)
                new[name] = value
            out.append(new)
        return out

    def insert(self, key: str | None) -> str:
        """One filing's rows in one transaction; the new case id."""
        now = datetime.now(UTC)
        case_id = f"LB{now:%Y%m%d}{secrets.token_hex(5).upper()}"
        with self.engine.begin() as conn:
            for table in ("cases", "case_items", "outbox_jobs", "timeline_events", "audit_entries"):
                rows = self._rows(table, case_id, key, now)
                if rows:
                    conn.execute(self.statements[table], rows)
        return case_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    self.engine.dispose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        if scope["path"] == "/healthz":
            await self._answer(send, 200, {"status": "ok"})
            return
        if scope["method"] != "POST" or scope["path"] != "/api/v1/applications":
            await self._answer(send, 404, {"status": 404})
            return
        json.loads(b"".join(chunks))  # the platform parses the body too
        headers = dict(scope["headers"])
        key = headers.get(b"idempotency-key", b"").decode() or None
        # blocking database work off the event loop, in the same thread pool FastAPI uses
        case_id = await anyio.to_thread.run_sync(self.insert, key)
        await self._answer(send, 201, {"case_id": case_id, "status": "submitted"})

    @staticmethod
    async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(raw)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m lianban_bench.floor")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--template", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = FloorApp(args.database_url, json.loads(args.template.read_text(encoding="utf-8")))
    # the same call as ``lianban serve`` makes
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
