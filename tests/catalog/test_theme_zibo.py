"""Zibo's 就业一件事 themes against their document (淄人社函〔2023〕29号, 附件1 and 附件2).

附件1 is 单位就业（员工录用）: six items an employer applies for per new employee. 附件2 is 灵活就业:
seven items a flexible worker chooses from. The quotes below are the document's own words.
"""

from __future__ import annotations

import re

import pytest

from lianban.catalog.loader import THEMES_DIR, load_field_dictionary, load_theme
from lianban.catalog.model import Theme
from lianban.catalog.outcomes import applicant_materials, compute, items_in_case
from lianban.rules.cel import FUNCTION_NAMES, compile_rule, evaluate, referenced_names

REFERENCE = "淄人社函〔2023〕29号"
PROCESS = (
    "申请：申请人登录淄博市政务服务网“集成办”专区或“爱山东”APP，点击需要办理场景，选择需要办理的事项，填写联办表单，提交申请材料。",
    "受理：线上接收申请材料后，系统自动推送到各部门业务系统进行受理。",
    "审核：业务部门依法审核办理。",
    "反馈：各事项分别反馈办理结果。",
)
WORKING_AGE = (
    "age_years(person.birth_date, today) >= 16"
    " && today < retirement_date(person.birth_date, person.gender, 55)"
)


def _theme(theme_id: str) -> Theme:
    theme, _ = load_theme(THEMES_DIR / f"{theme_id}.yaml")
    return theme


@pytest.fixture(scope="module")
def unit() -> Theme:
    return _theme("zibo.unit-employment")


@pytest.fixture(scope="module")
def flexible() -> Theme:
    return _theme("zibo.flexible-employment")


@pytest.fixture(scope="module", params=["zibo.unit-employment", "zibo.flexible-employment"])
def theme(request: pytest.FixtureRequest) -> Theme:
    return _theme(request.param)


# ---------------------------------------------------------------- both guides


def test_both_guides_share_scope_channels_fees_and_process(theme: Theme) -> None:
    assert theme.region_code == "370300"
    assert theme.region_name == "淄博市"
    assert theme.source.document == "002_c341546b877d9344.txt"
    assert theme.source.reference == REFERENCE
    # 四、办理渠道
    channels = {c.code: c.name for c in theme.channels}
    assert channels["web"] == "淄博市政务服务网“集成办(一件事·一次办)”专区"
    assert channels["app"] == "“爱山东”APP平台“一件事办理”专区"
    # 通知正文五（二）：综合服务窗口帮办代办
    assert "帮办代办" in channels["window"]
    # 九、收费依据及标准
    assert theme.fees.amount_yuan == 0
    assert "因邮寄材料产生的费用，由快递部门按收费标准计费收取" in theme.fees.note
    # 十、结果送达: 在线查询, 邮寄送达
    assert set(theme.delivery_methods) == {"online", "post"}
    # 七、办事流程
    assert theme.process == PROCESS
    # the document states no before/after figures
    assert theme.outcomes is None
    assert any("不设 outcomes" in n for n in theme.notes)
    # 二、适用范围: 淄博市行政区划内用人单位及灵活就业人员
    (scope,) = theme.conditions
    assert scope.text == "淄博市行政区划内用人单位及灵活就业人员。"
    assert scope.scope == "application" and scope.severity == "warn" and scope.rule


def test_every_field_is_canonical_and_every_item_names_its_system_fields(theme: Theme) -> None:
    dictionary, _ = load_field_dictionary()
    keys = {f.key for it in theme.items for f in it.fields} | {f.key for f in theme.employer_fields}
    assert keys <= set(dictionary)
    for it in theme.items:
        item_keys = {f.key for f in it.fields}
        assert "person.name" in item_keys and "person.id_number" in item_keys, it.code
        assert all(f.system_field for f in it.fields), it.code


def test_materials_are_all_needed_and_defined(theme: Theme) -> None:
    defined = {m.id for m in theme.materials}
    used = {m for it in theme.items for m in it.materials}
    assert used == defined


