"""Journeys at the window and the supervisor's desk on a 1366×768 desktop, against ``lianban demo``:
a clerk checks in the Wuhan graduate who booked today, files Hubei's flexible employment theme for
her with the portal's own form, prints the receipt (the PDF's text holds the case number) and
follows the case among the window's cases; the supervisor finds the demo's cases in the figures —
the chart's table says what ``/api/v1/stats`` says — and the 差评 waiting for 医保's answer.
axe-core on every page."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import axe, screenshot
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from reportlab.pdfgen import canvas
from staff_world import HUBEI_FLEXIBLE_FORM, DemoApi, fill_form, log_in_as_staff

pytestmark = pytest.mark.browser
THEME = "hubei.flexible-employment"


@pytest.fixture(scope="module")
def api(live_server: str) -> Iterator[DemoApi]:
    yield DemoApi(live_server)


def test_a_clerk_checks_in_a_booked_applicant_files_for_her_and_prints_the_receipt(
    desktop: Page, api: DemoApi
) -> None:
    graduate = api.persona("wuhan_graduate")["id_number"]
    booking = api.book_today(graduate, THEME)

    log_in_as_staff(desktop, "window", "/staff/window")
    desktop.get_by_label("服务大厅", exact=True).select_option("sandbox-practice-hall")
    desktop.get_by_role("button", name="切换").click()
    row = desktop.get_by_role("row").filter(has_text=booking["booking_no"])
    expect(row).to_contain_text("已预约")
    expect(row).not_to_contain_text(graduate)  # masked: the clerk checks her ID card itself
    axe(desktop)
    screenshot(desktop, "staff/window")
    row.get_by_role("button", name=re.compile("签到取号")).click()
    expect(desktop.get_by_role("status")).to_contain_text(re.compile("已签到，排队号 [AB]\\d{3}"))
    expect(desktop.get_by_role("row").filter(has_text=booking["booking_no"])).to_contain_text("已签到")

    desktop.get_by_label("公民身份号码或统一社会信用代码").fill(graduate)
    desktop.get_by_role("button", name="查询").click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text("陈思雨")
    known = desktop.get_by_role("table").filter(has_text="姓名")
    expect(known).to_contain_text("陈思雨")
    axe(desktop)
    screenshot(desktop, "staff/window-person")
    desktop.locator(f'form:has(input[name="theme_id"][value="{THEME}"]) button').click()

    expect(desktop.locator("p.notice")).to_contain_text("窗口代办")
    desktop.locator('input[name="archive_items"][value="none"]').check()
    desktop.get_by_role("button", name="下一步：填写表单").click()
    expect(desktop.get_by_text("陈思雨").first).to_be_visible()  # her verified data, not the clerk's
    fill_form(desktop, HUBEI_FLEXIBLE_FORM)
    axe(desktop)
    screenshot(desktop, "staff/window-apply-form")
    desktop.get_by_role("button", name="下一步", exact=True).click()
    desktop.wait_for_url(re.compile("/(materials|review)$"))
    if desktop.url.endswith("/materials"):  # she brought a paper document: the clerk scans it
        upload = desktop.locator("form:has(input[type=file])").first
        upload.locator("input[type=file]").set_input_files(
            files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": scanned_paper()}]
        )
        upload.get_by_role("button", name=re.compile("上传并检查")).click()
        expect(desktop.get_by_text("scan.pdf").first).to_be_visible()
        axe(desktop)
        desktop.get_by_role("link", name="下一步：确认提交").click()
    desktop.get_by_role("button", name="提交申请").click()
    expect(desktop.get_by_role("heading", name=re.compile("申请已受理"))).to_be_visible()
    case_no = desktop.locator("#case-id").inner_text().strip()  # 办件编号: 420000 + date + sequence
    assert re.fullmatch(r"420000\d{14}", case_no), case_no
    case_id = desktop.url.rsplit("/", 1)[1]  # the case's internal id, in the receipt's address

    # printed at once, while the worker sends the case's items (both audited)
    pdf = desktop.request.get(f"/staff/window/cases/{case_id}/receipt.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert case_no in text and "窗口受理" in text

    desktop.goto("/staff/window/cases")
    row = desktop.get_by_role("row").filter(has_text=case_no)
    expect(row).to_contain_text(re.compile(r"\d+/\d+"))
    axe(desktop)
    screenshot(desktop, "staff/window-cases")
    row.get_by_role("link", name=case_no, exact=True).click()
    expect(desktop.locator("#case-id")).to_have_text(case_no)
    expect(desktop.get_by_text("窗口受理").first).to_be_visible()
    axe(desktop)
    screenshot(desktop, "staff/window-case")

    desktop.goto("/staff/window/handover")
    axe(desktop)
    desktop.goto("/staff/window/batch")
    axe(desktop)
    employer = next(
        e
        for e in api.http.get("/api/v1/sandbox/employers", params={"limit": 50}).json()
        if e.get("persona") == "zibo_employer_with_fund"
    )
    desktop.get_by_label("主题").select_option("zibo.unit-employment")
    desktop.get_by_label("单位统一社会信用代码").fill(employer["uscc"])
    desktop.get_by_label("员工花名册（.xlsx）").set_input_files(
        files=[{"name": "花名册.xlsx", "mimeType": XLSX, "buffer": sheet_with_bad_rows(api)}]
    )
    desktop.get_by_role("button", name="核对").click()
    expect(desktop.get_by_role("alert")).to_contain_text("2 行有问题")
    bad = desktop.get_by_role("table", name="有问题的行")
    expect(bad.locator("tbody tr")).to_have_count(2)  # each bad row, by its sheet row
    axe(desktop)
    screenshot(desktop, "staff/window-batch")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_with_bad_rows(api: DemoApi) -> bytes:
    """Zibo's employee sheet as an employer filled it in: two rows whose ID numbers are wrong."""
    book = load_workbook(
        io.BytesIO(api.http.get("/api/v1/themes/zibo.unit-employment/employee-sheet").content)
    )
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 8) if any("身份" in str(c.value or "") for c in sheet[r]))
    column = next(c.column for c in sheet[header] if "身份" in str(c.value or ""))
    row = header + 1
    while sheet.cell(row=row, column=column).value not in (None, ""):
        row += 1
    sheet.cell(row=row, column=column, value="370303199804121231")  # a wrong check digit
    sheet.cell(row=row + 1, column=column, value="12345")  # not an ID number at all
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def scanned_paper() -> bytes:
    """A scanned page as the window's scanner makes it (a one-page PDF)."""
    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    sheet.drawString(72, 720, "Scanned at the window")
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def quiet_figures(page: Page, api: DemoApi) -> dict[str, Any]:
    """The API's figures at a moment the page shows the same instant: the simulated departments
    keep deciding in the background, so the page is loaded between two equal answers."""
    for _ in range(10):
        before = api.stats()
        page.reload()
        if api.stats() == before:
            return before
    raise AssertionError("the figures never stood still for one page load")


