"""The floor (基线): the best this machine does for one filing and one case read, with plain code.

A bare ASGI callable served by uvicorn exactly as ``lianban serve`` serves the platform, and
nothing of the platform in it (it imports no ``lianban`` module): the database driver itself
(``sqlite3`` / ``psycopg``) with one connection kept per server thread, set up once.

- ``POST /api/v1/applications`` parses the body and inserts the rows a filing inserts — the case,
  its sub-items, their outbox jobs and the timeline (not the audit chain) — in one transaction of
  ``executemany`` inserts. The rows are copied, as stored, from a real filing of this run
  (:func:`filing_template`, read with the driver too), so the floor writes the same bytes (sealed
  personal values included) with a new case id, job ids and times. SQLite writers take the
  process's turn (a plain lock) and ``BEGIN IMMEDIATE``; PostgreSQL's do neither.
  The case's 办件编号 is taken as a filing takes it: one upsert on ``case_number_sequences``
  (region and China day of the template's case) in the same transaction.
- ``GET /api/v1/applications/{case_id}`` reads one case: its row, its sub-items and its timeline,
  answered as JSON.
- ``GET /trivial`` answers a constant without the database: the load generator's ceiling.

No validation, no prefill, no authorisation: that is what the platform adds above the floor.
Run as ``python -m lianban_bench.floor --database-url URL --template FILE --port N``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import psycopg

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# not the audit entry: the audit log is one hash chain per day (the day's head row taken in the
# filing's transaction), which rows copied from another filing cannot stand in for
TABLES = ("cases", "case_items", "outbox_jobs", "timeline_events")
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
ITEM_KEYS = (
    "item_id",
    "code",
    "department",
    "status",
    "receipt_no",
    "reason",
    "legal_due_date",
    "promised_due_date",
    "updated_at",
)


def driver_target(database_url: str) -> tuple[str, str]:
    """(``sqlite`` | ``postgresql``, what the driver connects to) from a SQLAlchemy-style URL."""
    scheme, _, rest = database_url.partition("://")
    if scheme.startswith("sqlite"):
        return "sqlite", rest[1:] if rest.startswith("/") else rest
    return "postgresql", "postgresql://" + rest


def connect(database_url: str) -> Any:
    """A driver connection, set up once: PRAGMAs for SQLite (autocommit: BEGIN is explicit)."""
    kind, target = driver_target(database_url)
    if kind == "sqlite":
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        return conn
    return psycopg.connect(target)


def _columns(conn: Any, kind: str, table: str) -> dict[str, str]:
    """Each column's declared type, in table order."""
    if kind == "sqlite":
        return {row[1]: str(row[2]).upper() for row in conn.execute(f"PRAGMA table_info({table})")}
    found = conn.execute(
        "SELECT column_name, udt_name FROM information_schema.columns "
        "WHERE table_name = %s AND table_schema = current_schema() ORDER BY ordinal_position",
        (table,),
    )
    return {str(name): str(udt) for name, udt in found}


def _is_time(declared: str) -> bool:
    return any(word in declared.upper() for word in ("DATETIME", "TIMESTAMP"))


def filing_template(database_url: str, case_id: str) -> dict[str, Any]:
    """Every row one real filing wrote, by table, as stored (text on PostgreSQL: cast back on
    insert), with each column's declared type; JSON-serialisable."""
    kind, _ = driver_target(database_url)
    conn = connect(database_url)
    try:
        out: dict[str, Any] = {}
        for table in TABLES:
            types = _columns(conn, kind, table)
            if kind == "sqlite":
                select = ", ".join(types)
                found = conn.execute(f"SELECT {select} FROM {table} WHERE case_id = ?", (case_id,))
            else:
                select = ", ".join(f"{c}::text" for c in types)
                found = conn.execute(f"SELECT {select} FROM {table} WHERE case_id = %s", (case_id,))
            out[table] = {"types": types, "rows": [list(row) for row in found]}
        return out
    finally:
        conn.close()


