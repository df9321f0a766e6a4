"""The application the bench files: a Wuhan graduate (高校毕业生就业一件事, 湖北), eight sub-items.

The sandbox persona ``wuhan_graduate`` logs in through the sandbox identity provider; the form is
what she types, the rest is prefilled from data sharing as for any applicant. Filing does not
refuse a second open case of the same person, so every request is the same form under its own
``Idempotency-Key`` (a repeated key would return the first case instead of filing a new one).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from lianban.catalog.catalogue import Catalogue, default_catalogue
from lianban_bench.load import Call

THEME = "hubei.graduate-employment"
PERSONA = "wuhan_graduate"

_FORM: dict[str, Any] = {
    "person.mobile": "13907150000",
    "employment.unit_name": "自由职业（软件开发外包）",
    "employment.work_region": "420111",
    "employment.handling_office": "洪山区人力资源和社会保障局",
    "employment.start_date": "2026-08-01",
    "employment.industry_code": "65",
    "employment.occupation": "软件开发人员",
    "subsidy.unit_name": "自由职业（软件开发外包）",
    "subsidy.first_month": "2026-09",
    "subsidy.handling_office": "洪山区人力资源和社会保障局",
    "subsidy.pension_paid_period": {"start": "2026-09", "end": "2026-11"},
    "subsidy.pension_subsidy_period": {"start": "2026-09", "end": "2026-11"},
    "subsidy.pension_months": 3,
    "bank.name": "中国建设银行武汉洪山支行",
    "insurance.medical.bank_code": "105521000123",
    "bank.account": "6217002870012345678",
    "insurance.pension.agency": "武汉市社会保险中心",
    "insurance.pension.first_work_date": "2026-08-01",
    "insurance.pension.first_insured_month": "2026-09",
    "insurance.medical.start_date": "2026-09-01",
    "insurance.medical.region": "420111",
    "insurance.medical.grade": "一档",
    "social_card.service_bank": "中国建设银行",
    "social_card.region": "420100",
    "social_card.collection_method": "post",
    "delivery.address": {"region": "420111", "detail": "珞喻路1037号"},
    "delivery.recipient_mobile": "13907150000",
    "hukou.police_office": "武汉市公安局洪山区分局珞南派出所",
}


def _code(catalogue: Catalogue, code_list: str, wanted: str) -> str:
    """The code of an option named by its label (or code) in the shipped list."""
    options = catalogue.code_lists[code_list].codes
    for c in options:
        if wanted in (c.code, c.label) or wanted in c.label:
            return str(c.code)
    return str(options[0].code)


def graduate_body(name: str, catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The JSON body of her ``POST /api/v1/applications`` (settling in Wuhan: all eight items)."""
    cat = catalogue or default_catalogue()
    form = dict(_FORM)
    form["bank.account_name"] = form["delivery.recipient"] = name
    form["employment.flexible_form"] = _code(cat, "hubei.flexible_employment_form", "灵活就业")
    form["employment.industry_sector"] = _code(cat, "hubei.industry_sector", "第三产业")
    form["subsidy.pension_location"] = _code(cat, "hubei.pension_payment_location", "省内")
    form["insurance.pension.types"] = [_code(cat, "hubei.pension_insurance_type", "城镇职工基本养老保险")]
    form["insurance.medical.types"] = [
        _code(cat, "hubei.medical_insurance_type", "职工基本医疗保险"),
        _code(cat, "hubei.medical_insurance_type", "大额医疗保险"),
    ]
    form["social_card.person_category"] = _code(cat, "hubei.social_card_person_category", "城镇居民")
    return {"theme_id": THEME, "situation": {"settle_city": "wuhan"}, "form": form}


def sandbox_token(base_url: str, client: httpx.Client | None = None, **login: str) -> str:
    """A bearer token from the sandbox identity provider (``client``: one kept-alive connection
    for many logins)."""
    if client is not None:
        answer = client.post(f"{base_url}/api/v1/auth/sandbox", json=login, timeout=30)
    else:
        answer = httpx.post(f"{base_url}/api/v1/auth/sandbox", json=login, timeout=30, trust_env=False)
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


def graduate_login(base_url: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Her bearer headers and her application body."""
    people = httpx.get(
        f"{base_url}/api/v1/sandbox/people",
        params={"filter": PERSONA, "limit": 10},
        timeout=30,
        trust_env=False,
    ).json()
    person = next(p for p in people if PERSONA in (p.get("persona"), p.get("key")))
    headers = {"Authorization": f"Bearer {sandbox_token(base_url, id_number=person['id_number'])}"}
    return headers, graduate_body(person["name"])


def submit_calls(headers: dict[str, str], body: dict[str, Any], n: int) -> list[Call]:
    """``n`` filings, each under its own Idempotency-Key."""
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return [
        Call(
            "POST",
            "/api/v1/applications",
            {**headers, "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
            raw,
        )
        for _ in range(n)
    ]
