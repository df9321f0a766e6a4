"""Tables of the connectors room: how dispatch reaches each department, where operators override it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
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


class DepartmentHealth(Base):
    """How dispatch last found a department's system (部门系统可用性): reached (``ok``) or not
    (``failing``), when, and the last error. Written by the workers when the state changes (or
    at most once a minute while it holds), so sends to one department do not queue on its row."""

    __tablename__ = "department_health"

    department: Mapped[str] = mapped_column(String(30), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))  # ok | failing
    last_ok_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
