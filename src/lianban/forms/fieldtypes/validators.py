"""The declarative validators of the field dictionary (校验规则), applied on top of a type's own check:
lengths and patterns for textual types, bounds for numeric ones, ``not_future`` for dates (applied
by the date types themselves). A validator's own message, where the dictionary gives one, replaces
the default.
"""

from __future__ import annotations

import re
from decimal import Decimal

from lianban.catalog.model import FieldDef, Validator
from lianban.forms.fieldtypes.checking import Checking, plain, too_long, too_short
from lianban.forms.fieldtypes.registry import FieldKind
from lianban.forms.issues import FieldIssue, IssueCode

__all__ = ["apply_validators", "bounds", "length_and_pattern", "not_future", "validator_issue"]


def not_future(field_def: FieldDef) -> Validator | None:
    for v in field_def.validators:
        if v.not_future:
            return v
    return None


def validator_issue(
    ctx: Checking, v: Validator, code: IssueCode, zh: str, en: str, *, sub: str | None = None
) -> None:
    key = f"{ctx.field.key}.{sub}" if sub else ctx.field.key
    if any(i.field == key and i.code == code for i in ctx.issues):
        return  # the type check already said it (e.g. a name's own length limits)
    if v.message is not None:
        label = ctx.field.label
        ctx.issues.append(
            FieldIssue(
                field=key,
                code=code,
                message_zh=f"{label.zh}{v.message.zh}",
                message_en=f"{label.en}: {v.message.en}",
            )
        )
    else:
        ctx.add(code, zh, en, sub=sub)


def length_and_pattern(ctx: Checking, v: Validator, text: str, *, sub: str | None = None) -> None:
    n = len(text)
    if v.min_length is not None and n < v.min_length:
        validator_issue(ctx, v, "range", *too_short(v.min_length, n), sub=sub)
    if v.max_length is not None and n > v.max_length:
        validator_issue(ctx, v, "range", *too_long(v.max_length, n), sub=sub)
    if v.pattern is not None and re.search(v.pattern, text) is None:
        validator_issue(
            ctx,
            v,
            "format",
            "格式不符合要求",
            f"does not have the required format (pattern {v.pattern})",
            sub=sub,
        )


def bounds(ctx: Checking, v: Validator, number: Decimal, unit: str = "") -> None:
    lo = None if v.min is None else Decimal(repr(v.min))
    hi = None if v.max is None else Decimal(repr(v.max))
    if (lo is None or number >= lo) and (hi is None or number <= hi):
        return
    got = plain(number) + unit
    if lo is not None and hi is not None:
        zh = f"应在 {plain(lo)}{unit} 到 {plain(hi)}{unit} 之间，填写的是 {got}"
        en = f"must be between {plain(lo)}{unit} and {plain(hi)}{unit}, got {got}"
    elif lo is not None:
        zh, en = (
            f"不能小于 {plain(lo)}{unit}，填写的是 {got}",
            f"must be at least {plain(lo)}{unit}, got {got}",
        )
    else:
        assert hi is not None
        zh, en = (
            f"不能大于 {plain(hi)}{unit}，填写的是 {got}",
            f"must be at most {plain(hi)}{unit}, got {got}",
        )
    validator_issue(ctx, v, "range", zh, en)


def apply_validators(ctx: Checking, kind: FieldKind, normalised: object) -> None:
    """The field's declarative checks on top of the type's own (not_future is part of the date
    checks; an address's lengths and pattern apply to its street address)."""
    if kind.validators == "text":
        if isinstance(normalised, str):
            for v in ctx.field.validators:
                length_and_pattern(ctx, v, normalised)
    elif kind.validators == "number" and isinstance(normalised, int | str):
        for v in ctx.field.validators:
            bounds(ctx, v, Decimal(normalised), kind.unit)
