"""The instructions sheet of the employee sheet (填表说明): the rules of filling it in, and for every
column its heading, whether it is required, its format, where data sharing fills it, its options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import FieldType, PrefillSource, Theme
from lianban.forms.sheet.columns import Column, Language, column_options

__all__ = ["add_instructions"]

_GUIDE_NAMES = {"zh": "填表说明", "en": "Instructions"}

# Data-sharing sources that know an employee by ID number (SharingHub.prefill_person).
_PERSON_SOURCES: dict[PrefillSource, tuple[str, str]] = {
    PrefillSource.POPULATION: ("人口库", "the population register"),
    PrefillSource.EDUCATION: ("学历信息", "education records"),
    PrefillSource.SOCIAL_INSURANCE: ("社保参保信息", "social insurance records"),
    PrefillSource.ARCHIVES: ("档案存放信息", "the archive service"),
}


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


def _format_text(catalogue: Catalogue, column: Column, lang: Language) -> str:
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
        if column_options(catalogue, column, lang) is not None:
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


def _notes(column: Column, lang: Language) -> str:
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


def add_instructions(
    book: Workbook,
    catalogue: Catalogue,
    theme: Theme,
    columns: Sequence[Column],
    options: Sequence[Mapping[str, str] | None],
    lang: Language,
    max_rows: int,
) -> None:
    """The 填表说明 sheet, second in ``book``."""
    texts = _texts(lang)
    ws = book.create_sheet(_GUIDE_NAMES[lang], 1)
    ws.append([texts["title"].format(theme=theme.name if lang == "zh" else theme.name_en)])
    ws["A1"].font = Font(bold=True, size=14)
    for rule in _rules(lang, max_rows):
        ws.append([rule])
    ws.append([])
    ws.append(texts["head"].split("|"))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for j, (column, column_choices) in enumerate(zip(columns, options, strict=True), start=1):
        ws.append(
            [
                get_column_letter(j),
                column.label(lang),
                texts["required"] if column.required else texts["optional"],
                _format_text(catalogue, column, lang),
                _notes(column, lang),
                _options_text(column_choices, lang),
            ]
        )
    for letter, width in zip("ABCDEF", (6, 28, 8, 40, 48, 60), strict=True):
        ws.column_dimensions[letter].width = width
