"""上饶市“员工招聘一件事” (seed 003) compared with its document: 附件1 申请表, 附件2 清单, 附件4 指南."""

from __future__ import annotations

import pytest

from lianban.catalog.check import check_paths
from lianban.catalog.loader import THEMES_DIR, load_field_dictionary, load_theme
from lianban.catalog.model import Theme
from lianban.catalog.outcomes import compute
from lianban.rules.cel import compile_rule, evaluate


@pytest.fixture(scope="module")
def theme() -> Theme:
    t, _ = load_theme(THEMES_DIR / "shangrao.recruitment.yaml")
    return t


def test_header(theme: Theme) -> None:
    assert theme.id == "shangrao.recruitment"
    assert theme.name == "员工招聘一件事"
    assert theme.region_code == "361100"
    assert theme.applicant_type == "employer"
    assert theme.lead_department == "hrss"
    assert theme.source.document == "003_ed691578abf87d0a.txt"
    assert theme.source.date == "2022-08-19"
    assert theme.service_object == "全市范围内新招用人员后需要到政府部门申请办理相关政务事项的企业。"


def test_channels(theme: Theme) -> None:
    names = {c.code: c.name for c in theme.channels}
    assert "赣服通" in names["app"]
    assert names["web"] == "江西省政务服务网"
    assert "人社专厅窗口" in names["window"]
    assert theme.levels == ("city", "county")


# 附件2 联办事项清单: 部门, 事项名称, 办理时限 (0 = 即办)
ITEMS = [
    ("unit_employment_registration", "用人单位招用人员登记", "hrss", 0),
    ("pension_enrolment", "社会保险企业职工参保登记", "social_insurance", 0),
    ("medical_enrolment", "基本医疗保险职工参保登记", "medical_insurance", 3),
    ("housing_fund_account", "个人住房公积金账户设立", "housing_fund", 3),
]


def test_items(theme: Theme) -> None:
    got = [(i.code, i.name, i.department, i.time_limit.promised_days) for i in theme.items]
    assert got == ITEMS
    assert all(i.per_employee for i in theme.items)
    assert "医疗保障局" in theme.item("medical_enrolment").handling_agency
    assert "住房公积金管理中心" in theme.item("housing_fund_account").handling_agency
    # 社会保险 handled at the 人社 window by social insurance: say so
    assert "social_insurance" in (theme.item("pension_enrolment").note or "")


def test_legal_limits_inferred(theme: Theme) -> None:
    for it in theme.items:
        assert it.time_limit.source == "inferred"
        assert it.time_limit.legal_days >= it.time_limit.promised_max
        assert "附件2" in (it.time_limit.note or "")


def test_social_insurance_declaration_step(theme: Theme) -> None:
    steps = theme.item("pension_enrolment").process
    assert any("然后进行社会保险费申报" in s for s in steps)
    assert "si_fee_declaration_result" in {i.code for i in theme.item("pension_enrolment").issues}


def test_service_items_decide_the_items(theme: Theme) -> None:
    # 办事项目 checkboxes: 社保、医保账户设立和社会保险费申报 / 用人单位招用人员登记 / 公积金个人账户设立
    def chosen(*codes: str) -> set[str]:
        act = {"employer": {"service_items": list(codes)}}
        return {i.code for i in theme.items if evaluate(i.applies_if or "true", act)}

    assert chosen("employment_registration") == {"unit_employment_registration"}
    assert chosen("si_medical") == {"pension_enrolment", "medical_enrolment"}
    assert chosen("housing_fund") == {"housing_fund_account"}
    assert chosen("si_medical", "employment_registration", "housing_fund") == {i.code for i in theme.items}


def test_conditions(theme: Theme) -> None:
    for it in theme.items:
        for c in it.conditions:
            assert c.rule and c.explain, (it.code, c.id)
            compile_rule(c.rule)
    hf = {c.id: c for c in theme.item("housing_fund_account").conditions}
    assert hf["unit_account_exists"].rule == "facts.employer_has_housing_fund_account"
    rule6 = RULES[5].split("；", 1)[1]
    for code in ("pension_enrolment", "medical_enrolment", "housing_fund_account"):
        texts = [c.text for c in theme.item(code).conditions]
        assert rule6 in texts
    late = {c.id: c for c in theme.item("pension_enrolment").conditions}["within_30_days"]
    assert late.severity == "warn"
    act = {
        "employment": {"contract_period": {"start": "2025-01-02", "end": "2028-01-01"}},
        "today": "2025-03-01",
    }
    assert late.rule is not None and evaluate(late.rule, act) is False


