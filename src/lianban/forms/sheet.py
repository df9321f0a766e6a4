"""The employee sheet (员工花名册): an employer's new hires as an Excel workbook, out and back in.

An employer hiring many people (批量导入) does not type a thousand rows into a web form: it
downloads the theme's sheet, fills it in Excel or WPS and uploads it. The flow:

1. ``GET /api/v1/themes/{theme_id}/employee-sheet`` → :func:`employee_sheet_template`: one column
   per per-employee field of the theme's merged form (多表合一; Shangrao's order follows its
   batch table), the Chinese label in row 1 (``*`` marks a required column), the canonical key in
   a hidden row 2 so that a re-ordered sheet still maps, drop-downs for code lists (the label is
   shown; reading stores the code), date columns formatted as dates, ID-number and phone columns
   as text (so Excel does not turn an ID number into 3.61102E+17), and a 填表说明 sheet listing
   every column, whether it is required, its format and where data sharing fills it. A period
   (劳动合同起止时间) is two columns, start and end; an address is its street address and its
   division code.
2. ``POST /api/v1/themes/{theme_id}/employee-sheet`` (multipart ``file``) →
   :func:`read_employee_sheet`: columns mapped by key or label (the theme's batch-table titles
   count as labels too), cells converted (Excel dates → ``YYYY-MM-DD``, an ID number or phone
   typed as a number → its digits without ``.0``, option labels → codes), empty rows skipped,
   and every row checked exactly as a filing checks it (:func:`~lianban.forms.submission.
   check_submission`, so there is one set of validators). Each problem names
   ``employees[i].<key>`` and, in its message, the sheet row and column:
   ``第 7 行 C 列（公民身份号码）：校验位错误：应为 5``.
3. The employer files ``POST /api/v1/applications`` with ``form.employees`` = the employees the
   upload returned, plus the employer fields (表头).

:func:`build_sheet` fills the template with rows as an employer would (labels in drop-down
columns, date cells); tests and the benchmark use it.

Reading uses openpyxl in read-only mode: one pass, rows stream, memory stays flat. A file that
is not a readable .xlsx, or has more rows than allowed (default 5,000), is refused with
:class:`SheetRefused`. Written by hand on top of openpyxl: mapping a sheet to a
theme's canonical fields is this project's own job.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from itertools import chain
from typing import Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import FieldType, PrefillSource, Theme
from lianban.forms.issues import FieldIssue, Findings
from lianban.forms.spec import FormField, build_form
from lianban.forms.submission import check_submission

__all__ = [
    "DEFAULT_MAX_ROWS",
    "XLSX_MEDIA_TYPE",
    "Language",
    "NotAnEmployerTheme",
    "SheetRefused",
    "SheetResult",
    "build_sheet",
    "employee_sheet_template",
    "read_employee_sheet",
    "sheet_filename",
]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_MAX_ROWS = 5000
HEADER_ROW, KEY_ROW, FIRST_DATA_ROW = 1, 2, 3
# An .xlsx is a zip: refuse one that would inflate past this before openpyxl reads it (zip bomb).
MAX_INFLATED_BYTES = 256 * 1024 * 1024

Language = Literal["zh", "en"]

_SHEET_NAMES = {"zh": "员工花名册", "en": "Employees"}
_GUIDE_NAMES = {"zh": "填表说明", "en": "Instructions"}
_LISTS_SHEET = "代码表"
_MULTI_SEPARATORS = re.compile(r"[,，、;；]")
# Columns employers add by habit and that carry nothing to file (序号 = the running number).
_IGNORED_HEADERS = frozenset({"序号", "编号", "no", "no.", "#"})

# The parts of a composite field that get a column each; the suffixes are the validator's own
# (validate._SUBS), so that a message about a part begins with the column's header.
_PARTS: dict[FieldType, tuple[tuple[str, str, str], ...]] = {
    FieldType.DATE_RANGE: (("start", "（开始）", " (start)"), ("end", "（结束）", " (end)")),
    FieldType.MONTH_RANGE: (("start", "（开始）", " (start)"), ("end", "（结束）", " (end)")),
    FieldType.ADDRESS: (
        ("detail", "（详细地址）", " (street address)"),
        ("region", "（行政区划）", " (division)"),
    ),
}
_TEXT_TYPES = frozenset(
    {
        FieldType.ID_NUMBER,
        FieldType.USCC,
        FieldType.MOBILE,
        FieldType.PHONE,
        FieldType.BANK_ACCOUNT,
        FieldType.REGION,
        FieldType.STRING,
        FieldType.TEXT,
        FieldType.NAME,
        FieldType.EMAIL,
        FieldType.ADDRESS,
        FieldType.CODE,
        FieldType.CODES,
    }
)
# Data-sharing sources that know an employee by ID number (SharingHub.prefill_person).
_PERSON_SOURCES: dict[PrefillSource, tuple[str, str]] = {
    PrefillSource.POPULATION: ("人口库", "the population register"),
    PrefillSource.EDUCATION: ("学历信息", "education records"),
    PrefillSource.SOCIAL_INSURANCE: ("社保参保信息", "social insurance records"),
    PrefillSource.ARCHIVES: ("档案存放信息", "the archive service"),
}


class NotAnEmployerTheme(ValueError):
    """A person's theme: it has no employees, so no employee sheet."""


