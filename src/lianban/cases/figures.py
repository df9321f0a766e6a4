"""Figures supervisors watch (监督): cases by theme and status, on-time rate, working days to
completion, overdue sub-items — from the case store, under the statutory working-day calendar."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianban.calendar import china_date, working_days_between
from lianban.cases.schema import Case, CaseItem

FINISHED = ("completed", "partially_completed", "rejected")
OPEN_ITEM = ("waiting", "queued", "dispatched", "accepted", "correction_required", "failed")


@dataclass(frozen=True)
class ThemeFigures:
    theme_id: str
    by_status: dict[str, int]
    finished: int
    on_time: int
    median_working_days: float | None
    overdue_items: int


def theme_figures(session: Session, today: date) -> list[ThemeFigures]:
    """Each theme's figures; ``today`` is the China date (:meth:`lianban.clock.Clock.today`)."""
    counts: dict[str, dict[str, int]] = {}
    for theme_id, status, n in session.execute(
        select(Case.theme_id, Case.status, func.count()).group_by(Case.theme_id, Case.status)
    ):
        counts.setdefault(theme_id, {})[status] = n
    overdue: dict[str, int] = dict(
        session.execute(
            select(Case.theme_id, func.count())
            .join(CaseItem, CaseItem.case_id == Case.case_id)
            .where(CaseItem.status.in_(OPEN_ITEM), CaseItem.promised_due_date < today)
            .group_by(Case.theme_id)
        ).all()
    )
    out: list[ThemeFigures] = []
    for theme_id, by_status in sorted(counts.items()):
        finished = list(
            session.execute(
                select(Case.accepted_at, Case.updated_at, Case.promised_due_date)
                .where(Case.theme_id == theme_id, Case.status.in_(FINISHED))
                .order_by(Case.updated_at.desc())
                .limit(10000)
            )
        )
        # days of the calendar in China, as the due dates were counted (a case finished at 23:30
        # UTC finished on the next day there)
        days = [working_days_between(china_date(a), china_date(u)) for a, u, _ in finished]
        on_time = sum(1 for _a, u, due in finished if china_date(u) <= due)
        out.append(
            ThemeFigures(
                theme_id=theme_id,
                by_status=by_status,
                finished=len(finished),
                on_time=on_time,
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
        "finished": figures.finished,
        "on_time_rate": round(figures.on_time / figures.finished, 4) if figures.finished else None,
        "median_working_days_to_completion": figures.median_working_days,
        "overdue_items": figures.overdue_items,
    }
