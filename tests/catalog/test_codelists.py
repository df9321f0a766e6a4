"""Code lists (代码表): the national standards and the option lists the source forms print."""

from __future__ import annotations

from pathlib import Path

import pytest

from lianban.catalog.codelists import (
    CODELISTS_DIR,
    CodeList,
    CodeListError,
    is_known_region,
    load_code_list,
    load_code_lists,
    region_code_list,
    region_name,
)


@pytest.fixture(scope="module")
def lists() -> dict[str, CodeList]:
    return load_code_lists()


# ---------------------------------------------------------------- every list names its source


def test_every_list_file_names_its_source_and_is_named_after_its_id() -> None:
    files = sorted(CODELISTS_DIR.glob("*.yaml"))
    assert files
    for path in files:
        cl = load_code_list(path)
        assert cl.id == path.stem
        assert cl.source.strip(), f"{path.name} has no source"
        assert cl.name.strip()


def test_all_code_values_are_strings_and_unique_within_a_list(lists: dict[str, CodeList]) -> None:
    for cl in lists.values():
        codes = [c.code for c in cl.codes]
        assert all(isinstance(c, str) and c for c in codes), cl.id
        assert len(codes) == len(set(codes)), cl.id
        assert all(isinstance(c.label, str) and c.label for c in cl.codes), cl.id


def test_the_lists_the_seed_forms_print_are_all_there(lists: dict[str, CodeList]) -> None:
    expected = {
        "gb2261_1_gender", "gb3304_ethnicity", "gb4658_education", "hubei.education_level",
        "gb4762_political_status", "gb2261_2_marital", "gb4754_industry", "gb2659_country", "gb2260",
        "id_document_type", "hukou_type", "shangrao.hukou_category",
        "hubei.flexible_employment_form", "hubei.industry_sector", "hubei.medical_insurance_type",
        "hubei.pension_insurance_type", "hubei.social_card_person_category", "hubei.card_collection_method",
        "yes_no", "hubei.pension_payment_location", "hebei.registration_type", "hebei.employment_type",
        "hebei.special_group_category", "shangrao.service_item", "shangrao.insurance_type",
        "shangrao.housing_fund_relief", "zibo.flexible_registration_kind", "archive_custody_type",
        "delivery_method", "department",
    }  # fmt: skip
    assert expected <= set(lists)


def test_parents_are_codes_of_the_same_list(lists: dict[str, CodeList]) -> None:
    for cl in lists.values():
        for c in cl.codes:
            assert c.parent is None or c.parent in cl, f"{cl.id}:{c.code} parent {c.parent}"


# ------------------------------------------------------------------------- national standards


def test_gb2261_1_gender_has_the_four_codes_of_the_standard(lists: dict[str, CodeList]) -> None:
    gender = lists["gb2261_1_gender"]
    assert gender.source == "GB/T 2261.1-2003"
    assert gender.labels() == {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}
    assert gender.labels("en")["1"] == "Male"


def test_gb3304_has_the_56_ethnic_groups_with_han_01(lists: dict[str, CodeList]) -> None:
    eth = lists["gb3304_ethnicity"]
    groups = [c for c in eth.codes if c.code.isdigit() and 1 <= int(c.code) <= 56]
    assert len(groups) == 56
    assert [c.code for c in groups] == [f"{i:02d}" for i in range(1, 57)]
    assert all(c.label.endswith("族") for c in groups)
    assert len({c.label for c in groups}) == 56
    assert eth.get("01") is not None and eth.get("01").label == "汉族"  # type: ignore[union-attr]
    assert eth.labels("en")["02"] == "Mongol"
    assert eth.labels()["56"] == "基诺族"
    assert eth.labels()["97"] == "其他"
    assert eth.labels()["98"] == "外国血统中国籍人士"


def test_gb4658_is_a_two_level_table(lists: dict[str, CodeList]) -> None:
    edu = lists["gb4658_education"]
    top = [c.code for c in edu.children(None)]
    assert top == ["10", "20", "30", "40", "60", "70", "80", "90"]
    for c in edu.codes:
        if c.code not in top:
            assert c.parent == c.code[0] + "0"
    assert edu.labels()["11"] == "博士研究生毕业"
    assert edu.labels()["47"] == "技工学校毕业"


