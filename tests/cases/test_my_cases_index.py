"""我的办件 is read a page at a time by keyset on the (owner, accepted_at, case_id) index: the first
page and a page after a cursor are each one index search, in the index's order (no sort of her
cases, no scan of anyone else's), so the list costs the same at 10k cases as at 1M."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from sandbox_cases import file_hebei_case


def test_her_pages_are_searched_in_the_owner_index(client: TestClient) -> None:
    _, her = file_hebei_case(client)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM cases" in statement and "LIMIT" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        first = client.get("/api/v1/applications", headers=her, params={"limit": 1})
        # a page after a cursor (the last case's acceptance time and id, as the answer gives it)
        after = base64.urlsafe_b64encode(json.dumps([first.json()[0]["accepted_at"], "LB"]).encode())
        client.get("/api/v1/applications", headers=her, params={"limit": 1, "cursor": after.decode()})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert first.status_code == 200 and len(seen) == 2, seen
    with engine.connect() as conn:
        for statement, parameters in seen:
            plan = " ".join(
                str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "INDEX ix_cases_owner_accepted" in plan and "TEMP B-TREE" not in plan, plan
