"""The notify room: messages to applicants on every status change (in-app; SMS/e-mail by sender)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianban.cases.schema import Case, Notice


class Sender(Protocol):
    """An SMS or e-mail gateway. A deployment plugs in its province's; the sandbox records."""

    channel: str

    def send(self, session: Session, case_id: str, recipient: str, text: str, at: datetime) -> None: ...


class RecordingSender:
    """The sandbox's SMS sender: nothing leaves the machine; each message is kept as a notice row."""

    channel = "sms"

    def send(self, session: Session, case_id: str, recipient: str, text: str, at: datetime) -> None:
        _add(session, case_id, at, self.channel, recipient, text)


SENDERS: list[Sender] = [RecordingSender()]


def _add(session: Session, case_id: str, at: datetime, channel: str, recipient: str, text: str) -> None:
    last = session.execute(select(func.max(Notice.seq)).where(Notice.case_id == case_id)).scalar()
    session.add(
        Notice(case_id=case_id, seq=(last or 0) + 1, at=at, channel=channel, recipient=recipient, text=text)
    )
    session.flush()


def notify(session: Session, case: Case, text: str, at: datetime) -> None:
    """Tell the applicant: in the app always, and through every configured sender that has an address."""
    _add(session, case.case_id, at, "in_app", case.owner, text)
    mobile = str(
        (case.form or {}).get("person.mobile") or (case.form or {}).get("employer.agent_phone") or ""
    )
    if mobile:
        for sender in SENDERS:
            sender.send(session, case.case_id, mobile, text, at)
