"""The answers have models (the OpenAPI document describes them) and the JSON is what the
services say — no key added, none dropped, an optional key absent rather than null."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from lianban.cases import service
from lianban.security.tokens import Identity, Role
from sandbox_cases import file_hebei_case

DESCRIBED = [
    ("/api/v1/applications", "post"),
    ("/api/v1/applications", "get"),
    ("/api/v1/applications/{case_id}", "get"),
    ("/api/v1/applications/{case_id}/corrections", "post"),
    ("/api/v1/applications/{case_id}/deliveries/{delivery_id}/handover", "post"),
    ("/api/v1/themes/{theme_id}/check", "post"),
    ("/api/v1/worklist", "get"),
    ("/api/v1/worklist/{item_id}/decision", "post"),
    ("/api/v1/operator/failed", "get"),
    ("/api/v1/operator/items/{item_id}/retry", "post"),
    ("/api/v1/connectors/{department}/callback", "post"),
    ("/api/v1/connectors/{department}/return", "get"),
]


def test_the_openapi_document_describes_the_answers(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, method in DESCRIBED:
        answers = paths[path][method]["responses"]
        ok = answers.get("200") or answers.get("201")
        schema = ok["content"]["application/json"]["schema"]
        assert schema.get("$ref") or schema.get("items", {}).get("$ref"), (path, method, schema)


def test_a_case_reads_as_the_service_gives_it(client: TestClient) -> None:
    case_id, applicant = file_hebei_case(client)
    platform = client.app.state.platform  # type: ignore[attr-defined]
    owner = Identity(subject=_owner_of(platform, case_id), role=Role.APPLICANT)
    over_http = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
    direct = json.loads(json.dumps(service.case_view(platform, owner, case_id), ensure_ascii=False))
    assert over_http == direct
    assert all("receipt_no" not in item for item in over_http["items"])  # absent, not null
    assert client.get("/api/v1/applications", headers=applicant).json() == json.loads(
        json.dumps(service.my_cases(platform, owner))
    )


def test_a_case_is_answered_as_its_model_would_answer_it(client: TestClient) -> None:
    """Reading one case is serialised once, from the service's dictionary (no model built and
    dumped per request): the bytes are CaseView's own, keys in its order, with an issued result,
    an in-app notice and a delivery in it."""
    from lianban.cases.schema import CaseItem, Delivery, Notice
    from lianban.web.api.applications import CaseView

    case_id, applicant = file_hebei_case(client)
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        item = session.query(CaseItem).filter_by(case_id=case_id).first()
        assert item is not None
        item.result = {"document": "社会保障卡", "number": "S13010419920214051X"}
        session.add(
            Notice(case_id=case_id, seq=1, at=item.updated_at, channel="in_app", recipient="x", text="已受理")
        )
        session.add(
            Delivery(
                case_id=case_id,
                delivery_id="D1",
                method="post",
                documents=[{"name": "社会保障卡"}],
                address={"region": "130104", "detail": "中华南大街1号"},
                recipient="张三",
                status="sent",
                tracking_no="SF1",
                created_at=item.updated_at,
            )
        )
    answer = client.get(f"/api/v1/applications/{case_id}", headers=applicant)
    assert answer.headers["content-type"] == "application/json"
    modelled = CaseView.model_validate(answer.json()).model_dump_json(exclude_unset=True)
    assert answer.content == modelled.encode()
    assert (
        answer.json()["delivery"]["recipient"] == "张三" and answer.json()["notices"][0]["text"] == "已受理"
    )


def _owner_of(platform: object, case_id: str) -> str:
    from lianban.cases.schema import Case

    with platform.sessions() as session:  # type: ignore[attr-defined]
        case = session.get(Case, case_id)
        assert case is not None
        return str(case.owner)


def test_a_filing_is_answered_as_its_model_would_answer_it(client: TestClient) -> None:
    """Filing is answered from the service's dictionary, serialised once: the bytes are Filed's
    own, for the new case (201) and for the same Idempotency-Key sent again (200)."""
    from lianban.web.api.applications import Filed
    from support.login import login
    from web.test_applications_api import file_hebei, persona

    worker = persona(client, "hebei_flexible_public_archive")
    headers = login(client, id_number=worker["id_number"])
    for status in (201, 200):
        answer = file_hebei(client, headers, key="filed-once")
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/json"
        modelled = Filed.model_validate(answer.json()).model_dump_json(exclude_unset=True)
        assert answer.content == modelled.encode()
    assert len(answer.json()["items"]) == 6
