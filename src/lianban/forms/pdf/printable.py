"""What is printed (套打内容): the printable application as plain data, built by
:mod:`lianban.forms.printing` from the form spec and laid out by :mod:`lianban.forms.pdf.layout`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEFAULT_DATE_LABEL",
    "DEFAULT_SIGNATURE_LABEL",
    "EMPLOYER_SEAL_LABEL",
    "EMPLOYER_SIGNATURE_LABEL",
    "PrintBatch",
    "PrintField",
    "PrintSection",
    "PrintableApplication",
]

DEFAULT_SIGNATURE_LABEL = "申请人（签字）"
DEFAULT_DATE_LABEL = "年    月    日"
EMPLOYER_SIGNATURE_LABEL = "单位经办人（签章）"
EMPLOYER_SEAL_LABEL = "申请单位（盖章）"


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintField:
    label: str
    value: str


@dataclass(frozen=True)
class PrintSection:
    title: str
    fields: list[PrintField]


@dataclass(frozen=True)
class PrintBatch:
    """The employer's table: header fields, one row per employee under ``columns``, footer fields."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    header: list[PrintField]
    footer: list[PrintField]


@dataclass(frozen=True)
class PrintableApplication:
    title: str
    theme_name: str
    case_ref: str | None
    applicant_name: str
    sections: list[PrintSection]
    materials: list[tuple[str, str]]  # (material name, how provided: 电子证照/数据共享/申请人提交/系统生成)
    commitment: str | None
    signature_label: str = DEFAULT_SIGNATURE_LABEL
    date_label: str = DEFAULT_DATE_LABEL
    batch: PrintBatch | None = None
