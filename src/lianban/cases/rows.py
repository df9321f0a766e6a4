"""A case's rows written as values (按值写入): one UPDATE of the columns that change, the row neither
read nor loaded as an object, compiled once and run on the transaction's driver cursor
(:func:`lianban.prepared.run_in`) — what a department's decision and the release of the items
waiting for it write, on every decision."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from lianban.cases.schema import CaseItem
from lianban.prepared import PreparedWrite, run_in

_ITEMS = cast(Table, CaseItem.__table__)
_ITEM_WRITES: dict[tuple[str, ...], PreparedWrite] = {}  # write_item's UPDATE per set of columns


def write_item(session: Session, case_id: str, item_id: str, values: dict[str, Any]) -> None:
    """One sub-item's columns written with one UPDATE, the item not read nor loaded: compiled once
    per set of columns and run on the transaction's driver cursor (its values bound by their column
    types: a result sealed as ``ProtectedJSON`` seals it)."""
    columns = tuple(sorted(values))
    statement = _ITEM_WRITES.get(columns)
    if statement is None:
        statement = _ITEM_WRITES[columns] = PreparedWrite(
            update(_ITEMS)
            .where(_ITEMS.c.case_id == bindparam("c_id"), _ITEMS.c.item_id == bindparam("i_id"))
            .values(**{c: bindparam(f"new_{c}", type_=_ITEMS.c[c].type) for c in columns})
        )
    run_in(
        session, statement, {"c_id": case_id, "i_id": item_id, **{f"new_{k}": v for k, v in values.items()}}
    )
