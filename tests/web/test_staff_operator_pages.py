"""运维 page over plain HTTP: a 医保 system that cannot be reached leaves the Hebei worker's item
failed; the operator sees it with its last error and the department as unreachable, switches
医保 to the worklist, retries all, and the item goes to the 医保 reviewers' worklist."""

from __future__ import annotations

from fastapi.testclient import TestClient
from staff_desk import log_in_staff, page, post_form

from lianban.config import RetryPolicy
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from sandbox_cases import bearer, file_hebei_case

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on the discard port


def _dispatch(client: TestClient, urls: dict[str, str]) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    config = DispatchConfig(
        state.department_keys,
        urls,
        "http://127.0.0.1:8000",
        timeout_seconds=0.5,
        retry=RetryPolicy(max_attempts=1),
    )
    dispatcher = Dispatcher(state.sessions, state.catalogue, config)
    try:
        dispatcher.run_once(limit=100)
    finally:
        dispatcher.close()


def test_an_operator_sees_a_failed_send_and_retries_it_into_the_worklist(client: TestClient) -> None:
    case_id, applicant = file_hebei_case(client)
    _dispatch(client, {"medical_insurance": UNREACHABLE})
    case = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    assert next(i for i in case["items"] if i["code"] == "medical_enrolment")["status"] == "failed"

    log_in_staff(client, "operator")
    status, html = page(client, "/staff/operator")
    assert status == 200 and "推送失败的事项" in html and case_id in html and "medical_enrolment" in html
    assert "不可达" in html  # 医保 as dispatch last found it

    r = post_form(
        client, "/staff/operator/departments/medical_insurance", {"mode": "worklist"}, "/staff/operator"
    )
    assert r.status_code == 303  # type: ignore[attr-defined]
    r = post_form(client, "/staff/operator/retry-all", {}, "/staff/operator")
    assert r.status_code == 303 and "n=1" in r.headers["location"]  # type: ignore[attr-defined]
    _dispatch(client, {"medical_insurance": UNREACHABLE})  # routed to the worklist: not sent
    reviewer = bearer(client, username="medical_insurance", password="sandbox")
    work = client.get("/api/v1/worklist", headers=reviewer).json()
    assert [w["code"] for w in work if w["case_id"] == case_id] == ["medical_enrolment"]

    log_in_staff(client, "medical_insurance")
    status, _ = page(client, "/staff/operator")
    assert status == 403