# 附件4 申报材料 (and 填表说明第7条 for 缓缴/降缴)
MATERIALS = [
    ("application_form", "《企业员工招聘“一件事”联办申请表》", "generated"),
    ("employment_registration_form", "用人单位招用人员就业登记表", "generated"),
    ("employee_id_card", "员工个人有效身份证", "e_licence"),
    ("agent_id_card", "单位经办人有效身份证", "e_licence"),
    (
        "business_licence",
        "营业执照副本（组织机构代码证副本、事业单位法人证书副本、民办非企业单位登记证书副本）",
        "data_sharing",
    ),
    ("hf_relief_application", "住房公积金降低缴存比例和缓缴申请（加盖公章）", "applicant"),
    (
        "hf_hardship_proof",
        "缴存住房公积金确有困难的证明材料，包括单位财务报表、工资报表、第三方审计报告或有关部门核定为困难单位的证明等",
        "applicant",
    ),
    ("hf_workers_congress_resolution", "职代会（工会）决议或决定", "applicant"),
]


def test_materials(theme: Theme) -> None:
    assert [(m.id, m.name, m.provided_by) for m in theme.materials] == MATERIALS
    assert all(m.required for m in theme.materials)
    form = theme.material("application_form")
    assert form.paper_copies == 2 and form.form == "电子表单"
    assert "系统自动获取" in theme.material("employment_registration_form").source_channel
    for mid in ("employee_id_card", "agent_id_card", "business_licence"):
        assert "如数据不全则需申请者自行提交" in (theme.material(mid).note or "")
    assert theme.material("business_licence").applies_if == "situation.first_registration == 'yes'"
    for mid in ("hf_relief_application", "hf_hardship_proof", "hf_workers_congress_resolution"):
        m = theme.material(mid)
        assert m.applies_if == "situation.housing_fund_relief == 'apply'"
        assert "一个月内" in (m.note or "") and "公积金分中心" in (m.note or "")
        assert mid in theme.item("housing_fund_account").materials
    # 附件2: every item lists the 联办申请表
    assert all("application_form" in i.materials for i in theme.items)
    assert "employee_id_card" in theme.item("unit_employment_registration").materials


def test_applicant_supplies_only_the_relief_materials(theme: Theme) -> None:
    assert compute(theme).after.materials == 3
    assert theme.outcomes is None
    assert any("outcomes" in n for n in theme.notes)


# 附件1 申请表: the numbered row 1..18 under the three header rows
COLUMNS = [
    (1, "身份证号码", "person.id_number"),
    (2, "姓名", "person.name"),
    (3, "民族", "person.ethnicity"),
    (4, "性别", "person.gender"),
    (5, "户口性质", "person.hukou_category"),
    (6, "户籍地址", "person.hukou_address"),
    (7, "手机号码", "person.mobile"),
    (8, "通讯地址", "person.mailing_address"),
    (9, "险种", "insurance.types"),
    (9, "申报工资（元/月）", "employment.monthly_wage"),
    (10, "本次参保时间", "insurance.start_month"),
    (11, "劳动合同起止时间", "employment.contract_period"),
    (12, "缓缴/降缴", "housing_fund.relief"),
    (12, "月缴存基数（元）", "housing_fund.base"),
    (13, "缴存比例（单位）", "housing_fund.unit_rate"),
    (13, "缴存比例（个人）", "housing_fund.personal_rate"),
    (14, "月缴存额（元）（单位）", "housing_fund.unit_amount"),
    (14, "月缴存额（元）（个人）", "housing_fund.personal_amount"),
    (14, "月缴存额（元）（合计）", "housing_fund.total_amount"),
    (15, "职业（工种）", "employment.occupation"),
    (16, "学历", "education.level"),
    (17, "工作地址", "employment.work_address"),
    (18, "备注", "application.remarks"),
]

RULES = [
    "1.申请单位请先勾选需要申请的办事项目，根据办事项目选择填表栏目，其中1-8属于必填栏，9-17栏根据勾选的办事项目选择填写。",
    "2.第5栏用代码填报：①市区非农业户口、②市区农业户口、③省内非农业户口、④省内农业户口、⑤省外非农业户口、⑥省外农业户口、⑦港澳台、⑧外籍。",
    "3.第9栏填报新参加工作的职工本人第二个月的工资；调入职工按调入单位发放的当月工资填报。",
    "4.第12栏填报职工本人的缴存比例，按单位、个人各百分比进行填报。",
    "5.第11栏填报劳动合同起止时间，格式为YYYY.MM.DD—YYYY.MM.DD。",
    "6.申请单位应加盖单位公章或单位授权的人事部门章；申请办理社保、医保登记以及职工住房公积金账户设立时须填报单位编码或单位客户号（首次申请办理无需填写）。",
    "7.申请办理公积金缓缴、降缴的单位需要在提交申请后一个月内将有关申请资料提交至公积金分中心。所需材料：（1）住房公积金降低缴存比例和缓缴申请（加盖公章）；（2）缴存住房公积金确有困难的证明材料，包括单位财务报表、工资报表、第三方审计报告或有关部门核定为困难单位的证明等；（3）职代会（工会）决议或决定。",
    "8.本表一式两份，受理经办机构、申请单位各执一份。",
]


