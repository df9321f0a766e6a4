"""Words the staff desks show for the platform's codes: channels, timeline events, follow-up steps.

Item and case statuses are the portal's (:mod:`lianban.web.pages.labels`); department names come
from the catalogue.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from lianban.web.pages.labels import china_time

CHANNELS = {"web": "网上申请", "app": "移动端", "window": "窗口受理"}

EVENTS = {
    "submitted": "提交申请",
    "item_refused": "不予受理",
    "item_not_applicable": "按情形不办理",
    "queued": "待推送",
    "dispatched": "已推送",
    "accepted": "部门已受理",
    "approved": "办结（准予）",
    "rejected": "不予办理",
    "correction_required": "需要补正",
    "resubmitted": "补正后重新提交",
    "failed": "推送失败",
    "retried": "人工重试",
    "due_soon": "时限预警",
    "delivery": "送达",
    "delivered": "已送达",
    "collected": "已领取",
    "pickup_reminder": "领取提醒",
    "delivery_overdue": "送达超时",
    "pickup_overdue": "领取超时",
    "case_withdrawn": "申请人撤回",
    "rated": "好差评",
    "follow_up_contacted": "差评整改：已联系核实",
    "follow_up_rectified": "差评整改：已整改",
    "follow_up_closed": "差评整改：已办结",
    "follow_up_rated": "整改结果评价",
    "transition_refused": "状态变更被拒",
}

FOLLOW_UP_STATUS = {"open": "待核实", "contacted": "已联系核实", "rectified": "已整改", "closed": "已办结"}


def event_word(event: str) -> str:
    return EVENTS.get(event, event)


def when(value: str | datetime | date | None) -> str:
    """An instant or a day as staff read it: ``2026-07-01 09:30``, ``2026-07-01``, ``—``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite hands instants back naive: they are UTC
    return china_time(value)
