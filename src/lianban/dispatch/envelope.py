"""What a department system receives for one sub-item (推送报文): the payload in its own field
names, the 办件编号 and the item's national codes (事项编码 / 实施编码), and the case's order around it — the documents it issues and when, the documents it goes
on with (the 调档函 档案接收 issued, for 档案转出), and the items it completes after.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.cases.schema import Case, CaseItem
from lianban.catalog.model import Theme


class Sent(Protocol):
    """What the envelope reads of a sub-item (a :class:`CaseItem`, or its columns read alone)."""

    @property
    def case_id(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def employee(self) -> int | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def waits_for_document(self) -> list[Any] | None: ...


class Numbered(Protocol):
    @property
    def case_no(self) -> str | None: ...


def envelope_of(
    session: Session | None, theme: Theme, item: Sent, callback_url: str, case: Numbered | None = None
) -> dict[str, Any]:
    """The ``POST /records`` body for ``item`` of a case under ``theme`` (``case``: the item's case
    when the caller has read it already). ``session`` is read only for an item that completes after
    others or waits for another's document, and for the case's number when ``case`` is not given."""
    definition = theme.item(item.code)
    envelope: dict[str, Any] = {
        "item": item.code,
        "case_id": item.case_id,
        "employee": item.employee,
        "payload": item.payload,
        "callback_url": callback_url,
    }
    if case is not None:
        case_no = case.case_no
    else:
        assert session is not None
        case_no = session.execute(select(Case.case_no).where(Case.case_id == item.case_id)).scalar()
    if case_no:
        envelope["case_no"] = case_no  # 办件编号
    if definition.national is not None:  # 事项编码 / 实施编码, and whether they are verified
        envelope["item_codes"] = definition.national.model_dump(mode="json", exclude={"source"})
    if definition.issues:
        envelope["issues"] = [{"code": d.code, "name": d.name, "at": d.at} for d in definition.issues]
    if definition.completes_after:
        assert session is not None
        present = set(
            session.execute(
                select(CaseItem.code).where(
                    CaseItem.case_id == item.case_id, CaseItem.code.in_(definition.completes_after)
                )
            ).scalars()
        )
        if present:
            envelope["completes_after"] = sorted(present)
    documents: dict[str, Any] = {}
    for issuer_id, code in item.waits_for_document or ():
        assert session is not None
        issuer = session.get(CaseItem, (item.case_id, issuer_id))
        if issuer is not None and issuer.result:
            documents[code] = {
                k: issuer.result[k]
                for k in ("document", "number", "issuer", "issued_at")
                if k in issuer.result
            }
    if documents:
        envelope["documents"] = documents
    return envelope
