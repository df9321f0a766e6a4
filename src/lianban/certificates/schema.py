"""The certificates table (电子证照).

Only what the certificate itself shows is stored in the clear: the document, its number, the
issuer, the dates and the holder's name masked (张*三) — the public verification page shows these
and nothing of the case. The signed PDF is kept once made, so every download is the same file.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lianban.db import Base


class Certificate(Base):
    __tablename__ = "certificates"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # the verification code (QR)
    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), index=True)
    item_id: Mapped[str] = mapped_column(String(60))
    department: Mapped[str] = mapped_column(String(30), index=True)
    document_code: Mapped[str] = mapped_column(String(60))
    document_name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(200))
    holder: Mapped[str] = mapped_column(String(100))  # masked
    issued_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # valid | revoked
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)  # signed on first download
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
