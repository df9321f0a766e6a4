"""The five levels of 好差评 and the reasons an applicant may tick (国办发〔2019〕51号).

非常满意、满意、基本满意 count as 好评; 不满意 and 非常不满意 are 差评, which must be followed up
(核实、整改、反馈). 好评率 is the share of ratings that are not 差评, as the national platform reports it.
"""

from __future__ import annotations

LEVELS: dict[int, tuple[str, str]] = {
    5: ("非常满意", "very satisfied"),
    4: ("满意", "satisfied"),
    3: ("基本满意", "fairly satisfied"),
    2: ("不满意", "dissatisfied"),
    1: ("非常不满意", "very dissatisfied"),
}

BAD_LEVELS = frozenset({1, 2})  # 差评

# reasons to tick (评价要素): how the service went, as the 51号文 asks applicants to judge it
REASONS: dict[str, tuple[str, str]] = {
    "fast": ("办理速度快", "handled quickly"),
    "one_trip": ("一次办成，少跑腿", "done in one trip"),
    "clear_guide": ("办事指南清楚", "clear guidance"),
    "good_attitude": ("服务态度好", "friendly service"),
    "slow": ("办理时间长", "took too long"),
    "repeated_materials": ("重复提交材料", "materials asked for again"),
    "many_trips": ("多次跑腿", "several trips needed"),
    "unclear_guide": ("办事指南不清楚", "unclear guidance"),
    "poor_attitude": ("服务态度不好", "unfriendly service"),
    "system_hard": ("系统不好用", "the system was hard to use"),
    "wrong_result": ("办理结果有误", "the result was wrong"),
    "other": ("其他", "other"),
}


def is_bad(level: int) -> bool:
    """Whether ``level`` is a 差评 (不满意 or 非常不满意)."""
    return level in BAD_LEVELS


def level_words(level: int) -> tuple[str, str]:
    return LEVELS[level]
