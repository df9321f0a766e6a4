"""Field validation (字段校验): one value of one canonical field, checked by its type.

:func:`validate_value` takes what an applicant (or a batch sheet, or data sharing) supplied for a
field, returns it normalised — an ID number with an upper-case ``X``, a date as ``YYYY-MM-DD``,
money as a string with two decimals, a range as ``{"start", "end"}`` — and every finding as a
:class:`~lianban.forms.issues.FieldIssue` naming the field by its Chinese and English label.
Whether a field is required is decided elsewhere: an empty value is never an issue here.

Codes: ``format`` (not a value of the type), ``checksum`` (a check character is wrong),
``range`` (a value of the type, but outside what is allowed), ``code_list`` (not a code of the
list), ``required`` (a part of a composite value is missing). A failed Luhn check of a bank
account is only a warning: many valid accounts do not use it.

Also here: the housing fund amounts (DOMAIN.md: base × rate for each side, rounded by local rule),
the pension base check (60 %–300 % of the province's average wage) and the region figures both
read from configuration (``data/regions.yaml``).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, cast

from ruamel.yaml import YAML
from stdnum import luhn
from stdnum.cn import ric, uscc

from lianban.catalog.codelists import Code, CodeList, is_known_region
from lianban.catalog.model import FieldDef, FieldType, Validator
from lianban.forms.issues import FieldIssue, IssueCode

__all__ = [
    "REGIONS_FILE",
    "HousingFundAmounts",
    "RegionSettings",
    "Rounding",
    "housing_fund_amounts",
    "load_region_settings",
    "pension_base_issue",
    "region_settings",
    "validate_value",
]

REGIONS_FILE = Path(__file__).parent / "data" / "regions.yaml"

Rounding = Literal["yuan", "jiao", "fen"]

# Earliest birth date an ID number may carry: nobody alive was born before it.
_EARLIEST_BIRTH = date(1900, 1, 1)

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check

_SUBS: dict[str, tuple[str, str]] = {
    "start": ("（开始）", " (start)"),
    "end": ("（结束）", " (end)"),
    "region": ("（行政区划）", " (division)"),
    "detail": ("（详细地址）", " (street address)"),
}


# ------------------------------------------------------------------------------------ the context


@dataclass
class _Ctx:
    """The field being checked and the findings so far."""

    field: FieldDef
    today: date
    code_lists: Mapping[str, CodeList]
    issues: list[FieldIssue] = dc_field(default_factory=list)

    def add(
        self,
        code: IssueCode,
        zh: str,
        en: str,
        *,
        sub: str | None = None,
        severity: Literal["error", "warning"] = "error",
    ) -> None:
        """Record a finding; ``zh`` / ``en`` follow the label (``sub`` names a part: start, end …)."""
        sub_zh, sub_en = _SUBS.get(sub, ("", "")) if sub else ("", "")
        key = f"{self.field.key}.{sub}" if sub else self.field.key
        label = self.field.label
        self.issues.append(
            FieldIssue(
                field=key,
                code=code,
                message_zh=f"{label.zh}{sub_zh}{zh}",
                message_en=f"{label.en}{sub_en}: {en}",
                severity=severity,
            )
        )

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


# ----------------------------------------------------------------------------------- small helpers


def _nfkc(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms (for identifiers, numbers,
    dates; never for names or free text, whose characters must stay as written)."""
    return unicodedata.normalize("NFKC", text).strip()


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return len(value) == 0
    return False


def _text(ctx: _Ctx, value: object, *, sub: str | None = None, allow_int: bool = True) -> str | None:
    """The value as text: a string, or an integer where digits are expected (Excel cells)."""
    if isinstance(value, str):
        return value
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    ctx.add("format", "应为文本", f"expected text, got {type(value).__name__}", sub=sub)
    return None


def _plain(d: Decimal) -> str:
    """A decimal in plain notation without trailing zeros: 12.50 → "12.5", 1.2E+3 → "1200"."""
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


def _is_ascii_digits(s: str) -> bool:
    return bool(s) and all("0" <= c <= "9" for c in s)


# ------------------------------------------------------------------------------ resident ID number


def _check_id_number(ctx: _Ctx, value: object) -> str | None:
    raw = _text(ctx, value)
    if raw is None:
        return None
    number = re.sub(r"[\s-]", "", _nfkc(raw)).upper()
    if len(number) != 18:
        ctx.add(
            "format",
            f"应为18位（当前为{len(number)}位）",
            f"must have 18 characters, got {len(number)}",
        )
        return None
    if not _is_ascii_digits(number[:17]) or not (number[17] == "X" or _is_ascii_digits(number[17])):
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


