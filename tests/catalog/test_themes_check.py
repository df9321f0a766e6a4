"""`lianban themes check` passes on the shipped themes and fails, at the right line, on each kind of error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lianban.catalog.check import Finding, check_paths

THEME = """\
id: test.check
name: 测试主题
name_en: Test theme
region_code: "420000"
region_name: 湖北省
applicant_type: person
lead_department: hrss
lead_agency: 省人社厅
source: {document: none, title: 测试, issuer: 测试}
service_object: 灵活就业人员
channels: [{code: web, name: 政务服务网}]
fees: {amount_yuan: 0, note: 不收费}
situations:
  - id: custody
    question: 档案存档类型
    options: [{code: unit, label: 单位存档}, {code: personal, label: 个人存档}]
items:
  - code: registration
    name: 就业登记
    department: hrss
    handling_agency: 人社部门
    system: 就业服务平台
    national: {item_code: "292923040604", implementation_code: "1142000014200100923292923040604", status: unverified, source: 占位}
    levels: [city]
    time_limit: {legal_days: 20, promised_days: 1}
    connector: rest
    conditions:
      - id: working_age
        text: 年满16周岁
        rule: "age_years(person.birth_date, today) >= 16"
    fields:
      - {key: person.name, system_field: AAC003}
      - {key: person.birth_date, system_field: AAC006}
    materials: [id_card]
  - code: fee
    name: 社保费申报
    department: tax
    handling_agency: 税务部门
    system: 电子税务局
    national: {item_code: "180230049132", implementation_code: "1142000094021149XB3180230049132", status: unverified, source: 占位}
    levels: [city]
    time_limit: {legal_days: 1, promised_days: 1}
    connector: redirect
    waits_for: [registration]
    applies_if: "situation.custody == 'unit'"
materials:
  - id: id_card
    name: 居民身份证
    source_channel: 政府部门核发
    form: 电子证照
    provided_by: applicant
outcomes:
  before: {days: 21, steps: 2}
  after: {days: 2, steps: 1, materials: 1}
