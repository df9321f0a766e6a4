"""Writing the employee sheet (员工花名册模板): the workbook an employer downloads and fills in.

One column per employee field (Shangrao's order follows its batch table), the Chinese label in row 1
(``*`` marks a required column), the canonical key in a hidden row 2 so that a re-ordered sheet
still maps, drop-downs for code lists (a hidden 代码表 sheet holds the options), date columns formatted
as dates, ID-number and phone columns as text (so Excel does not turn an ID number into
3.61102E+17), and the 填表说明 sheet (:mod:`~lianban.forms.sheet.guide`). :func:`build_sheet` fills
it with rows as an employer would (labels in drop-down columns, date cells); tests and the benchmark
use it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import FieldType, Theme
from lianban.forms.sheet.columns import (
    DEFAULT_MAX_ROWS,
    FIRST_DATA_ROW,
    HEADER_ROW,
    KEY_ROW,
    SHEET_NAMES,
    TEXT_TYPES,
    Column,
    Language,
    column_options,
    employee_fields,
    template_columns,
)
from lianban.forms.sheet.guide import add_instructions

__all__ = ["build_sheet", "employee_sheet_template", "sheet_filename"]

_LISTS_SHEET = "代码表"


def _width(column: Column, header: str) -> float:
    wide = {
        FieldType.ID_NUMBER: 22,
        FieldType.ADDRESS: 36 if column.part == "detail" else 12,
        FieldType.STRING: 20,
        FieldType.TEXT: 30,
        FieldType.CODES: 30,
        FieldType.DATE: 13,
        FieldType.DATE_RANGE: 13,
    }
    return float(max(wide.get(column.type, 14), min(40, len(header) * 2 + 2)))


_NUMBER_FORMATS = {
    FieldType.DATE: "yyyy-mm-dd",
    FieldType.DATE_RANGE: "yyyy-mm-dd",
    FieldType.MONTH: "yyyy-mm",
    FieldType.MONTH_RANGE: "yyyy-mm",
    FieldType.MONEY: "0.00",
}


def _number_format(column: Column) -> str:
    return "@" if column.type in TEXT_TYPES else _NUMBER_FORMATS.get(column.type, "General")


class _Template:
    """The workbook being written: the employee sheet, its instructions and the option lists."""

    def __init__(
        self,
        catalogue: Catalogue,
        theme: Theme,
        columns: list[Column],
        lang: Language,
        *,
        capacity: int,
        max_rows: int,
    ) -> None:
        self.catalogue, self.theme, self.columns, self.lang = catalogue, theme, columns, lang
        self.options = [column_options(catalogue, c, lang) for c in columns]
        self.book = Workbook()
        sheet = self.book.active
        assert sheet is not None  # a new workbook has one sheet
        self.sheet: Worksheet = sheet
        self.sheet.title = SHEET_NAMES[lang]
        self._header(capacity)
        add_instructions(self.book, catalogue, theme, columns, self.options, lang, max_rows)

    def _header(self, capacity: int) -> None:
        ws = self.sheet
        bold, red = Font(bold=True), Font(bold=True, color="C00000")
        fill = PatternFill("solid", fgColor="DDEBF7")
        lists = self.book.create_sheet(_LISTS_SHEET)
        lists.sheet_state = "hidden"
        list_column = 0
        last_row = FIRST_DATA_ROW + capacity - 1
        for j, (column, options) in enumerate(zip(self.columns, self.options, strict=True), start=1):
            letter = get_column_letter(j)
            header = ("*" if column.required else "") + column.label(self.lang)
            cell = ws.cell(HEADER_ROW, j, header)
            cell.font = red if column.required else bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            key_cell = ws.cell(KEY_ROW, j, column.key)
            key_cell.font = Font(size=8, color="808080")
            dim = ws.column_dimensions[letter]
            dim.width = _width(column, header)
            dim.number_format = _number_format(column)
            if options is None or column.type is FieldType.CODES:
                continue  # a multiple choice is typed: Excel's list picks one value only
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(1, list_column, column.key)
            for i, text in enumerate(options, start=2):
                lists.cell(i, list_column, text)
            source = f"'{_LISTS_SHEET}'!${list_letter}$2:${list_letter}${len(options) + 1}"
            dv = DataValidation(
                type="list",
                formula1=source,
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle=column.label(self.lang),
                error="Choose from the list" if self.lang == "en" else "请从下拉列表中选择",
            )
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
            ws.add_data_validation(dv)
        ws.row_dimensions[HEADER_ROW].height = 32
        ws.row_dimensions[KEY_ROW].hidden = True
        ws.freeze_panes = f"A{FIRST_DATA_ROW}"

    def write_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        by_field: dict[str, list[tuple[int, Column, dict[str, str] | None]]] = {}
        for j, (column, options) in enumerate(zip(self.columns, self.options, strict=True), start=1):
            by_field.setdefault(column.field.key, []).append((j, column, options))
        ws = self.sheet
        for i, row in enumerate(rows):
            r = FIRST_DATA_ROW + i
            for key, value in row.items():
                targets = by_field.get(key)
                if targets is None:
                    if key in self.catalogue.fields:
                        continue  # a computed or hidden field: the server fills it
                    raise ValueError(f"row {i}: {key} is not an employee field of {self.theme.id}")
                for j, column, options in targets:
                    part = value.get(column.part) if column.part and isinstance(value, Mapping) else value
                    if column.part == "detail" and isinstance(value, str):
                        part = value  # an address given as one text is its street address
                    cell = ws.cell(r, j, _cell(column, part, options))
                    cell.number_format = _number_format(column)
                    neutralise_formula(cell)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


# What Excel, WPS and LibreOffice take for the start of a formula (formula or DDE injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(cell: Cell) -> None:
    """A text that starts like a formula (``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``) stays text:
    a string cell with Excel's quote prefix (shown as typed, never evaluated, not even after the
    cell is edited), its value unchanged so the sheet reads back as typed. openpyxl would
    otherwise write any string starting with ``=`` as a formula."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def _cell(column: Column, value: Any, options: Mapping[str, str] | None) -> Any:
    """A canonical value as an employer types it: labels, date cells, numbers, text."""
    if value is None:
        return None
    shown = {code: text for text, code in (options or {}).items()}
    t = column.type
    if t is FieldType.BOOLEAN:
        return shown.get("true" if value else "false")
    if t is FieldType.CODES and isinstance(value, list | tuple):
        return "、".join(shown.get(str(v), str(v)) for v in value)
    if t is FieldType.CODE:
        return shown.get(str(value), str(value))
    if t in (FieldType.DATE, FieldType.DATE_RANGE) and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if t in (FieldType.MONTH, FieldType.MONTH_RANGE) and isinstance(value, str):
        m = re.fullmatch(r"(\d{4})-(\d{2})", value)
        return date(int(m[1]), int(m[2]), 1) if m else value
    if t in (FieldType.MONEY, FieldType.DECIMAL, FieldType.PERCENT, FieldType.INTEGER):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return value
        return int(number) if number == number.to_integral_value() else float(number)
    return str(value)


