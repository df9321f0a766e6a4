"""The data rows of an uploaded employee sheet (数据行): each cell converted to the value a form
carries — Excel dates → ``YYYY-MM-DD``, an ID number or phone typed as a number → its digits
without ``.0``, option labels → codes — with empty rows skipped and the row count limited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from lianban.catalog.model import FieldType
from lianban.forms.issues import FieldIssue
from lianban.forms.sheet.columns import HEADER_ROW, TEXT_TYPES, Column, SheetRefused, loose
from lianban.forms.sheet.layout import Layout

__all__ = ["Row", "read_rows"]

_MULTI_SEPARATORS = re.compile(r"[,，、;；]")


def _number_text(value: float | int) -> str:
    """A number typed into a text column, as its digits: 13800000000.0 → "13800000000"."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(format(value, ".15g")), "f")
    return str(value)


def _convert(column: Column, value: Any, number_format: str | None, options: Mapping[str, str] | None) -> Any:
    """One cell → the value a form would carry (None for an empty cell)."""
    if value is None:
        return None
    t = column.type
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    elif isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        if t in (FieldType.MONTH, FieldType.MONTH_RANGE):
            return f"{day:%Y-%m}"
        return day.isoformat()
    elif isinstance(value, time):
        return value.isoformat()
    elif isinstance(value, bool):
        if t is FieldType.BOOLEAN:
            return value
        value = "true" if value else "false"
    elif isinstance(value, int | float):
        if t is FieldType.PERCENT and number_format and "%" in number_format:
            value = Decimal(format(value, ".15g")) * 100  # a cell formatted 12% holds 0.12
            return format(value.normalize(), "f")
        if t in TEXT_TYPES or column.part is not None:
            value = _number_text(value)
        elif isinstance(value, float):
            return int(value) if value.is_integer() else format(Decimal(format(value, ".15g")), "f")
        else:
            return value
    if options and isinstance(value, str):  # options: normalised shown text → code
        if t is FieldType.CODES:
            parts = [p.strip() for p in _MULTI_SEPARATORS.split(value) if p.strip()]
            return [options.get(loose(p), p) for p in parts]
        code = options.get(loose(value))
        if code is not None:
            return {"true": True, "false": False}.get(code, code) if t is FieldType.BOOLEAN else code
    return value


@dataclass
class Row:
    number: int  # the sheet row
    values: dict[str, Any]
    numeric: set[str]  # columns (keys) whose cell held a long number (an ID typed as a number)


def read_rows(
    stream: Iterable[Sequence[Any]],
    layout: Layout,
    options: Mapping[int, Mapping[str, str] | None],
    max_rows: int,
) -> tuple[list[Row], list[FieldIssue]]:
    """The employees of the data rows (``stream`` starts at ``layout.first_data_row``)."""
    rows: list[Row] = []
    issues: list[FieldIssue] = []
    stray: set[int] = set()
    parts = [c for c in layout.columns.values() if c.part is not None]
    for number, cells in enumerate(stream, start=layout.first_data_row):
        raw = [getattr(c, "value", None) for c in cells]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        if len(rows) >= max_rows:
            raise SheetRefused(
                f"表格中的员工超过 {max_rows} 名（每个表格最多 {max_rows} 名）：请分成几个表格分别上传",
                f"the sheet has more than {max_rows} employees (at most {max_rows} per sheet): split it",
            )
        values: dict[str, Any] = {}
        numeric: set[str] = set()
        for j, cell in enumerate(cells):
            value = raw[j]
            column = layout.columns.get(j)
            if column is None:
                if value not in (None, "") and j not in layout.named:
                    stray.add(j)
                continue
            converted = _convert(column, value, getattr(cell, "number_format", None), options.get(j))
            if converted is None:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e15:
                numeric.add(column.key)
            if column.part is None:
                values[column.field.key] = converted
            else:
                values.setdefault(column.field.key, {})[column.part] = converted
        for column in parts:  # a period or an address with only some of its parts given
            given = values.get(column.field.key)
            if isinstance(given, dict):
                given.setdefault(column.part or "", None)
        rows.append(Row(number, values, numeric))
    for j in sorted(stray):
        letter = get_column_letter(j + 1)
        issues.append(
            FieldIssue(
                f"columns.{letter}",
                "format",
                f"{letter} 列有数据但没有栏目名称：请在第 {HEADER_ROW} 行填写栏目名称或删除该列",
                f"column {letter} has data but no heading",
            )
        )
    return rows, issues
