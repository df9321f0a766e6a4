"""The supervisors' dashboard as tables (监管看板的表格): each table is built once from the answer of
:func:`lianban.supervision.service.stats` — the very dictionary ``GET /api/v1/stats`` returns —
and drawn three ways from the same rows: the HTML table, its ECharts chart and its .xlsx export.

Rates are shown as percentages with one decimal (``0.8571`` → ``85.7``); a figure that cannot be
given (no finished case yet) is ``None``, shown ``—``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lianban.web.pages.labels import CASE_STATUS
from lianban.web.pages.staff.words import CHANNELS

Cell = str | int | float | None
FIGURE_WORDS = (
    ("days", "办理时间（天）"),
    ("trips", "跑动（次）"),
    ("materials", "材料（份）"),
    ("steps", "环节（个）"),
)


@dataclass(frozen=True)
class FigureTable:
    """One table of the dashboard: the first column names the row, the others are figures."""

    id: str
    title: str
    headers: tuple[str, ...]
    rows: list[list[Cell]]
    chart: dict[str, Any] | None = None  # the ECharts option drawn from these rows
    chart_label: str = ""
    hint: str = ""


def percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def shown(value: Cell) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _days(value: Any) -> Cell:
    if isinstance(value, list | tuple):
        return f"{value[0]}–{value[-1]}" if value[0] != value[-1] else value[0]
    return value  # type: ignore[no-any-return]


def _bars(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[Cell]]], stack: bool = False
) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "bottom": 8, "top": 36, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": list(categories),
            "axisLabel": {"interval": 0, "width": 90, "overflow": "break"},
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": name,
                "type": "bar",
                "data": [v if v is not None else 0 for v in values],
                **({"stack": "all"} if stack else {}),
            }
            for name, values in series
        ],
    }


def _pie(name: str, rows: Sequence[Sequence[Cell]]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "name": name,
                "type": "pie",
                "radius": ["35%", "65%"],
                "data": [{"name": str(r[0]), "value": r[1]} for r in rows],
            }
        ],
    }


def _column(rows: Sequence[Sequence[Cell]], i: int) -> list[Cell]:
    return [r[i] for r in rows]


def themes_table(stats: dict[str, Any]) -> FigureTable:
    rows: list[list[Cell]] = [
        [
            t["name"],
            t["region_name"],
            t["cases"],
            t["finished"],
            percent(t["on_time_rate"]),
            percent(t["on_time_rate_legal"]),
            t["median_working_days_to_completion"],
            t["overdue_items"],
        ]
        for t in stats["themes"]
    ]
    names = [str(r[0]) for r in rows]
    return FigureTable(
        "themes",
        "按主题：办件量与时效",
        (
            "主题",
            "地区",
            "办件",
            "已办结",
            "按承诺时限办结率（%）",
            "按法定时限办结率（%）",
            "办结用时中位数（工作日）",
            "超期事项",
        ),
        rows,
        _bars(names, [("办件", _column(rows, 2)), ("已办结", _column(rows, 3))]),
        "柱状图：各主题的办件量与已办结量",
        "办结率为已办结办件中在期限内办结的比例；超期事项为尚未办结、已过承诺时限的子事项。",
    )


def _counted(
    table_id: str, title: str, first: str, counts: dict[str, int], words: dict[str, str], label: str
) -> FigureTable:
    rows: list[list[Cell]] = [[words.get(k, k), n] for k, n in counts.items()]
    return FigureTable(table_id, title, (first, "办件"), rows, _pie(title, rows) if rows else None, label)


def status_table(stats: dict[str, Any]) -> FigureTable:
    return _counted("status", "按状态", "状态", stats["by_status"], CASE_STATUS, "环形图：各状态的办件量")


def channel_table(stats: dict[str, Any]) -> FigureTable:
    return _counted("channel", "按渠道", "渠道", stats["by_channel"], CHANNELS, "环形图：各受理渠道的办件量")


def region_table(stats: dict[str, Any]) -> FigureTable:
    rows: list[list[Cell]] = [[r["region_name"], r["cases"]] for r in stats["by_region"]]
    return FigureTable(
        "region",
        "按地区",
        ("地区", "办件"),
        rows,
        _bars([str(r[0]) for r in rows], [("办件", _column(rows, 1))]),
        "柱状图：各地区的办件量",
    )


def departments_table(stats: dict[str, Any]) -> FigureTable:
    rows: list[list[Cell]] = [
        [d["name"], d["open_items"], d["overdue_items"], d["due_soon_items"]] for d in stats["departments"]
    ]
    return FigureTable(
        "departments",
        "各部门超期与临期事项",
        ("部门", "在办事项", "超期", "临期（2 个工作日内到期）"),
        rows,
        _bars(
            [str(r[0]) for r in rows], [("超期", _column(rows, 2)), ("临期", _column(rows, 3))], stack=True
        ),
        "堆叠柱状图：各部门的超期与临期事项",
        "按承诺时限计；超期排在最需要关注的位置。",
    )


def outcomes_table(stats: dict[str, Any]) -> FigureTable:
    headers = ["主题"]
    for _key, word in FIGURE_WORDS:
        headers += [f"{word}·改革前", f"{word}·改革后"]
    rows: list[list[Cell]] = []
    for t in stats["themes"]:
        row: list[Cell] = [t["name"]]
        for key, _word in FIGURE_WORDS:
            row += [_days(t["outcomes"]["before"].get(key)), _days(t["outcomes"]["after"].get(key))]
        rows.append(row)
    steps = [(str(r[0]), r[7], r[8]) for r in rows]
    return FigureTable(
        "outcomes",
        "四减：改革前后",
        tuple(headers),
        rows,
        _bars(
            [s[0] for s in steps],
            [("环节·改革前", [s[1] for s in steps]), ("环节·改革后", [s[2] for s in steps])],
        ),
        "柱状图：各主题改革前后的办理环节数",
        "减时间、减跑动、减材料、减环节；“—”为文件未载明的数字。",
    )


def _rated_row(name: str, counts: dict[str, Any]) -> list[Cell]:
    return [name, counts["ratings"], counts["good"], counts["bad"], percent(counts["good_rate"])]


def ratings_by_theme_table(stats: dict[str, Any]) -> FigureTable:
    rows = [_rated_row(t["name"], t["ratings"]) for t in stats["themes"]]
    return FigureTable(
        "ratings-themes",
        "好差评：按主题",
        ("主题", "评价数", "好评", "差评", "好评率（%）"),
        rows,
        _bars(
            [str(r[0]) for r in rows], [("好评", _column(rows, 2)), ("差评", _column(rows, 3))], stack=True
        ),
        "堆叠柱状图：各主题的好评与差评数",
        "“不满意”“非常不满意”为差评，其余为好评。",
    )


def ratings_by_department_table(stats: dict[str, Any]) -> FigureTable:
    rows = [
        [*_rated_row(d["name"], d), d["follow_ups"]["open"], d["follow_ups"]["overdue"]]
        for d in stats["ratings"]["by_department"]
    ]
    return FigureTable(
        "ratings-departments",
        "好差评：按部门",
        ("部门", "评价数", "好评", "差评", "好评率（%）", "整改未结", "整改超期"),
        rows,
        _bars([str(r[0]) for r in rows], [("好评", _column(rows, 2)), ("差评", _column(rows, 3))], stack=True)
        if rows
        else None,
        "堆叠柱状图：各部门的好评与差评数",
    )


TABLES: tuple[Callable[[dict[str, Any]], FigureTable], ...] = (
    themes_table,
    status_table,
    channel_table,
    region_table,
    departments_table,
    outcomes_table,
    ratings_by_theme_table,
    ratings_by_department_table,
)


def figure_tables(stats: dict[str, Any]) -> list[FigureTable]:
    return [build(stats) for build in TABLES]


def figure_table(stats: dict[str, Any], table_id: str) -> FigureTable | None:
    return next((t for t in figure_tables(stats) if t.id == table_id), None)
