"""监管看板 over plain HTTP: two Hebei workers file online, one case finishes and its applicant rates
it 非常不满意. The supervisor sees both cases in the figures — the tables say exactly what
``GET /api/v1/stats`` says — the 差评 follow-ups linked to their answer pages, a date range that
leaves them out, and any table exported to a workbook that cannot run a formula."""

from __future__ import annotations

import io
from datetime import timedelta
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from staff_desk import log_in_staff, page

from feature_world import decide_all
from lianban.supervision.export import table_xlsx
from sandbox_cases import bearer, file_hebei_case


class Tables(HTMLParser):
    """Every <table> of a page by its caption: rows of cell texts (header row included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._caption: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._cell = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._cell is not None:
            self._caption, self._cell = "".join(self._cell).strip(), None
        elif tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._caption or f"table {len(self.tables)}"] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables_on(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def test_the_supervisor_sees_the_cases_and_the_bad_rating_as_the_api_counts_them(client: TestClient) -> None:
    case_id, applicant = file_hebei_case(client)
    file_hebei_case(client)
    decide_all(client, case_id, applicant)
    r = client.post(
        f"/api/v1/applications/{case_id}/rating",
        json={"level": 1, "comment": "等了很久没人联系", "reasons": ["slow"]},
        headers=applicant,
    )
    assert r.status_code == 201, r.text
    stats = client.get(
        "/api/v1/stats", headers=bearer(client, username="supervisor", password="sandbox")
    ).json()

    log_in_staff(client, "supervisor")
    status, html = page(client, "/staff/supervisor")
    assert status == 200 and "监管看板" in html
    tables = tables_on(html)
    themes = {row[0]: row for row in tables["按主题：办件量与时效"][1:]}
    for theme in stats["themes"]:
        row = themes[theme["name"]]
        assert int(row[2]) == theme["cases"] and int(row[3]) == theme["finished"]
        assert int(row[7]) == theme["overdue_items"]
    hebei = next(t for t in stats["themes"] if t["theme_id"] == "hebei.flexible-employment")
    assert hebei["cases"] == 2 and hebei["finished"] == 1 and hebei["by_channel"] == {"web": 2}
    assert int(themes[hebei["name"]][2]) == 2
    channels = dict(row for row in tables["按渠道"][1:])
    assert channels == {"网上申请": "2"}
    departments = {row[0]: row for row in tables["各部门超期与临期事项"][1:]}
    assert len(departments) == len(stats["departments"])
    rated = {row[0]: row for row in tables["好差评：按主题"][1:]}
    assert rated[hebei["name"]][1:4] == ["1", "0", "1"]  # one rating, a 差评
    follow_ups = tables["未办结的差评整改"][1:]
    case_no = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["case_no"]
    assert follow_ups and all(case_no in row for row in follow_ups)  # by its 办件编号
    assert "/staff/follow-ups/" in html and "等了很久没人联系" in html
    assert (
        'data-chart="chart-themes"' in html and '<script type="application/json" id="chart-themes">' in html
    )

    later = (client.app.state.clock.today() + timedelta(days=1)).isoformat()  # type: ignore[attr-defined]
    status, html = page(client, f"/staff/supervisor?from={later}")
    assert status == 200 and "受理日期 " + later in html
    assert all(row[2] == "0" for row in tables_on(html)["按主题：办件量与时效"][1:])
    narrowed = client.get(
        "/api/v1/stats",
        params={"from": later},
        headers=bearer(client, username="supervisor", password="sandbox"),
    ).json()
    assert narrowed["totals"]["cases"] == 0 and narrowed["period"] == {"from": later, "to": None}

    r = client.get("/staff/supervisor/export/themes.xlsx", headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    exported = {row[0]: row for row in rows[3:]}
    assert exported[hebei["name"]][2] == 2 and exported[hebei["name"]][3] == 1
    assert page(client, "/staff/supervisor/export/nothing.xlsx")[0] == 404

    log_in_staff(client, "medical_insurance")
    assert page(client, "/staff/supervisor")[0] == 403
    assert page(client, "/staff/supervisor/export/themes.xlsx")[0] == 403


def test_an_exported_cell_never_runs_as_a_formula() -> None:
    typed = ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-x"]
    data = table_xlsx(
        "导出", ["名称", "数"], [[typed[0], 3], [typed[1], -2], [typed[2], None], [typed[3], 1.5]]
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert [row for row in sheet.iter_rows(min_row=3, values_only=True)] == [
        (typed[0], 3),
        (typed[1], -2),
        (typed[2], None),
        (typed[3], 1.5),
    ]
    for r in range(3, 7):  # text shown as typed, never evaluated; numbers stay numbers
        cell = sheet.cell(row=r, column=1)
        assert cell.data_type == "s" and cell.quotePrefix
    assert sheet.cell(row=4, column=2).data_type == "n"
