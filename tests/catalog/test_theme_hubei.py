"""Hubei's two themes against their documents.

- 全省“高校毕业生就业”一件事实施方案 (seed 000): eight items, one 办理登记表, a material table of
  ten rows, figures 121 → 20 days, 11 → 1 trips, 23 → 6 materials, 8 → 1 steps.
- 灵活就业一件事 (seed 001): seven items with legal and promised limits, figures 19 → 7 materials,
  10 → 1 trips, 7 → 1 steps, 116 → 2-40 days, and the tables of reduced materials and fields.

The quotes below are the documents' own words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lianban.catalog.check import check_paths
from lianban.catalog.loader import THEMES_DIR, load_field_dictionary, load_theme
from lianban.catalog.model import Item, Theme
from lianban.catalog.outcomes import applicant_materials, compare, compute, items_in_case
from lianban.rules.cel import compile_rule, evaluate

GRADUATE = "hubei.graduate-employment"
FLEXIBLE = "hubei.flexible-employment"
# “年满16周岁（含）至依法享受基本养老保险待遇”: 16 refuses, the retirement date only warns (issue 17)
WORKING_AGE = "age_years(person.birth_date, today) >= 16"
BEFORE_PENSION = "today < retirement_date(person.birth_date, person.gender, 55)"


def _path(theme_id: str) -> Path:
    return THEMES_DIR / f"{theme_id}.yaml"


def _theme(theme_id: str) -> Theme:
    theme, _ = load_theme(_path(theme_id))
    return theme


@pytest.fixture(scope="module")
def graduate() -> Theme:
    return _theme(GRADUATE)


@pytest.fixture(scope="module")
def flexible() -> Theme:
    return _theme(FLEXIBLE)


@pytest.fixture(scope="module", params=[GRADUATE, FLEXIBLE])
def theme(request: pytest.FixtureRequest) -> Theme:
    return _theme(request.param)


def _by_name(theme: Theme) -> dict[str, Item]:
    return {it.name: it for it in theme.items}


# ---------------------------------------------------------------- both themes


def test_the_theme_file_has_no_findings(theme: Theme) -> None:
    findings = [f for f in check_paths([_path(theme.id)]) if f.file == _path(theme.id)]
    assert findings == []


def test_every_field_key_is_canonical_and_every_rule_compiles(theme: Theme) -> None:
    fields, _ = load_field_dictionary()
    for it in theme.items:
        for f in it.fields:
            assert f.key in fields, (it.code, f.key)
            assert f.system_field, (it.code, f.key)
        for c in it.conditions:
            if c.rule:
                compile_rule(c.rule)
            assert c.explain, (it.code, c.id)


def test_materials_are_defined_and_each_is_needed(theme: Theme) -> None:
    ids = {m.id for m in theme.materials}
    used = {m for it in theme.items for m in it.materials}
    assert used <= ids
    assert ids <= used


def test_stated_figures_agree_with_the_definition(theme: Theme) -> None:
    assert compare(theme, compute(theme)) == []


def test_region_and_lead(theme: Theme) -> None:
    assert theme.region_code == "420000"
    assert theme.region_name == "湖北省"
    assert theme.applicant_type == "person"
    assert theme.lead_department == "hrss"
    assert theme.channels[0].code == "web"
    assert "湖北政务服务网" in theme.channels[0].name


def test_the_same_items_read_the_same_in_both_documents(graduate: Theme, flexible: Theme) -> None:
    for code in (
        "employment_registration",
        "pension_enrolment",
        "social_card_application",
        "medical_enrolment",
        "si_fee_declaration",
    ):
        g, f = graduate.item(code), flexible.item(code)
        assert g.name == f.name
        assert g.department == f.department
        assert g.system == f.system
        assert g.connector == f.connector
        assert (g.time_limit.legal_days, g.time_limit.promised_days) == (
            f.time_limit.legal_days,
            f.time_limit.promised_days,
        )
        assert [c.text for c in g.conditions] == [c.text for c in f.conditions]


# ---------------------------------------------------------------- 高校毕业生就业 (seed 000)

# 二、联办内容: 涉及事项, 实施层级, 联办部门; 五、办理流程: the department systems
GRADUATE_ITEMS = [
    ("个人就业登记", "hrss", ("city", "county"), "湖北智慧就业服务平台", "rest"),
    ("高校毕业生社保补贴申领（灵活就业）", "hrss", ("city", "county"), "湖北智慧就业服务平台", "rest"),
    ("档案的整理和保管", "archives", ("province", "city", "county"), "湖北政务服务网档案状态查询", "query"),
    (
        "灵活就业人员新增/续保",
        "social_insurance",
        ("city", "county"),
        "湖北省企业职工社会保险信息系统",
        "rest",
    ),
    ("社会保障卡服务（申领）", "social_card", ("city", "county"), "湖北省社会保障卡管理信息系统", "rest"),
    (
        "职工参保登记",
        "medical_insurance",
        ("city", "county"),
        "湖北省医疗保障信息化平台—公共服务子系统",
        "rest",
    ),
    ("灵活就业人员社会保险费申报", "tax", ("city", "county"), "湖北省电子税务局", "redirect"),
    ("户口迁移审批", "public_security", ("county", "township"), "湖北省实有人口信息管理系统", "rest"),
]


def test_graduate_source_object_and_delivery(graduate: Theme) -> None:
    assert graduate.id == GRADUATE
    assert graduate.name == "“高校毕业生就业”一件事"
    assert graduate.lead_agency == "省人社厅"
    assert graduate.source.document == "000_ce15eed97f4eaba7.txt"
    assert graduate.source.title == "全省“高校毕业生就业”一件事实施方案"
    # 三、服务对象
    assert graduate.service_object == "已取得毕业证书且灵活就业的高校毕业生。"
    (scope,) = graduate.conditions
    assert scope.text == "已取得毕业证书且灵活就业的高校毕业生。"
    assert scope.scope == "application" and scope.rule
    # 十、统一送达: 现场领取或邮政寄递
    assert set(graduate.delivery_methods) == {"pickup", "post"}
    assert any("统一送达" in step and "现场领取或邮政寄递" in step for step in graduate.process)
    assert any("一体反馈" in step for step in graduate.process)


def test_graduate_items_departments_levels_and_systems(graduate: Theme) -> None:
    assert len(graduate.items) == 8
    got = [(it.name, it.department, it.levels, it.system, it.connector) for it in graduate.items]
    assert got == GRADUATE_ITEMS
    assert graduate.item("pension_enrolment").official_name == "【省集中企保系统】灵活就业人员新增/续保"


def test_graduate_limits_are_taken_from_the_flexible_document_or_inferred(graduate: Theme) -> None:
    # seed 001 states these for the same items; the others are inferred
    limits = {it.code: (it.time_limit.legal_days, it.time_limit.promised_days) for it in graduate.items}
    assert limits == {
        "employment_registration": (20, 1),
        "graduate_si_subsidy": (20, 15),
        "archive_custody_query": (5, 0),
        "pension_enrolment": (20, 1),
        "social_card_application": (30, (1, 12)),
        "medical_enrolment": (5, 1),
        "si_fee_declaration": (1, 1),
        "hukou_transfer": (20, 20),
    }
    from_seed_001 = {"employment_registration", "pension_enrolment", "social_card_application"}
    from_seed_001 |= {"medical_enrolment", "si_fee_declaration"}
    for it in graduate.items:
        assert it.time_limit.source == ("derived" if it.code in from_seed_001 else "inferred")
        assert it.time_limit.note
        assert (it.time_limit.basis is not None) == (it.code in from_seed_001)
    assert sum(legal for legal, _ in limits.values()) == 121


def test_graduate_dependencies(graduate: Theme) -> None:
    # “对完成社保或医保参保的申请人准予许可办结”
    fee = graduate.item("si_fee_declaration")
    assert set(fee.waits_for_any) == {"pension_enrolment", "medical_enrolment"}
    subsidy = graduate.item("graduate_si_subsidy")
    assert subsidy.waits_for == ("employment_registration",)
    assert set(subsidy.waits_for_any) == {"pension_enrolment", "medical_enrolment"}
    assert graduate.item("archive_custody_query").connector == "query"
    assert graduate.item("si_fee_declaration").connector == "redirect"


def test_graduate_acceptance_conditions(graduate: Theme) -> None:
    """四、受理条件, item by item."""
    texts = {it.code: [c.text for c in it.conditions] for it in graduate.items}
    assert texts["employment_registration"] == [
        "年满16周岁（含）至依法享受基本养老保险待遇；",  # 16 (block) …
        "年满16周岁（含）至依法享受基本养老保险待遇；",  # … and the retirement date (warn)
        "从事一定社会经济活动，并取得合法劳动报酬或经营收入。其中，劳动报酬或经营收入不低于当地居民最低生活保障标准。",
    ]
    # the application date, the months claimed and their count, each against the same sentence
    assert (
        texts["graduate_si_subsidy"]
        == ["毕业年度和离校2年内未就业高校毕业生灵活就业后缴纳的社会保险费，按规定给予社会保险补贴。"] * 3
    )
    assert texts["archive_custody_query"] == [
        "申请人实名登录后，点击在线办理，即可查询为状态结果，未查到信息，请选择委托存档机构层级或电话联系有关单位查询。"
    ]
    assert texts["pension_enrolment"][0].startswith("根据《中华人民共和国社会保险法》第十条")
    assert texts["social_card_application"][0] == (
        "在中国境内居住的中国公民，以及在中国境内就业或者参加社会保险的香港、澳门特别行政区居民、台湾地区居民、外国人。"
    )
    assert texts["medical_enrolment"][0].startswith("无雇工的个体工商户，未在用人单位参加职工基本医疗保险")
    assert texts["si_fee_declaration"][0].endswith("申报缴纳社会保险费。")
    assert texts["hukou_transfer"] == [
        "1.【武汉】大学生毕业落户：年龄不满45周岁（研究生不受年龄限制）的高等学校专科及以上学历或学位"
        "（经教育部学历认证）毕业生，本人及其配偶、未成年子女可以申请落户。",
        "2.【武汉市以外其他市州】大中专院校学生毕业落户：大中专院校、技工学校学生毕业，可以按照当地规定办理落户。",
    ]
    registration = graduate.item("employment_registration")
    assert registration.conditions[0].rule == WORKING_AGE
    assert registration.conditions[1].rule == BEFORE_PENSION
    assert registration.conditions[1].severity == "warn"
    assert "申请日施行" in (registration.conditions[1].explain or "")
    # the one condition no machine can check keeps its text and says why
    assert registration.conditions[2].rule is None
    assert "无法核验" in (registration.conditions[2].explain or "")
    for it in graduate.items:
        for c in it.conditions:
            assert c.rule or c.id == "economic_activity", (it.code, c.id)


def _person(birth: str, level: str, *, verified: bool = True) -> dict[str, object]:
    return {
        "person": {"birth_date": birth, "gender": "1"},
        "education": {"level": level, "graduation_date": "2024-06-30"},
        "facts": {"education_verified": verified},
        "today": "2025-06-01",
    }


@pytest.mark.parametrize(
    ("birth", "level", "verified", "ok"),
    [
        ("2001-01-01", "21", True, True),  # 本科, 24
        ("1979-01-01", "31", True, False),  # 专科, 46
        ("1979-01-01", "11", True, True),  # 博士研究生: 研究生不受年龄限制
        ("1979-01-01", "14", True, True),  # 硕士研究生
        ("1980-06-02", "21", True, True),  # 44, the day before the 45th birthday
        ("2001-01-01", "21", False, False),  # 未经教育部学历认证
        ("2001-01-01", "41", True, False),  # 中专: not 专科及以上
        ("2001-01-01", "23", True, False),  # 本科肄业: not a graduate
    ],
)
def test_wuhan_settlement_rule(graduate: Theme, birth: str, level: str, verified: bool, ok: bool) -> None:
    (wuhan, _other) = graduate.item("hukou_transfer").conditions
    act = _person(birth, level, verified=verified) | {"situation": {"settle_city": "wuhan"}}
    assert evaluate(wuhan.rule or "", act) is ok
    # the Wuhan rule does not bind other cities
    act["situation"] = {"settle_city": "other"}
    assert evaluate(wuhan.rule or "", act) is True


@pytest.mark.parametrize(
    ("level", "ok"), [("21", True), ("31", True), ("41", True), ("47", True), ("61", False)]
)
def test_other_city_settlement_rule(graduate: Theme, level: str, ok: bool) -> None:
    (_wuhan, other) = graduate.item("hukou_transfer").conditions
    act = _person("2001-01-01", level) | {"situation": {"settle_city": "other"}}
    assert evaluate(other.rule or "", act) is ok


def test_subsidy_within_graduation_year_or_two_years(graduate: Theme) -> None:
    cond = next(
        c for c in graduate.item("graduate_si_subsidy").conditions if c.id == "graduate_within_two_years"
    )
    act = _person("2001-01-01", "21")
    assert evaluate(cond.rule or "", act | {"today": "2026-06-30"}) is True
    assert evaluate(cond.rule or "", act | {"today": "2026-07-01"}) is False


# 六、材料要求: 材料名称, 来源渠道, 材料类型, 材料形式, 纸质材料份数, 必要性, 备注
GRADUATE_MATERIALS = [
    ("“高校毕业生就业”一件事申请表", "申请人自备", "电子表单在线生成免交", True, "generated",
     "通过电子表单套打生成申请表单材料，免用户提交"),
    ("中华人民共和国居民身份证或中华人民共和国社会保障卡", "政府部门核发", "电子证照", True, "e_licence",
     "通过电子证照归集，免用户提交"),
    ("居民户口簿", "政府部门核发", "电子证照", True, "e_licence", "通过电子证照归集，免用户提交"),
    ("毕业证和学历证明", "申请人自备", "普通电子文件", True, "applicant", None),
    ("证件照", "申请人自备", "普通电子文件", True, "applicant",
     "证件照需固定为像素358*441，内存大小为14-40k白底的jpg格式"),
    ("社会保险费核定通知单", "申请人自备", "普通电子文件", True, "applicant", None),
    ("《申报户口登记表（学生落户登记类/大中专院校学生毕业落户）》", "申请人自备", "普通电子文件", True,
     "applicant", "需办事人手写签名"),
    ("居住凭证", "申请人自备", "普通电子文件", True, "applicant", None),
    ("关系凭证", "申请人自备", "普通电子文件", False, "applicant",
     "武汉：大学毕业生落户（配偶及子女随迁的）"),
    ("户口迁移证（省外）或者电子迁移证（省内）", "申请人自备", "普通电子文件", True, "applicant",
     "其他市州：大中专院校学生毕业落户"),
]  # fmt: skip


def test_graduate_material_table(graduate: Theme) -> None:
    assert len(graduate.materials) == 10
    for m, (name, channel, form, required, provided_by, remark) in zip(
        graduate.materials, GRADUATE_MATERIALS, strict=True
    ):
        assert m.name == name
        assert m.source_channel == channel
        assert m.kind == "原件"
        assert m.form == form
        assert m.paper_copies == 0  # 无需纸质材料
        assert m.required is required
        assert m.spec == "无特定规格要求"
        assert m.provided_by == provided_by
        assert "受理标准：真实有效" in (m.note or "")  # 受理标准 column
        if remark:
            assert remark in (m.note or "")


def test_graduate_photo_spec(graduate: Theme) -> None:
    photo = graduate.material("id_photo").photo
    assert photo is not None
    assert (photo.width, photo.height) == (358, 441)
    assert (photo.min_kb, photo.max_kb) == (14, 40)
    assert photo.format == "jpeg" and photo.background == "white"


def test_graduate_materials_by_settlement_situation(graduate: Theme) -> None:
    wuhan_family = {"settle_city": "wuhan", "family_moves": "yes"}
    wuhan_alone = {"settle_city": "wuhan", "family_moves": "no"}
    other = {"settle_city": "other", "family_moves": "no"}
    common = {"graduation_certificate", "id_photo", "si_fee_assessment_notice", "hukou_registration_form",
              "residence_proof"}  # fmt: skip
    assert applicant_materials(graduate, wuhan_family) == common | {"relationship_proof"}
    assert applicant_materials(graduate, wuhan_alone) == common
    assert applicant_materials(graduate, other) == common | {"migration_certificate"}
    assert len(items_in_case(graduate, other)) == 8
    family = next(s for s in graduate.situations if s.id == "family_moves")
    assert family.applies_if == "situation.settle_city == 'wuhan'"


def test_graduate_reduced_materials_are_inferred_and_sum_to_23(graduate: Theme) -> None:
    assert len(graduate.reduced_materials) == 17
    assert all(r.status == "reduced" for r in graduate.reduced_materials)
    kinds = [r.reduction for r in graduate.reduced_materials]
    assert kinds.count("e_form") == 6 and kinds.count("e_licence") == 2 and kinds.count("dedup") == 9
    assert any("17份" in n and "推定" in n for n in graduate.notes)


def test_graduate_figures(graduate: Theme) -> None:
    """“高校毕业生就业”一件事预期工作成效."""
    assert graduate.outcomes is not None
    assert graduate.outcomes.before.model_dump() == {"days": 121, "trips": 11, "materials": 23, "steps": 8}
    assert graduate.outcomes.after.model_dump() == {"days": 20, "trips": 1, "materials": 6, "steps": 1}
    assert graduate.outcomes.reduction_percent == {"days": 83, "trips": 91, "materials": 74, "steps": 88}
    computed = compute(graduate)
    assert computed.before.days == 121 and computed.after.days == 20
    assert computed.before.materials == 23 and computed.after.materials == 6
    assert computed.before.steps == 8 and computed.after.steps == 1


# 七、填写表单: every printed field → its canonical key
GRADUATE_FORM = {
    "个人基本信息": {
        "姓名": "person.name",
        "手机号码": "person.mobile",
        "证件类型": "person.id_type",
        "身份证号码": "person.id_number",
        "性别": "person.gender",
        "民族": "person.ethnicity",
        "国籍/地区": "person.nationality",
        "出生日期": "person.birth_date",
        "户口性质": "person.hukou_type",
        "户口所在地区划": "person.hukou_region",
        "常住地址": "person.residence_address",
        "灵活就业形式": "employment.flexible_form",
        "所学专业": "education.major",
        "毕业日期": "education.graduation_date",
        "毕业学校": "education.school",
    },
    "就业登记信息": {
        "文化程度": "education.level",
        "是否有统一社会信用代码": "employment.has_uscc",
        "统一社会信用代码": "employment.uscc",
        "工作描述/单位名称": "employment.unit_name",
        "就业地所在县市（区）": "employment.work_region",
        "提交经办机构": "employment.handling_office",
        "就业时间": "employment.start_date",
        "行业代码": "employment.industry_code",
        "产业类别": "employment.industry_sector",
    },
    "社保补贴申领信息": {
        "灵活就业单位名称": "subsidy.unit_name",
        "养老保险缴费所在地": "subsidy.pension_location",
        "初次享受年月": "subsidy.first_month",
        "社保卡账号（银行账号）": "bank.account",
        "开户银行": "bank.name",
        "银行户名": "bank.account_name",
        "户籍所在地": "subsidy.hukou_place",
        "提交经办机构": "subsidy.handling_office",
        "养老缴费年月": "subsidy.pension_paid_period",
        "养老补贴年月": "subsidy.pension_subsidy_period",
        "养老补贴月数": "subsidy.pension_months",
        "失业缴费年月": "subsidy.unemployment_paid_period",
        "失业补贴年月": "subsidy.unemployment_subsidy_period",
        "失业补贴月数": "subsidy.unemployment_months",
        "医疗缴费年月": "subsidy.medical_paid_period",
        "医疗补贴年月": "subsidy.medical_subsidy_period",
        "医疗补贴月数": "subsidy.medical_months",
    },
    "灵活就业人员参保登记信息（医保）": {
        "险种类型": "insurance.medical.types",
        "本次参保日期": "insurance.medical.start_date",
        "参保区划": "insurance.medical.region",
        "缴费档次": "insurance.medical.grade",
        "开户行名称": "insurance.medical.bank_name",
        "开户行编号": "insurance.medical.bank_code",
        "银行户名": "insurance.medical.bank_account_name",
        "银行账号": "insurance.medical.bank_account",
    },
    "灵活就业人员参保登记信息（社保）": {
        "参保所属机构": "insurance.pension.agency",
        "首次参工时间": "insurance.pension.first_work_date",
        "首次参保年月": "insurance.pension.first_insured_month",
        "险种类型": "insurance.pension.types",
    },
    "社会保障卡申领信息": {
        "服务银行名称": "social_card.service_bank",
        "证件有效期": "social_card.id_valid_until",
        "参保地（市）": "social_card.region",
        "职业工种": "employment.occupation",
        "人员类别": "social_card.person_category",
        "领卡方式": "social_card.collection_method",
        "邮寄地址（区划）": "delivery.address",
        "邮寄详细地址": "delivery.address",
        "收件人": "delivery.recipient",
        "收件人手机号码": "delivery.recipient_mobile",
    },
    "户口迁移信息": {
        "选择公安机关": "hukou.police_office",
    },
}

# which item carries each section of the form (拆分还原)
SECTION_ITEMS = {
    "就业登记信息": "employment_registration",
    "社保补贴申领信息": "graduate_si_subsidy",
    "灵活就业人员参保登记信息（医保）": "medical_enrolment",
    "灵活就业人员参保登记信息（社保）": "pension_enrolment",
    "社会保障卡申领信息": "social_card_application",
    "户口迁移信息": "hukou_transfer",
}


def test_graduate_form_fields_map_to_canonical_keys(graduate: Theme) -> None:
    fields, _ = load_field_dictionary()
    union = {f.key for it in graduate.items for f in it.fields}
    printed = {key for section in GRADUATE_FORM.values() for key in section.values()}
    assert printed <= set(fields)
    assert printed <= union
    # and the one form holds nothing the printed form lacks, bar 拟迁入地址 (in 申报户口登记表)
    assert union - printed == {"hukou.move_in_address"}
    for section, code in SECTION_ITEMS.items():
        keys = {f.key for f in graduate.item(code).fields}
        assert set(GRADUATE_FORM[section].values()) <= keys, section
    personal = set(GRADUATE_FORM["个人基本信息"].values())
    assert personal <= {f.key for f in graduate.item("employment_registration").fields}


# ---------------------------------------------------------------- 灵活就业一件事 (seed 001)

# 1.主题事项: 事项名称, 实施层级, 法定时限, 承诺时限
FLEXIBLE_ITEMS = [
    ("个人就业登记", ("city", "county"), 20, 1),
    ("档案接收", ("province", "city", "county"), 20, (1, 20)),
    ("档案转出", ("province", "city", "county"), 20, (1, 20)),
    ("社会保障卡服务（申领）", ("province", "city", "county"), 30, (1, 12)),
    ("灵活就业人员新增/续保", ("province", "city", "county"), 20, 1),
    ("职工参保登记", ("province", "city", "county"), 5, 1),
    ("灵活就业人员社会保险费申报", ("city", "county"), 1, 1),
]


def test_flexible_items_and_limits(flexible: Theme) -> None:
    assert flexible.id == FLEXIBLE
    assert flexible.name == "灵活就业一件事"
    assert flexible.source.document == "001_d3eb48a1763812e3.txt"
    got = [
        (it.name, it.levels, it.time_limit.legal_days, it.time_limit.promised_days) for it in flexible.items
    ]
    assert got == FLEXIBLE_ITEMS
    for it in flexible.items:
        assert it.time_limit.source == "document"
    assert flexible.item("pension_enrolment").official_name == "【省集中企保系统】灵活就业人员新增/续保"
    departments = {it.code: it.department for it in flexible.items}
    assert departments == {
        "employment_registration": "hrss",
        "archive_receipt": "archives",
        "archive_transfer_out": "archives",
        "social_card_application": "social_card",
        "pension_enrolment": "social_insurance",
        "medical_enrolment": "medical_insurance",
        "si_fee_declaration": "tax",
    }
    assert flexible.item("si_fee_declaration").connector == "redirect"
    assert flexible.item("si_fee_declaration").system == "湖北省电子税务局"


def test_flexible_dependencies_give_2_to_40_days(flexible: Theme) -> None:
    # 档案接收 issues the 调档函, 档案转出 goes with it, 档案接收 completes after (issue 17, point 1)
    assert flexible.item("archive_receipt").completes_after == ("archive_transfer_out",)
    assert flexible.item("archive_transfer_out").waits_for_document == ("archive_transfer_letter",)
    assert set(flexible.item("si_fee_declaration").waits_for_any) == {
        "pension_enrolment",
        "medical_enrolment",
    }
    computed = compute(flexible)
    # “原来办理时间需要116个工作日，现在只需2-40个工作日”
    assert computed.before.days == 116
    assert computed.after.days == (2, 40)


def test_flexible_figures(flexible: Theme) -> None:
    """5.实施预期成效."""
    assert flexible.outcomes is not None
    assert flexible.outcomes.before.model_dump() == {"days": 116, "trips": 10, "materials": 19, "steps": 7}
    assert flexible.outcomes.after.model_dump() == {"days": (2, 40), "trips": 1, "materials": 7, "steps": 1}
    computed = compute(flexible)
    assert computed.before.materials == 19 and computed.after.materials == 7
    assert computed.before.steps == 7 and computed.after.steps == 1


def test_flexible_deliverables_can_be_posted(flexible: Theme) -> None:
    """“就业创业证”“流动人员人事档案调档函”“档案材料转递通知单”“中华人民共和国社会保障卡”可支持邮政物流寄送."""
    physical = {i.name for it in flexible.items for i in it.issues if i.physical}
    assert physical == {
        "就业创业证",
        "流动人员人事档案调档函",
        "档案材料转递通知单",
        "中华人民共和国社会保障卡",
    }
    assert "post" in flexible.delivery_methods


# 5.1 减材料: the four tables
FLEXIBLE_REDUCED_MATERIALS = [
    ("湖北省就业人员登记表", "e_form", "reduced"),
    ("湖北省中华人民共和国社会保障卡申领表", "e_form", "reduced"),
    ("职工基本医疗保险参保登记表", "e_form", "reduced"),
    ("社会保险费缴费申报表（适用灵活就业人员）", "e_form", "reduced"),
    ("办理档案接收事项的申请", "e_form", "reduced"),
    ("介绍信", "non_required", "reduced"),
    ("劳动合同书", "non_required", "reduced"),
    ("委托代办函", "non_required", "reduced"),
    ("出生医学证明", "non_required", "reduced"),
    ("中华人民共和国居民身份证或中华人民共和国社会保障卡", "dedup", "reduced"),
    ("有效身份证件", "dedup", "reduced"),
    ("居民户口簿", "dedup", "reduced"),
    ("中华人民共和国居民身份证", "e_licence", "suggested"),
    ("居民户口簿", "e_licence", "suggested"),
]


def test_flexible_reduced_materials(flexible: Theme) -> None:
    got = [(r.name, r.reduction, r.status) for r in flexible.reduced_materials]
    assert got == FLEXIBLE_REDUCED_MATERIALS
    # 19 = 7 + 12 已减; the two 建议减 do not count
    assert sum(1 for r in flexible.reduced_materials if r.status == "reduced") == 12


# 5.2 减表单
DEDUP_FIELDS = [
    "姓名",
    "性别",
    "民族",
    "国家地区",
    "社会保障号码",
    "移动电话",
    "手机号码",
    "证件类型",
    "证件号码",
    "婚姻状态",
    "政治面貌",
    "文化程度",
    "出生日期",
    "电子邮箱",
    "邮政编码",
    "户口性质",
    "户口所在区",
    "户口所在地行政区划",
    "单位名称",
    "单位编号",
]
NON_REQUIRED_FIELDS = [
    "个人编号",
    "联系电话",
    "婚姻状况",
    "政治面貌",
    "邮政编码",
    "户口登记日期",
    "户口性质",
    "户口行政区划（省）",
    "户口行政区划（市）",
    "户口行政区划（区）",
    "户口详址",
    "常住地址",
    "居住地行政区划",
    "单位编号",
    "录用工种",
    "就业困难人员类别",
    "人员状态",
    "职业工种",
    "开户行名称",
    "开户行编号",
    "银行户名",
    "银行账号",
]
SHARED_FIELDS = [
    "姓名",
    "性别",
    "手机号",
    "证件号码",
    "出生日期",
    "参保地（市）",
    "参保单位",
    "本次参保日期",
    "本次参保日期",
]


def test_flexible_reduced_fields_and_original_forms(flexible: Theme) -> None:
    got = [(r.name, r.reduction, r.status) for r in flexible.reduced_fields]
    assert got == (
        [(n, "dedup", "reduced") for n in DEDUP_FIELDS]
        + [(n, "non_required", "reduced") for n in NON_REQUIRED_FIELDS]
        + [(n, "data_sharing", "suggested") for n in SHARED_FIELDS]
    )
    assert flexible.original_forms == (
        "湖北省就业人员登记表",
        "湖北省中华人民共和国社会保障卡申领表",
        "职工基本医疗保险参保登记表",
        "社会保险费缴费申报表（适用灵活就业人员）",
        "办理档案接收事项的申请",
    )
    assert flexible.material("application_form").name == "灵活就业一件事申请表"


def test_flexible_shared_fields_are_still_in_the_form_for_prefill(flexible: Theme) -> None:
    fields, _ = load_field_dictionary()
    union = {f.key for it in flexible.items for f in it.fields}
    # 数据共享 table: 姓名, 性别, 手机号, 证件号码, 出生日期, 参保地（市）, 本次参保日期
    shared = {"person.name", "person.gender", "person.mobile", "person.id_number", "person.birth_date",
              "social_card.region", "insurance.medical.start_date"}  # fmt: skip
    assert shared <= union
    for key in ("person.name", "person.gender", "person.birth_date"):
        assert fields[key].prefill != "none"


def test_flexible_seven_materials_are_inferred(flexible: Theme) -> None:
    applicant = [m for m in flexible.materials if m.provided_by == "applicant"]
    assert len(applicant) == 7
    for m in applicant:
        assert "推定" in (m.note or "")
    names = {m.name for m in applicant}
    assert {"中华人民共和国居民身份证或中华人民共和国社会保障卡", "居民户口簿", "证件照",
            "解除或终止劳动合同证明"} <= names  # fmt: skip
    # ID card and 户口簿 stay with the applicant: their e-licence reduction is only 建议减
    assert flexible.material("id_card").provided_by == "applicant"
    assert flexible.material("hukou_book").provided_by == "applicant"
    assert flexible.material("application_form").provided_by == "generated"


def test_flexible_archive_situations(flexible: Theme) -> None:
    def case(items: str, custody: str) -> tuple[set[str], set[str]]:
        answers = {"archive_items": items, "archive_custody": custody}
        return {it.code for it in items_in_case(flexible, answers)}, applicant_materials(flexible, answers)

    base = {"id_card", "hukou_book", "id_photo", "si_fee_assessment_notice"}
    codes, mats = case("none", "personal")
    assert "archive_receipt" not in codes and "archive_transfer_out" not in codes
    assert mats == base
    # 单位存档 needs the release letter, 个人存档 does not
    _, mats = case("receipt", "unit")
    assert mats == base | {"graduation_certificate", "termination_certificate"}
    _, mats = case("receipt", "personal")
    assert mats == base | {"graduation_certificate"}
    codes, mats = case("both", "unit")
    assert {"archive_receipt", "archive_transfer_out"} <= codes
    # the 调档函 comes from this case's own 档案接收 (issue 17, point 1): not the applicant's
    assert mats == base | {"graduation_certificate", "termination_certificate"}
    _, mats = case("transfer_out", "unit")
    assert mats == base | {"termination_certificate", "archive_transfer_letter"}
    # “现在只需提交7份”: the one set of materials, each applicant supplying what her situation needs
    assert flexible.outcomes is not None and flexible.outcomes.materials_count == "whole_set"


def test_flexible_conditions_have_rules(flexible: Theme) -> None:
    for it in flexible.items:
        for c in it.conditions:
            assert c.rule or c.id == "economic_activity", (it.code, c.id)
    assert flexible.item("employment_registration").conditions[0].rule == WORKING_AGE
    card = flexible.item("social_card_application")
    drop = next(c for c in card.conditions if c.id == "no_card_yet")
    assert drop.severity == "drop"
    assert evaluate(drop.rule or "", {"facts": {"holds_social_card": True}}) is False