# ------------------------------------------------------------------------ unified social credit code


def _org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _check_uscc(ctx: _Ctx, value: object) -> str | None:
    raw = _text(ctx, value, allow_int=False)
    if raw is None:
        return None
    code = re.sub(r"[\s-]", "", _nfkc(raw)).upper()
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
    if not _is_ascii_digits(code[2:8]):
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


# ------------------------------------------------------------------------------------------ names

_NAME_DOTS = str.maketrans(dict.fromkeys("•・･‧∙", "·"))
_SPACES = re.compile(r"[\s\u3000]+")


def _check_name(ctx: _Ctx, value: object) -> str | None:
    raw = _text(ctx, value, allow_int=False)
    if raw is None:
        return None
    name = _SPACES.sub(" ", raw.translate(_NAME_DOTS)).strip()
    name = re.sub(r" ?· ?", "·", name)
    if any(unicodedata.category(c) == "Nd" or c.isdigit() for c in name):
        ctx.add("format", "不能包含数字", "must not contain digits")
        return None
    bad = sorted(
        {c for c in name if not (c in " ·〇" or unicodedata.category(c)[0] in "LM")},
    )
    if bad:
        shown = " ".join(bad)
        ctx.add(
            "format",
            f"含有不允许的字符：{shown}（只能使用汉字、字母、空格和间隔号·）",
            f"contains characters not allowed: {shown} (only Chinese characters, letters, spaces and ·)",
        )
        return None
    if name.startswith("·") or name.endswith("·") or "··" in name:
        ctx.add(
            "format",
            "间隔号·只能用在两个名字部分之间",
            "the middle dot · may only stand between two parts of the name",
        )
        return None
    _check_length(ctx, name, 2, 50)
    return name


def _check_length(ctx: _Ctx, text: str, lo: int | None, hi: int | None, *, sub: str | None = None) -> bool:
    n = len(text)
    if lo is not None and n < lo:
        ctx.add(
            "range",
            f"至少应有{lo}个字符（当前为{n}个）",
            f"must have at least {lo} characters, got {n}",
            sub=sub,
        )
        return False
    if hi is not None and n > hi:
        ctx.add(
            "range",
            f"不能超过{hi}个字符（当前为{n}个）",
            f"must have at most {hi} characters, got {n}",
            sub=sub,
        )
        return False
    return True


# ------------------------------------------------------------------------------- phones and e-mail

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")


def _mobile(raw: str) -> str | None:
    s = re.sub(r"[\s\-()]", "", _nfkc(raw))
    for prefix in ("+86", "0086", "86"):
        if s.startswith(prefix) and len(s) == len(prefix) + 11:
            s = s[len(prefix) :]
            break
    return s if _MOBILE_RE.fullmatch(s) else None


def _check_mobile(ctx: _Ctx, value: object) -> str | None:
    raw = _text(ctx, value)
    if raw is None:
        return None
    number = _mobile(raw)
    if number is None:
        ctx.add(
            "format",
            "应为11位中国大陆手机号码（以13–19开头）",
            "expected an 11-digit mainland mobile number starting with 13–19",
        )
    return number


_EXT_RE = re.compile(r"^(?P<main>.+?)(?:(?:转|ext\.?|x|#)(?P<ext>[0-9]{1,6}))?$", re.IGNORECASE)


def _fixed_line(raw: str) -> str | None:
    """A fixed-line number with area code → ``0AA(A)-NNNNNNN(N)[-EXT]``, or None."""
    s = re.sub(r"\s", "", _nfkc(raw))
    m = _EXT_RE.match(s)
    if m is None:  # pragma: no cover - the pattern matches any non-empty text
        return None
    main, ext = m.group("main"), m.group("ext")
    main = re.sub(r"[()]", "-", main).strip("-")
    main = re.sub(r"-+", "-", main)
    for prefix in ("+86", "0086"):
        if main.startswith(prefix):
            main = main[len(prefix) :].lstrip("-")
            if not main.startswith("0"):
                main = "0" + main
            break
    parts = main.split("-")
    if ext is None and len(parts) == 3:
        ext, parts = parts[2], parts[:2]
    elif ext is None and len(parts) == 2 and len(parts[0]) >= 10:
        ext, parts = parts[1], parts[:1]
    digits = "".join(parts)
    if not _is_ascii_digits(digits) or not digits.startswith("0"):
        return None
    if len(parts) == 2 and not parts[0].startswith("0"):
        return None
    area_len = 3 if digits[1] in "12" else 4
    area, subscriber = digits[:area_len], digits[area_len:]
    if len(parts) == 2 and parts[0] != area:
        return None
    if (area_len == 4 and area[1] == "0") or (area_len == 3 and area[1] == "1" and area != "010"):
        return None
    if not (7 <= len(subscriber) <= 8) or subscriber[0] in "01":
        return None
    if ext is not None and not (1 <= len(ext) <= 6 and _is_ascii_digits(ext)):
        return None
    return f"{area}-{subscriber}" + (f"-{ext}" if ext else "")