def test_rules_compile_and_read_only_known_names(theme: Theme) -> None:
    dictionary, _ = load_field_dictionary()
    situations = {s.id for s in theme.situations}
    exprs = [c.rule for c in theme.conditions]
    exprs += [c.rule for it in theme.items for c in it.conditions]
    exprs += [it.applies_if for it in theme.items]
    exprs += [f.visible_if for it in theme.items for f in it.fields]
    exprs += [m.applies_if for m in theme.materials]
    for expr in filter(None, exprs):
        compile_rule(expr)
        for name in referenced_names(expr):
            root, _, rest = name.partition(".")
            if root in ("today", "facts", *FUNCTION_NAMES):
                continue
            if root == "situation":
                assert rest in situations, expr
            else:
                assert name in dictionary, expr


def test_explain_placeholders_are_expressions_over_the_rule_inputs(theme: Theme) -> None:
    conditions = [*theme.conditions, *(c for it in theme.items for c in it.conditions)]
    for c in conditions:
        assert c.explain, c.id
        for text in (c.explain, c.explain_en or ""):
            for placeholder in re.findall(r"\{([^{}]+)\}", text):
                compile_rule(placeholder)


def test_legal_limits_are_inferred_and_never_shorter_than_promised(theme: Theme) -> None:
    for it in theme.items:
        assert it.time_limit.source == "inferred", it.code
        assert it.time_limit.note and "法定时限文件未载明" in it.time_limit.note
        assert it.time_limit.legal_days >= it.time_limit.promised_max


# ---------------------------------------------------------------- 附件1 单位就业（员工录用）

UNIT_ITEMS = [
    ("unit_employment_registration", "单位就业登记", "hrss"),
    ("pension_enrolment", "职工养老保险参保登记(增员)", "social_insurance"),
    ("social_card_application", "社会保障卡申领(成年人)", "social_card"),
    ("archive_receipt", "流动人员人事档案接收", "archives"),
    ("medical_enrolment", "职工医疗保险参保登记(增员)", "medical_insurance"),
    ("housing_fund_account", "个人住房公积金账户设立", "housing_fund"),
]


def test_unit_guide_header(unit: Theme) -> None:
    assert unit.id == "zibo.unit-employment"
    assert unit.name == "就业一件事——单位就业(员工录用)"
    assert unit.applicant_type == "employer"
    assert unit.service_object == "用人单位"


def test_unit_items_as_listed_in_section_two(unit: Theme) -> None:
    assert [(it.code, it.name, it.department.value) for it in unit.items] == UNIT_ITEMS
    assert all(it.per_employee for it in unit.items)
    assert all(it.system and it.handling_agency for it in unit.items)


def test_an_employer_hiring_three_people_yields_eighteen_sub_applications(unit: Theme) -> None:
    assert sum(3 for it in unit.items if it.per_employee) == 18


def test_unit_time_limits_section_eight(unit: Theme) -> None:
    # 办理社保卡申领，需5个工作日;其他事项，即时办结
    promised = {it.code: it.time_limit.promised_days for it in unit.items}
    assert promised == {
        "unit_employment_registration": 0,
        "pension_enrolment": 0,
        "social_card_application": 5,
        "archive_receipt": 0,
        "medical_enrolment": 0,
        "housing_fund_account": 0,
    }
    assert compute(unit).after.days == 5


def test_unit_employer_header_fields(unit: Theme) -> None:
    assert [f.key for f in unit.employer_fields] == [
        "employer.uscc",
        "employer.name",
        "employer.si_code",
        "employer.housing_fund_account",
        "employer.agent_name",
        "employer.agent_id_number",
        "employer.agent_phone",
    ]


