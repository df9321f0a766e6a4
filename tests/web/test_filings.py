"""Filing is answered before the router (lianban.web.filings) when the caller's token verifies and
the route would take her body and Idempotency-Key, with the bytes the route gives; every other
request is the route's, answered exactly as the route answers it with the fast path stepped
aside: no token, a forged one, another scheme, malformed JSON, another content type, a body or a
key the route refuses. The service's refusal is answered by the fast path itself, as the route's
exception handler would, in the caller's language."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from lianban.security.tokens import Identity, Role, issue
from lianban.web import filings
from lianban.web.filings import Filings
from sandbox_cases import WUHAN_GRADUATE, graduate_form, sandbox_person
from support.login import login

PATH = "/api/v1/applications"


def _her(client: TestClient) -> tuple[dict[str, str], dict[str, Any]]:
    """The Wuhan graduate's bearer headers and her filing's body."""
    graduate = sandbox_person(client, WUHAN_GRADUATE, WUHAN_GRADUATE)
    form = graduate_form(client.app.state.catalogue.code_lists, graduate["name"])  # type: ignore[attr-defined]
    body = {"theme_id": "hubei.graduate-employment", "situation": {"settle_city": "wuhan"}, "form": form}
    return login(client, id_number=graduate["id_number"]), body


def _filed_here(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The Idempotency-Keys of the filings the fast path took, as it takes them."""
    taken: list[str | None] = []
    real = filings._file

    async def counted(*args: Any) -> None:
        taken.append(args[5])
        await real(*args)

    monkeypatch.setattr(filings, "_file", counted)
    return taken


def _route_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path steps aside: every filing goes to the route."""
    monkeypatch.setattr(filings, "_taken", lambda scope, body: None)


def test_her_filing_is_filed_before_the_router_with_the_routes_bytes(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert any(m.cls is Filings for m in client.app.user_middleware)  # type: ignore[attr-defined]
    her, body = _her(client)
    taken = _filed_here(monkeypatch)
    headers = {**her, "Idempotency-Key": "first-filing", "X-Request-ID": "file-1"}

    first = client.post(PATH, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.headers["content-type"] == "application/json"
    assert first.headers["x-request-id"] == "file-1" and first.headers["cache-control"] == "no-store"
    assert len(first.json()["items"]) == 8
    again = client.post(PATH, json=body, headers=headers)  # the same key: her first case again
    assert again.status_code == 200 and again.json()["case_id"] == first.json()["case_id"]
    assert taken == ["first-filing", "first-filing"]

    _route_only(monkeypatch)
    routed = client.post(PATH, json=body, headers=headers)
    assert routed.status_code == 200 and routed.headers["content-type"] == "application/json"
    assert routed.content == again.content  # the same bytes, whichever way it was answered
    assert taken == ["first-filing", "first-filing"]
    assert client.post(PATH, json=body, headers=her).status_code == 201  # no key: a new case


def _answers(client: TestClient, her: dict[str, str], body: dict[str, Any]) -> list[Response]:
    english = {"Accept-Language": "en"}
    forged = issue(Identity(subject="person:x", role=Role.APPLICANT), "not the platform's key" + "z" * 30)
    json_type = {"Content-Type": "application/json"}
    return [
        client.post(PATH, json=body),  # no token
        client.post(PATH, json=body, headers={**english, "Authorization": f"Bearer {forged}"}),
        client.post(
            PATH, json=body, headers={"Authorization": her["Authorization"].replace("Bearer", "Basic")}
        ),
        client.post(PATH, content=b"{not json", headers={**her, **json_type}),
        client.post(PATH, content=b"\xff\xfe", headers={**her, **json_type}),
        client.post(PATH, json=[], headers=her),
        client.post(PATH, json={**body, "theme": "typo"}, headers={**her, **english}),
        client.post(PATH, json={"form": {}}, headers=her),
        client.post(PATH, json=body, headers={**her, "Content-Type": "text/plain"}),
        client.post(PATH, json=body, headers={**her, "Idempotency-Key": "k" * 201}),
        client.post(PATH, json={**body, "theme_id": "nowhere.none"}, headers={**her, **english}),
        client.post(PATH, json={**body, "theme_id": "nowhere.none"}, headers=her),
    ]


def test_every_other_request_is_answered_as_the_route_answers_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    her, body = _her(client)
    taken = _filed_here(monkeypatch)
    fast = _answers(client, her, body)
    assert len(taken) == 2  # only the unknown theme's two: the service refused them here
    _route_only(monkeypatch)
    routed = _answers(client, her, body)
    assert len(taken) == 2
    for here, there in zip(fast, routed, strict=True):
        assert here.status_code == there.status_code and here.json() == there.json()
        assert here.headers["content-type"] == there.headers["content-type"]
    assert [a.status_code for a in fast] == [401, 401, 401, 422, 422, 422, 422, 422, 422, 422, 404, 404]
    assert fast[1].json()["title"] == "Not authenticated"
    assert fast[6].json()["errors"][0]["message"] == "theme is not an accepted field"
    assert fast[9].json()["errors"][0]["field"] == "Idempotency-Key"
    assert fast[10].json()["detail"] != fast[11].json()["detail"]  # English, then Chinese