def employee_sheet_template(
    catalogue: Catalogue,
    theme: Theme,
    language: Language = "zh",
    *,
    items: list[str] | None = None,
    situation: Mapping[str, str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> bytes:
    """The empty employee sheet of an employer theme (.xlsx bytes), for ``items`` and ``situation``
    (default: every item, the default situation). Raises :class:`NotAnEmployerTheme`."""
    return build_sheet(catalogue, theme, [], language, items=items, situation=situation, max_rows=max_rows)


def build_sheet(
    catalogue: Catalogue,
    theme: Theme,
    rows: Sequence[Mapping[str, Any]],
    language: Language = "zh",
    *,
    items: list[str] | None = None,
    situation: Mapping[str, str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> bytes:
    """The template filled with ``rows`` (canonical ``form.employees`` values) the way an employer
    fills it: option labels, date cells, numbers as numbers, ID numbers as text."""
    columns = template_columns(employee_fields(catalogue, theme, items, situation))
    template = _Template(
        catalogue, theme, columns, language, capacity=max(max_rows, len(rows)), max_rows=max_rows
    )
    template.write_rows(rows)
    return template.save()


def sheet_filename(theme: Theme, language: Language = "zh") -> str:
    return f"{theme.name}-员工花名册.xlsx" if language == "zh" else f"{theme.id}-employees.xlsx"
