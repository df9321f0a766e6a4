"""The columns of the employee sheet (员工花名册的栏目): which employee fields a theme's sheet has,
in which order, one column per field or per part of a composite one, and their drop-down options.

Shared by the template (writing) and the reader (reading); also the sheet's errors that are not
about a row (:class:`SheetRefused`, :class:`NotAnEmployerTheme`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import FieldType, Theme
from lianban.forms.fieldtypes import PART_LABELS
from lianban.forms.issues import FieldIssue
from lianban.forms.spec import MAX_LISTED_OPTIONS, FormField, build_form

__all__ = [
    "DEFAULT_MAX_ROWS",
    "FIRST_DATA_ROW",
    "HEADER_ROW",
    "KEY_ROW",
    "PARTS",
    "SHEET_NAMES",
    "TEXT_TYPES",
    "XLSX_MEDIA_TYPE",
    "Column",
    "Language",
    "NotAnEmployerTheme",
    "SheetRefused",
    "column_options",
    "columns_of",
    "employee_fields",
    "loose",
    "template_columns",
]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_MAX_ROWS = 5000
HEADER_ROW, KEY_ROW, FIRST_DATA_ROW = 1, 2, 3

Language = Literal["zh", "en"]

SHEET_NAMES = {"zh": "员工花名册", "en": "Employees"}

# The parts of a composite field that get a column each, headed as the validator names the part
# (fieldtypes.PART_LABELS), so that a message about a part begins with the column's header.
PARTS: dict[FieldType, tuple[str, ...]] = {
    FieldType.DATE_RANGE: ("start", "end"),
    FieldType.MONTH_RANGE: ("start", "end"),
    FieldType.ADDRESS: ("detail", "region"),
}
# Columns formatted as text; a number typed into one is read back as its digits.
TEXT_TYPES = frozenset(
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


class NotAnEmployerTheme(ValueError):
    """A person's theme: it has no employees, so no employee sheet."""


class SheetRefused(ValueError):
    """The upload is not a sheet that can be read (not .xlsx, corrupt, too many rows, no columns);
    ``status`` 422, or 400 for a file no honest spreadsheet program writes (XML with a DTD)."""

    def __init__(self, message_zh: str, message_en: str, status: int = 422) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en, self.status = message_zh, message_en, status

    @property
    def issue(self) -> FieldIssue:
        return FieldIssue("file", "format", self.message_zh, self.message_en)


@dataclass(frozen=True)
class Column:
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
        # an address's division and a period's end may stay empty (fieldtypes)
        return self.field.required and self.part not in ("region", "end")

    def label(self, lang: Language) -> str:
        label = self.field.definition.label
        return label.en + self.suffix_en if lang == "en" else label.zh + self.suffix_zh


def columns_of(f: FormField) -> list[Column]:
    parts = PARTS.get(f.definition.type)
    if not parts:
        return [Column(f)]
    return [Column(f, part, *PART_LABELS[part]) for part in parts]


def employee_fields(
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


def template_columns(fields: Sequence[FormField]) -> list[Column]:
    """The sheet's columns: without the computed ones (月缴存额 and the like: the server computes them)."""
    return [c for f in fields if f.visible and not f.definition.computed for c in columns_of(f)]


def column_options(catalogue: Catalogue, column: Column, lang: Language) -> dict[str, str] | None:
    """Shown text → code for a drop-down column; None for free text or a long list."""
    d = column.field.definition
    if d.type is FieldType.BOOLEAN:
        return {"是": "true", "否": "false"} if lang == "zh" else {"Yes": "true", "No": "false"}
    if d.type not in (FieldType.CODE, FieldType.CODES) or not d.code_list:
        return None
    cl = catalogue.code_lists[d.code_list]
    if len(cl.codes) > MAX_LISTED_OPTIONS:  # regions: typed as codes, as in the form
        return None
    shown: dict[str, str] = {}
    labels = [(c.label_en or c.label) if lang == "en" else c.label for c in cl.codes]
    for c, label in zip(cl.codes, labels, strict=True):
        text = f"{label}（{c.code}）" if labels.count(label) > 1 else label
        shown[text] = c.code
    return shown


def loose(text: str) -> str:
    """Header and option text compared loosely: full-width forms, spaces, ``*`` and case."""
    return re.sub(r"[\s*]", "", unicodedata.normalize("NFKC", text)).casefold()
