"""Tables of the connectors room: how dispatch reaches each department, where operators override it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from lianban.db import Base


class DepartmentRoute(Base):
    """An operator's override of where a department's new items go (推送方式): ``worklist`` sends
    them to staff in lianban instead of the department's system; no row (or ``system``) is the
    deployment's configuration. Read by every dispatcher, so all workers follow one switch."""

    __tablename__ = "department_routes"

    department: Mapped[str] = mapped_column(String(30), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))  # system | worklist
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str] = mapped_column(String(100))
