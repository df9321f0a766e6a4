"""Senders (消息通道): SMS or e-mail gateways that reach the applicant beyond the app.

A deployment plugs in its province's gateway; production without one sends in-app only. The
sandbox brings a sender that records each message as a notice row (``lianban-sandbox``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianban.cases.schema import Notice


class Sender(Protocol):
    """An SMS or e-mail gateway."""

    channel: str

    def send(self, session: Session, case_id: str, recipient: str, text: str, at: datetime) -> None: ...

    def send_text(self, session: Session, recipient: str, text: str, at: datetime) -> None:
        """A message that is not about a case (a booking number, 预约); the caller keeps its own record."""
        ...


def add_notice(session: Session, case_id: str, at: datetime, channel: str, recipient: str, text: str) -> None:
    """Keep a message as the case's next notice row."""
    last = session.execute(select(func.max(Notice.seq)).where(Notice.case_id == case_id)).scalar()
    session.add(
        Notice(case_id=case_id, seq=(last or 0) + 1, at=at, channel=channel, recipient=recipient, text=text)
    )
    session.flush()
