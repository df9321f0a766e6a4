"""Verified prefill (数据共享预填): the applicant 补表、审表 instead of 填表."""

from __future__ import annotations

from fastapi.testclient import TestClient

from support.login import login


def persona(client: TestClient, key: str) -> dict[str, str]:
    people = client.get("/api/v1/sandbox/people", params={"filter": key, "limit": 5}).json()
    return next(p for p in people if p.get("persona") == key or p.get("key") == key)


def bearer(client: TestClient, id_number: str) -> dict[str, str]:
    return login(client, id_number=id_number)


def test_the_sandbox_lists_its_personas(client: TestClient) -> None:
    people = client.get("/api/v1/sandbox/people", params={"limit": 50}).json()
    assert len(people) >= 15
    assert client.get("/api/v1/sandbox/people", params={"limit": 0}).status_code == 422


def test_the_wuhan_graduates_form_comes_prefilled_and_locked(client: TestClient) -> None:
    graduate = persona(client, "wuhan_graduate")
    r = client.post(
        "/api/v1/themes/hubei.graduate-employment/form",
        json={"situation": {"settle_city": "wuhan"}},
        headers=bearer(client, graduate["id_number"]),
    )
    fields = {f["key"]: f for s in r.json()["sections"] for f in s["fields"]}
    assert fields["person.name"]["value"] == graduate["name"]
    assert fields["person.name"]["prefilled"] is True and fields["person.name"]["locked"] is True
    assert fields["person.id_number"]["value"] == graduate["id_number"]
    assert fields["education.level"]["prefilled"] is True
    assert fields["education.graduation_date"]["prefilled"] is True
    anonymous = client.post("/api/v1/themes/hubei.graduate-employment/form", json={}).json()
    assert not any(f["prefilled"] for s in anonymous["sections"] for f in s["fields"])


def test_a_value_that_contradicts_the_verified_one_is_locked(client: TestClient) -> None:
    graduate = persona(client, "wuhan_graduate")
    r = client.post(
        "/api/v1/themes/hubei.graduate-employment/check",
        json={"situation": {"settle_city": "wuhan"}, "form": {"person.name": "王某某"}},
        headers=bearer(client, graduate["id_number"]),
    )
    assert r.status_code == 422
    errors = {e["field"]: e["code"] for e in r.json()["errors"]}
    assert errors["person.name"] == "locked"
    assert "person.birth_date" not in errors  # filled in by the server from the registry


def test_a_bad_token_is_refused(client: TestClient) -> None:
    r = client.post(
        "/api/v1/themes/hubei.graduate-employment/form",
        json={},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert r.status_code == 401
