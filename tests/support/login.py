"""Logging in as the sandbox's people (personas) and staff, as a test's story needs them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def login(client: TestClient, **credentials: str) -> dict[str, str]:
    """The bearer headers of whoever the sandbox login lets in with ``credentials``
    (``id_number=…`` for a person, ``username=…, password=…`` for staff)."""
    r = client.post("/api/v1/auth/sandbox", json=credentials)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def staff(client: TestClient, username: str) -> dict[str, str]:
    """A sandbox staff account (each department's reviewer is named after it: ``hrss``, ``tax`` …)."""
    return login(client, username=username, password="sandbox")


def persona(client: TestClient, key: str, region_filter: str | None = None) -> dict[str, Any]:
    """A sandbox person by persona key (``wuhan_graduate``, ``hebei_flexible_public_archive`` …),
    as the sandbox lists them (``region_filter`` narrows the listing: ``hebei``)."""
    params = {"filter": region_filter or key, "limit": 50}
    people = client.get("/api/v1/sandbox/people", params=params).json()
    return dict(next(p for p in people if key in (p.get("persona"), p.get("key"))))


def as_persona(client: TestClient, key: str, region_filter: str | None = None) -> dict[str, str]:
    """Logged in as a sandbox persona."""
    return login(client, id_number=str(persona(client, key, region_filter)["id_number"]))
