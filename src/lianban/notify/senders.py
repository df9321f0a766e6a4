"""Senders (消息通道): SMS or e-mail gateways that reach the applicant beyond the app.

A deployment plugs in its province's gateway; production without one sends in-app only. The
sandbox brings a sender that records each message as a notice row (``lianban-sandbox``).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from lianban.cases.schema import Notice
from lianban.ports import Sender
from lianban.prepared import PreparedWrite, run_in

__all__ = ["Sender", "add_notice"]


# the case's next notice in one statement, built once: its number taken inside the INSERT, no read
# before it and no ORM object to flush. Unlike a timeline step's it has no retry on a clash: every
# caller holds the case's lock (lock_case), which is what keeps two notices from one number
_NOTICES = cast(Table, Notice.__table__)
_NEXT_NOTICE = insert(_NOTICES).values(
    case_id=bindparam("case_id", type_=_NOTICES.c.case_id.type),
    seq=select(func.coalesce(func.max(_NOTICES.c.seq), 0) + 1)
    .where(_NOTICES.c.case_id == bindparam("case_id", type_=_NOTICES.c.case_id.type))
    .scalar_subquery(),
    **{name: bindparam(name, type_=_NOTICES.c[name].type) for name in ("at", "channel", "recipient", "text")},
)
# compiled once, run on the transaction's driver cursor (lianban.prepared.run_in): a worker writes
# one or two notices for every decided sub-item
_NOTICE = PreparedWrite(_NEXT_NOTICE)


def add_notice(session: Session, case_id: str, at: datetime, channel: str, recipient: str, text: str) -> None:
    """Keep a message as the case's next notice row."""
    row = {"case_id": case_id, "at": at, "channel": channel, "recipient": recipient, "text": text}
    session.flush()  # what the caller added first (the case a notice belongs to)
    run_in(session, _NOTICE, row)
