"""Identifier types (证件号码与代码): the resident ID number (公民身份号码, GB 11643), the unified
social credit code (统一社会信用代码, GB 32100, with its GB 11714 organisation code) and a bank
account number (银行账号). A failed Luhn check of a bank account is only a warning: many valid
accounts do not use it.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum import luhn
from stdnum.cn import ric, uscc

from lianban.catalog.codelists import is_known_region
from lianban.catalog.model import FieldType
from lianban.forms.fieldtypes.checking import Checking, as_text, is_ascii_digits, nfkc
from lianban.forms.fieldtypes.registry import field_type

# Earliest birth date an ID number may carry: nobody alive was born before it.
_EARLIEST_BIRTH = date(1900, 1, 1)

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check


@field_type(FieldType.ID_NUMBER, validators="text")
def _check_id_number(ctx: Checking, value: object) -> str | None:
    raw = as_text(ctx, value)
    if raw is None:
        return None
    number = re.sub(r"[\s-]", "", nfkc(raw)).upper()
    if len(number) != 18:
        ctx.add(
            "format",
            f"应为18位（当前为{len(number)}位）",
            f"must have 18 characters, got {len(number)}",
        )
        return None
    if not is_ascii_digits(number[:17]) or not (number[17] == "X" or is_ascii_digits(number[17])):
        ctx.add(
            "format",
            "格式错误：前17位应为数字，最后一位为数字或X",
            "wrong characters: the first 17 must be digits, the last a digit or X",
        )
        return None
    region = number[:6]
    if not is_known_region(region):
        ctx.add(
            "format",
            f"地址码 {region} 不是已知的行政区划代码（GB/T 2260，含已撤销的代码）",
            f"address code {region} is not a known administrative division code "
            "(GB/T 2260, abolished codes included)",
        )
    try:
        birth = ric.get_birth_date(number)
    except Exception:
        digits = number[6:14]
        ctx.add(
            "range",
            f"中的出生日期 {digits} 不是有效日期",
            f"the birth date {digits} in the number is not a valid date",
        )
    else:
        if birth > ctx.today:
            ctx.add(
                "range",
                f"中的出生日期 {birth.isoformat()} 晚于今天（{ctx.today.isoformat()}）",
                f"the birth date {birth.isoformat()} in the number is after today ({ctx.today.isoformat()})",
            )
        elif birth < _EARLIEST_BIRTH:
            ctx.add(
                "range",
                f"中的出生日期 {birth.isoformat()} 早于 {_EARLIEST_BIRTH.isoformat()}，不可能",
                f"the birth date {birth.isoformat()} in the number is before "
                f"{_EARLIEST_BIRTH.isoformat()}, which is impossible",
            )
    expected = str(ric.calc_check_digit(number))
    if number[17] != expected:
        ctx.add(
            "checksum",
            f"校验位错误：应为 {expected}",
            f"wrong check character, expected {expected}",
        )
    return number


def is_valid_id_number(number: str) -> bool:
    """Whether ``number`` (18 characters, compact) is a resident ID number the validator accepts:
    digits and check character (ISO 7064 MOD 11-2), a real birth date, and an address code that
    exists or ever existed (GB/T 2260 with abolished codes, :func:`is_known_region`) — whatever the
    birth year: the code is where the number was assigned, often long after the birth (DOMAIN.md).
    python-stdnum's ``ric.is_valid`` also wants the code to exist in the birth year, and refuses
    many people born before the 1980s."""
    if len(number) != 18 or not is_ascii_digits(number[:17]):
        return False
    if not (number[17] == "X" or is_ascii_digits(number[17])) or not is_known_region(number[:6]):
        return False
    try:
        birth = ric.get_birth_date(number)
    except Exception:
        return False
    return birth >= _EARLIEST_BIRTH and number[17] == str(ric.calc_check_digit(number))


def id_number_facts(number: object) -> dict[str, str]:
    """What a resident ID number itself says (GB 11643): ``person.birth_date`` and, by the
    sequence's parity, ``person.gender`` (odd: 1 男, even: 2 女); nothing for an invalid number."""
    text = str(number or "").strip().upper()
    if not is_valid_id_number(text):
        return {}
    return {
        "person.birth_date": ric.get_birth_date(text).isoformat(),
        "person.gender": "1" if int(text[16]) % 2 else "2",
    }


def _org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


@field_type(FieldType.USCC, validators="text")
def _check_uscc(ctx: Checking, value: object) -> str | None:
    raw = as_text(ctx, value, allow_int=False)
    if raw is None:
        return None
    code = re.sub(r"[\s-]", "", nfkc(raw)).upper()
    if len(code) != 18:
        ctx.add("format", f"应为18位（当前为{len(code)}位）", f"must have 18 characters, got {len(code)}")
        return None
    bad = sorted({c for c in code if c not in _USCC_ALPHABET})
    if bad:
        shown = "、".join(bad)
        ctx.add(
            "format",
            f"含有不允许的字符 {shown}（只能使用数字和除 I、O、S、V、Z 以外的大写字母）",
            f"contains {', '.join(bad)}, not allowed (digits and capital letters except I, O, S, V, Z)",
        )
        return None
    if not is_ascii_digits(code[2:8]):
        ctx.add(
            "format",
            "第3–8位（登记管理机关行政区划码）应为数字",
            "characters 3–8 (the registering authority's division code) must be digits",
        )
        return None
    expected = str(uscc.calc_check_digit(code[:17]))
    if code[17] != expected:
        ctx.add("checksum", f"校验位错误：应为 {expected}", f"wrong check character, expected {expected}")
    org_expected = _org_code_check(code[8:16])
    if code[16] != org_expected:
        ctx.add(
            "checksum",
            f"中的组织机构代码（第9–17位）校验位错误：第17位应为 {org_expected}",
            f"the organisation code (characters 9–17) has a wrong check character: "
            f"character 17 should be {org_expected}",
        )
    return code


@field_type(FieldType.BANK_ACCOUNT, validators="text")
def _check_bank_account(ctx: Checking, value: object) -> str | None:
    raw = as_text(ctx, value)
    if raw is None:
        return None
    number = re.sub(r"[\s-]", "", nfkc(raw))
    if not is_ascii_digits(number):
        ctx.add("format", "只能包含数字", "must contain digits only")
        return None
    if not 8 <= len(number) <= 30:
        ctx.add(
            "format", f"应为8–30位数字（当前为{len(number)}位）", f"must have 8–30 digits, got {len(number)}"
        )
        return None
    if not luhn.is_valid(number):
        ctx.add(
            "checksum",
            "未通过 Luhn 校验，请核对账号（部分有效账号不使用该校验）",
            "fails the Luhn check; please check the number (some valid accounts do not use it)",
            severity="warning",
        )
    return number
