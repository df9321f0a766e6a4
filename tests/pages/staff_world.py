"""What the staff journeys share: the live demo's API as a test drives it (logins, the sandbox's
department switches, filing a case), a staff login through the login page, and waiting for a
case to reach a state (a condition with a deadline, never a fixed sleep)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from lianban.catalog.catalogue import default_catalogue
from sandbox_cases import HEBEI_WORKER, hebei_form


class DemoApi:
    """The live ``lianban demo`` over HTTP, as the tests' own hands."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=30)

    def token(self, **login: str) -> dict[str, str]:
        r = self.http.post("/api/v1/auth/sandbox", json=login)
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def staff(self, username: str) -> dict[str, str]:
        return self.token(username=username, password="sandbox")

    def route(self, department: str, mode: str) -> None:
        """The sandbox's switch: the department's new items to the worklist, or back to its simulator."""
        r = self.http.put(f"/api/v1/sandbox/departments/{department}", json={"mode": mode})
        assert r.status_code == 200, r.text

    def simulate(self, department: str, **behaviour: Any) -> None:
        r = self.http.put(f"/api/v1/sandbox/departments/{department}", json=behaviour)
        assert r.status_code == 200, r.text

    def persona(self, persona: str) -> dict[str, Any]:
        people = self.http.get("/api/v1/sandbox/people", params={"limit": 200}).json()
        found: dict[str, Any] = next(p for p in people if p.get("persona") == persona)
        return found

    def file_hebei_case(self) -> tuple[str, dict[str, str]]:
        """The Hebei flexible worker files her case online; her case id and bearer headers."""
        applicant = self.token(id_number=self.persona(HEBEI_WORKER)["id_number"])
        form = hebei_form(default_catalogue().code_lists)
        r = self.http.post(
            "/api/v1/applications",
            json={"theme_id": "hebei.flexible-employment", "form": form},
            headers=applicant,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["case_id"]), applicant

    def case(self, case_id: str, headers: dict[str, str]) -> dict[str, Any]:
        r = self.http.get(f"/api/v1/applications/{case_id}", headers=headers)
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found

    def item(self, case_id: str, headers: dict[str, str], code: str) -> dict[str, Any]:
        found: dict[str, Any] = next(i for i in self.case(case_id, headers)["items"] if i["code"] == code)
        return found

    def wait_for(self, what: str, condition: Callable[[], bool], seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {seconds} s: {what}")
            time.sleep(0.2)


def log_in_as_staff(page: Page, username: str, then: str) -> None:
    """Log in on the login page with a sandbox staff account and land on ``then``."""
    page.goto(f"/login?as=staff&next={then}")
    page.get_by_label("工作人员账号").select_option(username)
    page.get_by_label("密码").fill("sandbox")
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"**{then}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
