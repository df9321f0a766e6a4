"""Free text (文本): one line (``string``) or several (``text``), without control characters."""

from __future__ import annotations

import re
from decimal import Decimal

from lianban.catalog.model import FieldType
from lianban.forms.fieldtypes.checking import Checking, as_text
from lianban.forms.fieldtypes.registry import field_type

# Unicode's control characters (category Cc: U+0000–U+001F, U+007F–U+009F); a multi-line text
# may hold line feeds and tabs
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _check_string(ctx: Checking, value: object, *, multiline: bool) -> str | None:
    if isinstance(value, Decimal) and value.is_finite():
        value = str(value)
    raw = as_text(ctx, value)
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


@field_type(FieldType.STRING, validators="text")
def _check_line(ctx: Checking, value: object) -> str | None:
    return _check_string(ctx, value, multiline=False)


@field_type(FieldType.TEXT, validators="text")
def _check_text(ctx: Checking, value: object) -> str | None:
    return _check_string(ctx, value, multiline=True)
