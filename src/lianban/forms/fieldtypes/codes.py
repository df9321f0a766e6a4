"""Codes of a code list, divisions and addresses (代码、行政区划、地址).

A code may be given as its label (汉族 for 01; English case-insensitively) or without the leading
zero a spreadsheet dropped; a division is a known GB/T 2260 code (abolished ones included, as old
documents carry them); an address is a division and a street address (详细地址), whose length and
pattern validators apply to the street address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lianban.catalog.codelists import Code, CodeList, is_known_region
from lianban.catalog.model import FieldType
from lianban.forms.fieldtypes.checking import (
    SPACES,
    Checking,
    as_text,
    check_length,
    is_ascii_digits,
    is_empty,
    nfkc,
)
from lianban.forms.fieldtypes.registry import field_type
from lianban.forms.fieldtypes.validators import length_and_pattern


def _code_list(ctx: Checking) -> CodeList:
    list_id = ctx.field.code_list
    if list_id is None or list_id not in ctx.code_lists:
        raise KeyError(f"field {ctx.field.key}: code list {list_id!r} is not loaded")
    return ctx.code_lists[list_id]


def _find_code(cl: CodeList, value: object) -> Code | None:
    """The entry for a code, or for a label (Chinese exactly, English case-insensitively)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    s = nfkc(str(value))
    entry = cl.get(s)
    if entry is not None:
        return entry
    by_label = [c for c in cl if c.label == s or (c.label_en and c.label_en.casefold() == s.casefold())]
    if len(by_label) == 1:
        return by_label[0]
    if is_ascii_digits(s):  # 1 for "01" (a spreadsheet drops the leading zero)
        padded = [c for c in cl if is_ascii_digits(c.code) and c.code.lstrip("0") == s.lstrip("0")]
        if len(padded) == 1:
            return padded[0]
    return None


def _code_list_issue(ctx: Checking, cl: CodeList, value: object) -> None:
    examples = "、".join(f"{c.code} {c.label}" for c in list(cl)[:3])
    more = " …" if len(cl) > 3 else ""
    ctx.add(
        "code_list",
        f"“{value}”不是《{cl.name}》中的代码或名称（如 {examples}{more}）",
        f"{value!r} is not a code or label of {cl.name_en or cl.name} "
        f"(e.g. {', '.join(c.code for c in list(cl)[:3])}{more})",
    )


@field_type(FieldType.CODE, validators="text")
def _check_code(ctx: Checking, value: object) -> str | None:
    cl = _code_list(ctx)
    entry = _find_code(cl, value)
    if entry is None:
        _code_list_issue(ctx, cl, value)
        return None
    return entry.code


@field_type(FieldType.CODES)
def _check_codes(ctx: Checking, value: object) -> list[str] | None:
    cl = _code_list(ctx)
    items: list[object]
    if isinstance(value, str):
        items = [p.strip() for p in re.split(r"[,，、;；]", value) if p.strip()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = [v for v in value if not is_empty(v)]
    else:
        ctx.add("format", "应为代码列表", "expected a list of codes")
        return None
    out: list[str] = []
    for item in items:
        entry = _find_code(cl, item)
        if entry is None:
            _code_list_issue(ctx, cl, item)
        elif entry.code not in out:
            out.append(entry.code)
    return out


@field_type(FieldType.REGION, validators="text")
def _check_region(ctx: Checking, value: object, *, sub: str | None = None) -> str | None:
    raw = as_text(ctx, value, sub=sub)
    if raw is None:
        return None
    code = re.sub(r"\s", "", nfkc(raw))
    if not (len(code) == 6 and is_ascii_digits(code)):
        ctx.add(
            "format",
            "应为6位行政区划代码（GB/T 2260），如 420111",
            "expected a 6-digit administrative division code (GB/T 2260), e.g. 420111",
            sub=sub,
        )
        return None
    if not is_known_region(code):
        ctx.add(
            "code_list",
            f"：{code} 不是已知的行政区划代码（GB/T 2260，含已撤销的代码）",
            f"{code} is not a known administrative division code (GB/T 2260, abolished codes included)",
            sub=sub,
        )
        return None
    return code


@field_type(FieldType.ADDRESS)
def _check_address(ctx: Checking, value: object) -> dict[str, str | None] | None:
    if isinstance(value, str):
        region_value: object = None
        detail_value: object = value
    elif isinstance(value, Mapping):
        extra = sorted(str(k) for k in value if k not in ("region", "detail"))
        if extra:
            ctx.add(
                "format",
                f"只能包含 region 和 detail，多出了 {', '.join(extra)}",
                f"may only have region and detail, got also {', '.join(extra)}",
            )
            return None
        region_value, detail_value = value.get("region"), value.get("detail")
    else:
        ctx.add(
            "format", "应为地址（行政区划和详细地址）", "expected an address (division and street address)"
        )
        return None
    region = None if is_empty(region_value) else _check_region(ctx, region_value, sub="region")
    if is_empty(detail_value):
        ctx.add("required", "缺少详细地址", "the street address is missing", sub="detail")
        return None
    raw = as_text(ctx, detail_value, sub="detail", allow_int=False)
    if raw is None:
        return None
    detail = SPACES.sub(" ", raw).strip()
    if not check_length(ctx, detail, 1, 200, sub="detail"):
        return None
    for v in ctx.field.validators:
        length_and_pattern(ctx, v, detail, sub="detail")
    return {"region": region, "detail": detail}
