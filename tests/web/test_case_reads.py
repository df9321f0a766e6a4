"""Reading one case is answered before the router (lianban.web.case_reads) when the caller's token
verifies, and her refusal (another's case, an unknown one) with the route's own problem, read once;
every other answer is still the route's: no token, a forged one, another scheme, another method.
The answer carries its request id like every other, and its bytes are the service's case as
CaseView writes it."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from lianban.cases import service
from lianban.security.tokens import Identity, Role, issue, verify
from lianban.web import case_reads
from lianban.web.case_reads import CaseReads
from sandbox_cases import file_hebei_case
from support.login import as_persona


def test_her_case_is_answered_before_the_router_and_every_refusal_by_the_route(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert any(m.cls is CaseReads for m in client.app.user_middleware)  # type: ignore[attr-defined]
    case_id, her = file_hebei_case(client)
    path = f"/api/v1/applications/{case_id}"

    answer = client.get(path, headers={**her, "X-Request-ID": "read-1"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.headers["x-request-id"] == "read-1"
    platform = client.app.state.platform  # type: ignore[attr-defined]
    owner = verify(her["Authorization"].split()[1], client.app.state.secret_key)  # type: ignore[attr-defined]
    assert answer.json() == json.loads(
        json.dumps(service.case_view(platform, owner, case_id), ensure_ascii=False)
    )

    english = {"Accept-Language": "en"}
    no_token = client.get(path, headers=english)
    assert no_token.status_code == 401 and no_token.json()["title"] == "Not authenticated"
    assert no_token.headers["content-type"] == "application/problem+json"
    forged = issue(Identity(subject=owner.subject, role=Role.APPLICANT), "not the platform's key" + "z" * 30)
    assert client.get(path, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert (
        client.get(
            path, headers={"Authorization": her["Authorization"].replace("Bearer", "Basic")}
        ).status_code
        == 401
    )

    stranger = as_persona(client, "wuhan_graduate", "wuhan")
    reads: list[str] = []
    read = service.case_view

    def counted(*args: object) -> object:
        reads.append(str(args[2]))
        return read(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(case_reads, "case_view", counted)
    monkeypatch.setattr(service, "case_view", counted)  # the route's
    refused = client.get(path, headers={**stranger, **english})
    assert refused.status_code == 404 and refused.json()["detail"] == f"case {case_id} does not exist"
    assert refused.headers["content-type"] == "application/problem+json"
    assert reads == [case_id]  # read once: the fast path answers the refusal itself
    assert client.get(path, headers={**stranger}).json()["detail"] == f"办件 {case_id} 不存在"
    assert client.get("/api/v1/applications/LB-NONE", headers=her).status_code == 404
    assert client.delete(path, headers=her).status_code == 405
    assert client.get(f"{path}/rating", headers=her).status_code == 200  # a longer path is the router's
