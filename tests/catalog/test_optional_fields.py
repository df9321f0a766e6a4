"""Optional fields as the documents reduce them (减表单：非必填字段), issue 17 point 4.

Seed 001 (湖北 灵活就业一件事), 5.2 减表单, table “通过【非必填字段】减表单”: 户口性质 — 已减 —
非必填字段; 户口行政区划（省）（市）（区） — 已减 — 非必填字段; 常住地址, 职业工种, 开户行名称, 开户行编号,
银行户名, 银行账号 — 已减 — 非必填字段. Seed 000 (湖北 高校毕业生就业) prints the medical insurance
section (“灵活就业人员参保登记信息（医保）”: 开户行名称, 开户行编号, 银行户名, 银行账号) apart from the
subsidy's “社保卡账号（银行账号）, 开户银行, 银行户名”.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from stdnum.cn import ric

from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.check import check_paths
from lianban.catalog.loader import THEMES_DIR
from lianban.forms.regions import shipped_regions
from lianban.forms.spec import build_form
from lianban.forms.submission import check_submission

CAT = default_catalogue()
TODAY = date(2026, 11, 23)
FLEXIBLE = CAT.theme("hubei.flexible-employment")
MEDICAL_BANK = (
    "insurance.medical.bank_name",
    "insurance.medical.bank_code",
    "insurance.medical.bank_account_name",
    "insurance.medical.bank_account",
)


def test_every_field_the_table_marks_non_required_is_optional_on_hubeis_one_form() -> None:
    marked = {
        key: rf.name for rf in FLEXIBLE.reduced_fields if rf.reduction == "non_required" for key in rf.keys
    }
    assert set(marked) >= {
        "person.hukou_type",  # 户口性质
        "person.hukou_region",  # 户口行政区划（省）（市）（区）
        "person.residence_address",  # 常住地址
        "employment.occupation",  # 职业工种
        *MEDICAL_BANK,  # 开户行名称、开户行编号、银行户名、银行账号
    }
    spec = build_form(CAT, FLEXIBLE)
    for key, name in marked.items():
        assert key in spec.fields, name
        assert spec.fields[key].required is False, f"{name} ({key}) is 非必填字段 in seed 001"


def test_themes_check_finds_a_non_required_field_an_item_still_requires(tmp_path: Path) -> None:
    text = (THEMES_DIR / "hubei.flexible-employment.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "{key: person.hukou_type, system_field: AAC009, required: false}",
        "{key: person.hukou_type, system_field: AAC009}",
        1,
    )
    path = tmp_path / "hubei.flexible-employment.yaml"
    path.write_text(text, encoding="utf-8")
    findings = [f for f in check_paths([path]) if f.file == path]
    assert [(f.code, f.key) for f in findings] == [("required_but_reduced", "reduced_fields.26.keys.0")]
    assert "户口性质已作为非必填字段减去" in findings[0].message_zh


def _worker_form() -> dict[str, Any]:
    body = "42011119950302123"
    return {
        "person.name": "李敏",
        "person.mobile": "13907150001",
        "person.id_type": "01",
        "person.id_number": body + ric.calc_check_digit(body + "0"),
        "person.gender": "2",
        "person.ethnicity": "01",
        "person.nationality": "CHN",
        "person.birth_date": "1995-03-02",
        "education.level": "21",
        "employment.flexible_form": CAT.code_lists["hubei.flexible_employment_form"].codes[0].code,
        "employment.unit_name": "网络直播",
        "employment.work_region": "420111",
        "employment.handling_office": "洪山区人力资源和社会保障局",
        "employment.start_date": "2026-10-08",
        "employment.industry_code": "65",
        "employment.industry_sector": CAT.code_lists["hubei.industry_sector"].codes[2].code,
        "insurance.medical.types": ["employee_basic_medical"],
        "insurance.medical.start_date": "2026-11-01",
        "insurance.medical.region": "420111",
        "insurance.medical.grade": "一档",
    }


def test_a_flexible_worker_leaving_hukou_and_bank_fields_empty_is_accepted() -> None:
    checked = check_submission(
        CAT,
        FLEXIBLE,
        items=["employment_registration", "medical_enrolment"],
        situation={"archive_items": "none"},
        form=_worker_form(),
        today=TODAY,
        regions=shipped_regions(),
    )
    assert checked.ok, [(i.field, i.message_zh) for i in checked.errors]
    medical = next(p for p in checked.payloads if p.item == "medical_enrolment")
    assert not {"bank_name", "bank_code", "bank_account_name", "bank_account"} & set(medical.payload)


def test_the_medical_insurance_account_is_its_own_fields_apart_from_the_subsidy_account() -> None:
    graduate = CAT.theme("hubei.graduate-employment")
    medical = {f.key: f for f in graduate.item("medical_enrolment").fields}
    subsidy = {f.key: f for f in graduate.item("graduate_si_subsidy").fields}
    assert set(MEDICAL_BANK) <= set(medical)
    assert not {k for k in medical if k.startswith("bank.")}
    assert {"bank.account", "bank.name", "bank.account_name"} <= set(subsidy)  # 社保卡账号（银行账号）
    assert all(not medical[k].required for k in MEDICAL_BANK)
    assert all(subsidy[k].required for k in ("bank.account", "bank.name", "bank.account_name"))
    form = _worker_form() | {
        "insurance.medical.bank_name": "招商银行武汉分行",
        "insurance.medical.bank_account": "6225880212345678",
    }
    checked = check_submission(
        CAT,
        FLEXIBLE,
        items=["employment_registration", "medical_enrolment"],
        situation={},
        form=form,
        today=TODAY,
        regions=shipped_regions(),
    )
    assert checked.ok, [(i.field, i.message_zh) for i in checked.errors]
    payload = next(p for p in checked.payloads if p.item == "medical_enrolment").payload
    assert payload["bank_name"] == "招商银行武汉分行" and payload["bank_account"] == "6225880212345678"
