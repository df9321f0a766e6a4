"""Couriers (寄递服务): a waybill for each posted delivery, and where it is by its number.

A deployment plugs in its postal partner, EMS/顺丰-style, over HTTP (:class:`HttpCourier`,
``LIANBAN_COURIER_URL`` and ``LIANBAN_COURIER_KEY``): it books a waybill (寄件下单) and answers a
route query (路由查询) by waybill number. Without one, nothing is booked or tracked: a posted
delivery has no waybill number and is not followed up. The sandbox brings its own courier
(``lianban-sandbox``).

The HTTP contract, the key sent as ``Authorization: Bearer …`` with each request::

    POST {LIANBAN_COURIER_URL}/waybills          Idempotency-Key: {reference}
    {"reference": "<delivery id>", "recipient": {"name", "mobile", "region", "address"},
     "contents": "社会保障卡、就业创业证"}
    → 200/201 {"waybill_no": "EA123456789CN"}

    GET {LIANBAN_COURIER_URL}/waybills/{waybill_no}/routes
    → 200 {"waybill_no": "…", "routes": [{"at": "2026-11-25T09:12:00+08:00", "status": "…", "remark": "…"}]}

The newest route says where the letter is: ``delivered`` (签收) or ``returned`` (退回); anything
else (``accepted``, ``in_transit``, ``out_for_delivery`` …) is still on its way. A province whose
carrier speaks another dialect puts a small adapter in front of it, or implements :class:`Courier`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from lianban.cases.schema import Delivery
from lianban.ports import Courier, Shipment, TrackingStatus

log = logging.getLogger(__name__)


class CourierError(Exception):
    """The courier refused a booking or a query, or could not be reached."""


@dataclass
class HttpCourier:
    """A postal partner over HTTP (EMS/顺丰-style booking and route query)."""

    base_url: str
    key: str
    timeout_seconds: float = 5.0
    http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.base_url.rstrip("/"),
            timeout=self.timeout_seconds,
            headers={"Authorization": f"Bearer {self.key}"},
            trust_env=False,
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            answer = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise CourierError(f"courier unreachable: {type(exc).__name__}") from exc
        if not answer.is_success:
            raise CourierError(f"courier answered {answer.status_code} to {method} {path}")
        try:
            body = answer.json()
        except ValueError as exc:
            raise CourierError(f"courier answered {method} {path} with no JSON") from exc
        if not isinstance(body, dict):
            raise CourierError(f"courier answered {method} {path} with {type(body).__name__}")
        return body

    def waybill(self, shipment: Shipment) -> str:
        body = self._call(
            "POST",
            "/waybills",
            json={
                "reference": shipment.reference,
                "recipient": {
                    "name": shipment.recipient,
                    "mobile": shipment.mobile,
                    "region": shipment.address.get("region"),
                    "address": shipment.address.get("detail"),
                },
                "contents": shipment.contents,
            },
            headers={"Idempotency-Key": shipment.reference},
        )
        number = body.get("waybill_no")
        if not isinstance(number, str) or not number.strip():
            raise CourierError("courier booked no waybill number")
        return number.strip()

    def track(self, tracking_no: str, posted_at: datetime, now: datetime) -> TrackingStatus:
        body = self._call("GET", f"/waybills/{quote(tracking_no, safe='')}/routes")
        routes = [r for r in body.get("routes") or [] if isinstance(r, dict)]
        if not routes:
            return TrackingStatus.IN_TRANSIT
        latest = max(routes, key=_when)
        status = str(latest.get("status") or "")
        if status == TrackingStatus.DELIVERED.value:
            return TrackingStatus.DELIVERED
        if status == TrackingStatus.RETURNED.value:
            return TrackingStatus.RETURNED
        return TrackingStatus.IN_TRANSIT

    def close(self) -> None:
        self.http.close()


def mobile_of(values: dict[str, Any]) -> str | None:
    """The number the courier calls on delivery: the applicant's, or the employer's agent's."""
    number = values.get("person.mobile") or values.get("employer.agent_phone")
    return str(number) if number else None


def book(courier: Courier, delivery: Delivery, mobile: str | None) -> str | None:
    """寄件下单 for a posted delivery: its waybill number, or None when the courier cannot book it
    now (logged; the delivery's next follow-up books it again)."""
    names = "、".join(str(d.get("name")) for d in delivery.documents or [] if isinstance(d, dict))
    shipment = Shipment(
        reference=delivery.delivery_id,
        recipient=delivery.recipient or "",
        mobile=mobile,
        address=dict(delivery.address or {}),
        contents=names,
    )
    try:
        return courier.waybill(shipment)
    except CourierError as exc:
        log.warning(
            "no waybill yet for delivery %s of case %s: %s", delivery.delivery_id, delivery.case_id, exc
        )
        return None


def _when(route: dict[str, Any]) -> datetime:
    """A route's time (aware); a route without a readable one counts as the oldest."""
    try:
        at = datetime.fromisoformat(str(route.get("at")))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


__all__ = ["Courier", "CourierError", "HttpCourier", "Shipment", "TrackingStatus", "book", "mobile_of"]
