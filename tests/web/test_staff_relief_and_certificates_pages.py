"""The housing fund reviewer's page (部门工作台) shows the papers owed after the application and
takes them as received; after approving, it lists the e-certificate issued and revokes it.

Seed 003 (上饶), 填表说明第7条: “申请办理公积金缓缴、降缴的单位需要在提交申请后一个月内将有关申请资料提交至
公积金分中心” — the 公积金分中心's reviewer is who receives them (issue 17, points 2 and 9).
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from staff_desk import dispatch_to_worklist, log_in_staff, page, post_form
from test_housing_fund_relief import file_with_relief


def test_the_reviewer_receives_the_relief_papers_and_revokes_a_certificate_on_the_page(
    client: TestClient,
) -> None:
    filed, applicant = file_with_relief(client, ["reduction"], "3")
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["case_id"]
    owed = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["obligations"][0]
    dispatch_to_worklist(client)
    log_in_staff(client, "housing_fund")
    item = f"{case_id}~housing_fund_account~0"
    status, html = page(client, f"/staff/worklist/items/{item}")
    assert status == 200
    assert "后补材料" in html and owed["due_on"] in html and "职代会（工会）决议或决定" in html
    assert "待提交" in html
    received = post_form(
        client,
        f"/staff/worklist/items/{item}/obligations/{owed['obligation_id']}",
        {},
        f"/staff/worklist/items/{item}",
    )
    assert received.status_code == 303  # type: ignore[attr-defined]
    _, html = page(client, f"/staff/worklist/items/{item}")
    assert "已收讫" in html and "登记材料已收讫" not in html
    timeline = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["timeline"]
    assert any(e["event"] == "obligation_fulfilled" for e in timeline)

    approved = post_form(
        client,
        f"/staff/worklist/items/{item}/decision",
        {"decision": "approve", "number": "GJJ3611000012345"},
        f"/staff/worklist/items/{item}",
    )
    assert approved.status_code == 303  # type: ignore[attr-defined]
    dispatch_to_worklist(client)  # the worker takes the item_decided event: the certificate is recorded
    _, html = page(client, f"/staff/worklist/items/{item}")
    assert "电子证照" in html and "GJJ3611000012345" in html
    code = re.search(r"/certificates/([A-Z0-9]+)/revoke", html)
    assert code, html
    assert client.get(f"/api/v1/certificates/{code.group(1)}").json()["status"] == "valid"
    revoked = post_form(
        client,
        f"/staff/worklist/items/{item}/certificates/{code.group(1)}/revoke",
        {"reason": "单位申请撤销，账户信息有误"},
        f"/staff/worklist/items/{item}",
    )
    assert revoked.status_code == 303  # type: ignore[attr-defined]
    public = client.get(f"/api/v1/certificates/{code.group(1)}").json()
    assert public["status"] == "revoked" and public["revoked_reason"] == "单位申请撤销，账户信息有误"


def test_the_guide_says_the_relief_papers_come_a_month_after(client: TestClient) -> None:
    _, html = page(client, "/themes/shangrao.recruitment")
    assert "申请后 1 个月内提交至公积金分中心，提交申请时无需提供" in html
