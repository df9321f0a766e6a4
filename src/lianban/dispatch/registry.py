"""Which code handles which kind of outbox job (任务登记): one handler per :class:`JobKind`.

``dispatch`` and ``status_poll`` reach a department over the network, so the dispatcher itself
handles them in two short transactions with the call between (:mod:`lianban.dispatch.worker`).
Every other kind is handled here in one transaction with the case's lock: the due-date warning,
the delivery follow-up and the case's domain events, whose subscribers (``notify``,
``delivery``) registered themselves with :func:`lianban.cases.jobs.subscribe`.

A kind with no handler is a poison job: parked with the reason, never retried forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

# the subscribers register themselves when imported
import lianban.certificates.events
import lianban.delivery.events
import lianban.notify.events  # noqa: F401
from lianban.calendar import china_date, due_date
from lianban.cases.jobs import EVENTS, JobKind, event_time, subscribers
from lianban.cases.obligations import reminder_text
from lianban.cases.progress import add_event, lock_case
from lianban.cases.schema import Case, CaseItem, CaseObligation, Delivery, OutboxJob
from lianban.cases.states import ItemStatus
from lianban.config import DeliveryPolicy
from lianban.delivery.follow_up import follow_up
from lianban.notify import notify
from lianban.ports import Courier

NETWORK = frozenset({JobKind.DISPATCH, JobKind.STATUS_POLL})  # the dispatcher's own


@dataclass(frozen=True)
class JobContext:
    """What a handler is handed besides the session and the job."""

    now: datetime
    courier: Courier | None = None
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)


Handler = Callable[[Session, OutboxJob, JobContext], None]
_HANDLERS: dict[JobKind, Handler] = {}


def handles(*kinds: JobKind) -> Callable[[Handler], Handler]:
    """Register the handler of ``kinds`` (one handler per kind)."""

    def register(handler: Handler) -> Handler:
        for kind in kinds:
            assert kind not in NETWORK, kind
            _HANDLERS[kind] = handler
        return handler

    return register


def handler_for(kind: str) -> Handler | None:
    """The handler of a kind handled in one transaction; None for the dispatcher's own kinds
    and for a kind no one knows (the caller parks it)."""
    try:
        return _HANDLERS.get(JobKind(kind))
    except ValueError:
        return None


def known(kind: str) -> bool:
    return kind in {k.value for k in NETWORK} or handler_for(kind) is not None


# -- the handlers --------------------------------------------------------------------------------


@handles(*EVENTS)
def pass_on_event(session: Session, job: OutboxJob, context: JobContext) -> None:
    """A domain event of the case, passed to its subscribers in order."""
    lock_case(session, job.case_id)
    at = event_time(job)
    for subscriber in subscribers(job.kind):
        subscriber(session, job, at)


@handles(JobKind.DELIVERY_FOLLOW_UP)
def follow_delivery(session: Session, job: OutboxJob, context: JobContext) -> None:
    """送达跟踪: ask the courier, remind a pickup."""
    lock_case(session, job.case_id)
    delivery = session.get(Delivery, (job.case_id, job.delivery_id)) if job.delivery_id else None
    if delivery is not None:
        follow_up(session, delivery, context.courier, context.delivery, context.now)


@handles(JobKind.OBLIGATION_REMINDER)
def remind_obligation(session: Session, job: OutboxJob, context: JobContext) -> None:
    """后补材料催办: an obligation still open five days before its due date, and on it."""
    lock_case(session, job.case_id)
    obligation = session.get(CaseObligation, (job.case_id, str((job.payload or {}).get("obligation_id"))))
    case = session.get(Case, job.case_id)
    if obligation is None or case is None or obligation.status != "open" or case.status == "withdrawn":
        return
    event, text = reminder_text(obligation, china_date(context.now))
    add_event(session, job.case_id, context.now, event, None, text)
    notify(session, case, f"办件 {case.case_no or case.case_id}：{text}。", context.now)


@handles(JobKind.SLA_WARNING)
def warn(session: Session, job: OutboxJob, context: JobContext) -> None:
    """时限预警: an item still open the working day before its promised date is flagged."""
    lock_case(session, job.case_id)
    if job.item_id is not None:  # a timer of one sub-item (as filed before timers were per date)
        items = [session.get(CaseItem, (job.case_id, job.item_id))]
    else:  # the timer of a promised date: the sub-items due the next working day
        due = due_date(china_date(job.due_at), 1).due_date
        items = list(
            session.execute(
                select(CaseItem)
                .where(CaseItem.case_id == job.case_id, CaseItem.promised_due_date == due)
                .order_by(CaseItem.item_id)
            ).scalars()
        )
    for item in items:
        if item is None or item.status in (ItemStatus.APPROVED.value, ItemStatus.REJECTED.value):
            continue
        add_event(
            session,
            job.case_id,
            context.now,
            "due_soon",
            item.item_id,
            f"承诺时限 {item.promised_due_date.isoformat()} 即将届满（{item.department}）",
        )
