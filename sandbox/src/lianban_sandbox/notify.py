"""The sandbox's SMS sender (短信, 沙箱): nothing leaves the machine; each message is kept as a
notice row (channel ``sms``), so the demo and the tests can read what would have been sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lianban.notify import add_notice


class RecordingSender:
    channel = "sms"

    def send(self, session: Session, case_id: str, recipient: str, text: str, at: datetime) -> None:
        add_notice(session, case_id, at, self.channel, recipient, text)

    def send_text(self, session: Session, recipient: str, text: str, at: datetime) -> None:
        return None  # nothing leaves the machine; the caller's notice row (sms) is the record
