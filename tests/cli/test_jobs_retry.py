"""An operator retries what dispatch gave up on: `lianban jobs failed` and `lianban jobs retry`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from lianban.cases.schema import CaseItem, OutboxJob
from lianban.cli.main import app
from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.web.app import create_app


def test_a_failed_item_is_listed_and_queued_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.sqlite3'}"
    upgrade(url)
    settings = load_settings({"LIANBAN_DATA_DIR": str(tmp_path)}, database_url=url, mode=Mode.SANDBOX)
    with TestClient(create_app(settings)) as client:
        people = client.get("/api/v1/sandbox/people", params={"filter": "hebei", "limit": 50}).json()
        worker = next(
            p for p in people if "hebei_flexible_public_archive" in (p.get("persona"), p.get("key"))
        )
        token = client.post("/api/v1/auth/sandbox", json={"id_number": worker["id_number"]}).json()[
            "access_token"
        ]
        codes = client.app.state.catalogue.code_lists  # type: ignore[attr-defined]
        form: dict[str, Any] = {
            "employment.start_date": "2026-11-02",
            "employment.registration_type": codes["hebei.registration_type"].codes[0].code,
            "employment.type": codes["hebei.employment_type"].codes[2].code,
            "employment.work_region": "130104",
            "employment.special_group": codes["hebei.special_group_category"].codes[-1].code,
            "archives.receiving_agency_code": "130100001",
        }
        case_id = client.post(
            "/api/v1/applications",
            json={"theme_id": "hebei.flexible-employment", "form": form},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["case_id"]
        sessions = client.app.state.sessions  # type: ignore[attr-defined]
        with sessions() as session, session.begin():  # dispatch gave up on 就业登记 after its last attempt
            item = session.get(CaseItem, (case_id, "employment_registration"))
            item.status, item.reason = "failed", "HTTP 503: 人社系统维护中"
            for job in session.execute(
                select(OutboxJob).where(OutboxJob.item_id == "employment_registration")
            ).scalars():
                job.status = "dead"
    runner = CliRunner()
    listed = runner.invoke(app, ["jobs", "failed", "--database-url", url])
    assert (
        listed.exit_code == 0
        and "employment_registration" in listed.output
        and "人社系统维护中" in listed.output
    )
    retried = runner.invoke(app, ["jobs", "retry", case_id, "--database-url", url])
    assert retried.exit_code == 0, retried.output
    assert "1 item(s) queued again" in retried.output
    with sessions() as session:
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


def test_an_operator_retries_over_the_api(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.sqlite3'}"
    upgrade(url)
    settings = load_settings({"LIANBAN_DATA_DIR": str(tmp_path)}, database_url=url, mode=Mode.SANDBOX)
    with TestClient(create_app(settings)) as client:
        people = client.get("/api/v1/sandbox/people", params={"filter": "hebei", "limit": 50}).json()
        worker = next(
            p for p in people if "hebei_flexible_public_archive" in (p.get("persona"), p.get("key"))
        )
        token = client.post("/api/v1/auth/sandbox", json={"id_number": worker["id_number"]}).json()[
            "access_token"
        ]
        codes = client.app.state.catalogue.code_lists  # type: ignore[attr-defined]
        form: dict[str, Any] = {
            "employment.start_date": "2026-11-02",
            "employment.registration_type": codes["hebei.registration_type"].codes[0].code,
            "employment.type": codes["hebei.employment_type"].codes[2].code,
            "employment.work_region": "130104",
            "employment.special_group": codes["hebei.special_group_category"].codes[-1].code,
            "archives.receiving_agency_code": "130100001",
        }
        case_id = client.post(
            "/api/v1/applications",
            json={"theme_id": "hebei.flexible-employment", "form": form},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["case_id"]
        with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
            item = session.get(CaseItem, (case_id, "employment_registration"))
            item.status, item.reason = "failed", "HTTP 503"
        op = client.post("/api/v1/auth/sandbox", json={"username": "operator", "password": "sandbox"}).json()
        headers = {"Authorization": f"Bearer {op['access_token']}"}
        failed = client.get("/api/v1/operator/failed", headers=headers).json()
        assert [f["code"] for f in failed] == ["employment_registration"]
        r = client.post(f"/api/v1/operator/items/{failed[0]['item_id']}/retry", headers=headers)
        assert r.status_code == 200 and r.json()["status"] == "queued"
        assert (
            client.post(f"/api/v1/operator/items/{failed[0]['item_id']}/retry", headers=headers).status_code
            == 409
        )
        assert (
            client.get("/api/v1/operator/failed", headers={"Authorization": f"Bearer {token}"}).status_code
            == 403
        )
