"""Plug points (接口): what a deployment's gateways must answer to — an SMS or e-mail sender that
reaches applicants, a courier that books and tracks the post.

They live below every room so that any room may name them (the platform's wiring carries them to
the sessions) without importing the rooms that use them: :mod:`lianban.notify` sends through a
:class:`Sender`, :mod:`lianban.delivery` books and tracks through a :class:`Courier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session


class Sender(Protocol):
    """An SMS or e-mail gateway (消息通道)."""

    channel: str

    def send(self, session: Session, case_id: str, recipient: str, text: str, at: datetime) -> None: ...

    def send_text(self, session: Session, recipient: str, text: str, at: datetime) -> None:
        """A message that is not about a case (a booking number, 预约); the caller keeps its own record."""
        ...


class TrackingStatus(StrEnum):
    IN_TRANSIT = "in_transit"  # 运输中
    DELIVERED = "delivered"  # 已妥投（签收）
    RETURNED = "returned"  # 退回（无法投递）


@dataclass(frozen=True)
class Shipment:
    """What a waybill is booked for: one delivery's letter to one recipient."""

    reference: str  # the delivery id: booking twice gives the same waybill
    recipient: str
    mobile: str | None
    address: dict[str, Any]  # {"region": GB/T 2260 code, "detail": street address}
    contents: str  # the documents, by name


class Courier(Protocol):
    """A postal partner (寄递服务)."""

    def waybill(self, shipment: Shipment) -> str | None:
        """Book a waybill (寄件下单) for a letter about to be posted; its number, or None.
        Raises ``CourierError`` when the courier cannot book it now."""
        ...

    def track(self, tracking_no: str, posted_at: datetime, now: datetime) -> TrackingStatus:
        """Where the waybill is now (路由查询); raises ``CourierError`` when unknown now."""
        ...
