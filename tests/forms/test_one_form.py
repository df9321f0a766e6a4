"""One form from many (多表合一) and back again (拆分还原), as the documents describe them."""

from __future__ import annotations

from typing import Any

import pytest
from stdnum.cn import ric

from lianban.catalog.catalogue import default_catalogue
from lianban.forms.spec import build_form, field_reduction, form_answer
from lianban.forms.split import PayloadInvalid, item_payload, split_payloads

CAT = default_catalogue()


def id_number(region: str, birth: str, seq: str) -> str:
    body = region + birth.replace("-", "") + seq
    return body + ric.calc_check_digit(body + "0")  # stdnum wants a placeholder check digit


def applicant_materials(answer: dict[str, Any]) -> set[str]:
    return {m["id"] for m in answer["materials"] if m["provided_by"] == "applicant"}


def test_a_graduate_in_wuhan_and_one_in_yichang_get_different_settlement_materials() -> None:
    theme = CAT.theme("hubei.graduate-employment")
    wuhan = form_answer(
        CAT, build_form(CAT, theme, situation={"settle_city": "wuhan", "family_moves": "yes"})
    )
    yichang = form_answer(CAT, build_form(CAT, theme, situation={"settle_city": "other"}))
    assert "relationship_proof" in applicant_materials(wuhan)
    assert "migration_certificate" not in applicant_materials(wuhan)
    assert "migration_certificate" in applicant_materials(yichang)
    assert "relationship_proof" not in applicant_materials(yichang)
    for answer in (wuhan, yichang):
        # 湖北: at most 6 supplied by the applicant; ID card and 户口簿 by e-licence; the form generated
        assert len(applicant_materials(answer)) <= 6
        provided = {m["id"]: m["provided_by"] for m in answer["materials"]}
        assert provided["id_card"] == "e_licence"
        assert provided["hukou_book"] == "e_licence"
        assert provided["application_form"] == "generated"
        assert [i["code"] for i in answer["items"]] == [it.code for it in theme.items]
        titles = [s["title"] for s in answer["sections"]]
        assert titles[0] == "个人基本信息" and "社会保障卡申领信息" in titles and "户口迁移信息" in titles


def test_a_field_several_items_need_appears_once_and_is_required_if_any_item_requires_it() -> None:
    theme = CAT.theme("hubei.graduate-employment")
    answer = form_answer(CAT, build_form(CAT, theme))
    keys = [f["key"] for s in answer["sections"] for f in s["fields"]]
    assert len(keys) == len(set(keys))
    name = next(f for s in answer["sections"] for f in s["fields"] if f["key"] == "person.name")
    assert name["required"] is True
    assert len(name["items"]) >= 5
    gender = next(f for s in answer["sections"] for f in s["fields"] if f["key"] == "person.gender")
    assert {"code": "2", "label": "女"} in gender["options"]


def test_choosing_only_some_items_shrinks_the_form() -> None:
    theme = CAT.theme("hubei.flexible-employment")
    full = build_form(CAT, theme)
    card_only = build_form(CAT, theme, items=["social_card_application"])
    assert [it.code for it in card_only.items] == ["social_card_application"]
    assert len(card_only.fields) < len(full.fields)
    assert "social_card.service_bank" in card_only.fields


def test_a_flexible_worker_in_hebei_fills_table_2() -> None:
    theme = CAT.theme("hebei.flexible-employment")
    answer = form_answer(CAT, build_form(CAT, theme))
    required = {f["key"] for s in answer["sections"] for f in s["fields"] if f["required"]}
    # the fields table 2 marks with *
    assert {
        "person.name",
        "person.gender",
        "person.ethnicity",
        "person.id_type",
        "person.id_number",
        "person.hukou_type",
        "person.hukou_address",
        "person.residence_address",
        "employment.start_date",
        "employment.registration_type",
        "employment.type",
        "employment.work_region",
        "employment.special_group",
        "archives.receiving_agency_code",
    } <= required
    assert "person.mobile" not in required
    # table 1: two materials for a personal archive, the release letter too when an employer kept it
    assert len(answer["materials"]) == 2
    unit = form_answer(CAT, build_form(CAT, theme, situation={"archive_custody": "unit_collective"}))
    assert len(unit["materials"]) == 3


