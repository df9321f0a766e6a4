"""Numbers, amounts and yes/no (数字、金额、百分比、是否).

Thousands commas and full-width digits are accepted; money is yuan with at most two decimals
(``"1234.50"``), a percentage is a number of percent (12 means 12 %, so 0.12 is refused as a likely
fraction); a boolean accepts 是/否, yes/no, 1/0.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from lianban.catalog.model import FieldType
from lianban.forms.fieldtypes.checking import Checking, nfkc, plain
from lianban.forms.fieldtypes.registry import field_type

_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_GROUPED_RE = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")


def _to_decimal(value: object) -> Decimal | None:
    """A finite Decimal from an int, float, Decimal or numeric string (thousands commas allowed)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if not isinstance(value, str):
        return None
    s = re.sub(r"\s", "", nfkc(value))
    if _GROUPED_RE.fullmatch(s):
        s = s.replace(",", "")
    if not _NUMBER_RE.fullmatch(s):
        return None
    return Decimal(s)


def _decimals(d: Decimal) -> int:
    exponent = d.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _number_issue(ctx: Checking, zh: str, en: str) -> None:
    ctx.add("format", f"应为{zh}", f"expected {en}")


def _negative(ctx: Checking, d: Decimal) -> bool:
    """An amount or a percentage below zero: a ``range`` finding."""
    if d < 0:
        ctx.add("range", f"不能为负数，填写的是 {plain(d)}", f"must not be negative, got {plain(d)}")
        return True
    return False


@field_type(FieldType.INTEGER, validators="number")
def _check_integer(ctx: Checking, value: object) -> int | None:
    d = _to_decimal(value)
    if d is None or d != d.to_integral_value():
        _number_issue(ctx, "整数", "a whole number")
        return None
    return int(d)


@field_type(FieldType.DECIMAL, validators="number")
def _check_decimal(ctx: Checking, value: object) -> str | None:
    d = _to_decimal(value)
    if d is None:
        _number_issue(ctx, "数字", "a number")
        return None
    return plain(d)


@field_type(FieldType.MONEY, validators="number")
def _check_money(ctx: Checking, value: object) -> str | None:
    v = value
    if isinstance(v, str):
        v = re.sub(r"^[¥￥]|元$", "", nfkc(v).strip()).strip()
    d = _to_decimal(v)
    if d is None:
        _number_issue(ctx, "金额（元），如 1234.50", "an amount in yuan, e.g. 1234.50")
        return None
    if _decimals(d) > 2:
        ctx.add(
            "format", f"最多保留两位小数（到分），填写的是 {value}", f"at most 2 decimals (fen), got {value}"
        )
        return None
    if _negative(ctx, d):
        return None
    try:
        return str(d.quantize(Decimal("0.01")))
    except InvalidOperation:
        ctx.add("range", "数额过大", "the amount is too large")
        return None


@field_type(FieldType.PERCENT, validators="number", unit="%")
def _check_percent(ctx: Checking, value: object) -> str | None:
    v = value
    explicit = False
    if isinstance(v, str):
        s = nfkc(v).strip()
        if s.endswith("%"):
            explicit, v = True, s[:-1].strip()
    d = _to_decimal(v)
    if d is None:
        _number_issue(ctx, "百分比数值，如 12 或 12%", "a percentage, e.g. 12 or 12%")
        return None
    if _negative(ctx, d):
        return None
    if not explicit and 0 < d < 1:
        hint = plain(d * 100)
        ctx.add(
            "range",
            f"应填写百分数（如 12 表示 12%），{plain(d)} 看起来是小数形式，应为 {hint}",
            f"expects a percentage (12 means 12 %); {plain(d)} looks like a fraction, did you mean {hint}?",
        )
        return None
    return plain(d)


_TRUE = frozenset({"true", "1", "是", "yes", "y", "有", "t"})
_FALSE = frozenset({"false", "0", "否", "no", "n", "无", "f"})


@field_type(FieldType.BOOLEAN)
def _check_boolean(ctx: Checking, value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        s = nfkc(value).lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    ctx.add("format", "应为“是”或“否”", "expected yes or no (true/false)")
    return None
