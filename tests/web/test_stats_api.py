"""Supervisors' figures and Prometheus metrics, from the case store."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def token(client: TestClient, **body: str) -> dict[str, str]:
    t = client.post("/api/v1/auth/sandbox", json=body).json()["access_token"]
    return {"Authorization": f"Bearer {t}"}


def file_one(client: TestClient) -> str:
    people = client.get("/api/v1/sandbox/people", params={"filter": "hebei", "limit": 50}).json()
    worker = next(p for p in people if "hebei_flexible_public_archive" in (p.get("persona"), p.get("key")))
    codes = client.app.state.catalogue.code_lists  # type: ignore[attr-defined]
    form: dict[str, Any] = {
        "employment.start_date": "2026-11-02",
        "employment.registration_type": codes["hebei.registration_type"].codes[0].code,
        "employment.type": codes["hebei.employment_type"].codes[2].code,
        "employment.work_region": "130104",
        "employment.special_group": codes["hebei.special_group_category"].codes[-1].code,
        "archives.receiving_agency_code": "130100001",
    }
    r = client.post(
        "/api/v1/applications",
        json={"theme_id": "hebei.flexible-employment", "form": form},
        headers=token(client, id_number=worker["id_number"]),
    )
    assert r.status_code == 201, r.text
    case_id: str = r.json()["case_id"]
    return case_id


def test_a_supervisor_sees_cases_by_theme_and_the_documents_figures(client: TestClient) -> None:
    file_one(client)
    file_one(client)
    r = client.get("/api/v1/stats", headers=token(client, username="supervisor", password="sandbox"))
    assert r.status_code == 200
    themes = {t["theme_id"]: t for t in r.json()["themes"]}
    assert themes["hebei.flexible-employment"]["cases"] == 2
    assert themes["hebei.flexible-employment"]["by_status"] == {"submitted": 2}
    assert themes["hubei.flexible-employment"]["outcomes"]["before"]["days"] == 116
    assert r.json()["totals"]["cases"] == 2


def test_applicants_do_not_see_the_figures(client: TestClient) -> None:
    people = client.get("/api/v1/sandbox/people", params={"limit": 1}).json()
    assert (
        client.get("/api/v1/stats", headers=token(client, id_number=people[0]["id_number"])).status_code
        == 403
    )
    assert client.get("/api/v1/stats").status_code == 401


def test_metrics_count_cases_items_and_jobs(client: TestClient) -> None:
    file_one(client)
    text = client.get("/metrics").text
    assert 'lianban_cases{status="submitted",theme="hebei.flexible-employment"} 1.0' in text
    assert 'lianban_outbox_jobs{status="pending"}' in text
    assert "lianban_overdue_items 0.0" in text