def _check_phone(ctx: _Ctx, value: object) -> str | None:
    raw = _text(ctx, value)
    if raw is None:
        return None
    number = _mobile(raw) or _fixed_line(raw)
    if number is None:
        ctx.add(
            "format",
            "应为11位手机号码或带区号的固定电话（如 027-87654321）",
            "expected an 11-digit mobile number or a fixed-line number with area code (e.g. 027-87654321)",
        )
    return number


_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+")
_DOMAIN_LABEL_RE = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")


def _check_email(ctx: _Ctx, value: object) -> str | None:
    raw = _text(ctx, value, allow_int=False)
    if raw is None:
        return None
    address = raw.strip()
    ok = bool(_EMAIL_RE.fullmatch(address)) and len(address) <= 254
    if ok:
        local, domain = address.rsplit("@", 1)
        labels = domain.split(".")
        ok = (
            len(local) <= 64
            and not local.startswith(".")
            and not local.endswith(".")
            and ".." not in local
            and len(labels) >= 2
            and all(_DOMAIN_LABEL_RE.fullmatch(lb) for lb in labels)
        )
    if not ok:
        ctx.add("format", "格式错误，应如 name@example.com", "expected an address like name@example.com")
        return None
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


# ------------------------------------------------------------------------------- dates and months

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
    s = re.sub(r"\s", "", _nfkc(value))
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
    s = re.sub(r"\s", "", _nfkc(value))
    m = _MONTH_RE.fullmatch(s)
    if m is None:
        return "format"
    year, month = int(m["y"]), int(m["m"] or m["m2"] or m["m3"])
    if year < 1 or not 1 <= month <= 12:
        return "invalid"
    return year, month


def _date_issue(ctx: _Ctx, reason: str, value: object, sub: str | None) -> None:
    if reason == "invalid":
        ctx.add("format", f"：{value} 不是有效日期", f"{value} is not a valid date", sub=sub)
    else:
        ctx.add(
            "format",
            "应为日期，格式 YYYY-MM-DD（也可写作 YYYY.MM.DD 或 YYYY/MM/DD）",
            "expected a date as YYYY-MM-DD (YYYY.MM.DD and YYYY/MM/DD are accepted too)",
            sub=sub,
        )


def _month_issue(ctx: _Ctx, reason: str, value: object, sub: str | None) -> None:
    if reason == "invalid":
        ctx.add("format", f"：{value} 不是有效年月", f"{value} is not a valid month", sub=sub)
    else:
        ctx.add(
            "format",
            "应为年月，格式 YYYY-MM（也可写作 YYYY.M 或 YYYY.MM）",
            "expected a month as YYYY-MM (YYYY.M and YYYY.MM are accepted too)",
            sub=sub,
        )


def _not_future(field_def: FieldDef) -> Validator | None:
    for v in field_def.validators:
        if v.not_future:
            return v
    return None


