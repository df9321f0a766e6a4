"""Couriers (寄递服务): a waybill for each posted delivery, and where it is by its number.

A deployment plugs in its postal partner (EMS and the like book a waybill and answer a tracking
query by waybill number). Without one, nothing is booked or tracked: a posted delivery has no
waybill number and is not followed up. The sandbox brings its own courier (``lianban-sandbox``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol


class TrackingStatus(StrEnum):
    IN_TRANSIT = "in_transit"  # 运输中
    DELIVERED = "delivered"  # 已妥投（签收）
    RETURNED = "returned"  # 退回（无法投递）


class Courier(Protocol):
    def waybill(self, delivery_id: str) -> str | None:
        """Book a waybill (寄件下单) for a delivery about to be posted; its number, or None."""
        ...

    def track(self, tracking_no: str, posted_at: datetime, now: datetime) -> TrackingStatus:
        """Where the waybill is now (物流查询)."""
        ...
