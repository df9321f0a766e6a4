"""The operator's list of failed sub-items (推送失败) when an outage has failed thousands: every one
is listed with its 办件编号, read in one join — no list of case ids passed back as parameters,
which SQLite caps (a stock build at 999 or 32,766)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import event, text

from lianban.bootstrap import keyed_engine
from lianban.config import Mode, load_settings
from lianban.db import session_factory
from lianban.dispatch import service
from lianban.migrate import upgrade
from lianban.security.tokens import Identity, Role

OPERATOR = Identity(subject="staff:ops", role=Role.OPERATOR, name="运维")
CASES = 1_200  # over the cap set below


def _cap_variables(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)


def test_twelve_hundred_failed_cases_are_all_listed_with_their_numbers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lianban.sqlite3'}"
    upgrade(url)
    settings = load_settings({"LIANBAN_DATA_DIR": str(tmp_path / "var")}, database_url=url, mode=Mode.SANDBOX)
    engine = keyed_engine(settings)  # the platform's keys at rest
    at, day = datetime(2026, 12, 4, 9, 0, tzinfo=UTC), date(2026, 12, 31)
    cases = [
        {"id": f"LB20261204{n:010d}", "no": f"冀2026{n:06d}", "owner": f"person:1301041992{n:08d}"}
        for n in range(CASES)
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cases (case_id, case_no, theme_id, theme_digest, owner, actor, channel, status,"
                " situation, form, materials, accepted_at, due_date, promised_due_date, request_hash,"
                " updated_at) VALUES (:id, :no, 't', 'd', :owner, :owner, 'web', 'in_progress', '{}', '{}',"
                " '[]', :at, :day, :day, 'h', :at)"
            ),
            [c | {"at": at, "day": day} for c in cases],
        )
        conn.execute(
            text(
                "INSERT INTO case_items (case_id, item_id, code, department, status, waits_for,"
                " waits_for_any, payload, reason, legal_due_date, promised_due_date, progress, revision,"
                " updated_at) VALUES (:id, 'employment_registration', 'employment_registration', 'hrss',"
                " 'failed', '[]', '[]', '{}', 'HTTP 503', :day, :day, 0, 0, :at)"
            ),
            [{"id": c["id"], "at": at, "day": day} for c in cases],
        )
    event.listen(engine, "connect", _cap_variables)
    engine.dispose()  # connections from now on take the cap
    ctx = SimpleNamespace(sessions=session_factory(engine))

    listed = service.failed(ctx, OPERATOR)  # type: ignore[arg-type]
    engine.dispose()
    assert len(listed) == CASES
    assert {(f["case_id"], f["case_no"]) for f in listed} == {(c["id"], c["no"]) for c in cases}
    assert {f["error"] for f in listed} == {"HTTP 503"}
