"""Where a department's system is not integrated, its staff decide in lianban's worklist."""

from __future__ import annotations

import io
from datetime import UTC, timedelta

from fastapi.testclient import TestClient
from pypdf import PdfWriter

from lianban.clock import SettableClock
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from sandbox_cases import bearer, file_hebei_case


def file_and_dispatch(client: TestClient) -> tuple[str, dict[str, str]]:
    """Her case, dispatched by a deployment with no department system configured: all to the worklist."""
    case_id, headers = file_hebei_case(client)
    state = client.app.state  # type: ignore[attr-defined]
    Dispatcher(
        state.sessions, state.catalogue, DispatchConfig(state.department_keys, {}, "http://127.0.0.1:9")
    ).run_once()
    return case_id, headers


def test_hrss_staff_see_and_approve_their_item_and_the_applicant_sees_the_result(client: TestClient) -> None:
    case_id, applicant = file_and_dispatch(client)
    hrss = bearer(client, username="hrss", password="sandbox")
    work = client.get("/api/v1/worklist", headers=hrss).json()
    mine = [w for w in work if w["case_id"] == case_id]
    assert [w["code"] for w in mine] == ["employment_registration"]
    case_no = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["case_no"]
    assert mine[0]["case_no"] == case_no  # the 办件编号 the applicant quotes on the phone
    r = client.post(
        f"/api/v1/worklist/{mine[0]['item_id']}/decision",
        json={"decision": "approve", "result": {"就业创业证编号": "1301000000001"}},
        headers=hrss,
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    case = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    item = next(i for i in case["items"] if i["code"] == "employment_registration")
    assert item["status"] == "approved" and item["result"] == {"就业创业证编号": "1301000000001"}
    again = client.post(
        f"/api/v1/worklist/{mine[0]['item_id']}/decision",
        json={"decision": "reject", "reason": "x"},
        headers=hrss,
    )
    assert again.status_code == 409


def test_staff_see_only_their_department_and_applicants_no_worklist(client: TestClient) -> None:
    case_id, applicant = file_and_dispatch(client)
    tax = bearer(client, username="tax", password="sandbox")
    assert all(
        w["code"] != "employment_registration" for w in client.get("/api/v1/worklist", headers=tax).json()
    )
    assert client.get("/api/v1/worklist", params={"department": "hrss"}, headers=tax).status_code == 403
    assert client.get("/api/v1/worklist", headers=applicant).status_code == 403
    hrss_item = f"{case_id}~employment_registration"
    assert (
        client.post(
            f"/api/v1/worklist/{hrss_item}/decision", json={"decision": "approve"}, headers=tax
        ).status_code
        == 404
    )


def test_an_item_not_yet_sent_to_the_worklist_cannot_be_decided(client: TestClient) -> None:
    """Filed but not dispatched: the item is queued (or waiting behind another), not on anyone's
    worklist; a staff member who guesses its id cannot approve it (409), and it stays as it was."""
    case_id, applicant = file_hebei_case(client)
    hrss = bearer(client, username="hrss", password="sandbox")
    before = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    item = next(i for i in before["items"] if i["code"] == "employment_registration")
    assert item["status"] in ("queued", "waiting")
    r = client.post(
        f"/api/v1/worklist/{case_id}~employment_registration/decision",
        json={"decision": "approve", "result": {"就业创业证编号": "1301000000001"}},
        headers=hrss,
    )
    assert r.status_code == 409, r.text
    after = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    assert (
        next(i for i in after["items"] if i["code"] == "employment_registration")["status"] == item["status"]
    )


def test_a_correction_needs_a_reason_and_sends_the_item_back(client: TestClient) -> None:
    case_id, applicant = file_and_dispatch(client)
    hrss = bearer(client, username="hrss", password="sandbox")
    item_id = f"{case_id}~employment_registration"
    assert (
        client.post(
            f"/api/v1/worklist/{item_id}/decision", json={"decision": "correct"}, headers=hrss
        ).status_code
        == 422
    )
    r = client.post(
        f"/api/v1/worklist/{item_id}/decision",
        json={"decision": "correct", "reason": "就业时间与社保记录不一致"},
        headers=hrss,
    )
    assert r.json()["status"] == "correction_required"
    case = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    item = next(i for i in case["items"] if i["code"] == "employment_registration")
    assert item["reason"] == "就业时间与社保记录不一致"


def test_a_correction_round_resubmits_only_the_item_sent_back(client: TestClient) -> None:
    case_id, applicant = file_and_dispatch(client)
    hrss = bearer(client, username="hrss", password="sandbox")
    item_id = f"{case_id}~employment_registration"
    client.post(
        f"/api/v1/worklist/{item_id}/decision",
        json={"decision": "correct", "reason": "就业时间有误"},
        headers=hrss,
    )
    nothing_else = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    before = {i["code"]: i["status"] for i in nothing_else["items"]}
    r = client.post(
        f"/api/v1/applications/{case_id}/corrections",
        json={"form": {"employment.start_date": "2026-11-09"}},
        headers=applicant,
    )
    assert r.status_code == 200, r.text
    assert r.json()["resubmitted"] == ["employment_registration"]
    after = {
        i["code"]: i["status"]
        for i in client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["items"]
    }
    assert after["employment_registration"] == "queued"
    assert {k: v for k, v in after.items() if k != "employment_registration"} == {
        k: v for k, v in before.items() if k != "employment_registration"
    }
    state = client.app.state  # type: ignore[attr-defined]
    Dispatcher(
        state.sessions, state.catalogue, DispatchConfig(state.department_keys, {}, "http://127.0.0.1:9")
    ).run_once()
    work = [w for w in client.get("/api/v1/worklist", headers=hrss).json() if w["case_id"] == case_id]
    assert work and work[0]["payload"]  # back on the worklist with the corrected form
    assert (
        client.post(f"/api/v1/applications/{case_id}/corrections", json={}, headers=applicant).status_code
        == 409
    )


def test_a_correction_cannot_name_another_applicants_upload(client: TestClient) -> None:
    """补正 with a material: only her own upload of that material; the graduate's scan is refused
    and the item stays sent back."""
    case_id, applicant = file_and_dispatch(client)
    hrss = bearer(client, username="hrss", password="sandbox")
    client.post(
        f"/api/v1/worklist/{case_id}~employment_registration/decision",
        json={"decision": "correct", "reason": "请补充户口簿"},
        headers=hrss,
    )
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    scan = io.BytesIO()
    writer.write(scan)
    graduate = bearer(client, id_number="42011120040315002X")
    upload = client.post(
        "/api/v1/uploads",
        headers=graduate,
        data={"material_id": "hukou_book_or_contract", "theme_id": "hebei.flexible-employment"},
        files={"file": ("hukou.pdf", scan.getvalue(), "application/pdf")},
    )
    assert upload.status_code == 201, upload.text
    r = client.post(
        f"/api/v1/applications/{case_id}/corrections",
        json={
            "form": {},
            "materials": [{"material_id": "hukou_book_or_contract", "upload_id": upload.json()["upload_id"]}],
        },
        headers=applicant,
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "materials[0].upload_id"
    case = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    item = next(i for i in case["items"] if i["code"] == "employment_registration")
    assert item["status"] == "correction_required"


def test_an_item_still_open_the_working_day_before_its_promised_date_is_flagged(client: TestClient) -> None:
    from sqlalchemy import select

    from lianban.cases.schema import OutboxJob

    case_id, applicant = file_and_dispatch(client)
    state = client.app.state  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        timers = list(
            session.execute(
                select(OutboxJob).where(OutboxJob.case_id == case_id, OutboxJob.kind == "sla_warning")
            ).scalars()
        )
        # one per promised date, not per sub-item: Hebei's six items are all bound by the theme's
        # 15 working days (seed 004 “（三）办理时限 15个工作日”), so one timer serves all six
        promised = {
            i["promised_due_date"]
            for i in client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["items"]
        }
        assert len(timers) == len(promised) == 1
        last_warning = max(job.due_at for job in timers)
    # the clock runs on to the last warning day: every timer is due
    later = (last_warning if last_warning.tzinfo else last_warning.replace(tzinfo=UTC)) + timedelta(minutes=1)
    Dispatcher(
        state.sessions,
        state.catalogue,
        DispatchConfig(state.department_keys, {}, "http://127.0.0.1:9"),
        clock=SettableClock(later),
    ).run_once()
    events = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["timeline"]
    flagged = {e["item"] for e in events if e["event"] == "due_soon"}
    assert "employment_registration" in flagged
    assert len(flagged) == 6  # all six were sent and none decided: each is flagged by its date's timer
