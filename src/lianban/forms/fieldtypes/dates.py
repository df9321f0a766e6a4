"""Dates, months and periods (日期、年月、起止时间).

Accepted as written in China (``2020.10.01``, ``2020年10月1日``, ``2020/10/1``; a month as ``2020.1``
or ``202001``), normalised to ``YYYY-MM-DD`` and ``YYYY-MM``; a period is ``{start, end}`` or one text
``2020.10.01—2023.09.30``, with an open end for 无固定期限. ``not_future`` validators apply here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime

from lianban.catalog.model import FieldType
from lianban.forms.fieldtypes.checking import Checking, is_empty, nfkc
from lianban.forms.fieldtypes.registry import field_type
from lianban.forms.fieldtypes.validators import not_future, validator_issue

_DATE_TOKEN = r"[0-9]{4}(?:[-./][0-9]{1,2}[-./][0-9]{1,2}|年[0-9]{1,2}月[0-9]{1,2}日?)"
_MONTH_TOKEN = r"[0-9]{4}(?:[-./][0-9]{1,2}|年[0-9]{1,2}月?)|[0-9]{6}"
_DATE_RE = re.compile(r"(?P<y>[0-9]{4})(?:(?P<s>[-./])(?P<m>[0-9]{1,2})(?P=s)(?P<d>[0-9]{1,2}))")
_DATE_ZH_RE = re.compile(r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日?")
_MONTH_RE = re.compile(r"(?P<y>[0-9]{4})(?:[-./](?P<m>[0-9]{1,2})|年(?P<m2>[0-9]{1,2})月?|(?P<m3>[0-9]{2}))")
_RANGE_SEP = r"\s*(?:[—―]+|–|-|~|〜|至|到)\s*"
_OPEN_END = ("无固定期限", "长期")


def _parse_date(value: object) -> date | str:
    """A date, or the reason it is not one: "type", "format" or "invalid"."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return "type"
    s = re.sub(r"\s", "", nfkc(value))
    m = _DATE_RE.fullmatch(s) or _DATE_ZH_RE.fullmatch(s)
    if m is None:
        return "format"
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return "invalid"


def _parse_month(value: object) -> tuple[int, int] | str:
    """(year, month), or the reason it is not a month: "type", "format" or "invalid"."""
    if isinstance(value, date):
        return value.year, value.month
    if not isinstance(value, str):
        return "type"
    s = re.sub(r"\s", "", nfkc(value))
    m = _MONTH_RE.fullmatch(s)
    if m is None:
        return "format"
    year, month = int(m["y"]), int(m["m"] or m["m2"] or m["m3"])
    if year < 1 or not 1 <= month <= 12:
        return "invalid"
    return year, month


def _date_issue(ctx: Checking, reason: str, value: object, sub: str | None) -> None:
    if reason == "invalid":
        ctx.add("format", f"：{value} 不是有效日期", f"{value} is not a valid date", sub=sub)
    else:
        ctx.add(
            "format",
            "应为日期，格式 YYYY-MM-DD（也可写作 YYYY.MM.DD 或 YYYY/MM/DD）",
            "expected a date as YYYY-MM-DD (YYYY.MM.DD and YYYY/MM/DD are accepted too)",
            sub=sub,
        )


def _month_issue(ctx: Checking, reason: str, value: object, sub: str | None) -> None:
    if reason == "invalid":
        ctx.add("format", f"：{value} 不是有效年月", f"{value} is not a valid month", sub=sub)
    else:
        ctx.add(
            "format",
            "应为年月，格式 YYYY-MM（也可写作 YYYY.M 或 YYYY.MM）",
            "expected a month as YYYY-MM (YYYY.M and YYYY.MM are accepted too)",
            sub=sub,
        )


