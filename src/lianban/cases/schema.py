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
