"""河北省 灵活就业“一件事一次办” (seed 004) compared with its document, section by section."""

from __future__ import annotations

import pytest

from lianban.catalog.check import check_paths
from lianban.catalog.loader import THEMES_DIR, load_field_dictionary, load_theme
from lianban.catalog.model import Theme
from lianban.catalog.outcomes import compute
from lianban.rules.cel import compile_rule, evaluate


@pytest.fixture(scope="module")
def theme() -> Theme:
    t, _ = load_theme(THEMES_DIR / "hebei.flexible-employment.yaml")
    return t


def union_fields(theme: Theme) -> dict[str, list[bool]]:
    out: dict[str, list[bool]] = {}
    for it in theme.items:
        for f in it.fields:
            out.setdefault(f.key, []).append(f.required)
    return out


# 一、主题事项: six items, with the systems named in 五（一）办理流程
ITEMS = [
    ("employment_registration", "就业登记", "hrss", "人社一体化公共服务平台"),
    ("archive_receipt_transfer", "档案的接收和转递（流动人员）", "archives", "人社一体化公共服务平台"),
    ("social_insurance_registration", "社会保险登记", "social_insurance", "人社一体化公共服务平台"),
    ("medical_enrolment", "基本医疗保险参保和变更登记", "medical_insurance", "河北省医疗保障信息平台"),
    ("si_fee_declaration", "灵活就业人员社会保险费申报", "tax", "河北税务社保外网统一接入平台"),
    ("medical_fee_declaration", "灵活就业人员医疗保险费申报", "tax", "河北税务社保外网统一接入平台"),
]


def test_header(theme: Theme) -> None:
    assert theme.id == "hebei.flexible-employment"
    assert theme.name == "灵活就业“一件事一次办”"
    assert theme.region_code == "130000"
    assert theme.applicant_type == "person"
    assert theme.lead_department == "hrss"
    assert theme.source.document == "004_22c6b24b4e1d9452.txt"


def test_items(theme: Theme) -> None:
    assert [(i.code, i.name, i.department, i.system) for i in theme.items] == ITEMS


def test_levels_fees_channels(theme: Theme) -> None:
    # （五）办理层级：市级、县级；（六）收费事项
    assert theme.levels == ("city", "county")
    assert all(i.levels == ("city", "county") for i in theme.items)
    assert theme.fees.amount_yuan == 0
    assert theme.fees.note == "无（邮寄服务费按寄递服务标准另行收取）"
    assert "post" in theme.delivery_methods
    names = {c.code: c.name for c in theme.channels}
    assert set(names) == {"window", "web", "app"}
    assert "冀时办" in names["app"]
    assert "河北省一体化政务服务平台" in names["web"]
    assert any("河北省一体化政务服务平台" in n for n in theme.notes)


def test_time_limit_15_working_days(theme: Theme) -> None:
    # （三）办理时限：15个工作日 — the only limit the document states
    stated = theme.stated_time_limit
    assert stated is not None and stated.source == "document"
    assert (stated.legal_days, stated.promised_days) == (15, 15)
    # per-item limits are not stated: derived from the theme's 15, which binds the whole case
    assert all(i.time_limit.source == "derived" for i in theme.items)
    computed = compute(theme)
    assert computed.legal_path_days == 15
    assert computed.promised_path_days == (15, 15)
    assert all(i.time_limit.legal_days <= 15 for i in theme.items)


def test_tax_items_wait_for_registrations(theme: Theme) -> None:
    assert theme.item("si_fee_declaration").waits_for == ("social_insurance_registration",)
    assert theme.item("medical_fee_declaration").waits_for == ("medical_enrolment",)
    for code in (
        "employment_registration",
        "archive_receipt_transfer",
        "social_insurance_registration",
        "medical_enrolment",
    ):
        assert theme.item(code).waits_for == ()


