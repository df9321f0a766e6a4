"""The drafts table (草稿): one row per applicant (or window clerk) and theme."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from lianban.db import Base
from lianban.security.fieldcrypt import ProtectedJSON, Shape
from lianban.security.lookup import LookupHash


class Draft(Base):
    __tablename__ = "drafts"

    owner: Mapped[str] = mapped_column(LookupHash(), primary_key=True)  # who is typing: a keyed hash
    theme_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    form: Mapped[dict[str, Any]] = mapped_column(ProtectedJSON("drafts.form", Shape.FORM))
    situation: Mapped[dict[str, Any]] = mapped_column(JSON)
    items: Mapped[list[Any] | None] = mapped_column(JSON)
    materials: Mapped[list[Any]] = mapped_column(JSON)
    step: Mapped[str | None] = mapped_column(String(40))  # where the page was (情形, 表单, 材料, 确认)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