def _table(page: Page, caption: str) -> list[list[str]]:
    table = page.get_by_role("table", name=caption)
    rows: list[list[str]] = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))"
    )
    return rows


def test_the_supervisor_sees_the_cases_in_the_figures_and_the_bad_rating_to_follow_up(
    desktop: Page, api: DemoApi
) -> None:
    log_in_as_staff(desktop, "supervisor", "/staff/supervisor")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("监管看板")
    stats = quiet_figures(desktop, api)
    themes = {row[0]: row for row in _table(desktop, "按主题：办件量与时效")}
    assert len(themes) == len(stats["themes"])
    for theme in stats["themes"]:  # the chart's table says what the API says
        row = themes.get(theme["name"])
        assert row is not None, theme["name"]
        assert [int(row[2]), int(row[3]), int(row[7])] == [
            theme["cases"],
            theme["finished"],
            theme["overdue_items"],
        ]
    hebei = next(t for t in stats["themes"] if t["theme_id"] == "hebei.flexible-employment")
    assert hebei["cases"] >= 4 and hebei["ratings"]["bad"] >= 1  # the demo's opening cases
    departments = {row[0]: row for row in _table(desktop, "各部门超期与临期事项")}
    medical = next(d for d in stats["departments"] if d["department"] == "medical_insurance")
    assert int(departments[medical["name"]][2]) == medical["overdue_items"] >= 1
    chart = desktop.locator('[data-chart="chart-themes"]')
    expect(chart).to_have_attribute("data-drawn", "true")  # ECharts drew it
    expect(chart.locator("canvas").first).to_be_visible()

    follow_ups = desktop.get_by_role("table", name="未办结的差评整改")
    expect(follow_ups).to_contain_text("非常不满意")
    expect(follow_ups).to_contain_text("医保")
    axe(desktop)
    screenshot(desktop, "staff/supervisor")

    with desktop.expect_download() as download:
        desktop.get_by_role("link", name=re.compile(r"导出 Excel\s*：\s*按主题")).click()
    assert download.value.suggested_filename.endswith(".xlsx")

    follow_ups.get_by_role("link").first.click()
    expect(desktop.get_by_role("heading", level=1)).to_be_visible()
    axe(desktop)
    screenshot(desktop, "staff/follow-up")
    desktop.goto("/staff/follow-ups")
    axe(desktop)
    screenshot(desktop, "staff/follow-ups")
