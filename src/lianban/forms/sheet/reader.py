"""Reading and checking an uploaded employee sheet (花名册读取与校验): :func:`read_employee_sheet`.

Columns are mapped (:mod:`~lianban.forms.sheet.layout`), cells converted
(:mod:`~lianban.forms.sheet.rows`), and every row checked exactly as a filing checks it
(:func:`~lianban.forms.submission.check_submission`, so there is one set of validators). Each
problem names ``employees[i].<key>`` and, in its message, the sheet row and column:
``第 7 行 C 列（公民身份号码）：校验位错误：应为 5``; the same person twice is a conflict.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Any

from openpyxl.utils import get_column_letter

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import FieldType, Theme
from lianban.forms.issues import FieldIssue, Findings
from lianban.forms.regions import RegionSettings
from lianban.forms.sheet.columns import (
    DEFAULT_MAX_ROWS,
    FIRST_DATA_ROW,
    HEADER_ROW,
    SheetRefused,
    column_options,
    employee_fields,
    loose,
)
from lianban.forms.sheet.layout import Layout, find_layout, header_aliases, header_text, open_sheet
from lianban.forms.sheet.rows import Row, read_rows
from lianban.forms.spec import FormField
from lianban.forms.submission import check_submission

__all__ = ["EmployeeSharing", "SheetResult", "read_employee_sheet"]


@dataclass
class SheetResult(Findings):
    """What an uploaded sheet says: one employee per non-empty row, and every problem found."""

    employees: list[dict[str, Any]]
    issues: list[FieldIssue]
    rows: list[int] = field(default_factory=list)  # the sheet row of each employee


_ISSUE_FIELD = re.compile(r"employees\[(\d+)\]\.(.+)")


def _strip_label(message: str, prefixes: Iterable[str]) -> str:
    for prefix in prefixes:
        if prefix and message.startswith(prefix) and len(message) > len(prefix):
            return message[len(prefix) :].lstrip("：:，, ")
    return message


_NUMERIC_HINT = (
    "（该单元格是数字格式，Excel 只保留 15 位有效数字，后几位可能已被改动：请把该列设为文本格式后重新填写）",
    " (the cell is a number: Excel keeps only 15 digits, so the last ones may have changed; "
    "format the column as text and type it again)",
)


def _locate(
    issue: FieldIssue,
    rows: Sequence[Row],
    layout: Layout,
    fields: Mapping[str, FormField],
) -> FieldIssue:
    """The issue with the sheet row and column in its messages: 第 7 行 C 列（公民身份号码）：…"""
    m = _ISSUE_FIELD.fullmatch(issue.field)
    if m is None:
        return issue
    index, rest = int(m[1]), m[2]
    row = rows[index]
    columns = sorted(layout.columns.items())
    exact = [(j, c) for j, c in columns if rest == c.key or rest.startswith(c.key + ".")]
    whole = [(j, c) for j, c in columns if c.part is not None and rest == c.field.key]
    found = max(exact, key=lambda jc: len(jc[1].key)) if exact else whole[0] if whole else None
    zh, en = issue.message_zh, issue.message_en
    if found is not None:
        j, column = found
        letter = get_column_letter(j + 1)
        header = layout.headers[j]
        label = column.field.definition.label
        zh = _strip_label(zh, (header, column.label("zh"), label.zh))
        en = _strip_label(en, (column.label("en"), label.en))
        if column.key in row.numeric and issue.severity == "error":
            zh, en = zh + _NUMERIC_HINT[0], en + _NUMERIC_HINT[1]
        zh = f"第 {row.number} 行 {letter} 列（{header}）：{zh}"
        en = f"row {row.number}, column {letter} ({column.label('en')}): {en}"
    else:
        key = next((k for k in fields if rest == k or rest.startswith(k + ".")), None)
        if key is not None:
            label = fields[key].definition.label
            zh = f"第 {row.number} 行（{label.zh}，表中没有此栏）：{_strip_label(zh, (label.zh,))}"
            en = (
                f"row {row.number} ({label.en}, no such column in the sheet): {_strip_label(en, (label.en,))}"
            )
        else:
            zh, en = f"第 {row.number} 行：{zh}", f"row {row.number}: {en}"
    return FieldIssue(issue.field, issue.code, zh, en, issue.severity)


def _duplicates(rows: Sequence[Row], layout: Layout) -> list[FieldIssue]:
    """The same person twice in one sheet (by an ID-number column)."""
    issues: list[FieldIssue] = []
    for j, column in sorted(layout.columns.items()):
        if column.type is not FieldType.ID_NUMBER:
            continue
        first: dict[str, int] = {}
        for i, row in enumerate(rows):
            value = row.values.get(column.key)
            if not isinstance(value, str):
                continue
            number = re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).upper()
            if number in first:
                letter, earlier = get_column_letter(j + 1), rows[first[number]].number
                issues.append(
                    FieldIssue(
                        f"employees[{i}].{column.key}",
                        "conflict",
                        f"第 {row.number} 行 {letter} 列（{layout.headers[j]}）：与第 {earlier} 行重复，同一名员工只填一行",
                        f"row {row.number}, column {letter} ({column.label('en')}): "
                        f"the same as row {earlier}; one row per employee",
                    )
                )
            else:
                first[number] = i
    return issues


def _parse(
    catalogue: Catalogue, theme: Theme, fields: Sequence[FormField], data: bytes, max_rows: int
) -> tuple[list[Row], Layout, list[FieldIssue]]:
    """One pass over the sheet: the header rows, then every data row."""
    stream = iter(open_sheet(data).rows)  # read-only: rows are parsed as they stream
    header = [getattr(c, "value", None) for c in next(stream, ())]
    second = next(stream, None)
    if not any(header_text(v) for v in header):
        raise SheetRefused(
            f"第 {HEADER_ROW} 行没有栏目名称：请使用本主题的员工花名册模板",
            f"row {HEADER_ROW} has no headings: use the theme's employee sheet template",
        )
    layout = find_layout(
        header, [getattr(c, "value", None) for c in second or ()], header_aliases(theme, fields)
    )
    if not layout.columns:
        raise SheetRefused(
            "表格中没有可识别的栏目：请使用本主题的员工花名册模板",
            "no column of the sheet is an employee field of this theme: use the theme's template",
        )
    options = {
        j: {
            loose(text): code
            for lang in ("en", "zh")
            for text, code in (column_options(catalogue, c, lang) or {}).items()
        }
        for j, c in layout.columns.items()
    }
    data_rows = (
        stream if layout.first_data_row == FIRST_DATA_ROW or second is None else chain([second], stream)
    )
    rows, stray = read_rows(data_rows, layout, options, max_rows)
    return rows, layout, layout.issues + stray


EmployeeSharing = Callable[[Sequence[Mapping[str, Any]]], tuple[list[dict[str, Any]], list[dict[str, Any]]]]


def read_employee_sheet(
    catalogue: Catalogue,
    theme: Theme,
    data: bytes,
    *,
    items: list[str] | None = None,
    situation: Mapping[str, str] | None = None,
    form: Mapping[str, Any] | None = None,
    prefill: Mapping[str, Any] | None = None,
    facts: Mapping[str, Any] | None = None,
    sharing: EmployeeSharing | None = None,
    today: date | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    regions: Mapping[str, RegionSettings],
) -> SheetResult:
    """Read and check an uploaded employee sheet (``regions``: the deployment's region figures).

    ``items``, ``situation`` and ``form`` (the employer fields) are those the application will
    be filed with: they decide which columns are required. ``sharing`` gives each row's verified
    values and facts (``web.sharing.employee_sharing``), so the rows are checked as the filing
    will check them. Raises :class:`SheetRefused` for a file that cannot be read as a sheet and
    :class:`NotAnEmployerTheme` for a person's theme.
    """
    fields = employee_fields(catalogue, theme, items, situation)
    by_key = {f.key: f for f in fields}
    rows, layout, issues = _parse(catalogue, theme, fields, data, max_rows)
    if not rows:
        issues.append(
            FieldIssue(
                "employees",
                "required",
                f"表格中没有员工数据：从第 {layout.first_data_row} 行起每行填写一名员工",
                f"the sheet has no employees: one per row from row {layout.first_data_row}",
            )
        )
        return SheetResult([], issues, [])
    values = [r.values for r in rows]
    employee_prefill, employee_facts = sharing(values) if sharing else ([], [])
    checked = check_submission(
        catalogue,
        theme,
        items=items,
        situation=situation,
        form={**(form or {}), "employees": values},
        prefill=prefill,
        employee_prefill=employee_prefill,
        facts=facts,
        employee_facts=employee_facts,
        today=today or date.today(),
        regions=regions,
    )
    issues += [_locate(i, rows, layout, by_key) for i in checked.issues if i.field.startswith("employees[")]
    issues += _duplicates(rows, layout)
    refused: set[tuple[int, str]] = set()
    for issue in checked.errors:
        m = _ISSUE_FIELD.fullmatch(issue.field)
        if m is not None:
            refused.add((int(m[1]), next((k for k in by_key if m[2] == k or m[2].startswith(k + ".")), m[2])))
    # what the sheet said, in canonical form; a value with an error stays as typed (never the
    # verified value that replaced it: the employer sees its own entry to correct)
    employees = [
        {
            key: given if (i, key) in refused else normalised.get(key, given)
            for key, given in row.values.items()
        }
        for i, (row, normalised) in enumerate(zip(rows, checked.employees, strict=True))
    ]
    return SheetResult(employees, issues, [r.number for r in rows])
