"""Field-level findings of validation and eligibility, with stable codes and messages in two languages.

Codes (API.md): ``required``, ``format``, ``checksum``, ``range``, ``code_list``, ``locked``,
``ineligible``, ``conflict``; warnings use the same shape with ``severity="warning"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

IssueCode = Literal[
    "required", "format", "checksum", "range", "code_list", "locked", "ineligible", "conflict"
]


@dataclass(frozen=True)
class FieldIssue:
    """One problem with one field (or condition, or material): ``field`` names it exactly."""

    field: str
    code: IssueCode
    message_zh: str
    message_en: str
    severity: Literal["error", "warning"] = "error"

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh


class Findings:
    """What a check found, split by severity (for results that carry ``issues``)."""

    issues: list[FieldIssue]

    @property
    def errors(self) -> list[FieldIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[FieldIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors
