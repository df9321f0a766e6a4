"""The printable application (申请表 PDF): text is extractable, the CJK font is embedded, layouts fit."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from lianban.forms.pdf import (
    CJKFontMissing,
    PrintableApplication,
    PrintBatch,
    PrintField,
    PrintSection,
    render_pdf,
)
from lianban.forms.pdf import font as pdffont

F = PrintField

HUBEI_SECTIONS = [
    "个人基本信息",
    "就业登记信息",
    "社保补贴申领信息",
    "灵活就业人员参保登记信息（医保）",
    "灵活就业人员参保登记信息（社保）",
    "社会保障卡申领信息",
    "户口迁移信息",
]
COMMITMENT = "本人承诺填报的以上内容均真实、准确、有效，如与实际情况不一致，本人愿意承担相应责任，同时纳入人社信用记录。"


def hubei_graduate() -> PrintableApplication:
    fields: dict[str, list[PrintField]] = {
        "个人基本信息": [
            F("姓名", "张晓明"),
            F("性别", "男"),
            F("民族", "汉族"),
            F("公民身份号码", "420106200106152318"),
            F("手机号码", "13807151234"),
            F("户籍地址", "湖北省武汉市武昌区中南路街道中南二路12号3栋2单元501室"),
        ],
        "就业登记信息": [
            F("就业时间", "2025年7月1日"),
            F("就业类型", "灵活就业"),
            F("就业地点", "湖北省武汉市洪山区"),
        ],
        "社保补贴申领信息": [
            F("补贴类型", "高校毕业生社保补贴（灵活就业）"),
            F("银行账号", "6222021234567890123"),
        ],
        "灵活就业人员参保登记信息（医保）": [F("参保险种", "职工基本医疗保险"), F("参保日期", "2025年7月")],
        "灵活就业人员参保登记信息（社保）": [F("参保险种", "企业职工基本养老保险"), F("缴费档次", "60%")],
        "社会保障卡申领信息": [F("领卡方式", "邮寄"), F("邮寄地址", "湖北省武汉市洪山区珞喻路129号")],
        "户口迁移信息": [
            F("迁出地", "湖北省黄冈市浠水县清泉镇"),
            F("迁入地", "武汉市洪山区"),
            F("迁移类型", "大学毕业生落户"),
        ],
    }
    return PrintableApplication(
        title="湖北省“高校毕业生就业”一件事联办申请表",
        theme_name="“高校毕业生就业”一件事",
        case_ref="LB-420100-20250701-000123",
        applicant_name="张晓明",
        sections=[PrintSection(title, fields[title]) for title in HUBEI_SECTIONS],
        materials=[
            ("居民身份证", "电子证照"),
            ("毕业证书", "数据共享"),
            ("户口迁移证", "申请人提交"),
            ("联办申请表", "系统生成"),
        ],
        commitment=COMMITMENT,
    )


SHANGRAO_COLUMNS = [
    "身份证号码",
    "姓名",
    "民族",
    "性别",
    "户口性质",
    "户籍地址",
    "手机号码",
    "通讯地址",
    "申报工资（元/月）",
    "本次参保时间",
    "劳动合同起止时间",
    "职业（工种）",
    "学历",
    "工作地址",
]


def employee(i: int, name: str) -> list[str]:
    return [
        f"3611021990010{i:02d}12X",
        name,
        "汉",
        "男",
        "②",
        "江西省上饶市信州区水南街道滨江东路1号",
        f"137079300{i:02d}",
        "江西省上饶市信州区凤凰大道88号",
        "3000",
        "2025.07",
        "2025.07.01—2028.06.30",
        "操作工",
        "高中",
        "江西省上饶市信州区凤凰大道88号",
    ]


def shangrao_batch(names: list[str]) -> PrintableApplication:
    batch = PrintBatch(
        title="员工名册",
        columns=SHANGRAO_COLUMNS,
        rows=[employee(i, n) for i, n in enumerate(names, start=1)],
        header=[
            F("单位名称（盖章）", "上饶市示例机械制造有限公司"),
            F("统一社会信用代码", "91361102MA35XXXX0K"),
        ],
        footer=[F("单位经办人身份证号", "361102198805051234"), F("联系电话", "0793-8888888")],
    )
    return PrintableApplication(
        title="上饶市“员工招聘一件事”联办申请表",
        theme_name="“员工招聘”一件事",
        case_ref=None,
        applicant_name="上饶市示例机械制造有限公司",
        sections=[],
        materials=[("员工个人有效身份证", "电子证照")],
        commitment=None,
        batch=batch,
    )


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_texts(data: bytes, tmp_path: Path) -> tuple[PdfReader, list[str]]:
    path = tmp_path / "application.pdf"
    path.write_bytes(data)
    reader = PdfReader(path)
    return reader, [squash(page.extract_text()) for page in reader.pages]


def test_person_application_text_is_extractable(tmp_path: Path) -> None:
    data = render_pdf(hubei_graduate())
    assert data.startswith(b"%PDF")
    reader, pages = page_texts(data, tmp_path)
    text = "".join(pages)
    assert "张晓明" in text
    for title in HUBEI_SECTIONS:
        assert squash(title) in text, title
    assert squash(COMMITMENT) in text
    assert "申请人（签字）" in text
    assert "LB-420100-20250701-000123" in text
    for how in ("电子证照", "数据共享", "申请人提交", "系统生成"):
        assert how in text
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert height > width  # A4 portrait
    assert abs(width - 595.3) < 1


def test_page_numbers_count_all_pages(tmp_path: Path) -> None:
    app = hubei_graduate()
    long = PrintSection("个人基本信息", [F(f"字段{i}", "内容" * 30) for i in range(60)])
    reader, pages = page_texts(render_pdf(replace(app, sections=[long])), tmp_path)
    total = len(reader.pages)
    assert total > 1
    for n, text in enumerate(pages, start=1):
        assert f"第{n}页共{total}页" in text


def fonts_of(reader: PdfReader) -> list[DictionaryObject]:
    found: list[DictionaryObject] = []
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        fonts = resources["/Font"].get_object()
        assert isinstance(fonts, DictionaryObject)
        for ref in fonts.values():
            font = ref.get_object()
            assert isinstance(font, DictionaryObject)
            found.append(font)
    return found


def test_cjk_font_is_embedded(tmp_path: Path) -> None:
    reader, _ = page_texts(render_pdf(hubei_graduate()), tmp_path)
    fonts = fonts_of(reader)
    cjk = [f for f in fonts if "WenQuanYi" in str(f["/BaseFont"])]
    assert cjk, [str(f["/BaseFont"]) for f in fonts]
    for font in cjk:
        descriptor = font["/FontDescriptor"].get_object()
        assert isinstance(descriptor, DictionaryObject)
        assert "/FontFile2" in descriptor  # the TrueType program is embedded (subset)


def test_batch_prints_landscape_with_every_employee(tmp_path: Path) -> None:
    names = ["张三", "李四", "王五"]
    reader, pages = page_texts(render_pdf(shangrao_batch(names)), tmp_path)
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert width > height  # A4 landscape
    text = "".join(pages)
    for name in names:
        assert name in text
    assert "单位经办人（签章）" in text
    assert "上饶市示例机械制造有限公司" in text
    assert "身份证号码" in text and "序号" in text


def test_batch_header_repeats_on_every_page(tmp_path: Path) -> None:
    names = [f"员工{i:02d}" for i in range(1, 41)]
    reader, pages = page_texts(render_pdf(shangrao_batch(names)), tmp_path)
    assert len(reader.pages) > 1
    for text in pages:
        if any(n in text for n in names):
            assert "身份证号码" in text and "劳动合同起止时间" in text
    text = "".join(pages)
    assert all(n in text for n in names)


def test_batch_row_longer_than_columns_is_refused() -> None:
    app = shangrao_batch(["张三"])
    assert app.batch is not None
    bad = PrintBatch(app.batch.title, ["姓名"], [["张三", "多余"]], [], [])
    with pytest.raises(ValueError, match="row 1"):
        render_pdf(replace(app, batch=bad))


def test_values_are_printed_literally(tmp_path: Path) -> None:
    app = hubei_graduate()
    odd = PrintSection("其他信息", [F("备注", "A&B <b>不是标记</b>"), F("勾选", "☑登记就业 □终止就业")])
    _, pages = page_texts(render_pdf(replace(app, sections=[odd])), tmp_path)
    text = "".join(pages)
    assert "A&B<b>不是标记</b>" in text
    assert "登记就业" in text and "□终止就业" in text


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(pdffont.FONT_ENV, str(tmp_path / "nowhere.ttf"))
    pdffont.cjk_font_name.cache_clear()
    try:
        with pytest.raises(CJKFontMissing, match=r"nowhere\.ttf"):
            render_pdf(hubei_graduate())
    finally:
        monkeypatch.delenv(pdffont.FONT_ENV)
        pdffont.cjk_font_name.cache_clear()


def test_no_font_anywhere_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pdffont.FONT_ENV, raising=False)
    monkeypatch.setattr(pdffont, "FONT_PACKAGE", "lianban_no_such_font_package")
    monkeypatch.setattr(pdffont, "SYSTEM_FONT_PATHS", ())
    pdffont.cjk_font_name.cache_clear()
    try:
        with pytest.raises(CJKFontMissing, match="paperang-p2-fonts-cjk"):
            pdffont.cjk_font_name()
    finally:
        monkeypatch.undo()
        pdffont.cjk_font_name.cache_clear()