class Floor:
    """The floor's database work: one kept connection per thread, plain SQL."""

    def __init__(self, database_url: str, template: dict[str, Any]) -> None:
        self.database_url = database_url
        self.kind, _ = driver_target(database_url)
        self.template = template
        self.local = threading.local()
        self.connections: list[Any] = []
        self.turn = threading.Lock()  # SQLite's one writer, taken in turn inside the process
        mark = "?" if self.kind == "sqlite" else "%s"
        self.inserts: dict[str, str] = {}
        for table, body in template.items():
            types: dict[str, str] = body["types"]
            values = [mark if self.kind == "sqlite" else f"%s::{t}" for t in types.values()]
            self.inserts[table] = f"INSERT INTO {table} ({', '.join(types)}) VALUES ({', '.join(values)})"
        self.mark = mark
        names = list(template["cases"]["types"])
        self.at_case_no = names.index("case_no") if "case_no" in names else None
        first = template["cases"]["rows"][0] if template["cases"]["rows"] else None
        number = first[self.at_case_no] if first is not None and self.at_case_no is not None else None
        # 办件编号 = region (6) + China day (8) + sequence (6): the template's region and day
        self.region_day = (number[:6], number[6:14]) if number else None
        self.next_number = (
            f"INSERT INTO case_number_sequences (region_code, day, last) VALUES ({mark}, {mark}, 1) "
            "ON CONFLICT (region_code, day) DO UPDATE SET last = case_number_sequences.last + 1 "
            "RETURNING last"
        )

    def conn(self) -> Any:
        found = getattr(self.local, "conn", None)
        if found is None:
            found = self.local.conn = connect(self.database_url)
            self.connections.append(found)
        return found

    def _rows(self, table: str, case_id: str, key: str | None, now: datetime) -> list[list[Any]]:
        body = self.template[table]
        types: dict[str, str] = body["types"]
        names = list(types)
        stamp = now.strftime(SQLITE_TIME) if self.kind == "sqlite" else now.isoformat()
        times = [i for i, n in enumerate(names) if _is_time(types[n])]
        job = names.index("job_id") if "job_id" in names else None
        ikey = names.index("idempotency_key") if "idempotency_key" in names else None
        at_case = names.index("case_id")
        out = []
        for row in body["rows"]:
            new = list(row)
            new[at_case] = case_id
            for i in times:
                if new[i] is not None:
                    new[i] = stamp
            if job is not None:
                new[job] = uuid.uuid4().hex
            if ikey is not None:
                new[ikey] = key
            out.append(new)
        return out

    def _number(self, execute: Callable[..., Any], rows: dict[str, list[list[Any]]]) -> None:
        """The case's 办件编号 by the filing's upsert, written into the case row."""
        if self.region_day is None or self.at_case_no is None:
            return
        region, day = self.region_day
        stored_day = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        (last,) = execute(self.next_number, (region, stored_day)).fetchone()
        rows["cases"][0][self.at_case_no] = f"{region}{day}{int(last):06d}"

    def insert(self, key: str | None) -> str:
        """One filing's rows in one transaction; the new case id."""
        now = datetime.now(UTC)
        case_id = f"LB{now:%Y%m%d}{secrets.token_hex(5).upper()}"
        rows = {table: self._rows(table, case_id, key, now) for table in TABLES}
        conn = self.conn()
        if self.kind == "sqlite":
            with self.turn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    self._number(conn.execute, rows)
                    for table in TABLES:
                        if rows[table]:
                            conn.executemany(self.inserts[table], rows[table])
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        else:
            with conn.transaction(), conn.cursor() as cur:
                self._number(cur.execute, rows)
                for table in TABLES:
                    if rows[table]:
                        cur.executemany(self.inserts[table], rows[table])
        return case_id

    def read(self, case_id: str) -> dict[str, Any] | None:
        """One case with its sub-items and timeline (three plain queries on a kept connection)."""
        conn = self.conn()
        m = self.mark
        case = conn.execute(
            f"SELECT case_id, theme_id, status, channel, accepted_at, due_date, promised_due_date "
            f"FROM cases WHERE case_id = {m}",
            (case_id,),
        ).fetchone()
        if case is None:
            return None
        items = conn.execute(
            f"SELECT item_id, code, department, status, receipt_no, reason, legal_due_date, "
            f"promised_due_date, updated_at FROM case_items WHERE case_id = {m} ORDER BY item_id",
            (case_id,),
        ).fetchall()
        events = conn.execute(
            f"SELECT at, event, item_id, detail FROM timeline_events WHERE case_id = {m} ORDER BY seq",
            (case_id,),
        ).fetchall()
        if self.kind == "postgresql":
            conn.rollback()  # end the read's implicit transaction
        keys = ("case_id", "theme_id", "status", "channel", "accepted_at", "due_date", "promised_due_date")
        item_keys = ITEM_KEYS
        return {
            **dict(zip(keys, (str(v) for v in case), strict=True)),
            "items": [dict(zip(item_keys, (str(v) for v in it), strict=True)) for it in items],
            "timeline": [
                dict(zip(("at", "event", "item", "detail"), map(str, e), strict=True)) for e in events
            ],
        }

    def close(self) -> None:
        for conn in self.connections:
            conn.close()


class FloorApp:
    """The raw ASGI application of the floor."""

    def __init__(self, database_url: str, template: dict[str, Any]) -> None:
        self.floor = Floor(database_url, template)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    self.floor.close()
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
        path, method = scope["path"], scope["method"]
        if path in ("/healthz", "/trivial"):
            await self._answer(send, 200, {"status": "ok"})
        elif method == "POST" and path == "/api/v1/applications":
            json.loads(b"".join(chunks))  # the platform parses the body too
            key = dict(scope["headers"]).get(b"idempotency-key", b"").decode() or None
            # blocking database work off the event loop, in the same thread pool FastAPI uses
            case_id = await anyio.to_thread.run_sync(self.floor.insert, key)
            await self._answer(send, 201, {"case_id": case_id, "status": "submitted"})
        elif method == "GET" and path.startswith("/api/v1/applications/"):
            case = await anyio.to_thread.run_sync(self.floor.read, path.rsplit("/", 1)[1])
            await self._answer(send, 200 if case else 404, case or {"status": 404})
        else:
            await self._answer(send, 404, {"status": 404})

    @staticmethod
    async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
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