class SheetRefused(ValueError):
    """The upload is not a sheet that can be read (not .xlsx, corrupt, too many rows, no columns)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en

    @property
    def issue(self) -> FieldIssue:
        return FieldIssue("file", "format", self.message_zh, self.message_en)


@dataclass
class SheetResult(Findings):
    """What an uploaded sheet says: one employee per non-empty row, and every problem found."""

    employees: list[dict[str, Any]]
    issues: list[FieldIssue]
    rows: list[int] = field(default_factory=list)  # the sheet row of each employee


# ------------------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class _Column:
    """One sheet column: a whole employee field, or one part of a composite one."""

    field: FormField
    part: str | None = None
    suffix_zh: str = ""
    suffix_en: str = ""

    @property
    def key(self) -> str:
        return f"{self.field.key}.{self.part}" if self.part else self.field.key

    @property
    def type(self) -> FieldType:
        return self.field.definition.type

    @property
    def required(self) -> bool:
        # an address's division and a period's end may stay empty (validate.py)
        return self.field.required and self.part not in ("region", "end")

    def label(self, lang: Language) -> str:
        label = self.field.definition.label
        return label.en + self.suffix_en if lang == "en" else label.zh + self.suffix_zh


def _is_computed(f: FormField) -> bool:
    """月缴存额 and the like: the server computes them; a sheet need not carry them."""
    return f.definition.prefill is PrefillSource.COMPUTED and f.definition.compute is not None


def _columns_of(f: FormField) -> list[_Column]:
    parts = _PARTS.get(f.definition.type)
    if not parts:
        return [_Column(f)]
    return [_Column(f, part, zh, en) for part, zh, en in parts]


def _employee_fields(
    catalogue: Catalogue, theme: Theme, items: list[str] | None, situation: Mapping[str, str] | None
) -> list[FormField]:
    """The theme's per-employee fields, in its batch table's order where it has one."""
    if theme.applicant_type != "employer":
        raise NotAnEmployerTheme(f"{theme.id} is applied for by a person: it has no employee sheet")
    fields = build_form(catalogue, theme, items, situation).employee_fields
    if theme.batch_table is not None:
        rank = {c.key: i for i, c in reversed(list(enumerate(theme.batch_table.columns)))}
        fields.sort(key=lambda f: rank.get(f.key, len(rank)))  # stable: the rest keep form order
    return fields


def _template_columns(fields: Sequence[FormField]) -> list[_Column]:
    return [c for f in fields if f.visible and not _is_computed(f) for c in _columns_of(f)]


# ------------------------------------------------------------------------------------- options


def _options(catalogue: Catalogue, column: _Column, lang: Language) -> dict[str, str] | None:
    """Shown text → code for a drop-down column; None for free text or a long list."""
    d = column.field.definition
    if d.type is FieldType.BOOLEAN:
        return {"是": "true", "否": "false"} if lang == "zh" else {"Yes": "true", "No": "false"}
    if d.type not in (FieldType.CODE, FieldType.CODES) or not d.code_list:
        return None
    cl = catalogue.code_lists[d.code_list]
    if len(cl.codes) > 300:  # regions: typed as codes, as the form's options (spec._options) do
        return None
    shown: dict[str, str] = {}
    labels = [(c.label_en or c.label) if lang == "en" else c.label for c in cl.codes]
    for c, label in zip(cl.codes, labels, strict=True):
        text = f"{label}（{c.code}）" if labels.count(label) > 1 else label
        shown[text] = c.code
    return shown


def _normal(text: str) -> str:
    """Header and option text compared loosely: full-width forms, spaces, ``*`` and case."""
    return re.sub(r"[\s*]", "", unicodedata.normalize("NFKC", text)).casefold()


# ------------------------------------------------------------------------------------- writing


def _texts(lang: Language) -> dict[str, str]:
    if lang == "en":
        return {
            "required": "yes",
            "optional": "no",
            "title": "{theme} — employee sheet: how to fill it in",
            "head": "Column|Heading|Required|Format|Notes|Options",
        }
    return {
        "required": "是",
        "optional": "否",
        "title": "{theme} 员工花名册 填表说明",
        "head": "列|栏目|必填|填写格式|说明|可选值",
    }


def _rules(lang: Language, max_rows: int) -> list[str]:
    if lang == "en":
        return [
            "1. One new employee per row, from row 3 on. Do not change the headings in row 1; the "
            "hidden row 2 holds the field keys, so columns may be moved.",
            "2. Columns marked * are required. Columns that data sharing verifies (see Notes) may be "
            "left empty: the platform fills them from the ID number; a value given must match.",
            "3. Dates as Excel dates or YYYY-MM-DD. Keep ID, phone and account numbers as text: Excel "
            "keeps only 15 digits of a number.",
            "4. Choose from the drop-down where there is one; separate several choices with 、 or a comma.",
            f"5. Empty rows are ignored. At most {max_rows} employees per sheet.",
            "6. After upload every row is checked and each problem names its row and column; "
            "correct the sheet and upload it again.",
        ]
    return [
        "1. 从第 3 行起每行填写一名新招用员工。第 1 行栏目名称请勿修改；第 2 行（隐藏）是系统识别栏目用的字段键，可以调整列的顺序。",
        "2. 带 * 的栏目为必填。可由数据共享核验的栏目（见“说明”）可以留空，系统按公民身份号码带出；填写的须与核验信息一致。",
        "3. 日期填写为 Excel 日期或 YYYY-MM-DD。公民身份号码、手机号码、账号请保持文本格式，不要转为数字（Excel 只保留 15 位有效数字）。",
        "4. 有下拉列表的栏目请从列表中选择；可多选的栏目用顿号“、”或逗号分隔。",
        f"5. 空行会被忽略；每个表格最多 {max_rows} 名员工。",
        "6. 上传后系统逐行校验，问题会指出第几行第几列；修改后重新上传即可。",
    ]


def _format_text(catalogue: Catalogue, column: _Column, lang: Language) -> str:
    d = column.field.definition
    t, en = d.type, lang == "en"
    lo = next((v.min for v in d.validators if v.min is not None), None)
    hi = next((v.max for v in d.validators if v.max is not None), None)
    longest = next((v.max_length for v in d.validators if v.max_length is not None), None)
    if column.part == "region" or t is FieldType.REGION:
        return (
            "6-digit division code (GB/T 2260), e.g. 361102"
            if en
            else "6位行政区划代码（GB/T 2260），如 361102"
        )
    if column.part == "detail":
        text = "street address" if en else "详细地址"
    elif t in (FieldType.DATE, FieldType.DATE_RANGE):
        text = "date, e.g. 2025-07-01" if en else "日期，如 2025-07-01"
        if column.part == "end":
            text += "; empty for an open-ended period" if en else "；无固定期限可留空"
    elif t in (FieldType.MONTH, FieldType.MONTH_RANGE):
        text = "month, e.g. 2025-07" if en else "年月，如 2025-07"
    elif t is FieldType.ID_NUMBER:
        text = "18-character resident ID number, as text" if en else "18位公民身份号码，文本格式，末位可为 X"
    elif t is FieldType.MOBILE:
        text = "11-digit mobile number" if en else "11位手机号码"
    elif t is FieldType.PHONE:
        text = "mobile, or fixed line with area code" if en else "手机号码或带区号的固定电话，如 0793-8221234"
    elif t is FieldType.MONEY:
        text = "amount in yuan, at most 2 decimals" if en else "金额（元），最多两位小数"
    elif t is FieldType.PERCENT:
        text = "percentage: 12 means 12 %" if en else "百分数：12 表示 12%"
    elif t in (FieldType.INTEGER, FieldType.DECIMAL):
        text = "number" if en else "数字"
    elif t is FieldType.CODE:
        if _options(catalogue, column, lang) is not None:
            text = "choose from the list" if en else "从下拉列表选择"
        else:
            name = catalogue.code_lists[d.code_list or ""].name
            text = f"a code of {name}" if en else f"填写《{name}》中的代码"
    elif t is FieldType.CODES:
        text = "one or more, separated by 、" if en else "可多选，用顿号“、”分隔"
    elif t is FieldType.BOOLEAN:
        text = "yes or no" if en else "是/否"
    elif t is FieldType.BANK_ACCOUNT:
        text = "account number, as text" if en else "银行账号，文本格式"
    elif t is FieldType.NAME:
        text = "name" if en else "姓名"
    elif t is FieldType.EMAIL:
        text = "e-mail address" if en else "电子邮箱"
    else:
        text = "text" if en else "文字"
    if lo is not None or hi is not None:
        low, high = (None if x is None else format(Decimal(repr(x)).normalize(), "f") for x in (lo, hi))
        bounds = f"{low}–{high}" if low and high else f"≥ {low}" if low else f"≤ {high}"
        text += f" ({bounds})" if en else f"（{bounds}）"
    if longest is not None:
        text += f", at most {longest} characters" if en else f"，不超过 {longest} 个字"
    return text


def _notes(column: _Column, lang: Language) -> str:
    d = column.field.definition
    out: list[str] = []
    source = _PERSON_SOURCES.get(d.prefill)
    if source is not None:
        out.append(
            f"may be left empty: filled from {source[1]} by ID number"
            if lang == "en"
            else f"可留空：按公民身份号码从{source[0]}核验带出"
        )
    if d.help is not None:
        out.append(d.help.en if lang == "en" else d.help.zh)
    return "; ".join(out) if lang == "en" else "；".join(out)


def _options_text(options: Mapping[str, str] | None, lang: Language) -> str:
    if not options:
        return ""
    shown = list(options)
    if len(shown) > 60:
        return f"{len(shown)} options (drop-down)" if lang == "en" else f"共 {len(shown)} 项（下拉选择）"
    return ", ".join(shown) if lang == "en" else "、".join(shown)


def _width(column: _Column, header: str) -> float:
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


def _number_format(column: _Column) -> str:
    return "@" if column.type in _TEXT_TYPES else _NUMBER_FORMATS.get(column.type, "General")


class _Template:
    """The workbook being written: the employee sheet, its instructions and the option lists."""

    def __init__(
        self,
        catalogue: Catalogue,
        theme: Theme,
        columns: list[_Column],
        lang: Language,
        *,
        capacity: int,
        max_rows: int,
    ) -> None:
        self.catalogue, self.theme, self.columns, self.lang = catalogue, theme, columns, lang
        self.options = [_options(catalogue, c, lang) for c in columns]
        self.book = Workbook()
        sheet = self.book.active
        assert sheet is not None  # a new workbook has one sheet
        self.sheet: Worksheet = sheet
        self.sheet.title = _SHEET_NAMES[lang]
        self._header(capacity)
        self._instructions(max_rows)

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

    def _instructions(self, max_rows: int) -> None:
        texts = _texts(self.lang)
        ws = self.book.create_sheet(_GUIDE_NAMES[self.lang], 1)
        ws.append([texts["title"].format(theme=self.theme.name if self.lang == "zh" else self.theme.name_en)])
        ws["A1"].font = Font(bold=True, size=14)
        for rule in _rules(self.lang, max_rows):
            ws.append([rule])
        ws.append([])
        ws.append(texts["head"].split("|"))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for j, (column, options) in enumerate(zip(self.columns, self.options, strict=True), start=1):
            ws.append(
                [
                    get_column_letter(j),
                    column.label(self.lang),
                    texts["required"] if column.required else texts["optional"],
                    _format_text(self.catalogue, column, self.lang),
                    _notes(column, self.lang),
                    _options_text(options, self.lang),
                ]
            )
        for letter, width in zip("ABCDEF", (6, 28, 8, 40, 48, 60), strict=True):
            ws.column_dimensions[letter].width = width

    def write_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        by_field: dict[str, list[tuple[int, _Column, dict[str, str] | None]]] = {}
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

    def save(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def _cell(column: _Column, value: Any, options: Mapping[str, str] | None) -> Any:
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
    columns = _template_columns(_employee_fields(catalogue, theme, items, situation))
    template = _Template(
        catalogue, theme, columns, language, capacity=max(max_rows, len(rows)), max_rows=max_rows
    )
    template.write_rows(rows)
    return template.save()


def sheet_filename(theme: Theme, language: Language = "zh") -> str:
    return f"{theme.name}-员工花名册.xlsx" if language == "zh" else f"{theme.id}-employees.xlsx"


# ------------------------------------------------------------------------------------- reading


def _open(data: bytes) -> ReadOnlyWorksheet:
    """The employee sheet of an uploaded workbook, or :class:`SheetRefused`."""
    not_xlsx = SheetRefused(
        "文件不是 Excel 工作簿（.xlsx）：请下载员工花名册模板填写后上传，WPS 或 Excel 请另存为 .xlsx 格式",
        "the file is not an Excel workbook (.xlsx): fill in the employee sheet template and save it as .xlsx",
    )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetRefused(
            "文件是旧版 Excel 97-2003 格式（.xls）：请另存为 .xlsx 格式后上传",
            "the file is an old Excel 97-2003 workbook (.xls): save it as .xlsx and upload again",
        )
    if not data.startswith(b"PK"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_xlsx from None
    if inflated > MAX_INFLATED_BYTES:
        raise SheetRefused(
            "文件解压后过大，不像员工花名册：请只保留员工信息后重新上传",
            "the file inflates to too much data for an employee sheet",
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken package
        raise SheetRefused(
            "文件已损坏或不是有效的 Excel 工作簿（.xlsx），无法读取",
            "the file is damaged or not a valid Excel workbook (.xlsx)",
        ) from None
    sheets = [ws for ws in book.worksheets if isinstance(ws, ReadOnlyWorksheet)]
    for ws in sheets:
        if ws.title in _SHEET_NAMES.values():
            return ws
    if not sheets:
        raise not_xlsx
    return sheets[0]


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass
class _Layout:
    """Which field each sheet column holds, found from the header rows."""

    columns: dict[int, _Column]  # 0-based column index → column
    headers: dict[int, str]  # 0-based column index → the header as written
    named: set[int]  # every column with a heading, known or not
    first_data_row: int
    issues: list[FieldIssue]


def _aliases(theme: Theme, fields: Sequence[FormField]) -> dict[str, _Column]:
    """Every accepted header → its column: keys, Chinese and English labels, batch-table titles."""
    out: dict[str, _Column] = {}
    titles: dict[str, list[str]] = {}
    for bc in theme.batch_table.columns if theme.batch_table else ():
        titles.setdefault(bc.key, []).append(bc.title)
    for f in fields:
        whole = _Column(f)
        names = [f.key, f.definition.label.zh, f.definition.label.en, *titles.get(f.key, [])]
        for name in names:
            out.setdefault(_normal(name), whole)
        for part in _columns_of(f) if f.definition.type in _PARTS else []:
            for name in (part.key, part.label("zh"), part.label("en")):
                out[_normal(name)] = part
    return out


def _layout(header: Sequence[Any], second: Sequence[Any], aliases: Mapping[str, _Column]) -> _Layout:
    keys = [_header_text(v) for v in second]
    known_keys = {c.key for c in aliases.values()}
    key_row = any(k in known_keys for k in keys)
    texts = [_header_text(v) for v in header]
    columns: dict[int, _Column] = {}
    headers: dict[int, str] = {}
    issues: list[FieldIssue] = []
    seen: dict[str, int] = {}
    for j in range(max(len(texts), len(keys) if key_row else 0)):
        text = texts[j] if j < len(texts) else ""
        key = keys[j] if key_row and j < len(keys) else ""
        column = aliases.get(_normal(key)) if key else None
        column = column or (aliases.get(_normal(text)) if text else None)
        letter = get_column_letter(j + 1)
        if column is None:
            if text and _normal(text) not in _IGNORED_HEADERS:
                issues.append(
                    FieldIssue(
                        f"columns.{letter}",
                        "format",
                        f"第 {HEADER_ROW} 行 {letter} 列的栏目“{text}”不是本主题员工信息的栏目：请删除该列，或改用模板中的栏目名称",
                        f"column {letter} ({text}) is not an employee field of this theme: "
                        "delete it or use a heading of the template",
                    )
                )
            continue
        clash = [k for k in (column.key, column.field.key) if k in seen] or [
            k for k in seen if k.startswith(column.key + ".")
        ]
        if clash:
            other = get_column_letter(seen[clash[0]] + 1)
            issues.append(
                FieldIssue(
                    f"columns.{letter}",
                    "conflict",
                    f"{letter} 列与 {other} 列都是“{column.label('zh')}”：请只保留一列",
                    f"columns {other} and {letter} both hold {column.label('en')}: keep one",
                )
            )
            continue
        seen[column.key] = j
        columns[j] = column
        headers[j] = text.strip("* ") or column.label("zh")
    first = FIRST_DATA_ROW if key_row else HEADER_ROW + 1
    named = {j for j, text in enumerate(texts) if text} | {j for j, key in enumerate(keys) if key and key_row}
    return _Layout(columns, headers, named, first, issues)


def _number_text(value: float | int) -> str:
    """A number typed into a text column, as its digits: 13800000000.0 → "13800000000"."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(format(value, ".15g")), "f")
    return str(value)


