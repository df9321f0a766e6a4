"""The answer of an upload check (上传校验结果): what the file is, and every rule it breaks as a
``FieldIssue`` on ``materials.<id>``, named by the material's Chinese and English name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lianban.catalog.model import Material
from lianban.forms.issues import FieldIssue, IssueCode

__all__ = ["MaterialFindings", "UploadCheck"]


@dataclass(frozen=True)
class UploadCheck:
    """What an upload is and which of its material's rules it breaks (``issues``; none = accepted).

    ``checks`` is the JSON-ready summary for the ``checks`` object of ``POST /api/v1/uploads``.
    """

    detected_type: str
    size_bytes: int
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    issues: list[FieldIssue] = field(default_factory=list)
    checks: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no issue is an error (warnings do not stop the upload)."""
        return not any(i.severity == "error" for i in self.issues)


class MaterialFindings:
    """Collects issues for one material; every issue is on ``materials.<id>``."""

    def __init__(self, material: Material) -> None:
        self.field = f"materials.{material.id}"
        self.name_zh = material.name
        self.name_en = material.name_en or material.id
        self.issues: list[FieldIssue] = []

    @property
    def ok(self) -> bool:
        """No error found so far: the next, costlier check is worth running."""
        return not any(i.severity == "error" for i in self.issues)

    def add(
        self,
        code: IssueCode,
        zh: str,
        en: str,
        severity: Literal["error", "warning"] = "error",
    ) -> None:
        self.issues.append(
            FieldIssue(self.field, code, f"{self.name_zh}{zh}", f"{self.name_en}: {en}", severity)
        )
