"""部门工作台 over plain HTTP: a 医保 reviewer sees only her department's waiting items, opens one
(audited), decides with a reason from the list or a result, and cannot open another
department's item by its address (404)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from staff_desk import dispatch_to_worklist, file_zibo_batch, log_in_staff, page, post_form

from lianban.cases.schema import AuditEntry
from sandbox_cases import file_hebei_case


def _audit(client: TestClient, case_id: str) -> list[tuple[str, str]]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return [
            (a.actor_sealed or "", a.action)  # the actor from its ciphertext (actor is its keyed hash)
            for a in session.execute(
                select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)
            ).scalars()
        ]


def test_a_medical_insurance_reviewer_sees_her_items_only_and_approves_one_with_a_result(
    client: TestClient,
) -> None:
    case_id, applicant = file_hebei_case(client)
    dispatch_to_worklist(client)
    log_in_staff(client, "medical_insurance")
    status, html = page(client, "/staff")
    assert status == 303
    status, html = page(client, "/staff/worklist")
    assert status == 200 and "部门工作台" in html and case_id in html
    assert "职工基本养老保险" not in html  # 社保经办's item of the same case is not hers
    case_no = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["case_no"]
    assert f'<td class="mono">{case_no}</td>' in html  # the 办件编号 the applicant quotes
    other_id = file_zibo_batch(client)
    dispatch_to_worklist(client)
    status, html = page(client, f"/staff/worklist?case={case_no}")  # found by the 办件编号 she quotes
    assert (
        status == 200
        and html.count('<td class="mono">') == html.count(f'<td class="mono">{case_no}</td>') == 1
    )
    assert other_id in page(client, "/staff/worklist")[1]  # the other case waits too, unfiltered
    item_id = f"{case_id}~medical_enrolment"
    status, html = page(client, f"/staff/worklist/items/{item_id}")
    assert status == 200 and "psn_name" in html and "certno" in html  # the department's own field names
    viewed = [actor for actor, action in _audit(client, case_id) if action == "view:worklist_item"]
    assert len(viewed) == 1 and "medical_insurance" in viewed[0]

    refused = post_form(
        client,
        f"/staff/worklist/items/{item_id}/decision",
        {"decision": "reject"},
        f"/staff/worklist/items/{item_id}",
    )
    assert refused.status_code == 422 and "请选择理由" in refused.text  # type: ignore[attr-defined]

    r = post_form(
        client,
        f"/staff/worklist/items/{item_id}/decision",
        {"decision": "approve", "number": "YB4201002026000123"},
        f"/staff/worklist/items/{item_id}",
    )
    assert r.status_code == 303  # type: ignore[attr-defined]
    decided = [actor for actor, action in _audit(client, case_id) if action == "decide:approve"]
    assert len(decided) == 1 and "medical_insurance" in decided[0]
    case = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    medical = next(i for i in case["items"] if i["code"] == "medical_enrolment")
    assert medical["status"] == "approved" and medical["result"]["number"] == "YB4201002026000123"
    assert medical["result"]["issuer"] == "医疗保障部门"


def test_a_reviewer_cannot_open_another_departments_item_by_its_address(client: TestClient) -> None:
    case_id, _ = file_hebei_case(client)
    dispatch_to_worklist(client)
    log_in_staff(client, "medical_insurance")
    status, html = page(client, f"/staff/worklist/items/{case_id}~employment_registration")
    assert status == 404 and "不存在" in html and "certno" not in html
    status, _ = page(client, f"/staff/worklist/items/{case_id}~nothing")
    assert status == 404


def test_the_desks_are_for_their_roles_only(client: TestClient) -> None:
    status, _ = page(client, "/staff/worklist")
    assert status == 303  # to the login page and back
    log_in_staff(client, "supervisor")
    status, html = page(client, "/staff/worklist")
    assert status == 403 and "无权访问" in html


def test_hrss_approves_a_zibo_employers_batch_of_three_at_once_each_audited(client: TestClient) -> None:
    case_id = file_zibo_batch(client)
    dispatch_to_worklist(client)
    log_in_staff(client, "hrss")
    status, html = page(client, "/staff/worklist")
    assert status == 200
    assert "单位批量办件" in html and "共 3 名员工" in html
    ids = [f"{case_id}~unit_employment_registration~{n}" for n in range(3)]
    r = post_form(client, "/staff/worklist/bulk-approve", {"item_ids": ids}, "/staff/worklist")
    assert r.status_code == 303 and "count=3" in r.headers["location"]  # type: ignore[attr-defined]
    decided = [a for a in _audit(client, case_id) if a[1] == "decide:approve"]
    assert len(decided) == 3
    _status, html = page(client, "/staff/worklist")
    assert case_id not in html  # nothing of the batch waits any more
    again = post_form(client, "/staff/worklist/bulk-approve", {"item_ids": ids[:1]}, "/staff/worklist")
    assert "count=0" in again.headers["location"]  # type: ignore[attr-defined]  # decided already
