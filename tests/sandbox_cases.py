"""Filing the sandbox's Hebei flexible worker (a persona) once, for tests that need a case to act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from lianban.cases.schema import CaseItem, OutboxJob
from support.login import login, persona

HEBEI_WORKER = "hebei_flexible_public_archive"
WUHAN_GRADUATE = "wuhan_graduate"

GRADUATE_FORM: dict[str, Any] = {
    "person.mobile": "13907150000",
    "employment.flexible_form": "flexible",
    "employment.unit_name": "自由职业（软件开发外包）",
    "employment.work_region": "420111",
    "employment.handling_office": "洪山区人力资源和社会保障局",
    "employment.start_date": "2026-08-01",
    "employment.industry_code": "65",
    "employment.industry_sector": "tertiary",
    "employment.occupation": "软件开发人员",
    "subsidy.unit_name": "自由职业（软件开发外包）",
    "subsidy.pension_location": "in_province",
    "subsidy.first_month": "2026-09",
    "subsidy.handling_office": "洪山区人力资源和社会保障局",
    "subsidy.pension_paid_period": {"start": "2026-09", "end": "2026-11"},
    "subsidy.pension_subsidy_period": {"start": "2026-09", "end": "2026-11"},
    "subsidy.pension_months": 3,
    "bank.name": "中国建设银行武汉洪山支行",
    "insurance.medical.bank_code": "105521000123",
    "bank.account_name": None,  # filled below with the graduate's name
    "bank.account": "6217002870012345678",
    "insurance.pension.agency": "武汉市社会保险中心",
    "insurance.pension.first_work_date": "2026-08-01",
    "insurance.pension.first_insured_month": "2026-09",
    "insurance.pension.types": ["urban_employee_pension"],
    "insurance.medical.types": ["employee_basic_medical", "large_medical"],
    "insurance.medical.start_date": "2026-09-01",
    "insurance.medical.region": "420111",
    "insurance.medical.grade": "一档",
    "social_card.service_bank": "中国建设银行",
    "social_card.region": "420100",
    "social_card.person_category": "urban_resident",
    "social_card.collection_method": "post",
    "delivery.address": {"region": "420111", "detail": "珞喻路1037号"},
    "delivery.recipient": None,
    "delivery.recipient_mobile": "13907150000",
    "hukou.police_office": "武汉市公安局洪山区分局珞南派出所",
}


def hebei_form(code_lists: Mapping[str, Any]) -> dict[str, Any]:
    """What she types on Hebei's table 2; everything else comes verified from data sharing."""
    return {
        "employment.start_date": "2026-11-02",
        "employment.registration_type": code_lists["hebei.registration_type"].codes[0].code,  # 登记就业
        "employment.type": code_lists["hebei.employment_type"].codes[2].code,  # 灵活就业
        "employment.work_region": "130104",
        "employment.special_group": code_lists["hebei.special_group_category"].codes[-1].code,  # 其他
        "archives.receiving_agency_code": "130100001",
    }


bearer = login  # (the name the older tests use)


def hebei_worker_id(client: TestClient) -> str:
    return str(persona(client, HEBEI_WORKER, "hebei")["id_number"])


def file_hebei_case(client: TestClient) -> tuple[str, dict[str, str]]:
    """File her case; returns the case id and her bearer headers."""
    headers = bearer(client, id_number=hebei_worker_id(client))
    form = hebei_form(client.app.state.catalogue.code_lists)  # type: ignore[attr-defined]
    r = client.post(
        "/api/v1/applications", json={"theme_id": "hebei.flexible-employment", "form": form}, headers=headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"]), headers


def _code(code_lists: Mapping[str, Any], code_list: str, wanted: str) -> str:
    """The code of an option by code or label, whatever the shipped list calls it."""
    cl = code_lists[code_list]
    for c in cl.codes:
        if wanted in (c.code, c.label) or wanted in c.label:
            return str(c.code)
    return str(cl.codes[0].code)


def graduate_form(code_lists: Mapping[str, Any], name: str) -> dict[str, Any]:
    """What the Wuhan graduate types on the graduate theme's one form (flexibly employed in 洪山区)."""
    form = dict(GRADUATE_FORM)
    form["bank.account_name"] = form["delivery.recipient"] = name
    form["employment.flexible_form"] = _code(code_lists, "hubei.flexible_employment_form", "灵活就业")
    form["employment.industry_sector"] = _code(code_lists, "hubei.industry_sector", "第三产业")
    form["subsidy.pension_location"] = _code(code_lists, "hubei.pension_payment_location", "省内")
    form["insurance.pension.types"] = [
        _code(code_lists, "hubei.pension_insurance_type", "城镇职工基本养老保险")
    ]
    form["insurance.medical.types"] = [
        _code(code_lists, "hubei.medical_insurance_type", "职工基本医疗保险"),
        _code(code_lists, "hubei.medical_insurance_type", "大额医疗保险"),
    ]
    form["social_card.person_category"] = _code(code_lists, "hubei.social_card_person_category", "城镇居民")
    return form


def sandbox_person(client: TestClient, key: str, region_filter: str) -> dict[str, Any]:
    """A sandbox persona (``wuhan_graduate``, ``hebei_flexible_public_archive`` …) as the registry lists it."""
    return persona(client, key, region_filter)


def file_graduate_case(client: TestClient) -> tuple[str, dict[str, str]]:
    """The Wuhan graduate files the graduate theme; returns the case id and her bearer headers."""
    graduate = sandbox_person(client, WUHAN_GRADUATE, WUHAN_GRADUATE)
    headers = bearer(client, id_number=graduate["id_number"])
    form = graduate_form(client.app.state.catalogue.code_lists, graduate["name"])  # type: ignore[attr-defined]
    r = client.post(
        "/api/v1/applications",
        json={"theme_id": "hubei.graduate-employment", "situation": {"settle_city": "wuhan"}, "form": form},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"]), headers


def zibo_hire(id_number: str) -> dict[str, Any]:
    """What a Zibo employer (淄博) types for a new hire; the rest comes verified from data sharing."""
    return {
        "person.id_number": id_number,
        "person.mobile": "13800000000",
        "employment.start_date": "2026-11-16",
        "insurance.pension.start_month": "2026-11",
        "insurance.medical.start_date": "2026-11-16",
        "employment.monthly_wage": "5200",
        "social_card.service_bank": "中国工商银行淄博分行",
        "delivery.recipient": "王芳",
        "delivery.recipient_mobile": "13800000001",
        "delivery.address": {"region": "370303", "detail": "张店区人民西路2号"},
        "archives.receiving_agency": "淄博市公共就业和人才服务中心",
        "housing_fund.base": "5200",
        "housing_fund.unit_rate": "12",
        "housing_fund.personal_rate": "12",
    }


def give_up_on_registration(client: TestClient, case_id: str, error: str) -> None:
    """What dispatch does after the last attempt at 就业登记."""
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        item = session.get(CaseItem, (case_id, "employment_registration"))
        item.status, item.reason = "failed", error
        for job in session.execute(
            select(OutboxJob).where(OutboxJob.item_id == "employment_registration")
        ).scalars():
            job.status = "dead"
