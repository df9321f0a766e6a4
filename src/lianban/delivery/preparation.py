"""Preparing deliveries (统一送达): once a case is finished, what its departments issued goes to the
applicant by post or waits at the window; the courier, when one is plugged in, books the waybill. Each delivery
gets its first follow-up timer (:mod:`lianban.delivery.follow_up`)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.cases.schema import Case, CaseItem, Delivery
from lianban.catalog.model import Theme
from lianban.config import DeliveryPolicy
from lianban.delivery.courier import Courier, book, mobile_of
from lianban.delivery.follow_up import first_follow_up


def delivery_id_of(case_id: str, employee: int | None) -> str:
    """The delivery's id, the same whenever the case's deliveries are prepared again: it is the
    courier's booking reference and Idempotency-Key, so a preparation rolled back after the
    courier booked (a worker's transaction that failed later) books no second waybill."""
    recipient = "case" if employee is None else f"employee-{employee}"
    return hashlib.sha256(f"delivery:{case_id}:{recipient}".encode()).hexdigest()[:32]


def _method(form: dict[str, Any]) -> str:
    chosen = str(form.get("delivery.method") or form.get("social_card.collection_method") or "")
    if chosen in ("post", "pickup"):
        return chosen
    return "post" if form.get("delivery.address") else "pickup"


def prepare_delivery(
    session: Session,
    case: Case,
    theme: Theme,
    at: datetime,
    policy: DeliveryPolicy | None = None,
    courier: Courier | None = None,
) -> Delivery | None:
    """Create the case's deliveries for the physical documents its approved items issue (once).

    Employer themes deliver per employee, to the address on that employee's row (a card goes to
    the person it is for). Returns the first delivery made, or None.
    """
    if session.execute(select(Delivery).where(Delivery.case_id == case.case_id)).first() is not None:
        return None
    by_recipient: dict[int | None, list[dict[str, Any]]] = {}
    for item in session.execute(
        select(CaseItem).where(CaseItem.case_id == case.case_id, CaseItem.status == "approved")
    ).scalars():
        for issued in theme.item(item.code).issues:
            if issued.physical:
                by_recipient.setdefault(item.employee, []).append(
                    {
                        "item": item.item_id,
                        "code": issued.code,
                        "name": issued.name,
                        "number": (item.result or {}).get("number"),
                    }
                )
    form = dict(case.form or {})
    employees = form.get("employees")
    rows: list[dict[str, Any]] = employees if isinstance(employees, list) else []
    first: Delivery | None = None
    for employee, documents in sorted(by_recipient.items(), key=lambda kv: -1 if kv[0] is None else kv[0]):
        values = {**form, **(rows[employee] if employee is not None and employee < len(rows) else {})}
        method = _method(values)
        delivery_id = delivery_id_of(case.case_id, employee)
        delivery = Delivery(
            case_id=case.case_id,
            delivery_id=delivery_id,
            method=method,
            documents=documents,
            address=values.get("delivery.address") if method == "post" else None,
            recipient=str(
                values.get("delivery.recipient")
                or values.get("person.name")
                or values.get("employer.name")
                or ""
            ),
            tracking_no=None,
            pickup_code=f"{secrets.randbelow(10**6):06d}" if method == "pickup" else None,
            status="sent" if method == "post" else "prepared",
            created_at=at,
        )
        if method == "post" and courier is not None:
            delivery.tracking_no = book(courier, delivery, mobile_of(values))
        session.add(delivery)
        first_follow_up(session, delivery, at, policy or DeliveryPolicy())
        first = first or delivery
    session.flush()
    return first
