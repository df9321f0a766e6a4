"""Helpers of the staff page tests over plain HTTP: log a TestClient in on the login page (as a
browser would, with the page's CSRF token) and read a page's token for its forms."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from stdnum.cn import ric

from sandbox_cases import bearer, zibo_hire
from support.worker import run_worker


def token_on(html: str) -> str:
    found = set(re.findall(r'name="csrf_token" value="([^"]*)"', html))
    assert len(found) == 1, f"forms of one page carry {found or 'no'} CSRF tokens"
    return found.pop()


def log_in_staff(client: TestClient, username: str) -> None:
    """Log in on the login page with a sandbox staff account; the session is the client's cookie."""
    client.cookies.clear()
    page = client.get("/login?as=staff", headers={"accept": "text/html"})
    r = client.post(
        "/login",
        data={
            "csrf_token": token_on(page.text),
            "kind": "staff",
            "username": username,
            "password": "sandbox",
        },
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/staff", r.text


def page(client: TestClient, path: str) -> tuple[int, str]:
    r = client.get(path, headers={"accept": "text/html"}, follow_redirects=False)
    return r.status_code, r.text


def post_form(client: TestClient, path: str, data: dict[str, object], token_from: str) -> object:
    return client.post(
        path,
        data={"csrf_token": token_on(page(client, token_from)[1]), **data},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


def dispatch_to_worklist(client: TestClient) -> None:
    """One round of the worker: with no department system configured, all to the worklist."""
    run_worker(client)


def _id_number(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def file_zibo_batch(client: TestClient, hires: int = 3) -> str:
    """A Zibo employer files the hiring of ``hires`` people who live in Zibo (one case, a row each)."""
    employer = next(
        e
        for e in client.get("/api/v1/sandbox/people", params={"limit": 200}).json()
        + client.get("/api/v1/sandbox/employers", params={"limit": 200}).json()
        if e.get("persona") == "zibo_employer_with_fund"
    )
    headers = bearer(client, uscc=employer["uscc"])
    hub = client.app.state.sharing  # type: ignore[attr-defined]
    numbers: list[str] = []
    for seq in range(100, 400, 7):
        number = _id_number(f"37030319980412{seq:03d}")
        facts = hub.facts(id_number=number, province_code="370300")
        if facts.get("resident_in_province") and not facts.get("holds_social_card_in_province"):
            numbers.append(number)
        if len(numbers) == hires:
            break
    rows = [zibo_hire(n) for n in numbers]
    form = {
        "employer.agent_name": "王芳",
        "employer.agent_id_number": _id_number("37030319850101122"),
        "employer.agent_phone": "0533-2181234",
        "employees": rows,
    }
    r = client.post(
        "/api/v1/applications", json={"theme_id": "zibo.unit-employment", "form": form}, headers=headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])