def test_unit_registration_conditions(unit: Theme) -> None:
    # 在山东省行政区划内常住的法定劳动年龄内、有劳动能力、已经实现单位就业的劳动者申请办理单位就业登记。
    conds = {c.id: c for c in unit.item("unit_employment_registration").conditions}
    assert conds["working_age"].text == "法定劳动年龄内"
    assert conds["working_age"].rule == WORKING_AGE
    assert "申请日施行的法定退休年龄" in (conds["working_age"].explain or "")
    assert conds["resident_in_shandong"].text == "在山东省行政区划内常住的"
    assert conds["resident_in_shandong"].rule == "facts.resident_in_province"
    assert conds["employed"].text == "已经实现单位就业的劳动者"
    assert conds["employed"].rule
    # 有劳动能力: no data source can tell; documented, not checked
    assert conds["able_to_work"].rule is None and "无法由系统核验" in (conds["able_to_work"].explain or "")


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (
            "pension_enrolment",
            "用人单位应当自用工之日起三十日内为其职工向社会保险经办机构申请办理社会保险登记。",
        ),
        (
            "medical_enrolment",
            "用人单位应当自用工之日起三十日内为其职工向医疗保险经办机构申请办理医疗保险登记。",
        ),
    ],
)
def test_unit_insurance_within_thirty_days_warns(unit: Theme, code: str, text: str) -> None:
    (cond,) = unit.item(code).conditions
    assert cond.text == text
    assert cond.rule == "days_between(employment.start_date, today) <= 30"
    assert cond.severity == "warn"
    assert "days_between(employment.start_date, today) - 30" in (cond.explain or "")
    form = {"employment": {"start_date": "2024-03-01"}}
    assert evaluate(cond.rule, {**form, "today": "2024-03-31"}) is True
    assert evaluate(cond.rule, {**form, "today": "2024-04-01"}) is False


def test_unit_social_card_dropped_for_holders_of_a_shandong_card(unit: Theme) -> None:
    item = unit.item("social_card_application")
    adult, cond = item.conditions
    assert adult.rule == "age_years(person.birth_date, today) >= 18"  # 社会保障卡申领(成年人)
    assert cond.text == "本业务未受理人员目前已持有山东省社会保障卡，无需再次申领。"
    assert cond.rule == "!facts.holds_social_card_in_province"
    assert cond.severity == "drop"
    assert "已持有山东省社会保障卡，无需再次申领" in (cond.explain or "")
    assert "社会保障卡补换" in (item.note or "")
    assert item.process == (
        "申领地区人力资源社会保障部门和发卡银行对本业务已受理人员的制卡信息进行审核，通过审核后开始制卡。",
        "社会保障卡制卡成功后，发卡银行按照申办时填报的邮寄信息进行邮寄。",
    )
    assert [(i.name, i.physical) for i in item.issues] == [("中华人民共和国社会保障卡", True)]
    mailing = {"delivery.address", "delivery.recipient", "delivery.recipient_mobile"}
    assert mailing <= {f.key for f in item.fields}


def test_unit_archive_and_housing_fund_conditions(unit: Theme) -> None:
    (archive,) = unit.item("archive_receipt").conditions
    assert archive.text == "企业在省内公共就业人才服务机构已经办理单位委托集体存档业务。"
    assert archive.rule == "facts.employer_has_collective_archive_entrustment"
    (fund,) = unit.item("housing_fund_account").conditions
    assert fund.text == "已设立住房公积金单位账户的缴存单位新录用职工的。"
    assert fund.rule == "facts.employer_has_housing_fund_account"
    assert fund.severity == "block"


def test_unit_materials_section_six(unit: Theme) -> None:
    # 1.社保卡申领：身份证正反面的照片各一张，制卡相片。
    # 2.流动人员人事档案接收：代办人身份证，劳动合同、录用手续或单位介绍信。
    table = {
        m.id: (m.name, m.required, m.provided_by.value, m.form, m.kind, m.source_channel)
        for m in unit.materials
    }
    assert table == {
        "id_card_photos": (
            "身份证正反面的照片各一张",
            True,
            "applicant",  # e-licence only as the fallback (issue 17, point 6)
            "普通电子文件（电子证照已归集的可免交）",
            "原件",
            "公安机关核发",
        ),
        "card_photo": ("制卡相片", True, "applicant", "普通电子文件", "原件", "申请人自备"),
        "agent_id_card": (
            "代办人身份证",
            True,
            "applicant",
            "普通电子文件（电子证照已归集的可免交）",
            "原件",
            "公安机关核发",
        ),
        "employment_proof": (
            "劳动合同、录用手续或单位介绍信",
            True,
            "applicant",
            "普通电子文件",
            "原件",
            "用人单位出具",
        ),
    }
    assert unit.item("social_card_application").materials == ("id_card_photos", "card_photo")
    assert unit.item("archive_receipt").materials == ("agent_id_card", "employment_proof")
    assert unit.material("card_photo").photo is not None
    for mid in ("id_card_photos", "agent_id_card"):
        assert "电子证照库" in (unit.material(mid).note or "")
    assert compute(unit).after.materials == 4  # the four 六、申请材料 lists, two with an e-licence fallback


