"""The apply pages over plain HTTP (no browser, no JavaScript): the Wuhan graduate files her
graduate theme from the situation questions to the receipt; a 15-year-old is told why she cannot
apply before any form; a wrong mobile number is named beside its field with the other values
kept; a closed tab loses nothing (the draft); a window clerk files the same form for a walk-in
applicant through the same flow, as her agent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from lianban.catalog.catalogue import default_catalogue
from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.web.app import create_app
from lianban.web.pages.apply_flow import ApplyFlow
from lianban.web.pages.apply_pages import apply_router
from lianban.web.pages.session import page_identity
from lianban_sandbox.registry import sandbox_hires
from sandbox_cases import graduate_form
from support.employers import file_three_hires, shangrao_uscc

WUHAN_GRADUATE = "420602200405120263"  # persona wuhan_graduate (陈思雨)
GRADUATE = "/themes/hubei.graduate-employment/apply"


def window_flow(request: Request, theme_id: str) -> ApplyFlow:
    """What the window console does: the clerk files for the applicant the path names."""
    clerk = page_identity(request)
    assert clerk is not None
    number = request.path_params["applicant"]
    return ApplyFlow.at_window(clerk, theme_id, f"/test-window/{number}/{theme_id}", id_number=number)


@pytest.fixture
def browser_like(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'apply.sqlite3'}"
    upgrade(url)
    app: FastAPI = create_app(
        load_settings({"LIANBAN_DATA_DIR": str(tmp_path / "var")}, database_url=url, mode=Mode.SANDBOX)
    )
    app.include_router(apply_router("/test-window/{applicant}/{theme_id}", window_flow))
    with TestClient(app, follow_redirects=False) as c:
        c.headers["accept"] = "text/html"
        yield c


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def log_in(client: TestClient, **who: str) -> None:
    page = client.get("/login")
    kind = "staff" if "username" in who else "employer" if "uscc" in who else "person"
    r = client.post("/login", data={"csrf_token": token(page.text), "kind": kind, "via": "type", **who})
    assert r.status_code == 303, r.text


def typed(form: dict[str, Any]) -> dict[str, Any]:
    """The graduate's form as the page's inputs name it (periods, addresses and divisions in parts)."""
    data: dict[str, Any] = {"employment.has_uscc": "false"}
    for key, value in form.items():
        if isinstance(value, dict) and "start" in value:
            data[f"{key}.start"], data[f"{key}.end"] = value["start"], value["end"]
        elif isinstance(value, dict):
            data.update(region_parts(f"{key}.region", value["region"]))
            data[f"{key}.detail"] = value["detail"]
        elif key.endswith(".region") or key.endswith("_region"):
            data.update(region_parts(key, str(value)))
        else:
            data[key] = value
    return data


def region_parts(name: str, code: str) -> dict[str, str]:
    parts = {f"{name}.l1": code[:2] + "0000", f"{name}.l2": code[:4] + "00"}
    if not code.endswith("00"):
        parts[f"{name}.l3"] = code
    return parts


def errors_on(html: str) -> list[str]:
    return re.findall(r'<p id="([^"]+)-error" class="error">', html)


def test_the_wuhan_graduate_files_from_the_questions_to_her_receipt(browser_like: TestClient) -> None:
    c = browser_like
    log_in(c, id_number=WUHAN_GRADUATE)
    assert c.get(GRADUATE).headers["location"] == f"{GRADUATE}/situation"
    page = c.get(f"{GRADUATE}/situation")
    assert "落户城市" in page.text
    r = c.post(
        f"{GRADUATE}/situation",
        data={"csrf_token": token(page.text), "settle_city": "wuhan", "family_moves": "no"},
    )
    assert r.headers["location"] == f"{GRADUATE}/form"
    page = c.get(f"{GRADUATE}/form")
    assert "陈思雨" in page.text and "已核验" in page.text  # her verified name, locked
    assert 'name="person.name"' not in page.text  # not an input: data sharing's value stands
    form = typed(graduate_form(default_catalogue().code_lists, "陈思雨"))
    r = c.post(f"{GRADUATE}/form", data={"csrf_token": token(page.text), "action": "next", **form})
    assert r.status_code == 303, errors_on(r.text)
    assert r.headers["location"] == f"{GRADUATE}/materials"
    review = c.get(f"{GRADUATE}/review")
    assert review.status_code == 200 and "将办理的事项（8 项）" in review.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review.text)
    assert key
    r = c.post(f"{GRADUATE}/submit", data={"csrf_token": token(review.text), "idempotency_key": key.group(1)})
    receipt = c.get(r.headers["location"])
    case_id = re.search(r'id="case-id">([^<]+)<', receipt.text)
    assert case_id and "申请已受理" in receipt.text
    assert receipt.text.count('data-label="承诺办结"') == 8
    again = c.post(
        f"{GRADUATE}/submit", data={"csrf_token": token(review.text), "idempotency_key": key.group(1)}
    )
    assert again.headers["location"] == r.headers["location"]  # a second click files nothing new
    pdf = c.get(r.headers["location"] + "/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert c.get(GRADUATE).headers["location"] == f"{GRADUATE}/situation"  # the draft went with the filing


def test_a_15_year_old_is_told_why_before_any_form(browser_like: TestClient) -> None:
    c = browser_like
    people = c.get(
        "/api/v1/sandbox/people", params={"limit": 100}, headers={"accept": "application/json"}
    ).json()
    minor = next(p for p in people if p.get("persona") == "hebei_age_15")  # 15, of Shijiazhuang
    assert minor["id_number"].startswith("130104")  # registered in Hebei (石家庄市桥西区), like the theme
    log_in(c, id_number=minor["id_number"])
    page = c.get("/themes/hebei.flexible-employment/apply/situation")
    assert "您暂不能申请" in page.text and "须年满16周岁" in page.text
    assert "<input" not in page.text.split("<main", 1)[1].split("</main>")[0].replace('type="hidden"', "")
    assert "暂不能申请" in c.get("/themes/hebei.flexible-employment/apply/form").text


def test_a_wrong_mobile_is_named_beside_its_field_and_the_rest_is_kept(browser_like: TestClient) -> None:
    c = browser_like
    log_in(c, id_number=WUHAN_GRADUATE)
    page = c.get(f"{GRADUATE}/form")
    form = typed(graduate_form(default_catalogue().code_lists, "陈思雨"))
    form["person.mobile"] = "1390715"
    r = c.post(f"{GRADUATE}/form", data={"csrf_token": token(page.text), "action": "next", **form})
    assert r.status_code == 422
    assert errors_on(r.text) == ["f-person-mobile"]
    assert 'value="1390715"' in r.text and 'value="软件开发人员"' in r.text
    assert "共 1 处需要修改" in r.text
    # the tab is closed; opening the apply page again brings the draft back
    assert c.get(GRADUATE).headers["location"] == f"{GRADUATE}/form"
    assert 'value="软件开发人员"' in c.get(f"{GRADUATE}/form").text


def test_housing_fund_amounts_follow_the_base_and_rates(browser_like: TestClient) -> None:
    c = browser_like
    log_in(c, uscc="91361100MA38TW4F3F")  # persona shangrao_employer
    r = c.get(
        "/themes/shangrao.recruitment/apply/amounts",
        params={
            "row": "0",
            "employees.0.housing_fund.base": "4000",
            "employees.0.housing_fund.unit_rate": "12",
            "employees.0.housing_fund.personal_rate": "5",
        },
    )
    assert "480.00 元" in r.text and "200.00 元" in r.text and "680.00 元" in r.text


def test_a_window_clerk_files_the_same_form_for_a_walk_in_applicant(browser_like: TestClient) -> None:
    c = browser_like
    log_in(c, username="window", password="sandbox")
    base = f"/test-window/{WUHAN_GRADUATE}/hubei.graduate-employment"
    page = c.get(f"{base}/situation")
    assert "窗口代办" in page.text
    c.post(
        f"{base}/situation",
        data={"csrf_token": token(page.text), "settle_city": "wuhan", "family_moves": "no"},
    )
    page = c.get(f"{base}/form")
    assert "陈思雨" in page.text  # the applicant's verified values, not the clerk's
    form = typed(graduate_form(default_catalogue().code_lists, "陈思雨"))
    r = c.post(f"{base}/form", data={"csrf_token": token(page.text), "action": "next", **form})
    assert r.status_code == 303, errors_on(r.text)
    review = c.get(f"{base}/review")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review.text)
    assert key
    r = c.post(f"{base}/submit", data={"csrf_token": token(review.text), "idempotency_key": key.group(1)})
    receipt = c.get(r.headers["location"])
    case_id = re.search(r'id="case-id">([^<]+)<', receipt.text)
    assert case_id
    log_in(c, id_number=WUHAN_GRADUATE)
    assert case_id.group(1) in c.get("/my").text


def test_an_employer_adds_a_hire_by_id_number_and_data_sharing_checks_and_locks_the_row_unseen(
    browser_like: TestClient,
) -> None:
    c = browser_like
    log_in(c, uscc="91361100MA38TW4F3F")  # persona shangrao_employer
    state = c.app.state  # type: ignore[attr-defined]
    (hire,) = sandbox_hires(1, "shangrao.recruitment", catalogue=state.catalogue, hub=state.sharing)
    verified = state.sharing.prefill_person(hire["person.id_number"])
    page = c.get("/themes/shangrao.recruitment/apply/form")
    assert "新招用员工（0 名）" in page.text
    r = c.post(
        "/themes/shangrao.recruitment/apply/form",
        data={
            "csrf_token": token(page.text),
            "action": "add",
            "new_employee": hire["person.id_number"],
            "employees.count": "0",
        },
    )
    assert r.status_code == 200 and "新招用员工（1 名）" in r.text
    row = r.text.split('id="employee-0"', 1)[1]
    # checked and locked by data sharing, but none of his shared values shown before he is filed
    # under the employer's account (issue 14, point 1)
    assert verified["person.name"] not in row and "提交后脱敏可见" in row
    assert verified["person.hukou_address"]["detail"] not in r.text
    assert 'id="f-employees-0-person-name"' in row and 'name="employees.0.person.name"' not in row  # locked
    assert f'name="employees.0.person.id_number" value="{hire["person.id_number"]}"' in row
    assert 'name="employees.0.person.mobile"' in row  # what data sharing does not know is typed
    removed = c.post(
        "/themes/shangrao.recruitment/apply/form",
        data={
            "csrf_token": token(r.text),
            "action": "remove:0",
            "employees.count": "1",
            "employees.0.person.id_number": hire["person.id_number"],
        },
    )
    assert "新招用员工（0 名）" in removed.text


def test_a_hire_filed_before_shows_his_verified_values_masked_as_a_person_reads_them(
    browser_like: TestClient,
) -> None:
    """The factory filed three hires; hiring the first again, his row shows what data sharing
    verified masked — the readable text, not the code: 汉族 as 汉*, never 01 as 0*."""
    c = browser_like
    _, _, rows = file_three_hires(c)
    log_in(c, uscc=shangrao_uscc(c))
    state = c.app.state  # type: ignore[attr-defined]
    number = rows[0]["person.id_number"]
    verified = state.sharing.prefill_person(number)
    ethnicity = state.catalogue.code_lists["gb3304_ethnicity"].get(verified["person.ethnicity"])
    page = c.get("/themes/shangrao.recruitment/apply/form")
    r = c.post(
        "/themes/shangrao.recruitment/apply/form",
        data={
            "csrf_token": token(page.text),
            "action": "add",
            "new_employee": number,
            "employees.count": "0",
        },
    )
    assert r.status_code == 200, r.text
    cell = r.text.split('id="f-employees-0-person-ethnicity"', 1)[1].split("</div>", 1)[0]
    shown = re.search(r'<p class="locked-value">([^<]*)</p>', cell)
    assert shown is not None
    assert shown[1] == ethnicity.label[0] + "*" * (len(ethnicity.label) - 1)  # 汉*
    assert verified["person.ethnicity"][:1] + "*" not in shown[1]
    name = r.text.split('id="f-employees-0-person-name"', 1)[1].split("</div>", 1)[0]
    assert f">{verified['person.name'][0]}*" in name and verified["person.name"] not in name
