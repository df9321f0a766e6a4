"""An operator retries what dispatch gave up on: `lianban jobs failed` and `lianban jobs retry`,
and the same over the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from lianban.cases.schema import CaseItem, OutboxJob
from lianban.cli.main import app
from sandbox_cases import bearer, file_hebei_case, give_up_on_registration
from support.apps import platform_env


@pytest.fixture
def ops(client: TestClient, app_database: str) -> tuple[TestClient, str]:
    """A sandbox app on its own SQLite file, and that file's URL for the CLI."""
    return client, app_database


def test_a_failed_item_is_listed_and_queued_again(ops: tuple[TestClient, str]) -> None:
    client, url = ops
    case_id, _ = file_hebei_case(client)
    give_up_on_registration(client, case_id, "HTTP 503: 人社系统维护中")
    runner = CliRunner(env=platform_env(client))  # an operator's shell: the platform's keys
    listed = runner.invoke(app, ["jobs", "failed", "--database-url", url])
    assert (
        listed.exit_code == 0
        and "employment_registration" in listed.output
        and "人社系统维护中" in listed.output
    )
    retried = runner.invoke(app, ["jobs", "retry", case_id, "--database-url", url])
    assert retried.exit_code == 0, retried.output
    assert "1 item(s) queued again" in retried.output
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.get(CaseItem, (case_id, "employment_registration")).status == "queued"
        pending = (
            session.execute(
                select(OutboxJob).where(
                    OutboxJob.item_id == "employment_registration", OutboxJob.status == "pending"
                )
            )
            .scalars()
            .all()
        )
        assert len(pending) == 1
    assert (
        runner.invoke(app, ["jobs", "retry", case_id, "--database-url", url]).exit_code == 1
    )  # nothing left


def test_an_operator_retries_over_the_api(ops: tuple[TestClient, str]) -> None:
    client, _ = ops
    case_id, applicant = file_hebei_case(client)
    give_up_on_registration(client, case_id, "HTTP 503")
    headers = bearer(client, username="operator", password="sandbox")
    failed = client.get("/api/v1/operator/failed", headers=headers).json()
    assert [f["code"] for f in failed] == ["employment_registration"]
    filed = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    assert failed[0]["case_no"] == filed["case_no"]  # 办件编号, the number the applicant quotes
    r = client.post(f"/api/v1/operator/items/{failed[0]['item_id']}/retry", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "queued"
    assert (
        client.post(f"/api/v1/operator/items/{failed[0]['item_id']}/retry", headers=headers).status_code
        == 409
    )
    assert client.get("/api/v1/operator/failed", headers=applicant).status_code == 403
