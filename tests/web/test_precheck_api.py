"""A flexible worker in Hebei, logged in, checks her one form before filing (预审) and prints it;
what data sharing knows of her is filled in, so she types only the rest."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

HEBEI_WORKER: dict[str, Any] = {
    "person.name": "刘晓燕",
    "person.gender": "2",
    "person.ethnicity": "01",
    "person.id_type": "01",
    "person.id_number": "130102199205060022",
    "person.birth_date": "1992-05-06",
    "person.hukou_type": "non_agricultural",
    "person.hukou_address": {"region": "130102", "detail": "长安区建设北大街12号"},
    "person.residence_address": {"region": "130104", "detail": "桥西区自强路8号"},
    "employment.start_date": "2026-11-02",
    "employment.registration_type": "registered",
    "employment.type": "flexible",
    "employment.work_region": "130104",
    "employment.special_group": "other",
    "archives.receiving_agency_code": "130100001",
}


def codes_of(client: TestClient, name: str) -> list[str]:
    return [c.code for c in client.app.state.catalogue.code_lists[name].codes]  # type: ignore[attr-defined]


def worker(client: TestClient, id_number: str = HEBEI_WORKER["person.id_number"]) -> dict[str, Any]:
    """What she types: the table without what data sharing verifies for her number."""
    form = dict(HEBEI_WORKER)
    form["employment.registration_type"] = codes_of(client, "hebei.registration_type")[0]
    form["employment.type"] = codes_of(client, "hebei.employment_type")[2]
    form["employment.special_group"] = codes_of(client, "hebei.special_group_category")[-1]
    shared = client.app.state.sharing.prefill_person(id_number)  # type: ignore[attr-defined]
    return {k: v for k, v in form.items() if k not in shared and not k.startswith("person.")}


def her(client: TestClient, id_number: str = HEBEI_WORKER["person.id_number"]) -> dict[str, str]:
    r = client.post("/api/v1/auth/sandbox", json={"id_number": id_number})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_complete_form_passes_and_shows_each_departments_payload(client: TestClient) -> None:
    r = client.post(
        "/api/v1/themes/hebei.flexible-employment/check",
        json={"form": worker(client), "facts": {"archive_in_public_service_in_province": True}},
        headers=her(client),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["items"]) == 6
    assert {p["department"] for p in body["payloads"]} >= {"hrss", "medical_insurance", "tax"}
    assert all("person.name" not in p["payload"] for p in body["payloads"])


def test_an_archive_outside_the_province_blocks_the_application_naming_the_condition(
    client: TestClient,
) -> None:
    r = client.post(
        "/api/v1/themes/hebei.flexible-employment/check",
        json={"form": worker(client), "facts": {"archive_in_public_service_in_province": False}},
        headers=her(client),
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert {"field": "archive_in_public_service", "code": "ineligible"}.items() <= errors[0].items()


def test_a_fifteen_year_old_is_ineligible(client: TestClient) -> None:
    fifteen = "13010220110601002X"
    r = client.post(
        "/api/v1/themes/hebei.flexible-employment/check",
        json={"form": worker(client, fifteen), "facts": {"archive_in_public_service_in_province": True}},
        headers=her(client, fifteen),
    )
    assert r.status_code == 422
    fields = {e["field"]: e for e in r.json()["errors"]}
    assert fields["working_age"]["code"] == "ineligible"
    assert "2011-06-01" in fields["working_age"]["message"]


def test_every_wrong_field_is_reported_at_once(client: TestClient) -> None:
    form = worker(client) | {"person.mobile": "12345", "employment.start_date": "2026-13-01"}
    del form["employment.work_region"]
    r = client.post(
        "/api/v1/themes/hebei.flexible-employment/check",
        json={"form": form, "facts": {"archive_in_public_service_in_province": True}},
        headers={"Accept-Language": "en", **her(client)},
    )
    fields = {e["field"]: e["code"] for e in r.json()["errors"]}
    assert fields == {
        **fields,
        "employment.work_region": "required",
        "person.mobile": "format",
        "employment.start_date": "format",
    }


def test_the_application_prints_as_a_pdf(client: TestClient) -> None:
    r = client.post(
        "/api/v1/themes/hebei.flexible-employment/application.pdf",
        json={"form": worker(client)},
        headers=her(client),
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
