"""The catalogue, guide, calendar and health endpoints of the public contract (API.md)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_the_six_themes_are_listed_with_the_documents_item_counts(client: TestClient) -> None:
    r = client.get("/api/v1/themes")
    assert r.status_code == 200
    counts = {t["id"]: len(t["items"]) for t in r.json()}
    assert counts == {
        "hubei.graduate-employment": 8,
        "hubei.flexible-employment": 7,
        "zibo.unit-employment": 6,
        "zibo.flexible-employment": 7,
        "shangrao.recruitment": 4,
        "hebei.flexible-employment": 6,
    }
    employer = {t["id"] for t in r.json() if t["applicant_type"] == "employer"}
    assert employer == {"zibo.unit-employment", "shangrao.recruitment"}
    item = r.json()[0]["items"][0]
    assert set(item) == {"code", "name", "department"}


def test_a_theme_definition_holds_items_materials_and_limits(client: TestClient) -> None:
    body = client.get("/api/v1/themes/hubei.flexible-employment").json()
    assert body["id"] == "hubei.flexible-employment"
    assert len(body["version"]) == 64
    by_code = {it["code"]: it for it in body["items"]}
    assert by_code["social_card_application"]["time_limit"]["legal_days"] == 30
    assert by_code["social_card_application"]["time_limit"]["promised_days"] == [1, 12]
    # the archive order in the definition (issue 17, point 1): the 调档函 first, the receipt last
    assert by_code["archive_receipt"]["completes_after"] == ["archive_transfer_out"]
    assert by_code["archive_transfer_out"]["waits_for_document"] == ["archive_transfer_letter"]
    assert body["materials"]


def test_the_hubei_flexible_guide_shows_the_documents_figures(client: TestClient) -> None:
    guide = client.get("/api/v1/themes/hubei.flexible-employment/guide").json()
    assert guide["outcomes"]["before"] == {"days": 116, "trips": 10, "materials": 19, "steps": 7}
    assert guide["outcomes"]["after"] == {"days": [2, 40], "trips": 1, "materials": 7, "steps": 1}
    assert guide["outcomes"]["computed"]["before"]["days"] == 116
    assert guide["outcomes"]["computed"]["after"]["days"] == [2, 40]
    assert guide["time_limit"]["promised_days"] == [2, 40]
    # 减表单: the one form has 48 fields where the seven items' own forms had 94 between them
    assert guide["outcomes"]["form_fields"] == {"merged": 48, "items_total": 94}
    assert guide["fees"]["amount_yuan"] == 0
    assert guide["channels"] and guide["process"]
    assert any(c["item"] == "employment_registration" for c in guide["conditions"])
    assert {m["provided_by"] for m in guide["materials"]} <= {
        "e_licence",
        "data_sharing",
        "applicant",
        "generated",
    }


def test_the_hubei_graduate_guide_computes_the_stated_reductions(client: TestClient) -> None:
    outcomes = client.get("/api/v1/themes/hubei.graduate-employment/guide").json()["outcomes"]
    assert outcomes["reduction_percent"] == {"days": 83, "trips": 91, "materials": 74, "steps": 88}
    assert outcomes["stated_reduction_percent"] == outcomes["reduction_percent"]


def test_hebei_states_fifteen_working_days(client: TestClient) -> None:
    limit = client.get("/api/v1/themes/hebei.flexible-employment/guide").json()["time_limit"]
    assert limit["stated"] == {"legal_days": 15, "promised_days": 15}
    assert limit["legal_days"] == 15


def test_an_unknown_theme_is_a_404_problem(client: TestClient) -> None:
    for path in ("/api/v1/themes/nowhere.nothing", "/api/v1/themes/nowhere.nothing/guide"):
        r = client.get(path)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "nowhere.nothing" in r.json()["detail"]
        assert "不存在" in r.json()["detail"]
    en = client.get("/api/v1/themes/nowhere.nothing", headers={"Accept-Language": "en"}).json()
    assert en["title"] == "Not found"


def test_a_due_date_counts_working_days_after_acceptance(client: TestClient) -> None:
    r = client.get("/api/v1/calendar/due-date", params={"start": "2026-02-13", "working_days": 5})
    assert r.json()["due_date"] == "2026-02-27"
    r = client.get("/api/v1/calendar/due-date", params={"start": "2026-04-30", "working_days": 1})
    assert r.json()["due_date"] == "2026-05-06"
    assert (
        client.get("/api/v1/calendar/due-date?start=2026-03-02&working_days=0").json()["due_date"]
        == "2026-03-02"
    )


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("start=2026-02-30&working_days=5", "start", "format"),
        ("start=yesterday&working_days=5", "start", "format"),
        ("start=2026-02-13&working_days=-1", "working_days", "range"),
        ("start=2026-02-13&working_days=five", "working_days", "format"),
        ("working_days=5", "start", "required"),
        # the calendar ends with year 9999: a count running past it is out of range, not a 500
        ("start=9999-12-31&working_days=1", "start", "range"),
        ("start=9999-06-01&working_days=3650", "start", "range"),
    ],
)
def test_a_bad_due_date_request_names_the_parameter(
    client: TestClient, query: str, field: str, code: str
) -> None:
    r = client.get(f"/api/v1/calendar/due-date?{query}")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == field
    assert r.json()["errors"][0]["code"] == code


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["themes"] == 6
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/themes/{theme_id}/guide" in spec["paths"]
    assert "/api/v1/calendar/due-date" in spec["paths"]


def test_an_unknown_path_is_a_problem_not_a_crash(client: TestClient) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
