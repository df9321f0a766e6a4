"""The printable application (电子表单套打) of a Hubei graduate in Wuhan, from the real merged form."""

from __future__ import annotations

import io

from pypdf import PdfReader

from lianban.catalog.catalogue import default_catalogue
from lianban.forms.printing import application_pdf
from lianban.forms.spec import build_form

CAT = default_catalogue()

WUHAN_GRADUATE = {
    "person.name": "张晓明",
    "person.id_type": "01",
    "person.id_number": "42011120040315002X",
    "person.gender": "2",
    "person.ethnicity": "01",
    "person.birth_date": "2004-03-15",
    "person.mobile": "13907150000",
    "person.hukou_region": "420502",
    "person.residence_address": {"region": "420111", "detail": "珞喻路1037号"},
    "education.level": "21",
    "education.school": "华中科技大学",
    "education.major": "软件工程",
    "education.graduation_date": "2026-06-30",
    "employment.start_date": "2026-07-15",
    "employment.flexible_form": "flexible",
    "social_card.service_bank": "中国建设银行武汉分行",
    "delivery.address": {"region": "420111", "detail": "珞喻路1037号"},
}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_the_wuhan_graduates_application_prints_every_section_and_her_name() -> None:
    theme = CAT.theme("hubei.graduate-employment")
    spec = build_form(CAT, theme, situation={"settle_city": "wuhan"})
    data = application_pdf(CAT, spec, WUHAN_GRADUATE, case_ref="LB-2026-000001")
    assert data.startswith(b"%PDF")
    text = pdf_text(data).replace(" ", "")
    assert "张晓明" in text
    for title in (
        "个人基本信息",
        "学历信息",
        "就业登记信息",
        "社保补贴申领信息",
        "医疗保险参保登记信息",
        "养老保险参保登记信息",
        "社会保障卡申领信息",
        "户口迁移信息",
    ):
        assert title in text, title
    assert "湖北省武汉市洪山区珞喻路1037号" in text  # an address prints with its division name
    assert "女" in text  # a code prints as its label
    assert "承诺" in text
    # the embedded font itself is checked in test_pdf.py


def test_a_zibo_employers_application_prints_the_employee_table() -> None:
    theme = CAT.theme("zibo.unit-employment")
    spec = build_form(CAT, theme)
    employees = [{"person.name": n, "person.gender": "1"} for n in ("李明", "赵丽", "孙强")]
    data = application_pdf(CAT, spec, {"employer.name": "淄博齐鲁陶瓷有限公司"}, employees)
    text = pdf_text(data).replace(" ", "")
    for name in ("李明", "赵丽", "孙强", "淄博齐鲁陶瓷有限公司"):
        assert name in text
