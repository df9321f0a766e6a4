"""The sandbox's switch for a simulated department (issue 13, point 5): ``{"mode": "worklist"}``
sends its new items to the staff worklist, ``{"mode": "system"}`` gives them back — the switch the
operator sees on the 运维 page; a mode that is neither is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sandbox_cases import bearer


def _mode(client: TestClient, department: str) -> str:
    operator = bearer(client, username="operator", password="sandbox")
    routes = client.get("/api/v1/operator/departments", headers=operator).json()
    return str(next(r for r in routes if r["department"] == department)["mode"])


def test_the_sandbox_sends_a_departments_items_to_the_worklist_and_back(client: TestClient) -> None:
    r = client.put("/api/v1/sandbox/departments/medical_insurance", json={"mode": "worklist"})
    assert r.status_code == 200 and r.json() == {"department": "medical_insurance", "mode": "worklist"}
    assert _mode(client, "medical_insurance") == "worklist"
    r = client.put("/api/v1/sandbox/departments/medical_insurance", json={"mode": "system"})
    assert r.status_code == 200 and _mode(client, "medical_insurance") == "system"
    assert (
        client.put("/api/v1/sandbox/departments/medical_insurance", json={"mode": "paper"}).status_code == 422
    )
    assert client.put("/api/v1/sandbox/departments/nowhere", json={"mode": "worklist"}).status_code == 404
