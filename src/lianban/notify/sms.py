"""An SMS gateway over HTTP (短信网关): the province's SMS platform, configured by
``LIANBAN_SMS_URL`` and ``LIANBAN_SMS_KEY``.

One request per message::

    POST {LIANBAN_SMS_URL}
    Authorization: Bearer {LIANBAN_SMS_KEY}
    Idempotency-Key: {reference}            (the same message twice is sent once)
    {"mobile": "13907150000", "text": "您的办件 … 已全部办结。", "reference": "…"}

and any 2xx answer means the gateway took it. Nothing is sent before the transaction that decided
to send it commits (a rolled-back decision texts no one): messages wait on the session and leave
when it commits. A gateway that refuses or cannot be reached is logged with the message's
reference and does not undo what was committed; the in-app notice stays the applicant's record.
Without ``LIANBAN_SMS_URL`` production sends no SMS at all (and records none).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from sqlalchemy import event
from sqlalchemy.orm import Session

from lianban.notify.senders import add_notice

log = logging.getLogger(__name__)
_PENDING = "lianban.sms.pending"  # the messages a session sends when it commits


class SmsError(Exception):
    """The gateway refused a message or could not be reached."""


def reference_of(*parts: object) -> str:
    """A stable reference for one message (its idempotency key at the gateway)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]


@dataclass
class HttpSmsGateway:
    """The platform's SMS sender when a deployment configures a gateway."""

    url: str
    key: str
    timeout_seconds: float = 5.0
    channel: str = "sms"
    http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(timeout=self.timeout_seconds, trust_env=False)

    def deliver(self, mobile: str, text: str, reference: str) -> None:
        """Hand one message to the gateway now; raises :class:`SmsError` when it is not taken."""
        try:
            answer = self.http.post(
                self.url,
                json={"mobile": mobile, "text": text, "reference": reference},
                headers={"Authorization": f"Bearer {self.key}", "Idempotency-Key": reference},
            )
        except httpx.HTTPError as exc:
            raise SmsError(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        if not answer.is_success:
            raise SmsError(f"SMS gateway answered {answer.status_code}")

    def send(self, session: Session, case_id: str, recipient: str, text: str, at: datetime) -> None:
        """A message about a case: kept as the case's ``sms`` notice, sent when the session commits."""
        add_notice(session, case_id, at, self.channel, recipient, text)
        self._after_commit(session, recipient, text, reference_of(case_id, recipient, text, at.isoformat()))

    def send_text(self, session: Session, recipient: str, text: str, at: datetime) -> None:
        """A message about no case (a booking number), sent when the session commits."""
        self._after_commit(session, recipient, text, reference_of(recipient, text, at.isoformat()))

    def _after_commit(self, session: Session, mobile: str, text: str, reference: str) -> None:
        pending_of(session).append(lambda: self._deliver_logged(mobile, text, reference))

    def _deliver_logged(self, mobile: str, text: str, reference: str) -> None:
        try:
            self.deliver(mobile, text, reference)
        except SmsError as exc:
            log.warning("SMS not sent (reference %s): %s", reference, exc)

    def close(self) -> None:
        self.http.close()


def pending_of(session: Session) -> list[Callable[[], None]]:
    """What ``session`` sends once it commits (dropped if it rolls back)."""
    pending: list[Callable[[], None]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_rollback", _drop_pending)
    return pending


def _send_pending(session: Session) -> None:
    pending: list[Callable[[], None]] = session.info.get(_PENDING, [])
    sends, pending[:] = list(pending), []
    for send in sends:
        send()


def _drop_pending(session: Session) -> None:
    session.info.get(_PENDING, []).clear()


__all__ = ["HttpSmsGateway", "SmsError", "pending_of", "reference_of"]
