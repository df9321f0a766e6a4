"""监管看板: the supervisors' dashboard — the figures of :func:`lianban.supervision.service.stats`
(the same answer as ``GET /api/v1/stats``) as charts, each with its table, any table exported to
.xlsx, for a date range of acceptance; and the 差评 follow-ups, overdue first, each linking to the
page where its department answers it."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from lianban.errors import invalid_field, not_found
from lianban.ratings import follow_ups
from lianban.security.tokens import Role
from lianban.supervision.export import XLSX_MEDIA_TYPE, table_xlsx
from lianban.supervision.figures import Period
from lianban.supervision.service import record_export, stats
from lianban.web.deps import platform_of
from lianban.web.pages.route import PageRoute
from lianban.web.pages.staff.access import render_staff, staff_caller
from lianban.web.pages.staff.figure_tables import figure_table, figure_tables, percent, shown
from lianban.web.pages.staff.words import FOLLOW_UP_STATUS, when

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FOLLOW_UPS_SHOWN = 10


def _period(start: date | None, end: date | None) -> Period:
    if start is not None and end is not None and end < start:
        raise invalid_field(
            "to", "range", "结束日期不能早于开始日期", "the end date is before the start date"
        )
    return Period(start, end)


def _period_words(period: Period) -> str:
    if period.start is None and period.end is None:
        return "全部办件"
    return f"受理日期 {period.start or '最早'} 至 {period.end or '今日'} 的办件"


@router.get("/staff/supervisor", response_class=HTMLResponse)
def dashboard(
    request: Request,
    start: date | None = Query(None, alias="from"),
    end: date | None = Query(None, alias="to"),
) -> HTMLResponse:
    identity = staff_caller(request, Role.SUPERVISOR)
    period = _period(start, end)
    ctx = platform_of(request)
    figures = stats(ctx, identity, period)
    with ctx.sessions() as session:
        pending = [
            f
            for f in follow_ups.list_follow_ups(session, identity, ctx.clock.now(), limit=50)
            if f["status"] != "closed"
        ]
    query = urlencode({k: v for k, v in period.as_json().items() if v})
    return render_staff(
        request,
        identity,
        "staff/supervisor.html",
        {
            "figures": figures,
            "totals": figures["totals"],
            "tables": figure_tables(figures),
            "period": period,
            "period_words": _period_words(period),
            "query": query,
            "pending": pending[:FOLLOW_UPS_SHOWN],
            "pending_count": len(pending),
            "statuses": FOLLOW_UP_STATUS,
            "themes": {t["theme_id"]: t["name"] for t in figures["themes"]},
            "percent": percent,
            "shown": shown,
            "when": when,
        },
    )


@router.get("/staff/supervisor/export/{table_id}.xlsx")
def export(
    request: Request,
    table_id: str,
    start: date | None = Query(None, alias="from"),
    end: date | None = Query(None, alias="to"),
) -> Response:
    identity = staff_caller(request, Role.SUPERVISOR)
    period = _period(start, end)
    table = figure_table(stats(platform_of(request), identity, period), table_id)
    if table is None:
        raise not_found(f"统计表 {table_id} ", f"table {table_id}")
    note = f"{_period_words(period)}；导出于 {platform_of(request).clock.today().isoformat()}"
    record_export(platform_of(request), identity, table_id, period)
    body = table_xlsx(table.title, table.headers, table.rows, note)
    name = f"{table.title}.xlsx"
    return Response(
        body,
        media_type=XLSX_MEDIA_TYPE,
        headers={
            "Content-Disposition": f"attachment; filename=\"{table_id}.xlsx\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )
