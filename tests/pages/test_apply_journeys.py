"""Applying in a real browser, on a 390×844 phone in zh-CN, against a running ``lianban demo``:

- the Wuhan graduate goes from the home page to her receipt, and then watches all eight items
  completed by the simulated departments;
- a 15-year-old is told why she cannot apply for Hebei's flexible employment before any form;
- a Hebei flexible worker's wrong date is named beside its field, the other values kept;
- a Shangrao employer uploads a 5-row employee sheet with one bad row, fixes it on the page, files.

axe-core runs on every page visited; 长辈版 on at least one page of each journey. The apply pages
in both modes on a phone and a desktop are photographed (``LIANBAN_SCREENSHOTS=1``).
"""

from __future__ import annotations

import io
import random
import re
import time
from datetime import date
from typing import Any

import httpx
import pytest
from browser_support import DESKTOP, PHONE, axe, elder_on, no_horizontal_scroll, screenshot
from openpyxl import load_workbook
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Locator, Page, expect
from stdnum.cn import ric

from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.model import FieldType
from lianban_sandbox.registry import sandbox_hires
from sandbox_cases import graduate_form, hebei_form

pytestmark = pytest.mark.browser

CATALOGUE = default_catalogue()
GRADUATE_THEME = "/themes/hubei.graduate-employment"
HEBEI_THEME = "/themes/hebei.flexible-employment"
SHANGRAO_THEME = "/themes/shangrao.recruitment"
SHANGRAO_EMPLOYER = "上饶市信江新材料科技有限公司"


def named(label: str) -> re.Pattern[str]:
    """A field's accessible name: its label, with 选填 or the required star."""
    return re.compile(rf"^{re.escape(label)}(（选填）)?\s*\*?$")


def settle(page: Page) -> None:
    """Wait until htmx has answered (the autosave, the region picker)."""
    page.wait_for_load_state("networkidle")


def pick_region(group: Locator, code: str) -> None:
    """Province, city, county — each choice lists the next level."""
    chain = [code[:2] + "0000", code[:4] + "00", code]
    levels = ["省（自治区、直辖市）", "市（地区、州）", "县（区、市）"]
    for depth, part in enumerate(chain[: 2 if code.endswith("00") else 3]):
        select = group.get_by_label(levels[depth])
        expect(select).to_be_visible()
        select.select_option(value=part)
        settle(group.page)


def type_in(page: Page, key: str, value: Any) -> None:
    """Fill one field of the one form by its label, the way its widget asks."""
    definition = CATALOGUE.fields[key]
    label = definition.label.zh
    kind = definition.type
    if kind is FieldType.CODE:
        page.get_by_label(named(label)).select_option(value=str(value))
    elif kind is FieldType.CODES:
        group = page.get_by_role("group", name=named(label))
        labels = CATALOGUE.code_lists[definition.code_list or ""]
        for code in value:
            group.get_by_label(labels.get(code).label, exact=True).check()  # type: ignore[union-attr]
    elif kind is FieldType.BOOLEAN:
        page.get_by_role("group", name=named(label)).get_by_label("是" if value else "否", exact=True).check()
    elif kind in (FieldType.DATE_RANGE, FieldType.MONTH_RANGE):
        group = page.get_by_role("group", name=named(label))
        group.get_by_label("开始").fill(value["start"])
        group.get_by_label("结束").fill(value["end"])
    elif kind is FieldType.REGION:
        pick_region(page.get_by_role("group", name=named(label)), str(value))
    elif kind is FieldType.ADDRESS:
        group = page.get_by_role("group", name=named(label))
        pick_region(group, value["region"])
        group.get_by_label("详细地址（街道、门牌号）").fill(value["detail"])
    else:
        page.get_by_label(named(label)).fill(str(value))


def log_in_as(page: Page, who: str) -> None:
    """On the login page the journey was sent to: pick a sandbox person or employer by name."""
    expect(page).to_have_url(re.compile(r"/login\?next="))
    axe(page)
    if who == SHANGRAO_EMPLOYER:
        page.get_by_role("link", name="法人登录").click()
        page.get_by_role("radio", name=re.compile(f"^{who}")).check()
        page.get_by_role("button", name="以所选单位登录").click()
    else:
        page.get_by_role("radio", name=re.compile(f"^{who}")).check()
        page.get_by_role("button", name="以所选人员登录").click()


def portrait_jpeg() -> bytes:
    """A white-background ID photo of 358×441 pixels between 14 and 40 KB (Hubei's rule)."""
    w, h = 358, 441
    im = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(im)
    draw.ellipse((w * 0.3, h * 0.15, w * 0.7, h * 0.6), fill=(200, 160, 130))
    draw.rectangle((w * 0.1, h * 0.65, w * 0.9, h), fill=(40, 40, 60))
    cw, ch = int(w * 0.4), int(h * 0.45)
    texture = Image.frombytes("RGB", (cw, ch), random.Random(7).randbytes(cw * ch * 3))
    mask = Image.new("L", (cw, ch), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, cw, ch), fill=90)
    im.paste(texture, (int(w * 0.3), int(h * 0.15)), mask)
    for quality in range(95, 20, -5):
        out = io.BytesIO()
        im.save(out, "JPEG", quality=quality)
        if 14 * 1024 <= len(out.getvalue()) <= 40 * 1024:
            return out.getvalue()
    raise AssertionError("no quality gives a photo of 14–40 KB")


def toggle_elder(page: Page) -> None:
    before = elder_on(page)
    page.get_by_role("button", name="长辈版").click()
    page.wait_for_load_state("load")
    assert elder_on(page) is not before


def test_a_wuhan_graduate_applies_from_home_to_receipt_and_sees_every_item_done(phone: Page) -> None:
    phone.goto("/")
    axe(phone)
    phone.get_by_role("region", name="湖北省").get_by_role("link", name="“高校毕业生就业”一件事").click()
    expect(phone).to_have_url(re.compile(f"{GRADUATE_THEME}$"))
    axe(phone)
    phone.get_by_role("link", name="在线申请").click()
    log_in_as(phone, "陈思雨")

    # 情形引导 first
    expect(phone).to_have_url(re.compile(f"{GRADUATE_THEME}/apply/situation$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("先回答几个问题")
    axe(phone)
    screenshot(phone, "apply-situation")
    phone.get_by_role("group", name=re.compile("落户城市")).get_by_label("武汉：大学毕业生落户").check()
    phone.get_by_role("group", name=re.compile("随迁")).get_by_label("本人落户").check()
    phone.get_by_role("button", name="下一步：填写表单").click()

    # the one form: verified values locked with their source, the rest typed by label
    expect(phone).to_have_url(re.compile(f"{GRADUATE_THEME}/apply/form$"))
    name = phone.locator("#f-person-name")
    expect(name).to_contain_text("陈思雨")
    expect(name).to_contain_text("已核验")
    expect(name).to_contain_text("来源：人口库")
    expect(phone.get_by_label(named("姓名"))).to_have_count(0)  # not an input: it cannot be changed
    axe(phone)
    form = graduate_form(CATALOGUE.code_lists, "陈思雨")
    form["employment.has_uscc"] = False
    for key, value in form.items():
        type_in(phone, key, value)
    settle(phone)
    expect(phone.locator("#autosave")).to_contain_text("草稿已自动保存")
    axe(phone)
    screenshot(phone, "apply-form")
    phone.get_by_role("button", name="下一步", exact=True).click()

    # materials, checked at once: a photo of the wrong size is refused, the right one accepted
    expect(phone).to_have_url(re.compile(f"{GRADUATE_THEME}/apply/materials$"))
    photo = phone.locator("#m-id_photo")
    small = io.BytesIO()
    Image.new("RGB", (200, 250), "white").save(small, "JPEG")
    photo.get_by_label(re.compile("^选择文件")).set_input_files(
        {"name": "照片.jpg", "mimeType": "image/jpeg", "buffer": small.getvalue()}
    )
    photo.get_by_role("button", name=re.compile("^上传并检查")).click()
    expect(phone.locator("#m-id_photo-error")).to_contain_text("358×441")
    axe(phone)
    phone.locator("#m-id_photo").get_by_label(re.compile("^选择文件")).set_input_files(
        {"name": "证件照.jpg", "mimeType": "image/jpeg", "buffer": portrait_jpeg()}
    )
    phone.locator("#m-id_photo").get_by_role("button", name=re.compile("^上传并检查")).click()
    expect(phone.locator("#m-id_photo")).to_contain_text("已上传“证件照.jpg”")
    axe(phone)
    screenshot(phone, "apply-materials")
    phone.get_by_role("link", name="下一步：确认提交").click()

    # review, then submit
    expect(phone.get_by_role("heading", level=1)).to_have_text("确认并提交")
    expect(phone.get_by_role("heading", name="将办理的事项（8 项）")).to_be_visible()
    axe(phone)
    screenshot(phone, "apply-review")
    phone.get_by_role("button", name="提交申请").click()

    expect(phone.get_by_role("heading", level=1)).to_contain_text("申请已受理")
    case_id = phone.locator("#case-id").inner_text()
    assert case_id.strip(), "no case number on the receipt"
    items = phone.get_by_role("table", name=re.compile("事项、办理部门、状态和办结日期")).locator("tbody tr")
    expect(items).to_have_count(8)
    expect(items.filter(has_text="社会保障卡服务（申领）")).to_contain_text("社保卡")
    expect(phone.get_by_role("link", name="下载受理回执（PDF）")).to_be_visible()
    href = phone.get_by_role("link", name="下载受理回执（PDF）").get_attribute("href") or ""
    pdf = phone.request.get(href)  # with the page's own session
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF"), pdf.text()[
        :300
    ]
    axe(phone)
    screenshot(phone, "apply-receipt")

    # 我的办件: the simulated departments work the case while she watches its page; 社保费申报
    # asks her to the e-tax site once its turn comes
    phone.get_by_role("main").get_by_role("link", name="我的办件").click()
    mine = phone.get_by_role("listitem").filter(has_text=case_id)
    axe(phone)
    mine.get_by_role("link", name=re.compile("^查看进度")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("“高校毕业生就业”一件事")
    axe(phone)
    progress = phone.url
    deadline = time.monotonic() + 150
    while (done := phone.locator(".item .status.approved").count()) < 8:
        assert time.monotonic() < deadline, f"only {done} of 8 items approved on {progress}"
        link = phone.get_by_role("link", name=re.compile("^前往部门网站办理"))
        if link.count():  # the e-tax site declares and sends her back to this page, told so
            link.first.click()
            phone.wait_for_load_state("load")
            assert phone.url == f"{progress}?done=department", phone.url
            expect(phone.get_by_role("status")).to_have_text("您已从部门网站返回，办理结果已记入本办件。")
        time.sleep(2)
        phone.goto(progress)
    expect(phone.locator(".item .status.approved")).to_have_count(8)
    expect(phone.locator(".tags .status")).to_have_text("已办结")
    axe(phone)
    screenshot(phone, "apply-graduate-done")
    phone.goto("/my")
    expect(phone.get_by_role("listitem").filter(has_text=case_id).locator(".status")).to_have_text("已办结")


def test_a_15_year_old_is_told_why_she_cannot_apply_before_any_form(phone: Page) -> None:
    phone.goto(HEBEI_THEME)
    phone.get_by_role("link", name="在线申请").click()
    log_in_as(phone, "刘雨桐")  # 15, of Shijiazhuang: the Hebei theme is hers to ask about

    expect(phone.get_by_role("heading", level=1)).to_contain_text("您暂不能申请")
    reasons = phone.locator(".reasons")
    expect(reasons).to_contain_text("须年满16周岁")
    expect(reasons).to_contain_text("按出生日期")  # the facts the rule used, from data sharing
    main = phone.locator("main")
    expect(main.get_by_role("textbox")).to_have_count(0)  # nothing to fill in
    expect(main.get_by_role("combobox")).to_have_count(0)
    axe(phone)
    screenshot(phone, "apply-blocked")
    toggle_elder(phone)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("您暂不能申请")
    axe(phone)
    screenshot(phone, "apply-blocked")
    phone.goto(f"{HEBEI_THEME}/apply/form")  # the form's address says the same
    expect(phone.get_by_role("heading", level=1)).to_contain_text("您暂不能申请")
    toggle_elder(phone)


def test_a_form_error_is_shown_beside_its_field_and_the_other_values_stay(phone: Page) -> None:
    phone.goto(f"{HEBEI_THEME}/apply")
    log_in_as(phone, "马志强")
    phone.get_by_role("button", name="下一步：填写表单").click()
    expect(phone).to_have_url(re.compile(r"/apply/form$"))
    form = {**hebei_form(CATALOGUE.code_lists), "person.mobile": "1390715"}  # four digits short
    for key, value in form.items():
        type_in(phone, key, value)
    phone.get_by_role("button", name="下一步", exact=True).click()

    expect(phone.get_by_role("alert")).to_contain_text("共 1 处需要修改")
    mobile = phone.get_by_label(named("手机号码"))
    expect(mobile).to_have_attribute("aria-invalid", "true")
    expect(mobile).to_have_attribute("aria-describedby", "f-person-mobile-error")
    expect(phone.locator("#f-person-mobile-error")).to_contain_text("应为11位中国大陆手机号码")
    expect(mobile).to_have_value("1390715")  # what she typed stays, the wrong value too
    expect(phone.get_by_label(named("就业时间"))).to_have_value(form["employment.start_date"])
    expect(phone.get_by_label(named("转入机构编号"))).to_have_value(form["archives.receiving_agency_code"])
    work = phone.get_by_role("group", name=named("就业地所在县市（区）"))
    expect(work.get_by_label("县（区、市）")).to_have_value("130104")
    axe(phone)
    screenshot(phone, "apply-form-error")
    toggle_elder(phone)  # the draft keeps what she typed across the switch
    expect(phone.get_by_label(named("手机号码"))).to_have_value("1390715")
    axe(phone)
    screenshot(phone, "apply-form-error")
    # a closed tab loses nothing: the draft on the server brings it all back in a new one
    again = phone.context.new_page()
    again.goto(f"{HEBEI_THEME}/apply")
    expect(again).to_have_url(re.compile(r"/apply/form$"))
    expect(again.get_by_label(named("手机号码"))).to_have_value("1390715")
    expect(again.get_by_label(named("转入机构编号"))).to_have_value(form["archives.receiving_agency_code"])
    again.close()
    phone.get_by_label(named("手机号码")).fill("13931100000")
    phone.get_by_role("button", name="下一步", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("上传材料")
    toggle_elder(phone)


def employee_sheet(base: str) -> bytes:
    """Five new hires typed into the downloaded template; the third one's mobile number is short."""
    template = httpx.get(f"{base}/api/v1/themes/shangrao.recruitment/employee-sheet", timeout=30).content
    lists = CATALOGUE.code_lists
    label = {c.code: c.label for c in lists["shangrao.insurance_type"]}
    category = {c.code: c.label for c in lists["shangrao.hukou_category"]}
    schooling = {c.code: c.label for c in lists["gb4658_education"]}
    book = load_workbook(io.BytesIO(template))
    ws = book.worksheets[0]
    where = {ws.cell(2, j).value: j for j in range(1, ws.max_column + 1)}
    for i, row in enumerate(sandbox_hires(5, "shangrao.recruitment", catalogue=CATALOGUE)):
        period = row["employment.contract_period"]
        typed = {
            "person.id_number": row["person.id_number"],
            "person.hukou_category": category[row["person.hukou_category"]],
            "person.mobile": row["person.mobile"] if i != 2 else "1380000",
            "person.mailing_address.detail": row["person.mailing_address"]["detail"],
            "insurance.types": "、".join(label[c] for c in row["insurance.types"]),
            "employment.monthly_wage": float(row["employment.monthly_wage"]),
            "insurance.start_month": date.fromisoformat(row["insurance.start_month"] + "-01"),
            "employment.contract_period.start": date.fromisoformat(period["start"]),
            "employment.contract_period.end": date.fromisoformat(period["end"]),
            "housing_fund.base": float(row["housing_fund.base"]),
            "housing_fund.unit_rate": 12,
            "housing_fund.personal_rate": 12,
            "employment.occupation": row["employment.occupation"],
            "employment.work_address": row["employment.work_address"],
            "education.level": schooling[row["education.level"]],
        }
        for key, value in typed.items():
            ws.cell(3 + i, where[key], value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_shangrao_employer_uploads_five_hires_fixes_the_bad_row_and_files(
    phone: Page, live_server: str
) -> None:
    phone.goto(f"{SHANGRAO_THEME}/apply")
    log_in_as(phone, SHANGRAO_EMPLOYER)
    expect(phone.get_by_role("heading", level=1)).to_have_text("先回答几个问题")
    phone.get_by_role("button", name="下一步：填写表单").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("填写单位和员工信息")
    expect(phone.locator("#f-employer-name")).to_contain_text(SHANGRAO_EMPLOYER)  # from the business register
    agent = "36110219850101122"
    type_in(phone, "employer.service_items", ["si_medical", "employment_registration", "housing_fund"])
    type_in(phone, "employer.application_date", date.today().isoformat())
    type_in(phone, "employer.agent_name", "李娜")
    type_in(phone, "employer.agent_id_number", agent + ric.calc_check_digit(agent + "0"))
    type_in(phone, "employer.agent_phone", "0793-8221234")
    settle(phone)
    expect(phone.locator("#autosave")).to_contain_text("草稿已自动保存")
    axe(phone)

    phone.get_by_label("员工花名册文件（.xlsx）").set_input_files(
        {
            "name": "员工花名册.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": employee_sheet(live_server),
        }
    )
    phone.get_by_role("button", name="上传并检查").click()

    problems = phone.get_by_role("region", name=re.compile("员工花名册中需要修改的地方"))
    expect(problems).to_contain_text("第 5 行")
    expect(problems).to_contain_text("手机号码")
    expect(phone.get_by_role("heading", name=re.compile(r"新招用员工（5 名）"))).to_be_visible()
    expect(phone.locator(".employee .tag.ok")).to_have_count(4)  # the good rows are kept as they are
    bad = phone.locator("#employee-2")
    mobile = bad.get_by_label(named("手机号码"))
    expect(mobile).to_have_attribute("aria-invalid", "true")
    expect(mobile).to_have_value("1380000")
    expect(bad.locator("#f-employees-2-person-mobile-error")).to_contain_text("11位")
    axe(phone)
    screenshot(phone, "apply-employees")

    # the housing fund amounts follow the base as it is typed
    first = phone.locator("#employee-0")
    first.locator("summary").click()  # a row without problems is folded
    first.get_by_label(named("月缴存基数（元）")).fill("5000")
    expect(first.locator(".amounts")).to_contain_text("1200.00 元")

    # a sixth hire typed by ID number: what data sharing knows fills the row and is locked at once
    phone.evaluate("window.stayed = true")
    phone.get_by_label("按公民身份号码添加员工").fill("130104199202140513")  # persona 马志强
    phone.get_by_role("button", name="添加员工").click()
    expect(phone.get_by_role("heading", name=re.compile(r"新招用员工（6 名）"))).to_be_visible()
    sixth = phone.locator("#employee-5")
    shared_name = sixth.locator("#f-employees-5-person-name")
    expect(shared_name).to_contain_text("已核验")
    expect(shared_name).not_to_contain_text("马志强")  # not shown to the employer before he is filed
    expect(sixth.get_by_label(named("姓名"))).to_have_count(0)
    assert phone.evaluate("window.stayed === true"), "htmx did not swap the form in: the page reloaded"
    axe(phone)
    sixth.get_by_role("button", name=re.compile("^删除员工 6")).click()  # hired after all in the next batch
    expect(phone.get_by_role("heading", name=re.compile(r"新招用员工（5 名）"))).to_be_visible()
    mobile = phone.locator("#employee-2").get_by_label(named("手机号码"))
    expect(mobile).to_have_value("1380000")
    mobile.fill("13807930123")
    phone.get_by_role("button", name="下一步", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("确认并提交")
    axe(phone)
    toggle_elder(phone)
    axe(phone)
    screenshot(phone, "apply-employees-review")
    toggle_elder(phone)
    phone.get_by_role("button", name="提交申请").click()

    expect(phone.get_by_role("heading", level=1)).to_contain_text("申请已受理")
    expect(phone.locator("tbody tr")).to_have_count(20)  # four items for each of the five
    axe(phone)


def sandbox_token(base: str, persona: str, region_filter: str) -> tuple[str, str]:
    """A sandbox persona's ID number and signed identity (what the page cookie carries)."""
    people = httpx.get(
        f"{base}/api/v1/sandbox/people", params={"filter": region_filter, "limit": 50}, timeout=10
    )
    person = next(p for p in people.json() if p.get("persona") == persona)
    r = httpx.post(f"{base}/api/v1/auth/sandbox", json={"id_number": person["id_number"]}, timeout=10)
    return person["id_number"], str(r.json()["access_token"])


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_apply_pages_in_both_modes(device: str, browser: Browser, live_server: str) -> None:
    """Each apply page on a phone and a desktop, normal and 长辈版: axe, no sideways scrolling, a
    screenshot — the steps (a Yichang graduate), the refusal (the 15-year-old of Shijiazhuang), a receipt (a Hebei
    worker's case filed over the API)."""
    _, graduate = sandbox_token(live_server, "yichang_graduate_married", "yichang")
    _, minor = sandbox_token(live_server, "hebei_age_15", "")
    _, worker = sandbox_token(live_server, "hebei_flexible_public_archive", "hebei")
    filed = httpx.post(
        f"{live_server}/api/v1/applications",
        json={"theme_id": "hebei.flexible-employment", "form": hebei_form(CATALOGUE.code_lists)},
        headers={"Authorization": f"Bearer {worker}"},
        timeout=30,
    )
    assert filed.status_code in (200, 201), filed.text
    receipt = f"{HEBEI_THEME}/apply/receipt/{filed.json()['case_id']}"
    pages = [
        (graduate, f"{GRADUATE_THEME}/apply/situation", "先回答几个问题", "apply-situation"),
        (graduate, f"{GRADUATE_THEME}/apply/form", "填写申请表", "apply-form"),
        (graduate, f"{GRADUATE_THEME}/apply/materials", "上传材料", "apply-materials"),
        (minor, f"{HEBEI_THEME}/apply/situation", "您暂不能申请", "apply-blocked"),
        (worker, receipt, "申请已受理", "apply-receipt"),
    ]
    for elder in (False, True):
        for token, path, heading, name in pages:
            context = browser.new_context(
                base_url=live_server,
                viewport=PHONE if device == "phone" else DESKTOP,  # type: ignore[arg-type]
                locale="zh-CN",
                is_mobile=device == "phone",
                has_touch=device == "phone",
            )
            cookies = [{"name": "lianban_session", "value": token, "url": live_server}]
            if elder:
                cookies.append({"name": "lianban_elder", "value": "1", "url": live_server})
            context.add_cookies(cookies)  # type: ignore[arg-type]
            page = context.new_page()
            page.device = device  # type: ignore[attr-defined]
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            no_horizontal_scroll(page)
            axe(page)
            screenshot(page, name)
            context.close()
