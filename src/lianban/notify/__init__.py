"""The notify room (通知): messages to applicants on every status change — in the app always, and
through the platform's senders (SMS, e-mail; :mod:`.senders`) where the applicant left an address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lianban.cases.form_fields import form_fields
from lianban.cases.schema import Case
from lianban.cases.wiring import wiring_of  # the platform's senders, as the session carries them
from lianban.notify.senders import Sender, add_notice

__all__ = ["Sender", "add_notice", "notify"]


def notify(session: Session, case: Case, text: str, at: datetime) -> None:
    """Tell the applicant: in the app always, and through every configured sender that has an address."""
    add_notice(session, case.case_id, at, "in_app", case.owner, text)
    senders = wiring_of(session).senders
    if not senders:
        return  # in-app only: the form is not read
    # the phone alone is read and decrypted, not the whole form
    contact = form_fields(session, case, "person.mobile", "employer.agent_phone")
    mobile = str(contact["person.mobile"] or contact["employer.agent_phone"] or "")
    if mobile:
        for sender in senders:
            sender.send(session, case.case_id, mobile, text, at)
