"""A table of figures as an Excel workbook (导出 .xlsx), safe to open.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) would be
read by a spreadsheet as a formula (CSV/formula injection, OWASP): such text is written with a
leading apostrophe, so it shows as typed and never runs. Numbers stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def neutralised(value: Cell) -> Cell:
    """``value`` as a cell that cannot be a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], note: str = "") -> bytes:
    """One sheet: the title, an optional note (the period), the headings in bold, the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\'")[:31] or "figures"
    sheet.append([neutralised(title)])
    sheet["A1"].font = Font(bold=True, size=13)
    if note:
        sheet.append([neutralised(note)])
    sheet.append([neutralised(h) for h in headers])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralised(v) for v in row])
    for i, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) * 2 + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
