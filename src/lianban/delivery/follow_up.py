"""Following a delivery up (送达跟踪): timers that ask the courier whether a posted document has
arrived, remind the applicant of a document waiting at the window, and tell staff when either has
gone on too long. Each follow-up is an outbox job with a due time, so it survives restarts and runs
on whichever worker takes it.

Working days count as for every other limit: a follow-up falls at 09:00 China time on the Nth
working day after the day it was scheduled.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy.orm import Session

from lianban.calendar.working_days import CHINA_TZ, china_date, due_date
from lianban.cases.jobs import JobKind, new_job
from lianban.cases.progress import add_event
from lianban.cases.schema import Case, Delivery
from lianban.config import DeliveryPolicy
from lianban.delivery.courier import Courier, CourierError, TrackingStatus, book, mobile_of
from lianban.notify import notify

log = logging.getLogger(__name__)

FOLLOW_UP = JobKind.DELIVERY_FOLLOW_UP
OPEN = ("sent", "prepared")


def follow_up_due(at: datetime, working_days: int) -> datetime:
    """09:00 China time on the ``working_days``-th working day after ``at``'s (China) date."""
    day = due_date(china_date(at), working_days).due_date
    return datetime.combine(day, time(9, 0), tzinfo=CHINA_TZ).astimezone(UTC)


def schedule_follow_up(session: Session, delivery: Delivery, at: datetime, working_days: int) -> None:
    due = follow_up_due(at, working_days)
    session.add(new_job(delivery.case_id, FOLLOW_UP, due, delivery_id=delivery.delivery_id))


def first_follow_up(session: Session, delivery: Delivery, at: datetime, policy: DeliveryPolicy) -> None:
    """The first timer of a new delivery: a courier check for post, a reminder for pickup."""
    days = policy.follow_up_working_days if delivery.method == "post" else policy.pickup_reminder_working_days
    schedule_follow_up(session, delivery, at, days)


@dataclass(frozen=True)
class FollowUp:
    """What one follow-up found: ``delivered``, ``returned``, ``in_transit``, ``reminded``,
    ``overdue`` (staff told, follow-ups end) or ``closed`` (nothing left to follow)."""

    outcome: str
    next_due: datetime | None = None


def _event(session: Session, case_id: str, at: datetime, event: str, detail: str) -> None:
    add_event(session, case_id, at, event, None, detail)


def _where(
    session: Session, delivery: Delivery, case: Case, courier: Courier, now: datetime
) -> TrackingStatus:
    """Where the letter is: a waybill not booked when the case finished is booked first; a courier
    that cannot answer now leaves it in transit (asked again at the next follow-up)."""
    if not delivery.tracking_no:
        delivery.tracking_no = book(courier, delivery, mobile_of(dict(case.form or {})))
        if delivery.tracking_no:
            _event(session, case.case_id, now, "delivery_booked", f"已寄出，运单号 {delivery.tracking_no}")
        return TrackingStatus.IN_TRANSIT
    try:
        return courier.track(delivery.tracking_no, delivery.created_at, now)
    except CourierError as exc:
        log.warning("courier could not say where waybill %s is: %s", delivery.tracking_no, exc)
        return TrackingStatus.IN_TRANSIT


def follow_up(
    session: Session, delivery: Delivery, courier: Courier | None, policy: DeliveryPolicy, now: datetime
) -> FollowUp:
    """One follow-up of ``delivery`` (the caller holds the case's lock and commits). Without a
    courier (none configured) a posted delivery is not followed."""
    case = session.get(Case, delivery.case_id)
    if delivery.status not in OPEN or case is None or (delivery.method == "post" and courier is None):
        return FollowUp("closed")
    delivery.follow_ups += 1
    delivery.updated_at = now
    names = "、".join(str(d.get("name")) for d in delivery.documents if isinstance(d, dict))
    if delivery.method == "post" and courier is not None:
        status = _where(session, delivery, case, courier, now)
        if status is TrackingStatus.DELIVERED:
            delivery.status = "delivered"
            _event(session, case.case_id, now, "delivered", f"运单 {delivery.tracking_no} 已签收")
            notify(session, case, f"您的办件 {case.case_id} 的{names}已送达签收。", now)
            return FollowUp("delivered")
        if status is TrackingStatus.RETURNED:
            delivery.status = "returned"
            _event(
                session,
                case.case_id,
                now,
                "delivery_returned",
                f"运单 {delivery.tracking_no} 无法投递，已退回",
            )
            notify(
                session,
                case,
                f"您的办件 {case.case_id} 的{names}邮寄未能送达，已退回，请联系办理窗口。",
                now,
            )
            return FollowUp("returned")
        if delivery.follow_ups >= policy.max_follow_ups:
            _event(
                session,
                case.case_id,
                now,
                "delivery_overdue",
                f"运单 {delivery.tracking_no} 已跟踪 {delivery.follow_ups} 次仍未签收，请窗口人员联系寄递企业",
            )
            return FollowUp("overdue")
        next_due = follow_up_due(now, 1)
        schedule_follow_up(session, delivery, now, 1)
        return FollowUp("in_transit", next_due)
    # pickup at the window (窗口领取)
    if delivery.follow_ups >= policy.max_follow_ups:
        _event(
            session,
            case.case_id,
            now,
            "pickup_overdue",
            f"{names}已提醒 {delivery.follow_ups - 1} 次仍未领取，请窗口人员联系申请人",
        )
        return FollowUp("overdue")
    notify(
        session,
        case,
        f"提醒：您的办件 {case.case_id} 的{names}已可领取，请凭取件码 {delivery.pickup_code} 到办理窗口领取。",
        now,
    )
    _event(session, case.case_id, now, "pickup_reminder", f"第 {delivery.follow_ups} 次提醒领取")
    schedule_follow_up(session, delivery, now, policy.pickup_reminder_working_days)
    return FollowUp("reminded", follow_up_due(now, policy.pickup_reminder_working_days))


class HandOverRefused(Exception):
    """A handover the window cannot make: ``code`` is ``not_pickup``, ``closed`` or ``pickup_code``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def hand_over(session: Session, delivery: Delivery, pickup_code: str, clerk: str, now: datetime) -> None:
    """窗口领取: the clerk hands the documents over against the applicant's pickup code."""
    if delivery.method != "pickup":
        raise HandOverRefused("not_pickup")
    if delivery.status != "prepared":
        raise HandOverRefused("closed")
    if not hmac.compare_digest(str(delivery.pickup_code or ""), pickup_code.strip()):
        raise HandOverRefused("pickup_code")
    delivery.status = "collected"
    delivery.updated_at = now
    case = session.get(Case, delivery.case_id)
    _event(session, delivery.case_id, now, "collected", f"已由窗口人员 {clerk} 当面交付")
    if case is not None:
        notify(session, case, f"您的办件 {case.case_id} 的证件已领取。", now)


__all__ = ["FollowUp", "HandOverRefused", "first_follow_up", "follow_up", "hand_over"]
