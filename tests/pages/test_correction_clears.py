"""补正 can clear an optional value (plain HTTP, no JavaScript): the Hebei worker filed her 工作描述/
单位名称 and 人社 sends her employment registration back. The page shows each field with what she
filed; she empties the optional one and it is cleared — an emptied field is her answer, not "keep
what was filed". Emptying the required 就业时间 instead comes back beside it in Chinese, nothing
changed. Over the API, an explicit null clears the same way."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from test_employer_correction_page import as_shown, csrf

from lianban.cases.schema import Case, CaseItem
from sandbox_cases import bearer, hebei_form, hebei_worker_id
from support.employers import dispatch_to_worklists

UNIT = "employment.unit_name"


def sent_back_after_naming_her_work(client: TestClient) -> tuple[str, dict[str, str]]:
    """She files with her work described (optional); 人社 asks her to correct the registration."""
    applicant = bearer(client, id_number=hebei_worker_id(client))
    form = {**hebei_form(client.app.state.catalogue.code_lists), UNIT: "某外卖平台配送员"}  # type: ignore[attr-defined]
    r = client.post(
        "/api/v1/applications",
        json={"theme_id": "hebei.flexible-employment", "form": form},
        headers=applicant,
    )
    assert r.status_code == 201, r.text
    case_id = str(r.json()["case_id"])
    dispatch_to_worklists(client)
    r = client.post(
        f"/api/v1/worklist/{case_id}~employment_registration/decision",
        json={"decision": "correct", "reason": "灵活就业人员无需填写单位名称"},
        headers=bearer(client, username="hrss", password="sandbox"),
    )
    assert r.status_code == 200, r.text
    return case_id, applicant


def filed(client: TestClient, case_id: str) -> tuple[dict[str, Any], str]:
    with client.app.state.platform.sessions() as session:  # type: ignore[attr-defined]
        case = session.get(Case, case_id)
        item = session.get(CaseItem, (case_id, "employment_registration"))
        assert case is not None and item is not None
        return dict(case.form), item.status


def log_in_on_the_page(client: TestClient, id_number: str) -> None:
    client.headers["accept"] = "text/html"
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"csrf_token": csrf(page.text), "kind": "person", "id_number": id_number},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_she_empties_the_optional_field_on_the_page_and_it_is_cleared(client: TestClient) -> None:
    case_id, _ = sent_back_after_naming_her_work(client)
    log_in_on_the_page(client, hebei_worker_id(client))
    page = client.get(f"/my/{case_id}/correct")
    assert page.status_code == 200, page.text
    shown = as_shown(page.text)
    assert shown[UNIT] == "某外卖平台配送员"  # what she filed, in its input

    required = client.post(f"/my/{case_id}/correct", data={**shown, "employment.start_date": ""})
    assert required.status_code == 422
    assert "请填写就业时间" in required.text
    assert filed(client, case_id)[0][UNIT] == "某外卖平台配送员"

    done = client.post(f"/my/{case_id}/correct", data={**shown, UNIT: ""}, follow_redirects=False)
    assert done.status_code == 303, done.text
    form, status = filed(client, case_id)
    assert form.get(UNIT) in (None, "")  # cleared, not the filed value kept
    assert form["employment.start_date"] == "2026-11-02" and status == "queued"


def test_an_explicit_null_over_the_api_clears_it_and_a_required_one_is_refused(client: TestClient) -> None:
    case_id, applicant = sent_back_after_naming_her_work(client)
    url = f"/api/v1/applications/{case_id}/corrections"
    refused = client.post(url, json={"form": {"employment.start_date": None}}, headers=applicant)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "employment.start_date", "code": "required", "message": "请填写就业时间"}
    ]
    cleared = client.post(url, json={"form": {UNIT: None}}, headers=applicant)
    assert cleared.status_code == 200, cleared.text
    form, status = filed(client, case_id)
    assert form.get(UNIT) is None and status == "queued"