@field_type(FieldType.DATE)
def _check_date(ctx: Checking, value: object, *, sub: str | None = None) -> str | None:
    parsed = _parse_date(value)
    if isinstance(parsed, str):
        _date_issue(ctx, parsed, value, sub)
        return None
    nf = not_future(ctx.field)
    if nf is not None and parsed > ctx.today:
        validator_issue(
            ctx,
            nf,
            "range",
            f"不能晚于今天（{ctx.today.isoformat()}），填写的是 {parsed.isoformat()}",
            f"must not be after today ({ctx.today.isoformat()}), got {parsed.isoformat()}",
            sub=sub,
        )
    return parsed.isoformat()


def _month_text(ym: tuple[int, int]) -> str:
    return f"{ym[0]:04d}-{ym[1]:02d}"


@field_type(FieldType.MONTH)
def _check_month(ctx: Checking, value: object, *, sub: str | None = None) -> str | None:
    parsed = _parse_month(value)
    if isinstance(parsed, str):
        _month_issue(ctx, parsed, value, sub)
        return None
    nf = not_future(ctx.field)
    this_month = (ctx.today.year, ctx.today.month)
    if nf is not None and parsed > this_month:
        validator_issue(
            ctx,
            nf,
            "range",
            f"不能晚于本月（{_month_text(this_month)}），填写的是 {_month_text(parsed)}",
            f"must not be after this month ({_month_text(this_month)}), got {_month_text(parsed)}",
            sub=sub,
        )
    return _month_text(parsed)


def _check_range(
    ctx: Checking,
    value: object,
    token: str,
    check_one: Callable[..., str | None],
    what: tuple[str, str],
) -> dict[str, str | None] | None:
    """A date or month range: ``{start, end}`` (or a pair), or one string ``start—end``."""
    start: object
    end: object
    if isinstance(value, Mapping):
        extra = sorted(str(k) for k in value if k not in ("start", "end"))
        if extra:
            ctx.add(
                "format",
                f"只能包含 start 和 end，多出了 {', '.join(extra)}",
                f"may only have start and end, got also {', '.join(extra)}",
            )
            return None
        start, end = value.get("start"), value.get("end")
    elif isinstance(value, list | tuple) and len(value) == 2:
        start, end = value
    elif isinstance(value, str):
        s = nfkc(value)
        m = re.fullmatch(rf"(?P<a>{token}){_RANGE_SEP}(?P<b>{token}|{'|'.join(_OPEN_END)})?", s)
        if m is None:
            ctx.add(
                "format",
                f"应为起止{what[0]}，如 {what[1]}（分隔符可用 —、–、-、～、~ 或 至）",
                f"expected a period like {what[1]} (separated by —, –, -, ～, ~ or 至)",
            )
            return None
        start, end = m["a"], m["b"]
        if end in _OPEN_END:
            end = None
    else:
        ctx.add(
            "format",
            f"应为起止{what[0]}，如 {what[1]}",
            f"expected a period like {what[1]}",
        )
        return None
    if is_empty(start):
        ctx.add("required", "缺少开始时间", "the start is missing", sub="start")
        return None
    a = check_one(ctx, start, sub="start")
    b = None if is_empty(end) else check_one(ctx, end, sub="end")
    if a is None or (b is None and not is_empty(end)):
        return None
    if b is not None and b < a:
        ctx.add(
            "range",
            f"：{b} 早于开始{what[0]} {a}，结束应不早于开始",
            f"{b} is before the start {a}; the end must not be before the start",
            sub="end",
        )
    return {"start": a, "end": b}


@field_type(FieldType.DATE_RANGE)
def _check_date_range(ctx: Checking, value: object) -> dict[str, str | None] | None:
    return _check_range(ctx, value, _DATE_TOKEN, _check_date, ("日期", "2020.10.01—2023.09.30"))


@field_type(FieldType.MONTH_RANGE)
def _check_month_range(ctx: Checking, value: object) -> dict[str, str | None] | None:
    return _check_range(ctx, value, _MONTH_TOKEN, _check_month, ("年月", "2020.1—2020.12"))
