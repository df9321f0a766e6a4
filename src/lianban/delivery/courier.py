"""Couriers (寄递服务): where a posted delivery is, by its waybill number.

A deployment plugs in its postal partner (EMS and the like answer a tracking query by waybill
number); the sandbox courier answers from the waybill's posting time, so tests and the demo see a
letter arrive a set time after it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol


class TrackingStatus(StrEnum):
    IN_TRANSIT = "in_transit"  # 运输中
    DELIVERED = "delivered"  # 已妥投（签收）
    RETURNED = "returned"  # 退回（无法投递）


class Courier(Protocol):
    def track(self, tracking_no: str, posted_at: datetime, now: datetime) -> TrackingStatus: ...


@dataclass(frozen=True)
class SandboxCourier:
    """Delivers every waybill ``transit`` after posting; waybills ending in ``unreachable`` digits
    (the last digit before ``CN`` in ``unreachable``) come back undeliverable, for trying that path."""

    transit: timedelta = timedelta(days=2)
    unreachable: frozenset[str] = frozenset()

    def track(self, tracking_no: str, posted_at: datetime, now: datetime) -> TrackingStatus:
        posted = posted_at if posted_at.tzinfo else posted_at.replace(tzinfo=UTC)
        if now < posted + self.transit:
            return TrackingStatus.IN_TRANSIT
        digit = tracking_no.removesuffix("CN")[-1:]
        return TrackingStatus.RETURNED if digit in self.unreachable else TrackingStatus.DELIVERED
