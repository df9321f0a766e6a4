"""A job that can never be handled — its theme has left the catalogue — is parked as failed with
the reason, counted on /metrics and logged, instead of being taken again forever."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from lianban.cases.schema import Case, CaseItem, OutboxJob
from lianban.dispatch.worker import Dispatcher
from sandbox_cases import bearer, file_hebei_case


def test_a_case_whose_theme_is_gone_is_parked_not_retried_forever(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    case_id, applicant = file_hebei_case(client)
    platform = client.app.state.platform  # type: ignore[attr-defined]
    with platform.sessions() as session, session.begin():
        # the province withdrew the theme after this case was filed
        session.execute(update(Case).where(Case.case_id == case_id).values(theme_id="hebei.withdrawn"))
        queued = (
            session.execute(
                select(CaseItem.item_id).where(CaseItem.case_id == case_id, CaseItem.status == "queued")
            )
            .scalars()
            .all()
        )
    assert queued
    dispatcher = Dispatcher(
        platform.sessions,
        platform.catalogue,
        platform.dispatch_config(department_urls={}),
        errors=platform.worker_errors,
    )
    with caplog.at_level(logging.ERROR, logger="lianban.dispatch"):
        assert dispatcher.run_once() == len(queued)
    with platform.sessions() as session:
        pending = OutboxJob.case_id == case_id, OutboxJob.status == "pending"
        left = set(session.execute(select(OutboxJob.kind).where(*pending)).scalars())
    # no send is left: what is due is telling the applicant the case moved on (the due-date
    # warnings fall later)
    assert "dispatch" not in left and "case_changed" in left
    assert dispatcher.run_once() == 1
    assert dispatcher.run_once() == 0  # parked: nothing is taken again

    case = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    failed = [i for i in case["items"] if i["status"] == "failed"]
    assert sorted(i["code"] for i in failed) == sorted(queued)
    assert all("hebei.withdrawn" in i["reason"] for i in failed)
    with platform.sessions() as session:
        jobs = (
            session.execute(
                select(OutboxJob.status).where(OutboxJob.case_id == case_id, OutboxJob.kind == "dispatch")
            )
            .scalars()
            .all()
        )
    assert set(jobs) == {"dead"}

    operator = bearer(client, username="operator", password="sandbox")
    listed = client.get("/api/v1/operator/failed", headers=operator).json()
    assert {f["code"] for f in listed if f["case_id"] == case_id} == set(queued)
    metrics = client.get("/metrics").text
    assert f'lianban_worker_errors_total{{kind="poison"}} {float(len(queued))}' in metrics
    assert 'lianban_worker_errors_total{kind="job"} 0.0' in metrics
    logged = [r for r in caplog.records if r.name == "lianban.dispatch"]
    assert len(logged) == len(queued)
    assert all(getattr(r, "case_id", None) == case_id and getattr(r, "job_id", None) for r in logged)
