"""Too many attempts (请求过于频繁): the 429 problem with ``Retry-After``, in Chinese and English."""

from __future__ import annotations

import math
from datetime import datetime

from lianban.web.problems import Problem


def too_many(retry_after_seconds: float) -> Problem:
    """A 429 telling the caller when to try again (whole seconds, at least 1)."""
    seconds = max(1, math.ceil(retry_after_seconds))
    return Problem(
        429,
        "请求过于频繁",
        "Too many requests",
        f"尝试次数过多，请 {seconds} 秒后再试",
        f"too many attempts; try again in {seconds} seconds",
        headers={"Retry-After": str(seconds)},
    )


def too_many_until(until: datetime, now: datetime) -> Problem:
    return too_many((until - now).total_seconds())
