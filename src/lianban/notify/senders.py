"""Senders (消息通道): SMS or e-mail gateways that reach the applicant beyond the app.

A deployment plugs in its province's gateway; production without one sends in-app only. The
sandbox brings a sender that records each message as a notice row (``lianban-sandbox``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianban.cases.schema import Notice
from lianban.ports import Sender

__all__ = ["Sender", "add_notice"]


def add_notice(session: Session, case_id: str, at: datetime, channel: str, recipient: str, text: str) -> None:
    """Keep a message as the case's next notice row."""
    last = session.execute(select(func.max(Notice.seq)).where(Notice.case_id == case_id)).scalar()
    session.add(
        Notice(case_id=case_id, seq=(last or 0) + 1, at=at, channel=channel, recipient=recipient, text=text)
    )
    session.flush()
