"""Opening an uploaded employee sheet and finding its layout (表头识别): which field each column
holds, by the hidden key row or by the headings (keys, Chinese and English labels, the theme's
batch-table titles), with unknown and doubled columns named by their letter.

A file that is not a readable .xlsx (an old .xls, a damaged file, a zip that inflates too far) is
refused with :class:`~lianban.forms.sheet.columns.SheetRefused`. Reading uses openpyxl in
read-only mode: one pass, rows stream, memory stays flat. Every XML part is parsed with defusedxml
(openpyxl picks it up when it is installed, and :func:`_refuse_dtd` checks each part's prolog
first): an .xlsx whose XML declares a DTD or entities (a billion laughs, an external file) is
refused as a bad request before openpyxl opens it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from lianban.catalog.model import Theme
from lianban.forms.issues import FieldIssue
from lianban.forms.sheet.columns import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    PARTS,
    SHEET_NAMES,
    Column,
    SheetRefused,
    columns_of,
    loose,
)
from lianban.forms.spec import FormField

__all__ = ["MAX_INFLATED_BYTES", "Layout", "find_layout", "header_aliases", "header_text", "open_sheet"]

# An .xlsx is a zip: refuse one that would inflate past this before openpyxl reads it (zip bomb).
MAX_INFLATED_BYTES = 256 * 1024 * 1024
# Columns employers add by habit and that carry nothing to file (序号 = the running number).
_IGNORED_HEADERS = frozenset({"序号", "编号", "no", "no.", "#"})


_DTD_REFUSED = SheetRefused(
    "文件中的 XML 含有文档类型定义（DTD）或实体声明，Excel 和 WPS 不会这样保存：请用模板重新填写后上传",
    "the file's XML declares a DTD or entities, which Excel and WPS never write: "
    "fill in the template again and upload it",
    status=400,
)


def _refuse_dtd(archive: zipfile.ZipFile) -> None:
    """Refuse a package any of whose XML parts declares a DTD (with defusedxml, forbid_dtd). A
    DTD can only stand in the prolog, so each part is parsed up to its root element only."""
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as part:
            try:
                for _event, _element in iterparse(part, events=("start",), forbid_dtd=True):
                    break
            except DefusedXmlException:
                raise _DTD_REFUSED from None
            except Exception:  # broken XML: openpyxl says so below, as a damaged file
                continue


def open_sheet(data: bytes) -> ReadOnlyWorksheet:
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
            if inflated > MAX_INFLATED_BYTES:
                raise SheetRefused(
                    "文件解压后过大，不像员工花名册：请只保留员工信息后重新上传",
                    "the file inflates to too much data for an employee sheet",
                )
            _refuse_dtd(archive)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        if isinstance(exc, SheetRefused):
            raise
        raise not_xlsx from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken package
        raise SheetRefused(
            "文件已损坏或不是有效的 Excel 工作簿（.xlsx），无法读取",
            "the file is damaged or not a valid Excel workbook (.xlsx)",
        ) from None
    sheets = [ws for ws in book.worksheets if isinstance(ws, ReadOnlyWorksheet)]
    for ws in sheets:
        if ws.title in SHEET_NAMES.values():
            return ws
    if not sheets:
        raise not_xlsx
    return sheets[0]


def header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass
class Layout:
    """Which field each sheet column holds, found from the header rows."""

    columns: dict[int, Column]  # 0-based column index → column
    headers: dict[int, str]  # 0-based column index → the header as written
    named: set[int]  # every column with a heading, known or not
    first_data_row: int
    issues: list[FieldIssue]


def header_aliases(theme: Theme, fields: Sequence[FormField]) -> dict[str, Column]:
    """Every accepted header → its column: keys, Chinese and English labels, batch-table titles."""
    out: dict[str, Column] = {}
    titles: dict[str, list[str]] = {}
    for bc in theme.batch_table.columns if theme.batch_table else ():
        titles.setdefault(bc.key, []).append(bc.title)
    for f in fields:
        whole = Column(f)
        names = [f.key, f.definition.label.zh, f.definition.label.en, *titles.get(f.key, [])]
        for name in names:
            out.setdefault(loose(name), whole)
        for part in columns_of(f) if f.definition.type in PARTS else []:
            for name in (part.key, part.label("zh"), part.label("en")):
                out[loose(name)] = part
    return out


def find_layout(header: Sequence[Any], second: Sequence[Any], aliases: Mapping[str, Column]) -> Layout:
    keys = [header_text(v) for v in second]
    known_keys = {c.key for c in aliases.values()}
    key_row = any(k in known_keys for k in keys)
    texts = [header_text(v) for v in header]
    columns: dict[int, Column] = {}
    headers: dict[int, str] = {}
    issues: list[FieldIssue] = []
    seen: dict[str, int] = {}
    for j in range(max(len(texts), len(keys) if key_row else 0)):
        text = texts[j] if j < len(texts) else ""
        key = keys[j] if key_row and j < len(keys) else ""
        column = aliases.get(loose(key)) if key else None
        column = column or (aliases.get(loose(text)) if text else None)
        letter = get_column_letter(j + 1)
        if column is None:
            if text and loose(text) not in _IGNORED_HEADERS:
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
    return Layout(columns, headers, named, first, issues)