def test_every_hubei_education_option_maps_to_an_existing_gb4658_code(lists: dict[str, CodeList]) -> None:
    hubei = lists["hubei.education_level"]
    gb = lists[hubei.maps_to_list or ""]
    assert hubei.maps_to_list == "gb4658_education"
    assert len(hubei) == 14
    assert list(hubei.labels().values()) == [
        "研究生及以上", "博士研究生", "硕士研究生", "大学本科", "大学专科", "中专技校", "中等专科",
        "职业高中", "技工学校", "高中", "初中及以下", "初级中学", "小学", "其他",
    ]  # fmt: skip
    for option in hubei.codes:
        assert option.maps_to is not None and option.maps_to in gb, option.code
    assert gb.get(hubei.get("doctoral").maps_to or "").label == "博士研究生毕业"  # type: ignore[union-attr]


def test_gb4762_political_status_has_13_codes(lists: dict[str, CodeList]) -> None:
    ps = lists["gb4762_political_status"]
    assert [c.code for c in ps.codes] == [f"{i:02d}" for i in range(1, 14)]
    assert ps.labels()["01"] == "中国共产党党员"
    assert ps.labels()["13"] == "群众"


def test_gb2261_2_marital_status(lists: dict[str, CodeList]) -> None:
    ms = lists["gb2261_2_marital"]
    assert list(ms.labels()) == ["10", "20", "21", "22", "23", "30", "40", "90"]
    assert {c.code for c in ms.children("20")} == {"21", "22", "23"}


