"""The employer's 补正 page over plain HTTP (no browser, no JavaScript): 社保经办 sent back the second
of three hires' 参保登记. The page asks that hire's row only; sent back as shown it changes
nothing of what was filed — even a mailing address filed with a division abolished since (an old
birthplace code the region picker no longer lists) — and a wrong wage comes back beside its cell."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from lianban.cases.schema import Case, CaseItem
from support.employers import dispatch_to_worklists, file_three_hires, send_back, shangrao_uscc


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def as_shown(html: str) -> dict[str, Any]:
    """What a browser sends for the page's form untouched: each input's value, the selected
    options, the ticked boxes (a list when a name repeats)."""
    form = html[html.index('<form id="correction"') :]
    form = form[: form.index("</form>")]
    data: dict[str, Any] = {}

    def add(name: str, value: str) -> None:
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value

    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name is None or (kind and kind[1] in ("checkbox", "radio") and " checked" not in tag):
            continue
        if kind and kind[1] == "file":
            continue
        add(name[1], value[1] if value else "")
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        add(name, chosen[1] if chosen else "")
    for name, body in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        add(name, body)
    return data


def log_in(client: TestClient, uscc: str) -> None:
    client.headers["accept"] = "text/html"
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"csrf_token": csrf(page.text), "kind": "employer", "via": "type", "uscc": uscc},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_the_page_asks_one_hire_and_sent_as_shown_changes_nothing_filed(client: TestClient) -> None:
    case_id, _, rows = file_three_hires(client)
    dispatch_to_worklists(client)
    send_back(client, case_id, "pension_enrolment#1", "申报工资有误", "social_insurance")
    ctx = client.app.state.platform  # type: ignore[attr-defined]
    with (
        ctx.sessions() as session,
        session.begin(),
    ):  # the hire's address filed with 赣州地区赣州市 (until 1998)
        case = session.get(Case, case_id)
        assert case is not None
        filed = [dict(r) for r in case.form["employees"]]
        filed[1]["person.mailing_address"] = {"region": "362101", "detail": "赣州市朝阳街14号"}
        case.form = {**case.form, "employees": filed}
    log_in(client, shangrao_uscc(client))

    page = client.get(f"/my/{case_id}/correct")
    assert page.status_code == 200, page.text
    assert 'id="employee-1"' in page.text and 'id="employee-0"' not in page.text
    assert 'name="employees.1.employment.monthly_wage"' in page.text
    assert 'name="employees.1.housing_fund.base"' not in page.text  # another item's column
    assert "赣州市（1998年前区划）" in page.text  # the filed division, shown as it is

    shown = as_shown(page.text)
    bad = client.post(
        f"/my/{case_id}/correct", data={**shown, "employees.1.employment.monthly_wage": "四千五"}
    )
    assert bad.status_code == 422
    assert 'id="f-employees-1-employment-monthly-wage-error"' in bad.text
    assert 'value="四千五"' in bad.text

    done = client.post(f"/my/{case_id}/correct", data=shown, follow_redirects=False)
    assert done.status_code == 303, done.text
    with ctx.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.form["employees"] == filed  # nothing changed that was not typed
        item = session.get(CaseItem, (case_id, "pension_enrolment#1"))
        assert item is not None and item.status == "queued"
    assert rows[0] == filed[0]


def test_an_emptied_optional_cell_is_cleared_and_an_emptied_required_one_named(client: TestClient) -> None:
    """The second hire was filed with a remark (备注, optional); 社保经办 sends his 参保登记 back. The
    factory empties the remark on the page: it is cleared, not kept. Emptying his 申报工资 (required)
    instead comes back beside that cell, nothing changed."""
    case_id, _, _ = file_three_hires(client)
    dispatch_to_worklists(client)
    send_back(client, case_id, "pension_enrolment#1", "备注不属于参保登记内容", "social_insurance")
    ctx = client.app.state.platform  # type: ignore[attr-defined]
    with ctx.sessions() as session, session.begin():
        case = session.get(Case, case_id)
        assert case is not None
        filed = [dict(r) for r in case.form["employees"]]
        filed[1]["application.remarks"] = "夜班岗位"
        case.form = {**case.form, "employees": filed}
    log_in(client, shangrao_uscc(client))
    shown = as_shown(client.get(f"/my/{case_id}/correct").text)
    assert shown["employees.1.application.remarks"] == "夜班岗位"

    wage = client.post(f"/my/{case_id}/correct", data={**shown, "employees.1.employment.monthly_wage": ""})
    assert wage.status_code == 422
    assert 'id="f-employees-1-employment-monthly-wage-error"' in wage.text
    assert "申报工资" in wage.text and "请填写" in wage.text

    done = client.post(
        f"/my/{case_id}/correct",
        data={**shown, "employees.1.application.remarks": ""},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    with ctx.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        after = case.form["employees"]
    assert after[1].get("application.remarks") in (None, "")  # cleared, not the filed remark kept
    assert {k: v for k, v in after[1].items() if k != "application.remarks"} == {
        k: v for k, v in filed[1].items() if k != "application.remarks"
    }
    assert after[0] == filed[0] and after[2] == filed[2]
