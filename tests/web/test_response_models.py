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


def _owner_of(platform: object, case_id: str) -> str:
    from lianban.cases.schema import Case

    with platform.sessions() as session:  # type: ignore[attr-defined]
        case = session.get(Case, case_id)
        assert case is not None
        return str(case.owner)