def test_gb4754_has_97_divisions_in_20_sections_each_with_a_section_parent(
    lists: dict[str, CodeList],
) -> None:
    ind = lists["gb4754_industry"]
    sections = [c for c in ind.codes if c.code.isalpha()]
    divisions = [c for c in ind.codes if c.code.isdigit()]
    assert [s.code for s in sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert all(s.parent is None for s in sections)
    assert [d.code for d in divisions] == [f"{i:02d}" for i in range(1, 98)]
    section_codes = {s.code for s in sections}
    for d in divisions:
        assert d.parent in section_codes, d.code
    assert all(ind.children(s.code) for s in sections)
    assert ind.labels()["65"] == "软件和信息技术服务业"
    assert ind.get("65").parent == "I"  # type: ignore[union-attr]
    assert ind.labels()["96"] == "基层群众自治组织及其他组织"


# ----------------------------------------------------------------------- GB/T 2260 divisions


def test_hongshan_district_is_a_known_region_with_its_full_name() -> None:
    assert is_known_region("420111")
    assert region_name("420111") == "湖北省武汉市洪山区"
    regions = region_code_list()
    assert regions.get("420111").parent == "420100"  # type: ignore[union-attr]
    assert regions.get("420100").parent == "420000"  # type: ignore[union-attr]
    assert regions.get("420000").parent is None  # type: ignore[union-attr]
    assert regions.get("420111").valid_from == 1983  # type: ignore[union-attr]


def test_an_abolished_code_stays_known_with_its_end_year() -> None:
    chongwen = region_code_list().get("110103")
    assert chongwen is not None
    assert chongwen.label == "崇文区"
    assert chongwen.valid_to == 2010
    assert is_known_region("110103")
    assert region_name("110103") == "北京市崇文区"


def test_a_code_that_never_existed_is_not_known() -> None:
    assert not is_known_region("420199")
    assert not is_known_region("4201")
    assert not is_known_region("42011x")
    with pytest.raises(KeyError):
        region_name("420199")


def test_placeholder_levels_are_left_out_of_full_names() -> None:
    assert region_name("110101") == "北京市东城区"
    assert region_name("429004") == "湖北省仙桃市"


def test_renamed_divisions_keep_their_history() -> None:
    xiangyang = region_code_list().get("420600")
    assert xiangyang is not None and xiangyang.label == "襄阳市"
    assert xiangyang.note is not None and "襄樊市" in xiangyang.note
    assert region_name("420602", 2005) == "湖北省襄樊市襄城区"
    assert region_name("420602") == "湖北省襄阳市襄城区"


# ----------------------------------------------------------------------- GB/T 2659 countries


def test_gb2659_has_china_first_and_the_chinese_names_of_hk_macao_taiwan(lists: dict[str, CodeList]) -> None:
    countries = lists["gb2659_country"]
    assert countries.codes[0].code == "CHN"
    assert countries.labels()["CHN"] == "中国"
    assert countries.labels()["HKG"] == "中国香港"
    assert countries.labels()["MAC"] == "中国澳门"
    assert countries.labels()["TWN"] == "中国台湾"
    assert countries.labels()["USA"] == "美国"
    assert all(len(c.code) == 3 and c.code.isupper() for c in countries.codes)


# --------------------------------------------------------------------------- local option lists


def test_shangrao_hukou_categories_follow_the_circled_numbers(lists: dict[str, CodeList]) -> None:
    sr = lists["shangrao.hukou_category"]
    assert [c.code for c in sr.codes] == [str(i) for i in range(1, 9)]
    assert [c.note for c in sr.codes] == list("①②③④⑤⑥⑦⑧")
    assert sr.labels()["1"] == "市区非农业户口"
    assert sr.labels()["8"] == "外籍"


def test_hubei_resident_hukou_is_a_hukou_type(lists: dict[str, CodeList]) -> None:
    hukou = lists["hukou_type"]
    assert {"agricultural", "non_agricultural", "resident"} <= {c.code for c in hukou.children(None)}


def test_department_codes_are_those_of_the_http_contract(lists: dict[str, CodeList]) -> None:
    assert list(lists["department"].labels()) == [
        "hrss", "social_insurance", "medical_insurance", "tax", "public_security", "housing_fund",
        "archives", "social_card",
    ]  # fmt: skip


# ------------------------------------------------------------------------------ malformed files


def test_malformed_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(
        'id: broken\nname: 坏\nsource: test\ncodes:\n  - {code: "1", label: 一\n  - {code: "2"}\n',
        encoding="utf-8",
    )
    with pytest.raises(CodeListError) as info:
        load_code_lists(tmp_path)
    assert info.value.file == bad
    assert info.value.line is not None
    assert "broken.yaml" in str(info.value)
    assert f":{info.value.line}" in str(info.value)


def test_an_unquoted_numeric_code_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "numbers.yaml"
    path.write_text(
        'id: numbers\nname: 数\nsource: test\ncodes:\n  - {code: "1", label: 一}\n  - {code: 02, label: 二}\n'
    )
    with pytest.raises(CodeListError) as info:
        load_code_lists(tmp_path)
    assert info.value.line == 6
    assert "string" in info.value.message


def test_a_list_without_source_is_refused(tmp_path: Path) -> None:
    (tmp_path / "nosource.yaml").write_text(
        'id: nosource\nname: 无来源\ncodes:\n  - {code: "1", label: 一}\n'
    )
    with pytest.raises(CodeListError, match="source"):
        load_code_lists(tmp_path)


def test_duplicate_codes_are_refused(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text(
        'id: dup\nname: 重复\nsource: test\ncodes:\n  - {code: "1", label: 一}\n  - {code: "1", label: 壹}\n'
    )
    with pytest.raises(CodeListError) as info:
        load_code_lists(tmp_path)
    assert info.value.line == 6


def test_maps_to_must_name_a_code_of_the_target_list(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "id: m\nname: 映射\nsource: test\nmaps_to_list: gb2659_country\ncodes:\n"
        "  - {code: a, label: 甲, maps_to: CHN}\n  - {code: b, label: 乙, maps_to: XXX}\n"
    )
    with pytest.raises(CodeListError) as info:
        load_code_lists(tmp_path)
    assert info.value.line == 7


def test_a_custom_directory_also_gets_the_built_lists(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text('id: ok\nname: 好\nsource: test\ncodes:\n  - {code: "1", label: 一}\n')
    loaded = load_code_lists(tmp_path)
    assert set(loaded) == {"ok", "gb2260", "gb2659_country"}
    assert "1" in loaded["ok"] and 1 not in loaded["ok"]
