"""监督统计 as a service: every figure the supervisors' dashboard and ``GET /api/v1/stats`` show,
for a period, in one answer — the page draws its charts and tables from this very dictionary.

Supervisors, operators and window clerks may read the figures (they hold no personal data);
anyone else is refused (403).
"""

from __future__ import annotations

from typing import Any

from lianban.catalog.guide import guide
from lianban.catalog.model import Department, department_name
from lianban.context import Context
from lianban.errors import Forbidden
from lianban.ratings.figures import counts as rating_counts
from lianban.ratings.figures import rating_figures
from lianban.security.audit import append
from lianban.security.tokens import Identity, Role
from lianban.supervision.figures import (
    Period,
    as_json,
    department_deadlines,
    empty_theme,
    overall,
    theme_figures,
)

WATCHERS = (Role.SUPERVISOR, Role.OPERATOR, Role.WINDOW_CLERK)
OUTCOME_KEYS = ("before", "after", "reduction_percent")


def _add(into: dict[str, int], counted: dict[str, int]) -> None:
    for key, n in counted.items():
        into[key] = into.get(key, 0) + n


def stats(ctx: Context, identity: Identity, period: Period | None = None) -> dict[str, Any]:
    """The figures of the cases accepted in ``period`` (default: every case)."""
    if identity.role not in WATCHERS:
        raise Forbidden(
            "统计仅供监督、运维和综窗人员查看", "figures are for supervisors, operators and window clerks"
        )
    period = period or Period()
    today = ctx.clock.today()
    with ctx.sessions() as session:
        figures = {f.theme_id: as_json(f) for f in theme_figures(session, today, period)}
        together = overall(session, period)
        deadlines = department_deadlines(session, today, period)
        rated = rating_figures(session, today, period.instants())  # 好差评
    themes: list[dict[str, Any]] = []
    by_status: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    regions: dict[str, dict[str, Any]] = {}
    for theme_id, theme in ctx.catalogue.themes.items():
        outcomes = guide(theme)["outcomes"]
        found = figures.get(theme_id) or empty_theme(theme_id)
        themes.append(
            {
                **found,
                "name": theme.name,
                "region_code": theme.region_code,
                "region_name": theme.region_name,
                "outcomes": {k: outcomes[k] for k in OUTCOME_KEYS},  # 四减: before / after
                "ratings": rated["by_theme"].get(theme_id) or rating_counts({}),
            }
        )
        _add(by_status, found["by_status"])
        _add(by_channel, found["by_channel"])
        region = regions.setdefault(
            theme.region_code,
            {"region_code": theme.region_code, "region_name": theme.region_name, "cases": 0},
        )
        region["cases"] += found["cases"]
    return {
        "period": period.as_json(),
        "as_of": today.isoformat(),
        "themes": themes,
        "totals": {
            "cases": sum(t["cases"] for t in themes),
            "overdue_items": sum(t["overdue_items"] for t in themes),
            **together,
        },
        "by_status": dict(sorted(by_status.items())),
        "by_channel": dict(sorted(by_channel.items())),
        "by_region": sorted(regions.values(), key=lambda r: str(r["region_code"])),
        "departments": [
            {
                "department": d.value,
                "name": department_name(d.value),
                **deadlines.get(d.value, {"open_items": 0, "overdue_items": 0, "due_soon_items": 0}),
            }
            for d in Department
        ],
        "ratings": {"by_department": rated["by_department"], "totals": rated["totals"]},
    }


def record_export(ctx: Context, identity: Identity, table_id: str, period: Period | None) -> None:
    """An export (导出) is audited: who took which table, for which period."""
    with ctx.sessions() as session, session.begin():
        append(
            session,
            ctx.clock.now(),
            identity.subject,
            f"export:{table_id}"[:50],
            {"period": [str(period.start), str(period.end)] if period is not None else None},
        )
