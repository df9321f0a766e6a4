"""Shangrao's 缓缴/降缴 papers come after the application (issue 17, point 2).

Seed 003 (上饶 员工招聘一件事), 附件1 填表说明第7条: “申请办理公积金缓缴、降缴的单位需要在提交申请后一个月内将
有关申请资料提交至公积金分中心。所需材料：（1）住房公积金降低缴存比例和缓缴申请（加盖公章）；（2）缴存住房公积金
确有困难的证明材料……；（3）职代会（工会）决议或决定。” — not at submission: a follow-up obligation due one
month after the application, on the case's timeline, reminded, shown to the housing fund reviewer.
A rate below the usual 5 % (DOMAIN.md: unit and personal rates each 5–12 %) only with 降缴.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianban.cases.schema import CaseItem, OutboxJob
from lianban.dispatch.registry import JobContext, handler_for
from lianban_sandbox.registry import sandbox_hires
from support.employers import shangrao_form
from support.login import login

RELIEF_PAPERS = {"hf_relief_application", "hf_hardship_proof", "hf_workers_congress_resolution"}


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


def file_with_relief(api: TestClient, relief: list[str] | None, rate: str) -> Any:
    """A Shangrao factory hires two people and files with the housing fund account set up."""
    employers = api.get("/api/v1/sandbox/employers", params={"filter": "shangrao_employer"}).json()
    employer = next(e for e in employers if e["persona"] == "shangrao_employer")
    headers = login(api, uscc=employer["uscc"])
    state = api.app.state  # type: ignore[attr-defined]
    rows = sandbox_hires(2, "shangrao.recruitment", catalogue=state.catalogue, hub=state.sharing)
    for row in rows:
        row["housing_fund.unit_rate"] = row["housing_fund.personal_rate"] = rate
        for key in ("housing_fund.unit_amount", "housing_fund.personal_amount", "housing_fund.total_amount"):
            row.pop(key, None)
        if relief is not None:
            row["housing_fund.relief"] = relief
    form = shangrao_form(rows)
    situation = {"housing_fund_relief": "apply"} if relief is not None else {}
    filed = api.post(
        "/api/v1/applications",
        headers=headers,
        json={"theme_id": "shangrao.recruitment", "situation": situation, "form": form},
    )
    return filed, headers


def test_the_papers_are_not_asked_at_submission_but_owed_within_a_month(api: TestClient) -> None:
    spec = api.post(
        "/api/v1/themes/shangrao.recruitment/form", json={"situation": {"housing_fund_relief": "apply"}}
    ).json()
    papers = {m["id"]: m for m in spec["materials"] if m["id"] in RELIEF_PAPERS}
    assert set(papers) == RELIEF_PAPERS
    for m in papers.values():
        assert m["required"] is False  # not with the application …
        assert m["submit_after"] == {"within_months": 1, "to": "公积金分中心"}  # … within a month after

    filed, headers = file_with_relief(api, ["reduction"], "3")  # 降缴 to 3 %
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["case_id"]
    accepted = date.fromisoformat(filed.json()["accepted_at"][:10])
    case = api.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    (owed,) = case["obligations"]
    assert owed["department"] == "housing_fund" and owed["to"] == "公积金分中心"
    assert {m["id"] for m in owed["materials"]} == RELIEF_PAPERS
    assert abs((date.fromisoformat(owed["due_on"]) - (accepted + relativedelta(months=1))).days) <= 1
    assert owed["status"] == "open" and "一个月内" in owed["basis"]
    opened = [e for e in case["timeline"] if e["event"] == "obligation_opened"]
    assert len(opened) == 1 and owed["due_on"] in opened[0]["detail"]

    # the housing fund reviewer sees what is owed beside the items of the case
    reviewer = login(api, username="housing_fund", password="sandbox")
    sessions = api.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session, session.begin():  # 推送至部门工作台 (no housing fund system)
        for item in session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars():
            item.status = "dispatched"
    listed = [i for i in api.get("/api/v1/worklist", headers=reviewer).json() if i["case_id"] == case_id]
    assert listed and all(i["obligations"][0]["obligation_id"] == owed["obligation_id"] for i in listed)
    hrss = login(api, username="hrss", password="sandbox")
    assert all("obligations" not in i for i in api.get("/api/v1/worklist", headers=hrss).json())

    # five days before the due date the employer is reminded; the papers arrive; no more reminders
    with sessions() as session:
        jobs = list(
            session.execute(
                select(OutboxJob).where(OutboxJob.case_id == case_id, OutboxJob.kind == "obligation_reminder")
            ).scalars()
        )
    assert len(jobs) == 2
    first, last = sorted(jobs, key=lambda j: j.due_at)
    remind = handler_for("obligation_reminder")
    assert remind is not None
    due_on = date.fromisoformat(owed["due_on"])
    with sessions() as session, session.begin():
        job = session.get(OutboxJob, (case_id, first.job_id))
        remind(
            session,
            job,
            JobContext(now=datetime.combine(due_on - timedelta(days=5), datetime.min.time(), UTC)),
        )
    case = api.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    assert [e for e in case["timeline"] if e["event"] == "obligation_reminder"]
    assert any("公积金分中心" in n["text"] and owed["due_on"] in n["text"] for n in case["notices"])

    received = api.post(
        f"/api/v1/worklist/{listed[0]['item_id']}/obligations/{owed['obligation_id']}", headers=reviewer
    )
    assert received.status_code == 200, received.text
    assert received.json()["status"] == "fulfilled"
    assert (
        api.post(
            f"/api/v1/worklist/{listed[0]['item_id']}/obligations/{owed['obligation_id']}", headers=reviewer
        ).status_code
        == 409
    )
    with sessions() as session, session.begin():
        job = session.get(OutboxJob, (case_id, last.job_id))
        remind(session, job, JobContext(now=datetime.combine(due_on, datetime.min.time(), UTC)))
    case = api.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    assert not [e for e in case["timeline"] if e["event"] == "obligation_overdue"]
    assert case["obligations"][0]["status"] == "fulfilled"


def test_a_rate_below_five_percent_needs_a_reduction(api: TestClient) -> None:
    refused, _ = file_with_relief(api, None, "3")
    assert refused.status_code == 422
    errors = {e["field"]: e for e in refused.json()["errors"]}
    assert errors["employees[0].housing_fund.unit_rate"]["code"] == "range"
    assert "降缴" in errors["employees[0].housing_fund.unit_rate"]["message"]
    deferred_only, _ = file_with_relief(api, ["deferral"], "3")  # 缓缴 defers, it does not lower the rate
    assert deferred_only.status_code == 422
    usual, _ = file_with_relief(api, None, "5")
    assert usual.status_code == 201, usual.text


def test_no_obligation_without_relief(api: TestClient) -> None:
    filed, headers = file_with_relief(api, None, "12")
    assert filed.status_code == 201, filed.text
    case = api.get(f"/api/v1/applications/{filed.json()['case_id']}", headers=headers).json()
    assert "obligations" not in case
