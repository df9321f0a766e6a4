"""A case's timeline (办理进度): its steps, numbered 1, 2, 3 … without gaps, written by every
room that moves a case on (decisions, dispatch, corrections, delivery)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy import insert as sql_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from lianban.cases.schema import TimelineEvent
from lianban.prepared import PreparedWrite, run_in

# the statements of a step, built once (a step is written several times per sub-item)
_STEPS = cast(Table, TimelineEvent.__table__)
_STEP_VALUES = {
    "case_id": bindparam("case_id", type_=_STEPS.c.case_id.type),
    "seq": select(func.coalesce(func.max(_STEPS.c.seq), 0) + 1)
    .where(_STEPS.c.case_id == bindparam("case_id", type_=_STEPS.c.case_id.type))
    .scalar_subquery(),
    **{name: bindparam(name, type_=_STEPS.c[name].type) for name in ("at", "event", "item_id", "detail")},
}
_NEXT_STEP = sql_insert(_STEPS).values(_STEP_VALUES)
_NEXT_STEP_PG = pg_insert(_STEPS).values(_STEP_VALUES).on_conflict_do_nothing().returning(_STEPS.c.seq)
# the same, compiled once and run on the transaction's driver cursor (lianban.prepared.run_in)
STEP = PreparedWrite(_NEXT_STEP)
STEP_PG = PreparedWrite(_NEXT_STEP_PG)


def add_event(
    session: Session, case_id: str, at: datetime, event: str, item_id: str | None, detail: str | None
) -> None:
    """Append a step to the case's timeline (办理进度), numbered 1, 2, 3 … without gaps.

    The next number is taken inside the INSERT itself, so a step written without the case's lock
    never takes a number another writer took between a read and the write. On PostgreSQL two such
    INSERTs can still see the same last number (each statement sees what was committed when it
    began): the later one waits for the earlier's row, then inserts nothing (``ON CONFLICT DO
    NOTHING``) and is run again, now seeing it — no UNIQUE failure, no gap."""
    session.flush()
    row = {"case_id": case_id, "at": at, "event": event, "item_id": item_id, "detail": detail}
    if session.get_bind().dialect.name != "postgresql":  # SQLite: one writer at a time
        run_in(session, STEP, row)
        return
    for _ in range(1000):  # as many as there are writers at once, at most
        if run_in(session, STEP_PG, row):
            return
        # a writer committed this number meanwhile: the next run reads it
    raise RuntimeError(f"timeline of {case_id}: no free number after 1000 tries")
