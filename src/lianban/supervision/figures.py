"""Figures from the case store (监督统计), under the statutory working-day calendar.

A :class:`Period` narrows everything to the cases accepted on its China days (both ends
included); items and their deadlines count with their case. "Now" is the China date the clock
gives (:meth:`lianban.clock.Clock.today`): a promised date before it is overdue (超期), one
within :data:`lianban.cases.review.SOON_WORKING_DAYS` working days of it is due soon (临期).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lianban.calendar import CHINA_TZ, china_date, due_date, working_days_between
from lianban.cases.schema import Case, CaseItem

_Cols = TypeVarTuple("_Cols")  # the columns of a select
FINISHED = ("completed", "partially_completed", "rejected")
OPEN_ITEM = ("waiting", "queued", "dispatched", "accepted", "correction_required", "failed")
SOON_WORKING_DAYS = 2  # 临期: as the department worklist counts it


@dataclass(frozen=True)
class Period:
    """Cases accepted from ``start`` to ``end`` (China days, both included); None: no bound."""

    start: date | None = None
    end: date | None = None

    def instants(self) -> tuple[datetime | None, datetime | None]:
        """The period as UTC-comparable instants: [start 00:00 Beijing, the day after end 00:00)."""
        low = datetime.combine(self.start, time(0), tzinfo=CHINA_TZ) if self.start else None
        high = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=CHINA_TZ) if self.end else None
        return low, high

    def as_json(self) -> dict[str, str | None]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


def within(query: Select[*_Cols], period: Period) -> Select[*_Cols]:
    """``query`` (over :class:`Case`) narrowed to the cases accepted in ``period``."""
    low, high = period.instants()
    if low is not None:
        query = query.where(Case.accepted_at >= low)
    if high is not None:
        query = query.where(Case.accepted_at < high)
    return query


@dataclass(frozen=True)
class ThemeFigures:
    theme_id: str
    by_status: dict[str, int]
    by_channel: dict[str, int]
    finished: int
    on_time: int  # finished by the promised date (承诺时限)
    on_time_legal: int  # finished by the legal date (法定时限)
    median_working_days: float | None
    overdue_items: int


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _grouped(rows: Iterable[Any]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for key, sub, n in rows:
        out.setdefault(key, {})[sub] = n
    return out


def theme_figures(session: Session, today: date, period: Period | None = None) -> list[ThemeFigures]:
    """Each theme's figures for the cases accepted in ``period`` (default: all)."""
    period = period or Period()
    counts = _grouped(
        session.execute(
            within(select(Case.theme_id, Case.status, func.count()), period).group_by(
                Case.theme_id, Case.status
            )
        )
    )
    channels = _grouped(
        session.execute(
            within(select(Case.theme_id, Case.channel, func.count()), period).group_by(
                Case.theme_id, Case.channel
            )
        )
    )
    overdue: dict[str, int] = dict(
        session.execute(
            within(
                select(Case.theme_id, func.count())
                .join(CaseItem, CaseItem.case_id == Case.case_id)
                .where(CaseItem.status.in_(OPEN_ITEM), CaseItem.promised_due_date < today),
                period,
            ).group_by(Case.theme_id)
        ).all()
    )
    out: list[ThemeFigures] = []
    for theme_id, by_status in sorted(counts.items()):
        finished = list(
            session.execute(
                within(
                    select(Case.accepted_at, Case.updated_at, Case.promised_due_date, Case.due_date)
                    .where(Case.theme_id == theme_id, Case.status.in_(FINISHED))
                    .order_by(Case.updated_at.desc())
                    .limit(10000),
                    period,
                )
            )
        )
        # days of the calendar in China, as the due dates were counted (a case finished at 23:30
        # UTC finished on the next day there)
        days = [working_days_between(china_date(a), china_date(u)) for a, u, _p, _l in finished]
        out.append(
            ThemeFigures(
                theme_id=theme_id,
                by_status=by_status,
                by_channel=channels.get(theme_id, {}),
                finished=len(finished),
                on_time=sum(1 for _a, u, promised, _l in finished if china_date(u) <= promised),
                on_time_legal=sum(1 for _a, u, _p, legal in finished if china_date(u) <= legal),
                median_working_days=statistics.median(days) if days else None,
                overdue_items=overdue.get(theme_id, 0),
            )
        )
    return out


def as_json(figures: ThemeFigures) -> dict[str, Any]:
    return {
        "theme_id": figures.theme_id,
        "cases": sum(figures.by_status.values()),
        "by_status": figures.by_status,
        "by_channel": figures.by_channel,
        "finished": figures.finished,
        "on_time_rate": _rate(figures.on_time, figures.finished),
        "on_time_rate_legal": _rate(figures.on_time_legal, figures.finished),
        "median_working_days_to_completion": figures.median_working_days,
        "overdue_items": figures.overdue_items,
    }


def empty_theme(theme_id: str) -> dict[str, Any]:
    """The figures of a theme no case in the period is filed under."""
    return as_json(ThemeFigures(theme_id, {}, {}, 0, 0, 0, None, 0))


def overall(session: Session, period: Period | None = None) -> dict[str, Any]:
    """On-time rates and the median over every theme's finished cases together."""
    finished = list(
        session.execute(
            within(
                select(Case.accepted_at, Case.updated_at, Case.promised_due_date, Case.due_date)
                .where(Case.status.in_(FINISHED))
                .order_by(Case.updated_at.desc())
                .limit(50000),
                period or Period(),
            )
        )
    )
    days = [working_days_between(china_date(a), china_date(u)) for a, u, _p, _l in finished]
    return {
        "finished": len(finished),
        "on_time_rate": _rate(sum(1 for _a, u, p, _l in finished if china_date(u) <= p), len(finished)),
        "on_time_rate_legal": _rate(
            sum(1 for _a, u, _p, legal in finished if china_date(u) <= legal), len(finished)
        ),
        "median_working_days_to_completion": statistics.median(days) if days else None,
    }


def department_deadlines(
    session: Session, today: date, period: Period | None = None
) -> dict[str, dict[str, int]]:
    """Per department: open items, overdue ones (超期) and those due soon (临期)."""
    soon = due_date(today, SOON_WORKING_DAYS).due_date
    out: dict[str, dict[str, int]] = {}
    rows = session.execute(
        within(
            select(CaseItem.department, CaseItem.promised_due_date, func.count())
            .join(Case, Case.case_id == CaseItem.case_id)
            .where(CaseItem.status.in_(OPEN_ITEM), Case.status != "withdrawn"),
            period or Period(),
        ).group_by(CaseItem.department, CaseItem.promised_due_date)
    )
    for department, promised, n in rows:
        counted = out.setdefault(department, {"open_items": 0, "overdue_items": 0, "due_soon_items": 0})
        counted["open_items"] += n
        if promised < today:
            counted["overdue_items"] += n
        elif promised <= soon:
            counted["due_soon_items"] += n
    return out
