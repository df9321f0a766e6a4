"""Supervisors' figures and Prometheus metrics, from the case store."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sandbox_cases import bearer, file_hebei_case


def test_a_supervisor_sees_cases_by_theme_and_the_documents_figures(client: TestClient) -> None:
    file_hebei_case(client)
    file_hebei_case(client)
    r = client.get("/api/v1/stats", headers=bearer(client, username="supervisor", password="sandbox"))
    assert r.status_code == 200
    themes = {t["theme_id"]: t for t in r.json()["themes"]}
    assert themes["hebei.flexible-employment"]["cases"] == 2
    assert themes["hebei.flexible-employment"]["by_status"] == {"submitted": 2}
    assert themes["hubei.flexible-employment"]["outcomes"]["before"]["days"] == 116
    assert r.json()["totals"]["cases"] == 2


def test_applicants_do_not_see_the_figures(client: TestClient) -> None:
    people = client.get("/api/v1/sandbox/people", params={"limit": 1}).json()
    assert (
        client.get("/api/v1/stats", headers=bearer(client, id_number=people[0]["id_number"])).status_code
        == 403
    )
    assert client.get("/api/v1/stats").status_code == 401


def test_metrics_count_cases_items_and_jobs(client: TestClient) -> None:
    file_hebei_case(client)
    text = client.get("/metrics").text
    assert 'lianban_cases{status="submitted",theme="hebei.flexible-employment"} 1.0' in text
    assert 'lianban_outbox_jobs{status="pending"}' in text
    assert "lianban_overdue_items 0.0" in text
