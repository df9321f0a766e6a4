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

    def book_today(self, id_number: str, theme_id: str) -> dict[str, Any]:
        """She booked today's half-day at the sandbox's practice hall (open around the clock)."""
        r = self.http.post(
            "/api/v1/sandbox/appointments", json={"id_number": id_number, "theme_id": theme_id}
        )
        assert r.status_code == 201, r.text
        booked: dict[str, Any] = r.json()
        return booked

    def stats(self) -> dict[str, Any]:
        r = self.http.get("/api/v1/stats", headers=self.staff("supervisor"))
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
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


# What the Wuhan graduate tells the clerk for Hubei's flexible employment theme (she works
# freelance in 洪山区); her name, birth date, hukou and the rest come from data sharing.
HUBEI_FLEXIBLE_FORM: dict[str, Any] = {
    "person.mobile": "13907150000",
    "employment.flexible_form": "flexible",
    "employment.has_uscc": "false",
    "employment.unit_name": "自由职业（软件开发外包）",
    "employment.work_region": "420111",
    "employment.handling_office": "洪山区人力资源和社会保障局",
    "employment.start_date": "2026-08-01",
    "employment.industry_code": "65",
    "employment.industry_sector": "tertiary",
    "employment.occupation": "软件开发人员",
    "insurance.medical.types": ["employee_basic_medical", "large_amount_medical"],
    "insurance.medical.start_date": "2026-09-01",
    "insurance.medical.region": "420111",
    "insurance.medical.grade": "一档",
    "insurance.medical.bank_name": "中国建设银行武汉洪山支行",
    "insurance.medical.bank_code": "105521000123",
    "insurance.medical.bank_account_name": "陈思雨",
    "insurance.medical.bank_account": "6217002870012345678",
    "insurance.pension.agency": "武汉市社会保险中心",
    "insurance.pension.first_work_date": "2026-08-01",
    "insurance.pension.first_insured_month": "2026-09",
    "insurance.pension.types": ["urban_employee_basic_pension"],
    "insurance.pension.base": "5000",
    "social_card.service_bank": "中国建设银行",
    "social_card.region": "420100",
    "social_card.person_category": "urban_resident",
    "social_card.collection_method": "post",
    "delivery.address.region": "420111",
    "delivery.address.detail": "珞喻路1037号",
    "delivery.recipient": "陈思雨",
    "delivery.recipient_mobile": "13907150000",
}


def pick_region(page: Page, name: str, code: str) -> None:
    """省 → 市 → 县 in the region picker: each choice brings the next level's options (htmx)."""
    levels = [code[:2] + "0000", code[:4] + "00"] + ([code] if not code.endswith("00") else [])
    for depth, chosen in enumerate(levels, start=1):
        option = page.locator(f'select[name="{name}.l{depth}"] option[value="{chosen}"]')
        option.wait_for(state="attached")
        page.locator(f'select[name="{name}.l{depth}"]').select_option(chosen)


def fill_form(page: Page, values: dict[str, Any]) -> None:
    """Type, choose and tick as a clerk would, field by field (found by their names)."""
    for name, value in values.items():
        if name.endswith("region") or name.endswith("address.region"):
            pick_region(page, name, str(value))
            continue
        # a codes' field also posts a hidden empty value (none ticked is an answer): not a clerk's to fill
        fields = page.locator(f'[name="{name}"]:not([type="hidden"])')
        first = fields.first
        kind = first.evaluate("e => e.tagName === 'SELECT' ? 'select' : (e.type || 'text')")
        if kind == "select":
            first.select_option(str(value))
        elif kind in ("checkbox", "radio"):
            for v in value if isinstance(value, list) else [value]:
                page.locator(f'[name="{name}"][value="{v}"]').check()
        else:
            first.fill(str(value))