def test_unit_working_age_uses_the_law_in_force(unit: Theme) -> None:
    rule = unit.item("unit_employment_registration").conditions[0].rule
    assert rule is not None
    woman = {"person": {"birth_date": "1970-06-15", "gender": "2"}}
    # born 1970-06: 55 years + 2 months under the 2024 decision
    assert evaluate(rule, {**woman, "today": "2025-08-14"}) is True
    assert evaluate(rule, {**woman, "today": "2025-08-15"}) is False


# ---------------------------------------------------------------- 附件2 灵活就业

FLEXIBLE_ITEMS = [
    ("employment_registration", "灵活就业人员就业登记", "hrss"),
    ("self_employed_registration", "个体经营人员就业登记", "hrss"),
    ("archive_receipt", "流动人员人事档案接收", "archives"),
    ("archive_transfer_out", "流动人员人事档案转出", "archives"),
    ("pension_enrolment", "养老保险参保登记", "social_insurance"),
    ("medical_enrolment", "医疗保险参保登记", "medical_insurance"),
    ("si_fee_declaration", "社保费缴纳", "tax"),
]


def test_flexible_guide_header(flexible: Theme) -> None:
    assert flexible.id == "zibo.flexible-employment"
    assert flexible.name == "就业一件事——灵活就业"
    assert flexible.applicant_type == "person"
    assert flexible.service_object == "灵活就业人员"


def test_flexible_items_as_listed_in_section_two(flexible: Theme) -> None:
    assert [(it.code, it.name, it.department.value) for it in flexible.items] == FLEXIBLE_ITEMS
    assert not any(it.per_employee for it in flexible.items)
    assert all(it.system and it.handling_agency for it in flexible.items)


@pytest.mark.parametrize(
    ("kind", "registration"),
    [("flexible", "employment_registration"), ("self_employed", "self_employed_registration")],
)
def test_exactly_one_registration_applies(flexible: Theme, kind: str, registration: str) -> None:
    for custody in ("unit", "personal"):
        answers = {"registration_kind": kind, "archive_custody": custody}
        codes = {it.code for it in items_in_case(flexible, answers)}
        assert codes & {"employment_registration", "self_employed_registration"} == {registration}


def test_flexible_time_limits_section_eight(flexible: Theme) -> None:
    # 办理流动人员档案服务，需5个工作日;其他事项，即时办结
    promised = {it.code: it.time_limit.promised_days for it in flexible.items}
    assert promised == {
        "employment_registration": 0,
        "self_employed_registration": 0,
        "archive_receipt": 5,
        "archive_transfer_out": 5,
        "pension_enrolment": 0,
        "medical_enrolment": 0,
        "si_fee_declaration": 0,
    }
    # 档案接收 completes after 档案转出, which goes with its 调档函: one after the other
    assert compute(flexible).after.days == 10


def test_flexible_dependencies(flexible: Theme) -> None:
    assert flexible.item("archive_receipt").completes_after == ("archive_transfer_out",)
    assert flexible.item("archive_transfer_out").waits_for_document == ("archive_transfer_letter",)
    assert flexible.item("si_fee_declaration").waits_for_any == ("pension_enrolment", "medical_enrolment")


def test_flexible_registration_conditions(flexible: Theme) -> None:
    # 在山东省行政区划内常住的法定劳动年龄内、有劳动能力、已经实现灵活就业或个体经营的劳动者申请办理就业登记。
    for code in ("employment_registration", "self_employed_registration"):
        conds = {c.id: c for c in flexible.item(code).conditions}
        assert conds["working_age"].rule == WORKING_AGE
        assert conds["resident_in_shandong"].text == "在山东省行政区划内常住的"
        assert conds["employed"].text == "已经实现灵活就业或个体经营的劳动者"
        assert conds["able_to_work"].rule is None


def test_flexible_archive_conditions(flexible: Theme) -> None:
    (receipt,) = flexible.item("archive_receipt").conditions
    assert receipt.text == "档案接收地为省内公共就业人才服务机构。"
    assert receipt.rule == "facts.receiving_agency_public_service_in_province"
    (transfer,) = flexible.item("archive_transfer_out").conditions
    assert transfer.text == "个人档案在省内公共就业人才服务机构存档。"
    assert transfer.rule == "facts.archive_in_public_service_in_province"


