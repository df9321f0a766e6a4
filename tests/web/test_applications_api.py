"""Filing once (一次提交): a flexible worker in Hebei, a Zibo employer hiring three people, a walk-in
at the window — on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter

from sandbox_cases import hebei_form, zibo_hire
from support.login import login


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


def persona(api: TestClient, key: str) -> dict[str, Any]:
    people = api.get("/api/v1/sandbox/people", params={"filter": key, "limit": 50}).json()
    people += (
        api.get("/api/v1/sandbox/employers").json() if key.endswith("employer") or "employer" in key else []
    )
    return next(p for p in people if key in (p.get("persona"), p.get("key")))


def file_hebei(
    api: TestClient,
    headers: dict[str, str],
    key: str | None = None,
    materials: list[dict[str, str]] | None = None,
    **extra: Any,
) -> Any:
    body = {
        "theme_id": "hebei.flexible-employment",
        "form": {**hebei_form(api.app.state.catalogue.code_lists), **extra},  # type: ignore[attr-defined]
        "materials": materials or [],
    }
    h = {**headers, **({"Idempotency-Key": key} if key else {})}
    return api.post("/api/v1/applications", json=body, headers=h)


def test_a_flexible_worker_in_hebei_files_once_and_sees_every_item(api: TestClient) -> None:
    worker = persona(api, "hebei_flexible_public_archive")
    headers = login(api, id_number=worker["id_number"])
    r = file_hebei(api, headers)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["status"] == "submitted"
    statuses = {i["code"]: i["status"] for i in case["items"]}
    assert len(statuses) == 6
    assert statuses["si_fee_declaration"] == "waiting"  # waits for 社会保险登记
    assert statuses["employment_registration"] == "queued"
    assert case["due_date"] >= case["promised_due_date"]
    detail = api.get(f"/api/v1/applications/{case['case_id']}", headers=headers).json()
    assert detail["timeline"][0]["event"] == "submitted"
    assert [c["case_id"] for c in api.get("/api/v1/applications", headers=headers).json()] == [
        case["case_id"]
    ]


def test_the_same_idempotency_key_returns_the_same_case_and_another_body_is_a_conflict(
    api: TestClient,
) -> None:
    worker = persona(api, "hebei_flexible_public_archive")
    headers = login(api, id_number=worker["id_number"])
    first = file_hebei(api, headers, key="k-1")
    again = file_hebei(api, headers, key="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["case_id"] == first.json()["case_id"]
    assert len(api.get("/api/v1/applications", headers=headers).json()) == 1
    other = file_hebei(api, headers, key="k-1", **{"employment.start_date": "2026-11-03"})
    assert other.status_code == 409


def test_nobody_else_sees_the_case(api: TestClient) -> None:
    worker = persona(api, "hebei_flexible_public_archive")
    case_id = file_hebei(api, login(api, id_number=worker["id_number"])).json()["case_id"]
    stranger = login(api, id_number=persona(api, "wuhan_graduate")["id_number"])
    assert api.get(f"/api/v1/applications/{case_id}", headers=stranger).status_code == 404
    assert api.get(f"/api/v1/applications/{case_id}").status_code == 401
    staff = login(api, username="hrss", password="sandbox")
    assert file_hebei(api, staff).status_code == 403


def test_a_window_clerk_files_for_a_walk_in_applicant(api: TestClient) -> None:
    worker = persona(api, "hebei_flexible_public_archive")
    clerk = login(api, username="window", password="sandbox")
    r = file_hebei(api, clerk, **{"person.id_number": worker["id_number"], "person.name": worker["name"]})
    assert r.status_code == 201, r.text
    assert r.json()["channel"] == "window"
    mine = api.get("/api/v1/applications", headers=login(api, id_number=worker["id_number"])).json()
    assert [c["case_id"] for c in mine] == [r.json()["case_id"]]


def a_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def uploaded(api: TestClient, headers: dict[str, str], material_id: str) -> str:
    r = api.post(
        "/api/v1/uploads",
        headers=headers,
        data={"material_id": material_id, "theme_id": "hebei.flexible-employment"},
        files={"file": ("scan.pdf", a_pdf(), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["upload_id"])


def test_a_material_must_be_the_applicants_own_upload_of_that_material(api: TestClient) -> None:
    """She may name only files she uploaded herself, each for the material it was uploaded as: the
    graduate's scan, or her own archive letter offered as her hukou book, is refused (422 on
    ``materials[i].upload_id``, the same words for another's file and for none, so nothing tells
    that the other file exists) and nothing is filed; her own scan files."""
    worker = login(api, id_number=persona(api, "hebei_flexible_public_archive")["id_number"])
    graduate = login(api, id_number=persona(api, "wuhan_graduate")["id_number"])
    hers = uploaded(api, worker, "hukou_book_or_contract")
    letter = uploaded(api, worker, "archive_transfer_letter")
    not_hers = uploaded(api, graduate, "hukou_book_or_contract")
    for upload_id in (not_hers, letter, "00000000-0000-0000-0000-000000000000"):
        r = file_hebei(
            api, worker, materials=[{"material_id": "hukou_book_or_contract", "upload_id": upload_id}]
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "materials[0].upload_id"
    nobody = "00000000-0000-0000-0000-000000000000"
    stranger, none = (
        file_hebei(api, worker, materials=[{"material_id": "hukou_book_or_contract", "upload_id": u}]).json()
        for u in (not_hers, nobody)
    )
    assert stranger["errors"][0]["code"] == none["errors"][0]["code"] == "not_found"
    assert stranger["errors"][0]["message"].replace(not_hers, nobody) == none["errors"][0]["message"]
    assert api.get("/api/v1/applications", headers=worker).json() == []
    r = file_hebei(api, worker, materials=[{"material_id": "hukou_book_or_contract", "upload_id": hers}])
    assert r.status_code == 201, r.text


def test_an_invalid_form_files_nothing(api: TestClient) -> None:
    worker = persona(api, "hebei_flexible_public_archive")
    headers = login(api, id_number=worker["id_number"])
    r = file_hebei(api, headers, **{"employment.start_date": "not a date"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"employment.start_date"}
    assert api.get("/api/v1/applications", headers=headers).json() == []


def test_bad_bodies_are_problems_not_crashes(api: TestClient) -> None:
    headers = login(api, id_number=persona(api, "hebei_flexible_public_archive")["id_number"])
    for body in ({"theme_id": "nowhere.none", "form": {}}, {"form": {}}, {"theme_id": 5}, []):
        r = api.post("/api/v1/applications", json=body, headers=headers)
        assert r.status_code in (404, 422), (body, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")
    raw = api.post(
        "/api/v1/applications", content=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert raw.status_code == 422


def id_number(body: str) -> str:
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


def test_a_zibo_employer_hiring_three_people_files_eighteen_sub_items(api: TestClient) -> None:
    employer = persona(api, "zibo_employer_with_fund")
    headers = login(api, uscc=employer["uscc"])
    # three people living in Zibo who hold no Shandong card yet, found in the sandbox registry
    hub = api.app.state.sharing  # type: ignore[attr-defined]
    hires: list[str] = []
    for seq in range(100, 400, 7):
        number = id_number(f"37030319980412{seq:03d}")
        facts = hub.facts(id_number=number, province_code="370300")
        if facts.get("resident_in_province") and not facts.get("holds_social_card_in_province"):
            hires.append(number)
        if len(hires) == 3:
            break
    assert len(hires) == 3
    form = {
        "employer.agent_name": "王芳",
        "employer.agent_id_number": id_number("37030319850101122"),
        "employer.agent_phone": "0533-2181234",
        "employees": [zibo_hire(n) for n in hires],
    }
    r = api.post(
        "/api/v1/applications", json={"theme_id": "zibo.unit-employment", "form": form}, headers=headers
    )
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert len(items) == 18
    assert {i["employee"] for i in items} == {0, 1, 2}
    assert {i["department"] for i in items} == {
        "hrss",
        "social_insurance",
        "social_card",
        "archives",
        "medical_insurance",
        "housing_fund",
    }


def test_a_shandong_card_holder_among_the_hires_needs_no_new_card(api: TestClient) -> None:
    employer = persona(api, "zibo_employer_with_fund")
    holder = persona(api, "shandong_card_holder")
    form = {
        "employer.agent_name": "王芳",
        "employer.agent_id_number": id_number("37030319850101122"),
        "employer.agent_phone": "0533-2181234",
        "employees": [zibo_hire(holder["id_number"])],
    }
    r = api.post(
        "/api/v1/applications",
        json={"theme_id": "zibo.unit-employment", "form": form},
        headers=login(api, uscc=employer["uscc"]),
    )
    assert r.status_code == 201, r.text
    assert "social_card_application" not in {i["code"] for i in r.json()["items"]}
    dropped = r.json()["not_applicable"]
    assert dropped[0]["code"] == "social_card_application#0"
    assert "已持有山东省社会保障卡" in dropped[0]["reason"]


def test_an_oversized_body_is_a_413_problem(api: TestClient) -> None:
    headers = login(api, id_number=persona(api, "hebei_flexible_public_archive")["id_number"])
    huge = b'{"theme_id": "hebei.flexible-employment", "form": {"x": "' + b"a" * (21 * 1024 * 1024) + b'"}}'
    r = api.post(
        "/api/v1/applications", content=huge, headers={**headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
