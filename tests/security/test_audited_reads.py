"""Reads of personal data by staff, and exports, are in the audit log (审计): the hrss reviewer's
worklist (every payload it showed), a window clerk looking a walk-in applicant's case up, a
supervisor taking a table away as .xlsx — each under the staff member's name, in the day's chain."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.security.audit import AuditEntry, verify
from lianban.web.app import create_app
from sandbox_cases import bearer, file_hebei_case, hebei_form, hebei_worker_id

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from staff_desk import dispatch_to_worklist, log_in_staff


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'reads.sqlite3'}"
    upgrade(url)
    settings = load_settings({"LIANBAN_DATA_DIR": str(tmp_path / "var")}, database_url=url, mode=Mode.SANDBOX)
    with TestClient(create_app(settings)) as c:
        yield c


def entries(client: TestClient, action: str) -> list[AuditEntry]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        found = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        assert verify(session).intact
        return found


def test_the_worklist_shown_to_a_reviewer_is_audited(client: TestClient) -> None:
    case_id, _ = file_hebei_case(client)
    dispatch_to_worklist(client)
    shown = client.get("/api/v1/worklist", headers=bearer(client, username="hrss", password="sandbox")).json()
    assert shown
    (entry,) = entries(client, "view:worklist")
    assert entry.actor == "staff:hrss"
    assert entry.detail["items"] == [w["item_id"] for w in shown]
    assert any(i.startswith(case_id) for i in entry.detail["items"])


def test_a_window_clerks_look_up_is_audited_and_the_applicants_own_is_not(client: TestClient) -> None:
    clerk = bearer(client, username="window", password="sandbox")
    form = hebei_form(client.app.state.catalogue.code_lists)  # type: ignore[attr-defined]
    worker = hebei_worker_id(client)
    filed = client.post(
        "/api/v1/applications",
        json={
            "theme_id": "hebei.flexible-employment",
            "channel": "window",
            "form": {**form, "person.id_number": worker},
        },
        headers=clerk,
    )
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["case_id"]
    assert client.get(f"/api/v1/applications/{case_id}", headers=clerk).status_code == 200
    assert (
        client.get(f"/api/v1/applications/{case_id}", headers=bearer(client, id_number=worker)).status_code
        == 200
    )
    (entry,) = entries(client, "view:case")
    assert entry.case_id == case_id and entry.actor == "staff:window" == entry.actor_sealed


def test_an_export_is_audited(client: TestClient) -> None:
    log_in_staff(client, "supervisor")
    r = client.get("/staff/supervisor/export/themes.xlsx", headers={"accept": "text/html"})
    assert r.status_code == 200
    (entry,) = entries(client, "export:themes")
    assert entry.actor == "staff:supervisor" and entry.case_id is None
