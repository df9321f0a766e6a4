"""What every field type's check works with (字段校验上下文): the field, today, the code lists, the
findings so far, and the small text helpers the types share.

A finding names the field by its Chinese and English label; a part of a composite value (a period's
start, an address's division) is named by the label and the part (:data:`PART_LABELS`), and the
employee sheet heads its part columns the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from decimal import Decimal
from typing import Literal

from lianban.catalog.codelists import CodeList
from lianban.catalog.model import FieldDef
from lianban.forms.issues import FieldIssue, IssueCode

__all__ = [
    "PART_LABELS",
    "SPACES",
    "Checking",
    "as_text",
    "check_length",
    "is_ascii_digits",
    "is_empty",
    "nfkc",
    "plain",
    "too_long",
    "too_short",
]

PART_LABELS: dict[str, tuple[str, str]] = {
    "start": ("（开始）", " (start)"),
    "end": ("（结束）", " (end)"),
    "region": ("（行政区划）", " (division)"),
    "detail": ("（详细地址）", " (street address)"),
}


SPACES = re.compile(r"[\s\u3000]+")


@dataclass
class Checking:
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
        sub_zh, sub_en = PART_LABELS.get(sub, ("", "")) if sub else ("", "")
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
        # asked twice for each of ~50 values a filing, mostly of none: no generator made for those
        return bool(self.issues) and any(i.severity == "error" for i in self.issues)


# ----------------------------------------------------------------------------------- small helpers


def nfkc(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms (for identifiers, numbers,
    dates; never for names or free text, whose characters must stay as written)."""
    return unicodedata.normalize("NFKC", text).strip()


def is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return len(value) == 0
    return False


def as_text(ctx: Checking, value: object, *, sub: str | None = None, allow_int: bool = True) -> str | None:
    """The value as text: a string, or an integer where digits are expected (Excel cells)."""
    if isinstance(value, str):
        return value
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    ctx.add("format", "应为文本", f"expected text, got {type(value).__name__}", sub=sub)
    return None


def plain(d: Decimal) -> str:
    """A decimal in plain notation without trailing zeros: 12.50 → "12.5", 1.2E+3 → "1200"."""
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


def is_ascii_digits(s: str) -> bool:
    return bool(s) and all("0" <= c <= "9" for c in s)


def check_length(ctx: Checking, text: str, lo: int | None, hi: int | None, *, sub: str | None = None) -> bool:
    """A type's own length limits (a name 2–50 characters); the first one broken is a finding."""
    n = len(text)
    if lo is not None and n < lo:
        ctx.add("range", *too_short(lo, n), sub=sub)
        return False
    if hi is not None and n > hi:
        ctx.add("range", *too_long(hi, n), sub=sub)
        return False
    return True


def too_short(least: int, n: int) -> tuple[str, str]:
    """The message (zh, en) for a text of ``n`` characters under its ``least``."""
    return f"至少应有{least}个字符（当前为{n}个）", f"must have at least {least} characters, got {n}"


def too_long(most: int, n: int) -> tuple[str, str]:
    """The message (zh, en) for a text of ``n`` characters over its ``most``."""
    return f"不能超过{most}个字符（当前为{n}个）", f"must have at most {most} characters, got {n}"