def test_batch_table_columns(theme: Theme) -> None:
    table = theme.batch_table
    assert table is not None
    assert table.title == "上饶市“员工招聘一件事”联办申请表"
    got = [(c.number, c.key) for c in table.columns]
    assert got == [(n, k) for n, _, k in COLUMNS]
    for col, (_, title, _) in zip(table.columns, COLUMNS, strict=True):
        assert title in col.title
    assert sorted({c.number for c in table.columns}) == list(range(1, 19))
    # 1-8 必填栏, 9-17 根据勾选的办事项目
    for col in table.columns:
        assert col.required == ("always" if col.number <= 8 else "if_chosen")


def test_batch_table_rules(theme: Theme) -> None:
    table = theme.batch_table
    assert table is not None
    assert list(table.rules) == RULES
    by_key = {c.key: c for c in table.columns}
    assert by_key["person.hukou_category"].rule == RULES[1][2:]
    assert by_key["employment.monthly_wage"].rule == RULES[2][2:]
    assert by_key["housing_fund.unit_rate"].rule == RULES[3][2:]
    assert by_key["housing_fund.personal_rate"].rule == RULES[3][2:]
    assert by_key["employment.contract_period"].rule == RULES[4][2:]
    assert "公积金分中心" in (by_key["housing_fund.relief"].rule or "")
    # 第12栏 in rule 4 vs 缴存比例 numbered 13 in the table: recorded
    assert any("第12栏" in n and "第13栏" in n for n in theme.notes)


def test_batch_table_header_and_footer(theme: Theme) -> None:
    table = theme.batch_table
    assert table is not None
    assert table.header_keys == (
        "employer.name",
        "employer.uscc",
        "employer.service_items",
        "employer.application_date",
    )
    assert table.footer_keys == (
        "employer.agent_name",
        "employer.agent_id_number",
        "employer.agent_phone",
        "employer.address",
        "employer.si_code",
        "employer.housing_fund_account",
        "employer.bank_name",
        "employer.bank_account_name",
        "employer.bank_account",
    )
    employer = {f.key for f in theme.employer_fields}
    assert set(table.header_keys) | set(table.footer_keys) == employer


def test_every_column_reaches_an_item(theme: Theme) -> None:
    fields, _ = load_field_dictionary()
    table = theme.batch_table
    assert table is not None
    union: dict[str, list[bool]] = {}
    for it in theme.items:
        for f in it.fields:
            union.setdefault(f.key, []).append(f.required)
    for col in table.columns:
        assert col.key in fields
        assert col.key in union, col.key
        if col.required == "always":
            assert all(union[col.key]), col.key
    # 9-17: required in the item whose service item is chosen (the 缓缴/降缴 checkbox only when
    # the employer applies for it); 备注 required nowhere
    for col in table.columns:
        if 9 <= col.number <= 17 and col.key != "housing_fund.relief":
            assert any(union[col.key]), col.key
    assert not any(union["application.remarks"])
    for key in (*table.header_keys, *table.footer_keys):
        assert key in fields


def test_hukou_code_maps(theme: Theme) -> None:
    # ①–⑥ from where the hukou is and its type; ⑦⑧ from the ID document
    targets = {cm.id: sorted(set(cm.map.values())) for cm in theme.code_maps}
    assert targets == {
        "shangrao.hukou_city": ["1", "2"],
        "shangrao.hukou_province": ["3", "4"],
        "shangrao.hukou_outside": ["5", "6"],
        "shangrao.hukou_by_document": ["7", "8"],
    }
    assert all(cm.to_list == "shangrao.hukou_category" for cm in theme.code_maps)
    maps = {cm.id: cm.map for cm in theme.code_maps}
    assert maps["shangrao.hukou_city"]["non_agricultural"] == "1"
    assert maps["shangrao.hukou_outside"]["agricultural_family"] == "6"
    assert maps["shangrao.hukou_by_document"]["08"] == "8"
    assert any("⑦" in n and "⑧" in n and "市区" in n for n in theme.notes)


def test_process(theme: Theme) -> None:
    assert len(theme.process) == 5
    assert theme.process[0].startswith("人社经办窗口“一窗受理”")


def test_themes_check_finds_nothing() -> None:
    findings = check_paths([THEMES_DIR / "shangrao.recruitment.yaml"])
    assert [str(f) for f in findings] == []
