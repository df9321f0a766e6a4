"""Zibo's two guides, read line by line (issue 17, point 6; seed 002, 淄人社函〔2023〕29号).

- 附件1 六、申请材料: “1.社保卡申领：身份证正反面的照片各一张，制卡相片。2.流动人员人事档案接收：代办人身份证，
  劳动合同、录用手续或单位介绍信。” and 附件2 六: “1.流动人员人事档案接收：身份证。” — the applicant's
  materials; where none is uploaded the e-licence library (电子证照库) supplies the ID card.
- 附件1 二、联办事项 3: “社会保障卡申领(成年人)” — for adults: a hire under 18 is pointed to the
  minors' item.
- 附件2 六 2: “流动人员人事档案转出：离职证明或解除劳动合同证明(原档案存档类型为单位存档的需提交此材料，个人存档
  不需要提供)” — the custody question is asked only when the archive transfer-out is chosen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from stdnum.cn import ric

from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.guide import guide
from lianban.forms.regions import shipped_regions
from lianban.forms.spec import build_form, form_answer
from lianban.forms.submission import check_submission

CAT = default_catalogue()
UNIT = CAT.theme("zibo.unit-employment")
FLEXIBLE = CAT.theme("zibo.flexible-employment")
TODAY = date(2026, 11, 23)


def _id(birth: str, seq: str) -> str:
    body = "370302" + birth.replace("-", "") + seq
    return body + ric.calc_check_digit(body + "0")


def test_id_photos_and_the_agents_id_card_are_the_applicants_with_an_e_licence_fallback() -> None:
    for theme, material in ((UNIT, "id_card_photos"), (UNIT, "agent_id_card"), (FLEXIBLE, "id_card")):
        m = theme.material(material)
        assert m.provided_by == "applicant" and m.fallback == "e_licence", (theme.id, material)
    listed = {m["id"]: m for m in form_answer(CAT, build_form(CAT, UNIT))["materials"]}
    assert listed["id_card_photos"]["provided_by"] == "applicant"
    assert listed["id_card_photos"]["fallback"] == "e_licence"
    assert listed["card_photo"]["provided_by"] == "applicant" and "fallback" not in listed["card_photo"]
    in_guide = {m["id"]: m for m in guide(UNIT)["materials"]}
    assert in_guide["agent_id_card"]["fallback"] == "e_licence"


def _hire(name: str, birth: str, seq: str) -> dict[str, Any]:
    return {
        "person.name": name,
        "person.id_type": "01",
        "person.id_number": _id(birth, seq),
        "person.gender": "1" if int(seq[-1]) % 2 else "2",
        "person.ethnicity": "01",
        "person.birth_date": birth,
        "person.mobile": "13800000000",
        "person.hukou_type": "non_agricultural",
        "person.hukou_address": {"region": "370302", "detail": "淄川区般阳路1号"},
        "person.residence_address": {"region": "370303", "detail": "张店区人民西路2号"},
        "person.nationality": "CHN",
        "education.level": "61",
        "employment.start_date": "2026-11-16",
        "insurance.pension.start_month": "2026-11",
        "insurance.medical.start_date": "2026-11-16",
        "employment.monthly_wage": "4200.00",
        "social_card.id_valid_until": "2036-04-12",
        "social_card.service_bank": "中国工商银行淄博分行",
        "delivery.recipient": name,
        "delivery.recipient_mobile": "13800000000",
        "delivery.address": {"region": "370303", "detail": "张店区人民西路2号"},
        "archives.receiving_agency": "淄博市公共就业和人才服务中心",
        "housing_fund.base": "4200.00",
        "housing_fund.unit_rate": "12",
        "housing_fund.personal_rate": "12",
    }


def test_a_seventeen_year_old_hire_is_pointed_to_the_minors_card_item() -> None:
    form: dict[str, Any] = {
        "employer.uscc": "91370300MA3C5ER19F",
        "employer.name": "淄博齐鲁陶瓷有限公司",
        "employer.si_code": "37030012345",
        "employer.housing_fund_account": "370300123456",
        "employer.agent_name": "王芳",
        "employer.agent_id_number": "370303198501011222",
        "employer.agent_phone": "0533-2181234",
        "employees": [_hire("李明", "1998-04-12", "211"), _hire("赵小丽", "2009-05-01", "222")],
    }
    facts = {"employer_has_housing_fund_account": True, "employer_has_collective_archive_entrustment": True}
    checked = check_submission(
        CAT, UNIT, items=None, situation=None, form=form, facts=facts, today=TODAY, regions=shipped_regions()
    )
    assert checked.ok, [(i.field, i.message_zh) for i in checked.errors]
    reason = checked.dropped["social_card_application#1"]
    assert "未满18周岁" in reason and "社会保障卡申领（未成年人）" in reason
    cards = {p.employee for p in checked.payloads if p.item == "social_card_application"}
    assert cards == {0}  # the adult's card goes ahead; the minor's other items too
    assert {p.employee for p in checked.payloads if p.item == "unit_employment_registration"} == {0, 1}


def _asked(items: list[str]) -> dict[str, bool]:
    answer = form_answer(CAT, build_form(CAT, FLEXIBLE, items, {"archive_custody": "unit"}))
    return {s["id"]: s["asked"] for s in answer["situations"]}


def test_the_custody_question_is_asked_only_with_the_archive_transfer_out() -> None:
    assert _asked(["employment_registration", "pension_enrolment"])["archive_custody"] is False
    assert _asked(["employment_registration", "archive_receipt"])["archive_custody"] is False
    assert _asked(["employment_registration", "archive_transfer_out"])["archive_custody"] is True
    # an answer to a question not asked is not part of the application
    spec = build_form(CAT, FLEXIBLE, ["employment_registration"], {"archive_custody": "unit"})
    assert "archive_custody" not in spec.situation
    spec = build_form(CAT, FLEXIBLE, ["archive_transfer_out"], {"archive_custody": "unit"})
    assert spec.situation["archive_custody"] == "unit"
    assert "resignation_proof" in {m.id for m in spec.materials}
