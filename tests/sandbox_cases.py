"""Filing the sandbox's Hebei flexible worker (a persona) once, for tests that need a case to act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.testclient import TestClient

HEBEI_WORKER = "hebei_flexible_public_archive"


def hebei_form(code_lists: Mapping[str, Any]) -> dict[str, Any]:
    """What she types on Hebei's table 2; everything else comes verified from data sharing."""
    return {
        "employment.start_date": "2026-11-02",
        "employment.registration_type": code_lists["hebei.registration_type"].codes[0].code,  # 登记就业
        "employment.type": code_lists["hebei.employment_type"].codes[2].code,  # 灵活就业
        "employment.work_region": "130104",
        "employment.special_group": code_lists["hebei.special_group_category"].codes[-1].code,  # 其他
        "archives.receiving_agency_code": "130100001",
    }


def bearer(client: TestClient, **login: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/sandbox", json=login).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def hebei_worker_id(client: TestClient) -> str:
    people = client.get("/api/v1/sandbox/people", params={"filter": "hebei", "limit": 50}).json()
    worker = next(p for p in people if HEBEI_WORKER in (p.get("persona"), p.get("key")))
    return str(worker["id_number"])


def file_hebei_case(client: TestClient) -> tuple[str, dict[str, str]]:
    """File her case; returns the case id and her bearer headers."""
    headers = bearer(client, id_number=hebei_worker_id(client))
    form = hebei_form(client.app.state.catalogue.code_lists)  # type: ignore[attr-defined]
    r = client.post(
        "/api/v1/applications", json={"theme_id": "hebei.flexible-employment", "form": form}, headers=headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"]), headers
