"""A case and its sub-items as their answer shows them (办件及子件): plain values, not ORM objects —
built from the rows a filing (受理) wrote (:func:`lianban.cases.filing.prepare_case`) or from the
rows one case's read returns (:mod:`lianban.cases.reading`, its columns in these fields' order)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class FiledItem:
    """A sub-item as filing wrote it (what the answer to the filing shows)."""

    item_id: str
    code: str
    employee: int | None
    department: str
    status: str
    legal_due_date: date
    promised_due_date: date
    updated_at: datetime
    receipt_no: str | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> FiledItem:
        return cls(**{name: row[name] for name in _FILED_FIELDS})


_FILED_FIELDS = (
    "item_id",
    "code",
    "employee",
    "department",
    "status",
    "legal_due_date",
    "promised_due_date",
    "updated_at",
)


@dataclass(slots=True)
class FiledCase:
    """The case as filing writes it (what the answer to the filing shows; a plain value, not an
    ORM object: building one cost a filing more than the rest of its answer); its 办件编号 is set
    once taken in the transaction."""

    case_id: str
    case_no: str | None
    theme_id: str
    status: str
    channel: str
    accepted_at: datetime
    due_date: date
    promised_due_date: date

    @classmethod
    def of(cls, row: dict[str, Any]) -> FiledCase:
        return cls(
            row["case_id"],
            row["case_no"],
            row["theme_id"],
            row["status"],
            row["channel"],
            row["accepted_at"],
            row["due_date"],
            row["promised_due_date"],
        )
