"""Tables of the cases room.

``theme_versions`` keeps every theme definition a case may be accepted under (by content digest),
so a theme file changed later never changes a case in flight. Catalogue and code lists are small
reference tables (replicated when the database is distributed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from lianban.db import Base


class ThemeVersion(Base):
    """One version of a theme definition (主题版本), identified by the SHA-256 of its JSON."""

    __tablename__ = "theme_versions"

    theme_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    item_count: Mapped[int]
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Upload(Base):
    """An uploaded material file (上传材料): stored by content hash, owned by its uploader."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100), index=True)
    theme_id: Mapped[str | None] = mapped_column(String(100))
    material_id: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    detected_type: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int]
    checks: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