def test_conditions(theme: Theme) -> None:
    # （一）办理条件 1 and 2, both blocking the whole application
    conds = {c.id: c for c in theme.conditions}
    age = conds["working_age"]
    assert age.text == "就业登记对象须在法定劳动年龄内"
    assert age.scope == "application" and age.severity == "block"
    assert "retirement_date(person.birth_date, person.gender, 55)" in (age.rule or "")
    assert "申请日施行" in (age.explain or "")
    archive = conds["archive_in_public_service"]
    assert (
        archive.text
        == "就业登记对象人事档案须符合流动人员人事档案管理服务规定，且为省内各级公共档案管理服务存档人员"
    )
    assert archive.rule == "facts.archive_in_public_service_in_province"
    assert archive.scope == "application"
    for c in [*theme.conditions, *(c for i in theme.items for c in i.conditions)]:
        assert c.rule and c.explain
        compile_rule(c.rule)


def test_working_age_rule_evaluates(theme: Theme) -> None:
    rule = theme.conditions[0].rule
    assert rule is not None
    person = {"birth_date": "1990-05-01", "gender": "2"}
    assert evaluate(rule, {"person": person, "today": "2025-06-01"}) is True
    young = {"birth_date": "2012-05-01", "gender": "1"}
    assert evaluate(rule, {"person": young, "today": "2025-06-01"}) is False


def test_situations(theme: Theme) -> None:
    # （二）办理情形, and the archive's 原存档类型 that decides the transfer letter
    forms = {s.id: [o.label for o in s.options] for s in theme.situations}
    assert forms["flexible_form"] == [
        "无雇工的个体工商户",
        "未在用人单位参加基本养老保险的非全日制就业人员",
        "新就业形态就业人员",
        "在我省的其他灵活就业人员",
    ]
    assert [o.code for o in theme.situations[1].options] == ["unit_collective", "personal"]
    assert "单位集体委托" in forms["archive_custody"][0]


# 表1：灵活就业一套申报材料 — name, 材料形式, 材料数量, 备注
MATERIALS = [
    ("hukou_book_or_contract", "户口簿或有效期内劳动合同", "户口簿本人页或劳动合同全部页面。扫描PDF"),
    (
        "archive_transfer_letter",
        "转出档案介绍信或解除终止劳动关系协议",
        "档案在原存档机构为单位集体委托的须提供该材料，单位加盖公章，扫描PDF",
    ),
    ("id_card", "居民身份证", "上传身份证正反面"),
]


def test_materials_table_1(theme: Theme) -> None:
    assert [(m.id, m.name, m.spec) for m in theme.materials] == MATERIALS
    for m in theme.materials:
        assert m.kind == "原件"
        assert m.paper_copies == 1
        assert m.required is True
        assert m.provided_by == "applicant"
    letter = theme.material("archive_transfer_letter")
    assert letter.applies_if == "situation.archive_custody == 'unit_collective'"
    assert letter.note is not None
    assert "我单位要求其档案从我单位户下转出" in letter.note
    assert "现因：离职/_______" in letter.note
    assert theme.material("hukou_book_or_contract").accept == ("pdf",)


def test_material_use_follows_the_process(theme: Theme) -> None:
    # 人社 reviews 户口簿/劳动合同, 转出档案介绍信 and 身份证; 医保 户口簿 and 身份证; 税务 身份证
    assert "archive_transfer_letter" in theme.item("archive_receipt_transfer").materials
    assert set(theme.item("medical_enrolment").materials) == {"hukou_book_or_contract", "id_card"}
    assert theme.item("si_fee_declaration").materials == ("id_card",)
    assert theme.item("medical_fee_declaration").materials == ("id_card",)
    used = {m for i in theme.items for m in i.materials}
    assert used == {m.id for m in theme.materials}


def test_materials_after(theme: Theme) -> None:
    assert compute(theme).after.materials == 3