def test_english_labels_on_request() -> None:
    theme = CAT.theme("hebei.flexible-employment")
    answer = form_answer(CAT, build_form(CAT, theme), lang="en")
    assert answer["sections"][0]["title"] == "Personal details"


def zibo_employee(name: str, seq: str) -> dict[str, Any]:
    return {
        "person.name": name,
        "person.id_type": "01",
        "person.id_number": id_number("370302", "1998-04-12", seq),
        "person.gender": "1" if int(seq[-1]) % 2 else "2",
        "person.ethnicity": "01",
        "person.birth_date": "1998-04-12",
        "person.mobile": "13800000000",
        "person.hukou_type": "non_agricultural",
        "person.hukou_address": {"region": "370302", "detail": "淄川区般阳路1号"},
        "person.residence_address": {"region": "370303", "detail": "张店区人民西路2号"},
        "person.nationality": "CHN",
        "education.level": "21",
        "employment.start_date": "2026-11-16",
        "insurance.pension.start_month": "2026-11",
        "insurance.medical.start_date": "2026-11-16",
        "employment.monthly_wage": "5200.00",
        "social_card.id_valid_until": "2036-04-12",
        "social_card.service_bank": "中国工商银行淄博分行",
        "delivery.recipient": name,
        "delivery.recipient_mobile": "13800000000",
        "delivery.address": {"region": "370303", "detail": "张店区人民西路2号"},
        "archives.receiving_agency": "淄博市公共就业和人才服务中心",
        "housing_fund.base": "5200.00",
        "housing_fund.unit_rate": "12",
        "housing_fund.personal_rate": "12",
        "housing_fund.unit_amount": "624.00",
        "housing_fund.personal_amount": "624.00",
    }


ZIBO_EMPLOYER = {
    "employer.uscc": "91370300MA3C5ER11P",
    "employer.name": "淄博齐鲁陶瓷有限公司",
    "employer.si_code": "37030012345",
    "employer.housing_fund_account": "370300123456",
    "employer.agent_name": "王芳",
    "employer.agent_id_number": "370303198501011229",
    "employer.agent_phone": "0533-2181234",
}


def test_a_zibo_employer_hiring_three_people_yields_eighteen_payloads_in_each_systems_names() -> None:
    theme = CAT.theme("zibo.unit-employment")
    spec = build_form(CAT, theme)
    assert {f.key for f in spec.header_fields} >= {"employer.uscc", "employer.si_code", "employer.agent_name"}
    assert "person.id_number" in {f.key for f in spec.employee_fields}
    employees = [zibo_employee("李明", "211"), zibo_employee("赵丽", "222"), zibo_employee("孙强", "233")]
    payloads = split_payloads(CAT, theme, spec.items, ZIBO_EMPLOYER, employees)
    assert len(payloads) == 18
    assert {p.employee for p in payloads} == {0, 1, 2}
    registration = next(p for p in payloads if p.item == "unit_employment_registration" and p.employee == 1)
    assert registration.payload["AAC003"] == "赵丽"
    assert registration.payload["AAC002"] == employees[1]["person.id_number"]
    assert all("person.name" not in p.payload for p in payloads)  # canonical keys never leave
    assert {p.department for p in payloads} == {it.department.value for it in theme.items}


def test_a_payload_missing_what_its_department_requires_is_never_produced() -> None:
    theme = CAT.theme("zibo.unit-employment")
    spec = build_form(CAT, theme)
    bad = zibo_employee("李明", "211")
    del bad["person.id_number"]
    with pytest.raises(PayloadInvalid) as err:
        split_payloads(CAT, theme, spec.items, ZIBO_EMPLOYER, [bad])
    assert err.value.employee == 0
    assert "AAC002" in str(err.value)


def test_codes_are_translated_to_the_systems_code_table() -> None:
    theme = CAT.theme("hubei.graduate-employment")
    spec = build_form(CAT, theme, items=["employment_registration"])
    values = {k: "x" for k in spec.fields}
    values.update({"education.level": "21"})
    out = item_payload(theme, spec.items[0], values)
    cm = next(m for m in theme.code_maps if m.id == "hubei_education_level")
    assert out["AAC011"] == cm.map["21"]


def test_the_merged_forms_have_fewer_fields_than_their_items_forms() -> None:
    for theme in CAT.themes.values():
        merged, total = field_reduction(theme)
        assert merged < total, theme.id