"""


def run_check(tmp_path: Path, text: str) -> list[Finding]:
    path = tmp_path / "test.check.yaml"
    path.write_text(text, encoding="utf-8")
    return check_paths([path])


def line_with(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the theme text")


def only(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, [str(f) for f in findings]
    return matching[0]


def test_the_test_theme_itself_is_clean(tmp_path: Path) -> None:
    assert run_check(tmp_path, THEME) == []


def test_the_shipped_themes_pass() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lianban.cli", "themes", "check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "主题检查通过" in result.stdout


def test_an_unknown_canonical_key_is_found_at_its_line(tmp_path: Path) -> None:
    text = THEME.replace(
        "{key: person.name, system_field: AAC003}", "{key: person.nmae, system_field: AAC003}"
    )
    f = only(run_check(tmp_path, text), "unknown_key")
    assert f.line == line_with(text, "person.nmae")
    assert "person.nmae" in f.message_zh and "person.nmae" in f.message_en


def test_a_key_used_with_two_types_is_found(tmp_path: Path) -> None:
    text = THEME.replace(
        "{key: person.birth_date, system_field: AAC006}",
        "{key: person.birth_date, system_field: AAC006, type: string}",
    )
    f = only(run_check(tmp_path, text), "type_conflict")
    assert f.line == line_with(text, "type: string")
    assert "person.birth_date" in f.message_en


def test_an_unknown_code_is_found(tmp_path: Path) -> None:
    text = THEME.replace("situation.custody == 'unit'", "situation.custody == 'collective'")
    f = only(run_check(tmp_path, text), "unknown_code")
    assert f.line == line_with(text, "collective")
    assert "collective" in f.message_zh


def test_an_unknown_region_code_is_found(tmp_path: Path) -> None:
    text = THEME.replace('region_code: "420000"', 'region_code: "429999"')
    f = only(run_check(tmp_path, text), "unknown_code")
    assert f.line == line_with(text, "429999")


def test_a_dependency_cycle_is_found(tmp_path: Path) -> None:
    text = THEME.replace("    connector: rest\n", "    connector: rest\n    waits_for: [fee]\n")
    f = only(run_check(tmp_path, text), "dependency_cycle")
    assert f.line == line_with(text, "waits_for: [fee]")
    assert "registration → fee → registration" in f.message_en


def test_an_item_without_a_department_is_found(tmp_path: Path) -> None:
    text = THEME.replace("    department: tax\n", "")
    f = only(run_check(tmp_path, text), "unreadable")
    assert f.key == "items[1].department"
    assert f.line == line_with(text, "- code: fee")
    assert "department" in f.message_en


def test_an_item_without_a_time_limit_is_found(tmp_path: Path) -> None:
    text = THEME.replace("    time_limit: {legal_days: 1, promised_days: 1}\n", "")
    f = only(run_check(tmp_path, text), "unreadable")
    assert f.key == "items[1].time_limit"
    assert f.line == line_with(text, "- code: fee")


def test_a_material_no_item_needs_is_found(tmp_path: Path) -> None:
    photo = "  - id: photo\n    name: 证件照\n    source_channel: 申请人自备\n    form: 普通电子文件\n    provided_by: applicant\n"
    text = THEME.replace("outcomes:\n", photo + "outcomes:\n", 1)
    f = only(run_check(tmp_path, text), "unused_material")
    assert f.line == line_with(text, "- id: photo")
    assert "photo" in f.message_zh


def test_a_stated_figure_that_disagrees_is_found(tmp_path: Path) -> None:
    text = THEME.replace("before: {days: 21, steps: 2}", "before: {days: 30, steps: 2}")
    f = only(run_check(tmp_path, text), "outcome_mismatch")
    assert f.line == line_with(text, "days: 30")
    assert "30" in f.message_en and "21" in f.message_en


def test_a_rule_that_does_not_compile_is_found(tmp_path: Path) -> None:
    text = THEME.replace(
        '"age_years(person.birth_date, today) >= 16"', '"age_years(person.birth_date, today) >= "'
    )
    f = only(run_check(tmp_path, text), "rule_syntax")
    assert f.line == line_with(text, "age_years")


def test_an_unknown_fact_in_a_rule_is_found(tmp_path: Path) -> None:
    text = THEME.replace('"age_years(person.birth_date, today) >= 16"', '"facts.owns_a_yacht"')
    f = only(run_check(tmp_path, text), "unknown_fact")
    assert "owns_a_yacht" in f.message_zh


def test_a_misspelt_key_names_file_line_and_key(tmp_path: Path) -> None:
    text = THEME.replace("    connector: redirect\n", "    conector: redirect\n")
    findings = run_check(tmp_path, text)
    f = only(findings, "unreadable")
    assert f.line == line_with(text, "conector")
    assert f.file.name == "test.check.yaml"


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = THEME.replace(
        "levels: [city]\n    time_limit: {legal_days: 20", "levels: [city\n    time_limit: {legal_days: 20", 1
    )
    f = only(run_check(tmp_path, text), "unreadable")
    assert f.line is not None
    assert abs(f.line - line_with(text, "levels: [city")) <= 2
    assert "YAML" in f.message_zh


@pytest.mark.parametrize("mutation", ["unknown_key", "cycle"])
def test_the_command_exits_non_zero_with_one_line_per_finding(tmp_path: Path, mutation: str) -> None:
    text = (
        THEME.replace("person.name,", "person.nmae,")
        if mutation == "unknown_key"
        else THEME.replace("    connector: rest\n", "    connector: rest\n    waits_for: [fee]\n")
    )
    path = tmp_path / "test.check.yaml"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "lianban.cli", "themes", "check", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:")
    assert " / " in lines[0]  # Chinese / English


def test_loading_the_catalogue_fast_still_names_the_line_of_a_broken_deployment_theme(tmp_path: Path) -> None:
    """Processes read themes with the fast loader; an error is placed by reading the file again."""
    from lianban.catalog.catalogue import load_catalogue
    from lianban.catalog.loader import THEMES_DIR, ThemeFileError

    text = (THEMES_DIR / "hebei.flexible-employment.yaml").read_text(encoding="utf-8")
    broken = text.replace("legal_days: 15", "legal_days: fifteen", 1)
    assert broken != text
    (tmp_path / "hebei.flexible-employment.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ThemeFileError) as caught:
        load_catalogue(tmp_path)
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "legal_days: fifteen" in x)) + 1
    assert caught.value.location.line == line
    assert "legal_days" in caught.value.location.key