def _check_date(ctx: _Ctx, value: object, *, sub: str | None = None) -> str | None:
    parsed = _parse_date(value)
    if isinstance(parsed, str):
        _date_issue(ctx, parsed, value, sub)
        return None
    nf = _not_future(ctx.field)
    if nf is not None and parsed > ctx.today:
        _add_validator_issue(
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


def _check_month(ctx: _Ctx, value: object, *, sub: str | None = None) -> str | None:
    parsed = _parse_month(value)
    if isinstance(parsed, str):
        _month_issue(ctx, parsed, value, sub)
        return None
    nf = _not_future(ctx.field)
    this_month = (ctx.today.year, ctx.today.month)
    if nf is not None and parsed > this_month:
        _add_validator_issue(
            ctx,
            nf,
            "range",
            f"不能晚于本月（{_month_text(this_month)}），填写的是 {_month_text(parsed)}",
            f"must not be after this month ({_month_text(this_month)}), got {_month_text(parsed)}",
            sub=sub,
        )
    return _month_text(parsed)


def _check_range(
    ctx: _Ctx,
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
        s = _nfkc(value)
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
    if _is_empty(start):
        ctx.add("required", "缺少开始时间", "the start is missing", sub="start")
        return None
    a = check_one(ctx, start, sub="start")
    b = None if _is_empty(end) else check_one(ctx, end, sub="end")
    if a is None or (b is None and not _is_empty(end)):
        return None
    if b is not None and b < a:
        ctx.add(
            "range",
            f"：{b} 早于开始{what[0]} {a}，结束应不早于开始",
            f"{b} is before the start {a}; the end must not be before the start",
            sub="end",
        )
    return {"start": a, "end": b}


# ------------------------------------------------------------------------------------------ numbers

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
    s = re.sub(r"\s", "", _nfkc(value))
    if _GROUPED_RE.fullmatch(s):
        s = s.replace(",", "")
    if not _NUMBER_RE.fullmatch(s):
        return None
    return Decimal(s)


def _decimals(d: Decimal) -> int:
    exponent = d.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _number_issue(ctx: _Ctx, zh: str, en: str) -> None:
    ctx.add("format", f"应为{zh}", f"expected {en}")


def _check_integer(ctx: _Ctx, value: object) -> int | None:
    d = _to_decimal(value)
    if d is None or d != d.to_integral_value():
        _number_issue(ctx, "整数", "a whole number")
        return None
    return int(d)


def _check_decimal(ctx: _Ctx, value: object) -> str | None:
    d = _to_decimal(value)
    if d is None:
        _number_issue(ctx, "数字", "a number")
        return None
    return _plain(d)


def _check_money(ctx: _Ctx, value: object) -> str | None:
    v = value
    if isinstance(v, str):
        v = re.sub(r"^[¥￥]|元$", "", _nfkc(v).strip()).strip()
    d = _to_decimal(v)
    if d is None:
        _number_issue(ctx, "金额（元），如 1234.50", "an amount in yuan, e.g. 1234.50")
        return None
    if _decimals(d) > 2:
        ctx.add(
            "format", f"最多保留两位小数（到分），填写的是 {value}", f"at most 2 decimals (fen), got {value}"
        )
        return None
    if d < 0:
        ctx.add("range", f"不能为负数，填写的是 {_plain(d)}", f"must not be negative, got {_plain(d)}")
        return None
    try:
        return str(d.quantize(Decimal("0.01")))
    except InvalidOperation:
        ctx.add("range", "数额过大", "the amount is too large")
        return None


def _check_percent(ctx: _Ctx, value: object) -> str | None:
    v = value
    explicit = False
    if isinstance(v, str):
        s = _nfkc(v).strip()
        if s.endswith("%"):
            explicit, v = True, s[:-1].strip()
    d = _to_decimal(v)
    if d is None:
        _number_issue(ctx, "百分比数值，如 12 或 12%", "a percentage, e.g. 12 or 12%")
        return None
    if d < 0:
        ctx.add("range", f"不能为负数，填写的是 {_plain(d)}", f"must not be negative, got {_plain(d)}")
        return None
    if not explicit and 0 < d < 1:
        hint = _plain(d * 100)
        ctx.add(
            "range",
            f"应填写百分数（如 12 表示 12%），{_plain(d)} 看起来是小数形式，应为 {hint}",
            f"expects a percentage (12 means 12 %); {_plain(d)} looks like a fraction, did you mean {hint}?",
        )
        return None
    return _plain(d)


_TRUE = frozenset({"true", "1", "是", "yes", "y", "有", "t"})
_FALSE = frozenset({"false", "0", "否", "no", "n", "无", "f"})


def _check_boolean(ctx: _Ctx, value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        s = _nfkc(value).lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    ctx.add("format", "应为“是”或“否”", "expected yes or no (true/false)")
    return None


# ------------------------------------------------------------------------------------- code lists


def _code_list(ctx: _Ctx) -> CodeList:
    list_id = ctx.field.code_list
    if list_id is None or list_id not in ctx.code_lists:
        raise KeyError(f"field {ctx.field.key}: code list {list_id!r} is not loaded")
    return ctx.code_lists[list_id]


def _find_code(cl: CodeList, value: object) -> Code | None:
    """The entry for a code, or for a label (Chinese exactly, English case-insensitively)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    s = _nfkc(str(value))
    entry = cl.get(s)
    if entry is not None:
        return entry
    by_label = [c for c in cl if c.label == s or (c.label_en and c.label_en.casefold() == s.casefold())]
    if len(by_label) == 1:
        return by_label[0]
    if _is_ascii_digits(s):  # 1 for "01" (a spreadsheet drops the leading zero)
        padded = [c for c in cl if _is_ascii_digits(c.code) and c.code.lstrip("0") == s.lstrip("0")]
        if len(padded) == 1:
            return padded[0]
    return None


def _code_list_issue(ctx: _Ctx, cl: CodeList, value: object) -> None:
    examples = "、".join(f"{c.code} {c.label}" for c in list(cl)[:3])
    more = " …" if len(cl) > 3 else ""
    ctx.add(
        "code_list",
        f"“{value}”不是《{cl.name}》中的代码或名称（如 {examples}{more}）",
        f"{value!r} is not a code or label of {cl.name_en or cl.name} "
        f"(e.g. {', '.join(c.code for c in list(cl)[:3])}{more})",
    )


def _check_code(ctx: _Ctx, value: object) -> str | None:
    cl = _code_list(ctx)
    entry = _find_code(cl, value)
    if entry is None:
        _code_list_issue(ctx, cl, value)
        return None
    return entry.code


def _check_codes(ctx: _Ctx, value: object) -> list[str] | None:
    cl = _code_list(ctx)
    items: list[object]
    if isinstance(value, str):
        items = [p.strip() for p in re.split(r"[,，、;；]", value) if p.strip()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = [v for v in value if not _is_empty(v)]
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


def _check_region(ctx: _Ctx, value: object, *, sub: str | None = None) -> str | None:
    raw = _text(ctx, value, sub=sub)
    if raw is None:
        return None
    code = re.sub(r"\s", "", _nfkc(raw))
    if not (len(code) == 6 and _is_ascii_digits(code)):
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


def _check_address(ctx: _Ctx, value: object) -> dict[str, str | None] | None:
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
    region = None if _is_empty(region_value) else _check_region(ctx, region_value, sub="region")
    if _is_empty(detail_value):
        ctx.add("required", "缺少详细地址", "the street address is missing", sub="detail")
        return None
    raw = _text(ctx, detail_value, sub="detail", allow_int=False)
    if raw is None:
        return None
    detail = _SPACES.sub(" ", raw).strip()
    if not _check_length(ctx, detail, 1, 200, sub="detail"):
        return None
    for v in ctx.field.validators:
        _length_and_pattern(ctx, v, detail, sub="detail")
    return {"region": region, "detail": detail}


# ------------------------------------------------------------------------------------ bank account


def _check_bank_account(ctx: _Ctx, value: object) -> str | None:
    raw = _text(ctx, value)
    if raw is None:
        return None
    number = re.sub(r"[\s-]", "", _nfkc(raw))
    if not _is_ascii_digits(number):
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


# ----------------------------------------------------------------------------------- string / text


# Unicode's control characters (category Cc: U+0000–U+001F, U+007F–U+009F); a multi-line text
# may hold line feeds and tabs
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _check_string(ctx: _Ctx, value: object, *, multiline: bool) -> str | None:
    if isinstance(value, Decimal) and value.is_finite():
        value = str(value)
    raw = _text(ctx, value)
    if raw is None:
        return None
    text = raw.strip()
    text = text.replace("\r\n", "\n")
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(text):
        if multiline:
            ctx.add("format", "含有不可见的控制字符", "contains control characters")
        else:
            ctx.add(
                "format",
                "应为单行文本，不能包含换行或控制字符",
                "must be one line, without line breaks or control characters",
            )
        return None
    return text


# ------------------------------------------------------------------------------------- validators


def _add_validator_issue(
    ctx: _Ctx, v: Validator, code: IssueCode, zh: str, en: str, *, sub: str | None = None
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


def _length_and_pattern(ctx: _Ctx, v: Validator, text: str, *, sub: str | None = None) -> None:
    n = len(text)
    if v.min_length is not None and n < v.min_length:
        _add_validator_issue(
            ctx,
            v,
            "range",
            f"至少应有{v.min_length}个字符（当前为{n}个）",
            f"must have at least {v.min_length} characters, got {n}",
            sub=sub,
        )
    if v.max_length is not None and n > v.max_length:
        _add_validator_issue(
            ctx,
            v,
            "range",
            f"不能超过{v.max_length}个字符（当前为{n}个）",
            f"must have at most {v.max_length} characters, got {n}",
            sub=sub,
        )
    if v.pattern is not None and re.search(v.pattern, text) is None:
        _add_validator_issue(
            ctx,
            v,
            "format",
            "格式不符合要求",
            f"does not have the required format (pattern {v.pattern})",
            sub=sub,
        )


def _bounds(ctx: _Ctx, v: Validator, number: Decimal, unit: str = "") -> None:
    lo = None if v.min is None else Decimal(repr(v.min))
    hi = None if v.max is None else Decimal(repr(v.max))
    if (lo is None or number >= lo) and (hi is None or number <= hi):
        return
    got = _plain(number) + unit
    if lo is not None and hi is not None:
        zh = f"应在 {_plain(lo)}{unit} 到 {_plain(hi)}{unit} 之间，填写的是 {got}"
        en = f"must be between {_plain(lo)}{unit} and {_plain(hi)}{unit}, got {got}"
    elif lo is not None:
        zh, en = (
            f"不能小于 {_plain(lo)}{unit}，填写的是 {got}",
            f"must be at least {_plain(lo)}{unit}, got {got}",
        )
    else:
        assert hi is not None
        zh, en = (
            f"不能大于 {_plain(hi)}{unit}，填写的是 {got}",
            f"must be at most {_plain(hi)}{unit}, got {got}",
        )
    _add_validator_issue(ctx, v, "range", zh, en)


_TEXTUAL = frozenset(
    {
        FieldType.STRING,
        FieldType.TEXT,
        FieldType.NAME,
        FieldType.EMAIL,
        FieldType.MOBILE,
        FieldType.PHONE,
        FieldType.BANK_ACCOUNT,
        FieldType.ID_NUMBER,
        FieldType.USCC,
        FieldType.CODE,
        FieldType.REGION,
    }
)
_NUMERIC = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY, FieldType.PERCENT})


def _apply_validators(ctx: _Ctx, normalised: object) -> None:
    """The field's declarative checks on top of the type's own (not_future is part of the date
    checks; an address's lengths and pattern apply to its street address)."""
    t = ctx.field.type
    for v in ctx.field.validators:
        if t in _TEXTUAL and isinstance(normalised, str):
            _length_and_pattern(ctx, v, normalised)
        elif t in _NUMERIC and isinstance(normalised, int | str):
            _bounds(ctx, v, Decimal(normalised), "%" if t is FieldType.PERCENT else "")


# ------------------------------------------------------------------------------------ entry point


def _dispatch(ctx: _Ctx, value: object) -> object | None:
    t = ctx.field.type
    if t is FieldType.ID_NUMBER:
        return _check_id_number(ctx, value)
    if t is FieldType.USCC:
        return _check_uscc(ctx, value)
    if t is FieldType.NAME:
        return _check_name(ctx, value)
    if t is FieldType.MOBILE:
        return _check_mobile(ctx, value)
    if t is FieldType.PHONE:
        return _check_phone(ctx, value)
    if t is FieldType.EMAIL:
        return _check_email(ctx, value)
    if t is FieldType.DATE:
        return _check_date(ctx, value)
    if t is FieldType.MONTH:
        return _check_month(ctx, value)
    if t is FieldType.DATE_RANGE:
        return _check_range(ctx, value, _DATE_TOKEN, _check_date, ("日期", "2020.10.01—2023.09.30"))
    if t is FieldType.MONTH_RANGE:
        return _check_range(ctx, value, _MONTH_TOKEN, _check_month, ("年月", "2020.1—2020.12"))
    if t is FieldType.INTEGER:
        return _check_integer(ctx, value)
    if t is FieldType.DECIMAL:
        return _check_decimal(ctx, value)
    if t is FieldType.MONEY:
        return _check_money(ctx, value)
    if t is FieldType.PERCENT:
        return _check_percent(ctx, value)
    if t is FieldType.BOOLEAN:
        return _check_boolean(ctx, value)
    if t is FieldType.CODE:
        return _check_code(ctx, value)
    if t is FieldType.CODES:
        return _check_codes(ctx, value)
    if t is FieldType.REGION:
        return _check_region(ctx, value)
    if t is FieldType.ADDRESS:
        return _check_address(ctx, value)
    if t is FieldType.BANK_ACCOUNT:
        return _check_bank_account(ctx, value)
    if t is FieldType.TEXT:
        return _check_string(ctx, value, multiline=True)
    return _check_string(ctx, value, multiline=False)


def validate_value(
    field: FieldDef,
    value: object,
    *,
    today: date,
    code_lists: Mapping[str, CodeList],
) -> tuple[object | None, list[FieldIssue]]:
    """Check one value of ``field`` by its type and its declarative validators.

    Returns ``(normalised, issues)``. ``normalised`` is ``None`` when the value is empty (``None``,
    ``""``, blank, an empty list or mapping — required-ness is decided elsewhere) or when any
    error was found; warnings (a bank account failing Luhn) keep the value. Normalised forms:
    ID number and USCC upper-case without spaces; name with ``·``; mobile 11 digits; fixed line
    ``027-87654321``; date ``YYYY-MM-DD``; month ``YYYY-MM``; ranges ``{"start", "end"}`` (``end``
    may be ``None``: an open-ended period such as 无固定期限); integer ``int``; decimal and percent
    as plain decimal strings (``"12.5"``); money as a string with two decimals (``"1234.50"``);
    boolean ``bool``; code the code (a label is accepted); codes a list without duplicates; region
    the 6-digit code; address ``{"region", "detail"}``; bank account digits only.

    Raises ``KeyError`` when a code field's list is not in ``code_lists`` (a configuration error).
    """
    if _is_empty(value):
        return None, []
    ctx = _Ctx(field=field, today=today, code_lists=code_lists)
    normalised = _dispatch(ctx, value)
    if normalised is not None and not ctx.has_errors:
        _apply_validators(ctx, normalised)
    if ctx.has_errors:
        return None, ctx.issues
    return normalised, ctx.issues


# ------------------------------------------------------------------------------------ housing fund


@dataclass(frozen=True)
class HousingFundAmounts:
    """Monthly housing fund contributions (月缴存额) in yuan."""

    unit: Decimal
    personal: Decimal
    total: Decimal


_QUANTUM: dict[str, Decimal] = {"yuan": Decimal("1"), "jiao": Decimal("0.1"), "fen": Decimal("0.01")}


def housing_fund_amounts(
    base: Decimal,
    unit_rate: Decimal,
    personal_rate: Decimal,
    *,
    rounding: Rounding = "yuan",
    min_rate: Decimal | int = 5,
    max_rate: Decimal | int = 12,
) -> HousingFundAmounts:
    """Unit and personal monthly amounts = base × rate (rates in percent, 12 = 12 %), each rounded
    half-up to the yuan (or 角 / 分 where the local rule says so); total = unit + personal.

    Raises ``ValueError`` for a negative base or a rate outside ``[min_rate, max_rate]`` (5–12 %
    by default, DOMAIN.md); the caller reports it as a ``range`` issue.
    """
    if rounding not in _QUANTUM:
        raise ValueError(f"rounding must be yuan, jiao or fen, not {rounding!r}")
    base = Decimal(base)
    if not base.is_finite() or base < 0:
        raise ValueError(f"缴存基数不能为负数 / the contribution base must not be negative: {base}")
    lo, hi = Decimal(min_rate), Decimal(max_rate)
    for name_zh, name_en, rate in (("单位", "unit", unit_rate), ("个人", "personal", personal_rate)):
        r = Decimal(rate)
        if not r.is_finite() or not lo <= r <= hi:
            raise ValueError(
                f"{name_zh}缴存比例 {_plain(r) if r.is_finite() else r}% 不在 {_plain(lo)}%–{_plain(hi)}% 之间 / "
                f"the {name_en} rate {r}% is outside {_plain(lo)}%–{_plain(hi)}%"
            )
    quantum = _QUANTUM[rounding]
    unit = (base * Decimal(unit_rate) / 100).quantize(quantum, rounding=ROUND_HALF_UP)
    personal = (base * Decimal(personal_rate) / 100).quantize(quantum, rounding=ROUND_HALF_UP)
    return HousingFundAmounts(unit=unit, personal=personal, total=unit + personal)


# ------------------------------------------------------------------------------ pension base check


def pension_base_issue(
    base: Decimal, average_wage: Decimal, key: str = "insurance.pension.base"
) -> FieldIssue | None:
    """A flexible worker's monthly pension contribution base must lie within 60 %–300 % of the
    province's average wage (DOMAIN.md). ``average_wage`` is the published yearly figure (元/年,
    as in ``regions.yaml``); the bounds are 60 % and 300 % of its twelfth, rounded half-up to the
    yuan as provinces publish them. Returns a ``range`` issue naming the bounds, or ``None``.
    """
    monthly = Decimal(average_wage) / 12
    lo = (monthly * Decimal("0.6")).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    hi = (monthly * 3).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    b = Decimal(base)
    if lo <= b <= hi:
        return None
    got = _plain(b)
    return FieldIssue(
        field=key,
        code="range",
        message_zh=(
            f"养老保险缴费基数应在全省全口径城镇单位就业人员月平均工资的60%至300%之间，"
            f"即 {lo} 元至 {hi} 元，填写的是 {got} 元"
        ),
        message_en=(
            "Pension contribution base: must be between 60 % and 300 % of the province's average "
            f"monthly wage, i.e. {lo} to {hi} yuan, got {got} yuan"
        ),
    )


# ---------------------------------------------------------------------------------- region figures


@dataclass(frozen=True)
class RegionSettings:
    """Figures configured for a region (``data/regions.yaml``); ``region_code`` is the entry used
    (the province for a city asked about)."""

    region_code: str
    name: str
    average_wage_yuan_per_year: Decimal
    average_wage_year: int
    source: str
    placeholder: bool
    housing_fund_rounding: Rounding

    @property
    def average_wage_yuan_per_month(self) -> Decimal:
        return self.average_wage_yuan_per_year / 12


_SETTINGS_KEYS = frozenset(
    {
        "name",
        "average_wage_yuan_per_year",
        "average_wage_year",
        "placeholder",
        "source",
        "housing_fund_rounding",
    }
)


def _parse_settings(code: str, body: Any, path: Path) -> RegionSettings:
    if not isinstance(body, Mapping):
        raise ValueError(f"{path}: entry {code} must be a mapping")
    unknown = sorted(str(k) for k in body if k not in _SETTINGS_KEYS)
    if unknown:
        raise ValueError(f"{path}: entry {code}: unknown key {unknown[0]}")
    missing = sorted(k for k in _SETTINGS_KEYS if k not in body)
    if missing:
        raise ValueError(f"{path}: entry {code}: missing key {missing[0]}")
    rounding = body["housing_fund_rounding"]
    if rounding not in _QUANTUM:
        raise ValueError(f"{path}: entry {code}: housing_fund_rounding must be yuan, jiao or fen")
    wage = Decimal(str(body["average_wage_yuan_per_year"]))
    if not wage.is_finite() or wage <= 0:
        raise ValueError(f"{path}: entry {code}: average_wage_yuan_per_year must be positive")
    return RegionSettings(
        region_code=code,
        name=str(body["name"]),
        average_wage_yuan_per_year=wage,
        average_wage_year=int(body["average_wage_year"]),
        source=str(body["source"]).strip(),
        placeholder=bool(body["placeholder"]),
        housing_fund_rounding=cast(Rounding, rounding),
    )


def load_region_settings(path: Path = REGIONS_FILE) -> dict[str, RegionSettings]:
    """All configured regions by code. Codes must be quoted strings of 6 digits."""
    with path.open(encoding="utf-8") as fh:
        doc = YAML(typ="safe").load(fh)
    if not isinstance(doc, Mapping):
        raise ValueError(f"{path}: must be a mapping of region codes")
    out: dict[str, RegionSettings] = {}
    for code, body in doc.items():
        if not (isinstance(code, str) and len(code) == 6 and _is_ascii_digits(code)):
            raise ValueError(f"{path}: key {code!r} must be a quoted 6-digit region code")
        out[code] = _parse_settings(code, body, path)
    return out


@functools.cache
def _default_settings() -> dict[str, RegionSettings]:
    return load_region_settings()


def _ancestors(code: str) -> Sequence[str]:
    """361102 → 361102, 361100, 360000 (without repeats)."""
    chain = [code, code[:4] + "00", code[:2] + "0000"]
    return list(dict.fromkeys(chain))


def region_settings(region_code: str, settings: Mapping[str, RegionSettings] | None = None) -> RegionSettings:
    """The settings for a region: its own entry, else its city's, else its province's.

    Raises ``KeyError`` when neither the region nor any level above it is configured.
    """
    table = _default_settings() if settings is None else settings
    code = str(region_code).strip()
    if not (len(code) == 6 and _is_ascii_digits(code)):
        raise KeyError(f"not a 6-digit region code: {region_code!r}")
    for candidate in _ancestors(code):
        if candidate in table:
            return table[candidate]
    raise KeyError(f"no region settings for {code} or the divisions above it")
