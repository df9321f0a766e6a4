"""好差评 figures: counts per level, 差评 and 好评率 per theme and per department, and how the
departments' follow-ups stand (open, overdue). 好评率 is the share of ratings that are not 差评."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lianban.cases.schema import Case
from lianban.catalog.model import department_name
from lianban.ratings.schema import FollowUp, RatedDepartment, Rating
from lianban.ratings.service import RATEABLE_FOLLOW_UP, rating_json
from lianban.ratings.vocabulary import BAD_LEVELS, LEVELS, is_bad


def counts(by_level: dict[int, int]) -> dict[str, Any]:
    """Counts of one group of ratings: per level, 差评, 好评率."""
    total = sum(by_level.values())
    bad = sum(n for level, n in by_level.items() if is_bad(level))
    return {
        "ratings": total,
        "by_level": {str(level): by_level.get(level, 0) for level in sorted(LEVELS, reverse=True)},
        "good": total - bad,
        "bad": bad,
        "good_rate": round((total - bad) / total, 4) if total else None,
    }


def _grouped(rows: Iterable[Any]) -> dict[str, dict[int, int]]:
    out: dict[str, dict[int, int]] = {}
    for key, level, n in rows:
        out.setdefault(key, {})[level] = n
    return out


_Cols = TypeVarTuple("_Cols")  # the columns of a select
Accepted = tuple[datetime | None, datetime | None]


def _of_cases(query: Select[*_Cols], case_id: Any, accepted: Accepted) -> Select[*_Cols]:
    """``query`` narrowed to ratings of cases accepted in ``[low, high)`` (None: no bound)."""
    low, high = accepted
    if low is None and high is None:
        return query
    query = query.join(Case, Case.case_id == case_id)
    if low is not None:
        query = query.where(Case.accepted_at >= low)
    if high is not None:
        query = query.where(Case.accepted_at < high)
    return query


def rating_figures(session: Session, today: date, accepted: Accepted = (None, None)) -> dict[str, Any]:
    """``{"by_theme": {theme_id: counts}, "by_department": [...], "totals": counts}``; ``accepted``
    narrows them to the ratings (and follow-ups) of cases accepted between two instants."""
    themes = _grouped(
        session.execute(
            _of_cases(select(Rating.theme_id, Rating.level, func.count()), Rating.case_id, accepted).group_by(
                Rating.theme_id, Rating.level
            )
        )
    )
    departments = _grouped(
        session.execute(
            _of_cases(
                select(RatedDepartment.department, RatedDepartment.level, func.count()),
                RatedDepartment.case_id,
                accepted,
            ).group_by(RatedDepartment.department, RatedDepartment.level)
        )
    )
    open_ = FollowUp.status.notin_(RATEABLE_FOLLOW_UP)
    follow_ups: dict[str, dict[str, int]] = {}
    for department, status, n in session.execute(
        _of_cases(
            select(FollowUp.department, FollowUp.status, func.count()), FollowUp.case_id, accepted
        ).group_by(FollowUp.department, FollowUp.status)
    ):
        follow_ups.setdefault(department, {})[status] = n
    overdue = dict(
        session.execute(
            _of_cases(select(FollowUp.department, func.count()), FollowUp.case_id, accepted)
            .where(open_, FollowUp.due_date < today)
            .group_by(FollowUp.department)
        ).all()
    )
    totals: dict[int, int] = {}
    for by_level in themes.values():
        for level, n in by_level.items():
            totals[level] = totals.get(level, 0) + n
    return {
        "by_theme": {theme_id: counts(by_level) for theme_id, by_level in sorted(themes.items())},
        "by_department": [
            {
                "department": d,
                "name": department_name(d),
                **counts(departments.get(d, {})),
                "follow_ups": {
                    "by_status": follow_ups.get(d, {}),
                    "open": sum(n for s, n in follow_ups.get(d, {}).items() if s not in RATEABLE_FOLLOW_UP),
                    "overdue": overdue.get(d, 0),
                },
            }
            for d in sorted(set(departments) | set(follow_ups))
        ],
        "totals": counts(totals),
    }


def recent_ratings(
    session: Session,
    *,
    theme_id: str | None = None,
    department: str | None = None,
    bad_only: bool = False,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The latest ratings for supervisors, newest first; filtered by theme, department or 差评."""
    query = select(Rating).order_by(Rating.at.desc(), Rating.rating_id).limit(limit)
    if theme_id is not None:
        query = query.where(Rating.theme_id == theme_id)
    if department is not None:
        query = query.where(
            select(RatedDepartment.rating_id)
            .where(
                RatedDepartment.case_id == Rating.case_id,
                RatedDepartment.rating_id == Rating.rating_id,
                RatedDepartment.department == department,
            )
            .exists()
        )
    if bad_only:
        query = query.where(Rating.level.in_(sorted(BAD_LEVELS)))
    ratings = list(session.execute(query).scalars())
    depts: dict[str, list[str]] = {}
    if ratings:
        for rating_id, dept in session.execute(
            select(RatedDepartment.rating_id, RatedDepartment.department).where(
                RatedDepartment.rating_id.in_([r.rating_id for r in ratings])
            )
        ):
            depts.setdefault(rating_id, []).append(dept)
    return [{**rating_json(r, sorted(depts.get(r.rating_id, []))), "theme_id": r.theme_id} for r in ratings]