@pytest.mark.parametrize(
    ("code", "via_employer_fact"),
    [
        ("pension_enrolment", "facts.enrolled_pension_via_employer"),
        ("medical_enrolment", "facts.enrolled_medical_via_employer"),
    ],
)
def test_flexible_insurance_conditions(flexible: Theme, code: str, via_employer_fact: str) -> None:
    # 在山东省内居住的无雇工的个体工商户、未在用人单位参加基本养老保险或基本医疗保险的非全日制从业人员
    # 以及其他灵活就业人员，年满16周岁，小于法定退休年龄(女满55周岁，男满60周岁)。
    conds = {c.id: c for c in flexible.item(code).conditions}
    assert conds["resident_in_shandong"].text == "在山东省内居住的"
    assert conds["resident_in_shandong"].rule == "facts.resident_in_province"
    assert conds["no_employees"].text == "无雇工的个体工商户"
    assert conds["not_insured_via_employer"].rule == f"!{via_employer_fact}"
    age = conds["age_16_to_retirement"]
    assert age.text == "年满16周岁，小于法定退休年龄(女满55周岁，男满60周岁)"
    assert age.rule == WORKING_AGE
    assert "2025年1月1日" in (age.explain or "") and "申请日施行" in (age.explain or "")
    rule = conds["no_employees"].rule
    assert rule is not None
    assert evaluate(rule, {"situation": {"registration_kind": "flexible"}}) is True
    self_employed = {"situation": {"registration_kind": "self_employed"}}
    assert evaluate(rule, {**self_employed, "employment": {"has_employees": False}}) is True
    assert evaluate(rule, {**self_employed, "employment": {"has_employees": True}}) is False


def test_flexible_medical_enrolment_note(flexible: Theme) -> None:
    note = "通过此渠道办理医疗保险参保登记，不含生育保险，不设医保个人账户。"
    assert flexible.item("medical_enrolment").note == note


def test_flexible_fee_payment_condition_is_met_by_its_dependency(flexible: Theme) -> None:
    (cond,) = flexible.item("si_fee_declaration").conditions
    assert cond.text == "灵活就业人员已办理养老保险参保登记或者医疗保险参保登记。"
    # enrolment usually happens in the same case, after submission: waits_for_any, not a rule
    assert cond.rule is None
    assert "waits_for_any" in (cond.explain or "")


def test_flexible_materials_section_six(flexible: Theme) -> None:
    # 1.流动人员人事档案接收：身份证。
    # 2.流动人员人事档案转出：离职证明或解除劳动合同证明
    #   (原档案存档类型为单位存档的需提交此材料，个人存档不需要提供)。
    table = {m.id: (m.name, m.required, m.provided_by.value) for m in flexible.materials}
    assert table == {
        "id_card": ("身份证", True, "applicant"),
        "resignation_proof": ("离职证明或解除劳动合同证明", True, "applicant"),
    }
    assert flexible.item("archive_receipt").materials == ("id_card",)
    assert flexible.item("archive_transfer_out").materials == ("resignation_proof",)
    proof = flexible.material("resignation_proof")
    assert proof.spec == "原档案存档类型为单位存档的需提交此材料，个人存档不需要提供"
    unit_custody = {"registration_kind": "flexible", "archive_custody": "unit"}
    personal_custody = {"registration_kind": "flexible", "archive_custody": "personal"}
    assert applicant_materials(flexible, unit_custody) == {"id_card", "resignation_proof"}
    assert applicant_materials(flexible, personal_custody) == {"id_card"}


# ---------------------------------------------------------------- the catalogue checker


def test_lianban_themes_check_finds_nothing(theme: Theme) -> None:
    from lianban.catalog.catalogue import load_facts
    from lianban.catalog.check import check_theme
    from lianban.catalog.codelists import load_code_lists

    path = THEMES_DIR / f"{theme.id}.yaml"
    loaded, doc = load_theme(path)
    fields, _ = load_field_dictionary()
    findings = check_theme(loaded, doc, path, fields, load_facts(), load_code_lists())
    assert [str(f) for f in findings] == []
