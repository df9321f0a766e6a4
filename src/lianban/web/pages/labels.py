"""Words the pages show for the contract's codes (状态、提供方式、申请对象), and how figures read.

Department names come from the catalogue's ``department`` code list, not from here.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from lianban.security.tokens import Identity

CHINA = ZoneInfo("Asia/Shanghai")

APPLICANT_TYPES = {"person": "个人办", "employer": "单位办"}

PROVIDED_BY = {
    "e_licence": "电子证照调取，免提交",
    "data_sharing": "数据共享获取，免提交",
    "applicant": "申请人提供",
    "generated": "系统生成，免提交",
}

CASE_STATUS = {
    "submitted": "已提交",
    "in_progress": "办理中",
    "completed": "已办结",
    "partially_completed": "部分办结",
    "rejected": "不予办理",
    "withdrawn": "已撤回",
}

ITEM_STATUS = {
    "waiting": "等待前置事项",
    "queued": "待推送",
    "dispatched": "已推送部门",
    "accepted": "部门已受理",
    "approved": "已办结",
    "rejected": "不予办理",
    "correction_required": "需要补正",
    "failed": "推送失败，待处理",
}

CONDITION_SEVERITY = {"block": "必须满足", "drop": "不满足时不办理该事项", "warn": "提示"}

FIGURES = {
    "days": ("办理时间", "天"),
    "trips": ("跑动次数", "次"),
    "materials": ("申请材料", "份"),
    "steps": ("办理环节", "个"),
}


def days(value: int | list[int] | tuple[int, ...] | None) -> str:
    """Working days as a person reads them: ``5``, ``2–40`` (a range), ``—`` (not stated)."""
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        lo, hi = value[0], value[-1]
        return str(lo) if lo == hi else f"{lo}–{hi}"
    return "即办" if value == 0 else str(value)


def working_days(value: int | list[int] | tuple[int, ...] | None) -> str:
    """``20 个工作日``, ``1–20 个工作日``, ``即办``."""
    text = days(value)
    return text if text in ("即办", "—") else f"{text} 个工作日"


def figure(value: int | list[int] | None) -> str:
    return days(value) if value != 0 else "0"


def china_time(value: str | datetime) -> str:
    """An instant as China's wall-clock time, ``2026-07-01 09:30``."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def yuan(amount: float | int | None) -> str:
    if not amount:
        return "不收费"
    return f"{amount:g} 元"


def masked(number: str) -> str:
    """An ID number or USCC as shown on a screen others may see: the first 4 and last 4 only."""
    return number if len(number) <= 8 else f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def signed_in_as(identity: Identity) -> str:
    if identity.name:
        return identity.name
    if identity.id_number:
        return f"个人 {masked(identity.id_number)}"
    if identity.uscc:
        return f"单位 {masked(identity.uscc)}"
    return identity.subject
