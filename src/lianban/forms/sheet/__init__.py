"""The employee sheet (员工花名册): an employer's new hires as an Excel workbook, out and back in.

An employer hiring many people (批量导入) does not type a thousand rows into a web form: it
downloads the theme's sheet, fills it in Excel or WPS and uploads it. The flow:

1. ``GET /api/v1/themes/{theme_id}/employee-sheet`` → :func:`employee_sheet_template`: one column
   per per-employee field of the theme's merged form (多表合一; Shangrao's order follows its
   batch table), the Chinese label in row 1 (``*`` marks a required column), the canonical key in
   a hidden row 2 so that a re-ordered sheet still maps, drop-downs for code lists (the label is
   shown; reading stores the code), date columns formatted as dates, ID-number and phone columns
   as text, and a 填表说明 sheet listing every column, whether it is required, its format and where
   data sharing fills it. A period (劳动合同起止时间) is two columns, start and end; an address is
   its street address and its division code.
2. ``POST /api/v1/themes/{theme_id}/employee-sheet`` (multipart ``file``) →
   :func:`read_employee_sheet`: columns mapped by key or label (the theme's batch-table titles
   count as labels too), cells converted, empty rows skipped, and every row checked exactly as a
   filing checks it. Each problem names ``employees[i].<key>`` and, in its message, the sheet row
   and column.
3. The employer files ``POST /api/v1/applications`` with ``form.employees`` = the employees the
   upload returned, plus the employer fields (表头).

The parts: :mod:`~lianban.forms.sheet.columns` (which columns a theme's sheet has),
:mod:`~lianban.forms.sheet.template` and :mod:`~lianban.forms.sheet.guide` (writing the workbook and
its 填表说明), :mod:`~lianban.forms.sheet.layout`, :mod:`~lianban.forms.sheet.rows` and
:mod:`~lianban.forms.sheet.reader` (reading an upload and checking its rows). A file that is not a
readable .xlsx, or has more rows than allowed (default 5,000), is refused with
:class:`SheetRefused`. Written by hand on top of openpyxl: mapping a sheet to a theme's canonical
fields is this project's own job.
"""

from lianban.forms.sheet.columns import (
    DEFAULT_MAX_ROWS,
    XLSX_MEDIA_TYPE,
    Language,
    NotAnEmployerTheme,
    SheetRefused,
)
from lianban.forms.sheet.reader import EmployeeSharing, SheetResult, read_employee_sheet
from lianban.forms.sheet.template import build_sheet, employee_sheet_template, sheet_filename

__all__ = [
    "DEFAULT_MAX_ROWS",
    "XLSX_MEDIA_TYPE",
    "EmployeeSharing",
    "Language",
    "NotAnEmployerTheme",
    "SheetRefused",
    "SheetResult",
    "build_sheet",
    "employee_sheet_template",
    "read_employee_sheet",
    "sheet_filename",
]
