"""Tables of the ratings room (好差评). They grow with cases, so each carries ``case_id`` in its key."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianban.db import Base


class Rating(Base):
    """One applicant's rating of a finished case, or of one finished item (一次一评、一事一评)."""

    __tablename__ = "ratings"

    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), primary_key=True)
    rating_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    target: Mapped[str] = mapped_column(String(60))  # "case", or the item_id rated
    rater: Mapped[str] = mapped_column(String(100))
    theme_id: Mapped[str] = mapped_column(String(100), index=True)
    level: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    comment: Mapped[str | None] = mapped_column(Text)
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    __table_args__ = (UniqueConstraint("case_id", "rater", "target", name="uq_ratings_once"),)


class RatedDepartment(Base):
    """A department a rating concerns: one row each, so figures per department are one GROUP BY."""

    __tablename__ = "rated_departments"

    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), primary_key=True)
    rating_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    department: Mapped[str] = mapped_column(String(30), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)


class FollowUp(Base):
    """The follow-up of a 差评 for one department (差评整改): open → contacted → rectified/closed."""

    __tablename__ = "rating_follow_ups"

    case_id: Mapped[str] = mapped_column(String(40), ForeignKey("cases.case_id"), primary_key=True)
    follow_up_id: Mapped[str] = mapped_column(String(60), primary_key=True)  # <case_id>-<n>
    rating_id: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    contact_due_date: Mapped[date] = mapped_column(Date)  # 核实: contact the applicant by then
    due_date: Mapped[date] = mapped_column(Date, index=True)  # 整改: rectify and answer by then
    contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)  # the department's latest answer
    steps: Mapped[list[Any]] = mapped_column(JSON)  # [{at, status, answer, by}], all of them
    applicant_level: Mapped[int | None] = mapped_column(Integer)  # the applicant's rating of the answer
    applicant_comment: Mapped[str | None] = mapped_column(Text)
    applicant_rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
