"""差评整改 pages: a Hebei worker rates her finished case 非常不满意; the supervisor sees the
follow-ups, the 医保 reviewer sees only her department's and answers it — contact made, then
closed — and the applicant reads the answer on her case."""

from __future__ import annotations

from fastapi.testclient import TestClient
from staff_desk import log_in_staff, page, post_form

from feature_world import decide_all
from sandbox_cases import bearer, file_hebei_case


def test_a_bad_rating_is_followed_up_by_the_department_and_watched_by_the_supervisor(
    client: TestClient,
) -> None:
    case_id, applicant = file_hebei_case(client)
    decide_all(client, case_id, applicant)
    r = client.post(
        f"/api/v1/applications/{case_id}/rating",
        json={"level": 1, "comment": "医保登记等了很久", "reasons": ["slow"]},
        headers=applicant,
    )
    assert r.status_code == 201, r.text
    follow_ups = client.get(f"/api/v1/applications/{case_id}/rating", headers=applicant).json()["follow_ups"]
    medical = next(f for f in follow_ups if f["department"] == "medical_insurance")
    case_no = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["case_no"]

    log_in_staff(client, "supervisor")
    status, html = page(client, "/staff/follow-ups")
    assert (
        status == 200
        and html.count(f'<td class="mono">{case_no}</td>') == len(follow_ups)  # 办件编号
        and "非常不满意" in html
    )
    status, html = page(client, f"/staff/follow-ups/{medical['follow_up_id']}")
    assert status == 200 and "医保登记等了很久" in html and "提交反馈" not in html  # supervisors watch
    assert f'<dd class="mono">{case_no}</dd>' in html
    listed = client.get(
        "/api/v1/follow-ups", headers=bearer(client, username="supervisor", password="sandbox")
    )
    assert {f["case_no"] for f in listed.json() if f["case_id"] == case_id} == {case_no}

    log_in_staff(client, "medical_insurance")
    status, html = page(client, "/staff/follow-ups")
    assert html.count(f'<td class="mono">{case_no}</td>') == 1  # her department's only
    path = f"/staff/follow-ups/{medical['follow_up_id']}"
    empty = post_form(client, path, {"status": "contacted", "answer": ""}, path)
    assert empty.status_code == 422 and "请填写核实或整改情况" in empty.text  # type: ignore[attr-defined]
    done = post_form(client, path, {"status": "contacted", "answer": "已电话联系申请人，说明原因"}, path)
    assert done.status_code == 303  # type: ignore[attr-defined]
    status, html = page(client, path + "?done=contacted")
    assert "已电话联系申请人" in html and "已联系核实" in html
    closed = post_form(client, path, {"status": "closed", "answer": "系统排队已优化，核实无需再整改"}, path)
    assert closed.status_code == 303  # type: ignore[attr-defined]
    seen = client.get(f"/api/v1/applications/{case_id}/rating", headers=applicant).json()["follow_ups"]
    mine = next(f for f in seen if f["follow_up_id"] == medical["follow_up_id"])
    assert mine["status"] == "closed" and "系统排队已优化" in mine["answer"]

    others = next(f for f in follow_ups if f["department"] != "medical_insurance")
    status, _ = page(client, f"/staff/follow-ups/{others['follow_up_id']}")
    assert status == 404  # another department's follow-up