# 表2：申报表单 — (section, printed label, canonical key, starred)
FORM = [
    ("个人基本信息", "姓名", "person.name", True),
    ("个人基本信息", "性别", "person.gender", True),
    ("个人基本信息", "民族", "person.ethnicity", True),
    ("个人基本信息", "政治面貌", "person.political_status", False),
    ("个人基本信息", "手机号码", "person.mobile", False),
    ("个人基本信息", "证件类型", "person.id_type", True),
    ("个人基本信息", "证件号码", "person.id_number", True),
    ("个人基本信息", "户口性质", "person.hukou_type", True),
    ("个人基本信息", "户籍地址", "person.hukou_address", True),
    ("个人基本信息", "常住地址", "person.residence_address", True),
    ("就业登记信息", "就业时间", "employment.start_date", True),
    ("就业登记信息", "登记类型", "employment.registration_type", True),
    ("就业登记信息", "出生年月", "person.birth_date", False),
    ("就业登记信息", "文化程度", "education.level", False),
    ("就业登记信息", "就业类型", "employment.type", True),
    ("就业登记信息", "就业单位", "employment.unit_name", False),
    ("就业登记信息", "就业地点", "employment.work_region", True),
    ("特定群体登记信息", "人员类别", "employment.special_group", True),
    ("档案接收和转递申报信息", "转入机构编号", "archives.receiving_agency_code", True),
    ("档案接收和转递申报信息", "档案转入机构", "archives.receiving_agency", False),
    ("基本医疗保险参保信息", "医保参保区划", "insurance.medical.region", False),
    ("基本医疗保险参保信息", "开户行名称", "insurance.medical.bank_name", False),
    ("基本医疗保险参保信息", "银行户名", "insurance.medical.bank_account_name", False),
    ("基本医疗保险参保信息", "银行账号", "insurance.medical.bank_account", False),
    ("养老保险参保登记信息", "个人身份", "insurance.personal_identity", False),
    ("养老保险参保登记信息", "养老保险参保地", "insurance.pension.region", False),
    ("养老保险参保登记信息", "养老保险申请参保时间", "insurance.pension.start_month", False),
    ("养老保险参保登记信息", "养老保险缴费基数或档次", "insurance.pension.base", False),
    ("养老保险参保登记信息", "是否有社会保障卡", "insurance.has_social_card", False),
    ("养老保险参保登记信息", "是否委托社保代理", "insurance.agent_entrusted", False),
    ("养老保险参保登记信息", "社保代理名称", "insurance.agent_name", False),
]


def test_form_table_2_fields(theme: Theme) -> None:
    fields, _ = load_field_dictionary()
    union = union_fields(theme)
    for section, label, key, starred in FORM:
        assert key in fields, (section, label, key)
        assert key in union, (section, label, key)
        if starred:
            assert any(union[key]), f"{label}* must be required in at least one item"
        else:
            assert not any(union[key]), f"{label} carries no * and is required nowhere"
    # the form is exactly the document's fields: nothing extra
    assert set(union) == {key for _, _, key, _ in FORM}
    # every section is recorded, with its fields
    sections_note = next(n for n in theme.notes if n.startswith("表2表单分节"))
    for section, label, _, _ in FORM:
        assert section in sections_note and label in sections_note


def test_special_group_not_for_employment_registration(theme: Theme) -> None:
    # 特定群体登记信息（办理就业登记不用填写）
    keys = {f.key for f in theme.item("employment_registration").fields}
    assert "employment.special_group" not in keys


def test_commitment(theme: Theme) -> None:
    assert theme.commitment == (
        "本人承诺填报的以上内容均真实、准确、有效，如与实际情况不一致，本人愿意承担相应责任，同时纳入人社信用记录。"
    )


def test_process_and_outcomes(theme: Theme) -> None:
    assert len(theme.process) == 4
    assert theme.process[0].startswith("线上线下受理")
    # the document states no before/after figures
    assert theme.outcomes is None
    assert any("outcomes" in n for n in theme.notes)


def test_themes_check_finds_nothing() -> None:
    findings = check_paths([THEMES_DIR / "hebei.flexible-employment.yaml"])
    assert [str(f) for f in findings] == []