def _convert(
    column: _Column, value: Any, number_format: str | None, options: Mapping[str, str] | None
) -> Any:
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
        if t in _TEXT_TYPES or column.part is not None:
            value = _number_text(value)
        elif isinstance(value, float):
            return int(value) if value.is_integer() else format(Decimal(format(value, ".15g")), "f")
        else:
            return value
    if options and isinstance(value, str):  # options: normalised shown text → code
        if t is FieldType.CODES:
            parts = [p.strip() for p in _MULTI_SEPARATORS.split(value) if p.strip()]
            return [options.get(_normal(p), p) for p in parts]
        code = options.get(_normal(value))
        if code is not None:
            return {"true": True, "false": False}.get(code, code) if t is FieldType.BOOLEAN else code
    return value


@dataclass
class _Row:
    number: int  # the sheet row
    values: dict[str, Any]
    numeric: set[str]  # columns (keys) whose cell held a long number (an ID typed as a number)


def _read_rows(
    stream: Iterable[Sequence[Any]],
    layout: _Layout,
    options: Mapping[int, Mapping[str, str] | None],
    max_rows: int,
) -> tuple[list[_Row], list[FieldIssue]]:
    """The employees of the data rows (``stream`` starts at ``layout.first_data_row``)."""
    rows: list[_Row] = []
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
        rows.append(_Row(number, values, numeric))
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
    rows: Sequence[_Row],
    layout: _Layout,
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


