"""Releasing waiting sub-items (前置事项办结后放行): once a decision is applied, the items that
wait for it are queued (their waits met) or ended (their waits can no longer be met), in
dependency order, each move on the timeline; the case's items' statuses are then what its own
status follows from.

What is read for it is kept small, because it runs on every decision, inside the write, under the
case's lock — and one employer's case holds thousands of items: when nothing waits (most
decisions) one query of the statuses there are, each once; the wait lists (JSON) only of the items
that wait, and every item's status only then."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from lianban.cases.jobs import JobKind, add_job
from lianban.cases.rows import write_item
from lianban.cases.schema import CaseItem
from lianban.cases.states import ItemStatus
from lianban.cases.steps import add_event
from lianban.prepared import Prepared, run_in

S = ItemStatus

_ITEMS = cast(Table, CaseItem.__table__)
_CASE = _ITEMS.c.case_id == bindparam("case_id")
# the statuses the case's items are in, each once: what the case's status follows from (it asks
# which statuses there are, never how many) and whether anything waits
# (each compiled once and run on the transaction's driver cursor: lianban.prepared.run_in)
_STATUSES = Prepared(select(_ITEMS.c.status).distinct().where(_CASE))
# the items that wait, with their waits: the only rows whose wait lists are decoded
_WAITING = Prepared(
    select(_ITEMS.c.item_id, _ITEMS.c.waits_for, _ITEMS.c.waits_for_any, _ITEMS.c.waits_for_document).where(
        _CASE, _ITEMS.c.status == S.WAITING.value
    )
)
# every item's status, by item: what a waiting item's waits are checked against
_BY_ITEM = Prepared(select(_ITEMS.c.item_id, _ITEMS.c.status).where(_CASE))


class Waiting(NamedTuple):
    """An item that waits, as :data:`_WAITING` reads it."""

    item_id: str
    waits_for: list[str]
    waits_for_any: list[str]
    waits_for_document: list[Any] | None


_WAITS_UNMET = "所等待的前置事项未获准予，本事项无法办理"


def release_waiting(session: Session, case_id: str, at: datetime) -> list[str]:
    """Queue items whose waits are met; end those whose waits can no longer be met (the case
    locked by the caller, the decision already written). Returns the statuses the case's items are
    in then, each once — what :func:`lianban.cases.states.case_status` needs."""
    session.flush()  # the decision, if written through an object, is what the reads below see
    key = {"case_id": case_id}
    statuses = [status for (status,) in run_in(session, _STATUSES, key)]
    if S.WAITING.value not in statuses:
        return statuses  # nothing waits (most decisions)
    waiting = [Waiting(*row) for row in run_in(session, _WAITING, key)]
    status: dict[str, str] = {item_id: now for item_id, now in run_in(session, _BY_ITEM, key)}
    _release(session, case_id, at, waiting, status)
    return sorted(set(status.values()))


def _release(
    session: Session, case_id: str, at: datetime, rows: Sequence[Any], status: dict[str, str]
) -> None:
    """The moves of :func:`release_waiting`: ``rows`` the waiting items with their waits,
    ``status`` every item's status as it is now (changed here as items move)."""
    issued: dict[str, bool] = {}

    def document_issued(issuer: str) -> bool:
        """Whether the department issued what ``issuer`` issues at acceptance (调档函): it has
        accepted the item and reported the document with its number, or approved the item."""
        if status[issuer] == S.APPROVED.value:
            return True
        if status[issuer] != S.ACCEPTED.value:
            return False
        if issuer not in issued:
            result = session.execute(
                select(CaseItem.result).where(CaseItem.case_id == case_id, CaseItem.item_id == issuer)
            ).scalar()
            issued[issuer] = bool((result or {}).get("number"))
        return issued[issuer]

    moves: list[tuple[str, ItemStatus, str]] = []  # in the order they happen: item, status, detail
    changed = True
    while changed:
        changed = False
        for r in rows:
            if status[r.item_id] != S.WAITING.value:
                continue
            all_deps = [status[d] for d in r.waits_for if d in status]
            any_deps = [status[d] for d in r.waits_for_any if d in status]
            issuers = [d for d, _ in r.waits_for_document or () if d in status]
            if (
                any(s == S.REJECTED.value for s in all_deps)
                or bool(any_deps and all(s == S.REJECTED.value for s in any_deps))
                or any(status[i] == S.REJECTED.value for i in issuers)
            ):
                status[r.item_id] = S.REJECTED.value
                moves.append((r.item_id, S.REJECTED, _WAITS_UNMET))
                changed = True
            elif (
                all(s == S.APPROVED.value for s in all_deps)
                and (not any_deps or any(s == S.APPROVED.value for s in any_deps))
                and all(document_issued(i) for i in issuers)
            ):
                status[r.item_id] = S.QUEUED.value
                detail = "前置事项已出具所需文书" if issuers and not all_deps else "前置事项已办结"
                moves.append((r.item_id, S.QUEUED, detail))
                changed = True
    for item_id, moved, detail in moves:
        values: dict[str, Any] = {"status": moved.value, "updated_at": at}
        if moved is S.REJECTED:
            values["reason"] = detail
        loaded = session.identity_map.get(identity_key(CaseItem, (case_id, item_id)))
        if loaded is not None:  # the caller holds it as an object: moved through it, kept in step
            for name, value in values.items():
                setattr(loaded, name, value)
            session.flush()
        else:  # one UPDATE, the item not loaded
            write_item(session, case_id, item_id, values)
        if moved is S.QUEUED:
            add_job(session, case_id, JobKind.DISPATCH, at, item_id=item_id)
        add_event(session, case_id, at, moved.value, item_id, detail)
