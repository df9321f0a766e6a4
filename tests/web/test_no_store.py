"""No answer is kept in a cache (lianban.web.no_store): her case (the fast path before the router),
its refusal, 我的办件 and the catalogue carry ``Cache-Control: no-store``; the static assets do not,
and an answer that sets its own Cache-Control keeps it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from lianban.web.no_store import NoStore
from sandbox_cases import file_hebei_case
from support.login import as_persona


def test_answers_with_her_data_are_not_stored_and_the_static_files_are(client: TestClient) -> None:
    case_id, her = file_hebei_case(client)
    stranger = as_persona(client, "wuhan_graduate", "wuhan")
    answers = {
        "her case": client.get(f"/api/v1/applications/{case_id}", headers=her),
        "another's": client.get(f"/api/v1/applications/{case_id}", headers=stranger),
        "no token": client.get(f"/api/v1/applications/{case_id}"),
        "我的办件": client.get("/api/v1/applications", headers=her),
        "the catalogue": client.get("/api/v1/themes"),
    }
    assert {name: a.status_code for name, a in answers.items()} == {
        "her case": 200,
        "another's": 404,
        "no token": 401,
        "我的办件": 200,
        "the catalogue": 200,
    }
    assert {name: a.headers.get_list("cache-control") for name, a in answers.items()} == {
        name: ["no-store"] for name in answers
    }
    style = client.get("/static/css/portal.css")
    assert style.status_code == 200 and "cache-control" not in style.headers


def test_an_answer_with_its_own_cache_control_keeps_it() -> None:
    async def own(_request: object) -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Cache-Control": "private, max-age=60"})

    async def plain(_request: object) -> PlainTextResponse:
        return PlainTextResponse("y")

    app = NoStore(Starlette(routes=[Route("/own", own), Route("/plain", plain)]))
    with TestClient(app) as c:
        assert c.get("/own").headers.get_list("cache-control") == ["private, max-age=60"]
        assert c.get("/plain").headers.get_list("cache-control") == ["no-store"]