def _duplicates(rows: Sequence[_Row], layout: _Layout) -> list[FieldIssue]:
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
) -> tuple[list[_Row], _Layout, list[FieldIssue]]:
    """One pass over the sheet: the header rows, then every data row."""
    stream = iter(_open(data).rows)  # read-only: rows are parsed as they stream
    header = [getattr(c, "value", None) for c in next(stream, ())]
    second = next(stream, None)
    if not any(_header_text(v) for v in header):
        raise SheetRefused(
            f"第 {HEADER_ROW} 行没有栏目名称：请使用本主题的员工花名册模板",
            f"row {HEADER_ROW} has no headings: use the theme's employee sheet template",
        )
    layout = _layout(header, [getattr(c, "value", None) for c in second or ()], _aliases(theme, fields))
    if not layout.columns:
        raise SheetRefused(
            "表格中没有可识别的栏目：请使用本主题的员工花名册模板",
            "no column of the sheet is an employee field of this theme: use the theme's template",
        )
    options = {
        j: {
            _normal(text): code
            for lang in ("en", "zh")
            for text, code in (_options(catalogue, c, lang) or {}).items()
        }
        for j, c in layout.columns.items()
    }
    data_rows = (
        stream if layout.first_data_row == FIRST_DATA_ROW or second is None else chain([second], stream)
    )
    rows, stray = _read_rows(data_rows, layout, options, max_rows)
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
) -> SheetResult:
    """Read and check an uploaded employee sheet.

    ``items``, ``situation`` and ``form`` (the employer fields) are those the application will
    be filed with: they decide which columns are required. ``sharing`` gives each row's verified
    values and facts (``web.sharing.employee_sharing``), so the rows are checked as the filing
    will check them. Raises :class:`SheetRefused` for a file that cannot be read as a sheet and
    :class:`NotAnEmployerTheme` for a person's theme.
    """
    fields = _employee_fields(catalogue, theme, items, situation)
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
