"""A table of figures as an Excel workbook (导出 .xlsx), safe to open.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) would be
taken by a spreadsheet for a formula (formula injection, OWASP): every text cell goes through the
employee sheet's :func:`~lianban.forms.sheet.template.neutralise_formula`, so it stays text, shown
as typed and never evaluated. Numbers stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lianban.forms.sheet.template import neutralise_formula

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | float | None


def table_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], note: str = "") -> bytes:
    """One sheet: the title, an optional note (the period), the headings in bold, the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\'")[:31] or "figures"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    if note:
        sheet.append([note])
    sheet.append(list(headers))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for line in sheet.iter_rows():
        for cell in line:
            neutralise_formula(cell)  # type: ignore[arg-type]
    for i, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) * 2 + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
