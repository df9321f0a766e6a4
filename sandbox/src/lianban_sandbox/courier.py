"""The sandbox courier (寄递, 沙箱): EMS-style waybill numbers, and letters that arrive a set time
after posting, so tests and the demo see a delivery through to its end."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lianban.delivery.courier import Shipment, TrackingStatus


def sandbox_tracking_number() -> str:
    """A waybill number (EMS-style: two letters, nine digits, CN)."""
    return f"EA{secrets.randbelow(10**9):09d}CN"


@dataclass(frozen=True)
class SandboxCourier:
    """Delivers every waybill ``transit`` after posting; waybills ending in ``unreachable`` digits
    (the last digit before ``CN`` in ``unreachable``) come back undeliverable, for trying that path."""

    transit: timedelta = timedelta(days=2)
    unreachable: frozenset[str] = frozenset()

    def waybill(self, shipment: Shipment) -> str:
        return sandbox_tracking_number()

    def track(self, tracking_no: str, posted_at: datetime, now: datetime) -> TrackingStatus:
        posted = posted_at if posted_at.tzinfo else posted_at.replace(tzinfo=UTC)
        if now < posted + self.transit:
            return TrackingStatus.IN_TRANSIT
        digit = tracking_no.removesuffix("CN")[-1:]
        return TrackingStatus.RETURNED if digit in self.unreachable else TrackingStatus.DELIVERED
