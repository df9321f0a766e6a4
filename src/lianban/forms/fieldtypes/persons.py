"""A person's name and how to reach them (姓名、手机号码、联系电话、电子邮箱).

A name keeps its characters as written (汉字, letters, the middle dot · of minority and foreign
names); phone numbers and e-mail addresses are normalised (an 11-digit mobile, ``027-87654321``,
a lower-case domain).
"""

from __future__ import annotations

import re
import unicodedata

from lianban.catalog.model import FieldType
from lianban.forms.fieldtypes.checking import SPACES, Checking, as_text, check_length, is_ascii_digits, nfkc
from lianban.forms.fieldtypes.registry import field_type

_NAME_DOTS = str.maketrans(dict.fromkeys("•・･‧∙", "·"))


@field_type(FieldType.NAME, validators="text")
def _check_name(ctx: Checking, value: object) -> str | None:
    raw = as_text(ctx, value, allow_int=False)
    if raw is None:
        return None
    name = SPACES.sub(" ", raw.translate(_NAME_DOTS)).strip()
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
    check_length(ctx, name, 2, 50)
    return name


_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")


def _mobile(raw: str) -> str | None:
    s = re.sub(r"[\s\-()]", "", nfkc(raw))
    for prefix in ("+86", "0086", "86"):
        if s.startswith(prefix) and len(s) == len(prefix) + 11:
            s = s[len(prefix) :]
            break
    return s if _MOBILE_RE.fullmatch(s) else None


@field_type(FieldType.MOBILE, validators="text")
def _check_mobile(ctx: Checking, value: object) -> str | None:
    raw = as_text(ctx, value)
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
    s = re.sub(r"\s", "", nfkc(raw))
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
    if not is_ascii_digits(digits) or not digits.startswith("0"):
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
    if ext is not None and not (1 <= len(ext) <= 6 and is_ascii_digits(ext)):
        return None
    return f"{area}-{subscriber}" + (f"-{ext}" if ext else "")


@field_type(FieldType.PHONE, validators="text")
def _check_phone(ctx: Checking, value: object) -> str | None:
    raw = as_text(ctx, value)
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


@field_type(FieldType.EMAIL, validators="text")
def _check_email(ctx: Checking, value: object) -> str | None:
    raw = as_text(ctx, value, allow_int=False)
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
