"""A complete form always splits cleanly (拆分还原): over every theme, every situation and every
choice of items, values generated from the form spec that pass the field checks always produce
department payloads that pass the department schemas.

Issue 17, point 10, found by a new user: a zibo.flexible-employment form with every required field
filled was refused with ``拆分后的部门数据不符合部门接口规范：-: 'has_employees' is a required
property`` — a field the form hid (it is asked only of the self-employed, seed 002: “无雇工的个体工商户”)
was still required by the payload schema.
"""

from __future__ import annotations

import string
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_number

from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.codelists import region_code_list
from lianban.catalog.model import FieldDef, FieldType, Theme
from lianban.forms.regions import shipped_regions
from lianban.forms.spec import FormField, build_form
from lianban.forms.split import split_payloads
from lianban.forms.submission import check_submission

CAT = default_catalogue()
TODAY = date(2026, 11, 23)
REGIONS = sorted(c.code for c in region_code_list().codes if c.valid_to is None and not c.code.endswith("00"))
HAN = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"


def _bounds(fd: FieldDef) -> tuple[float | None, float | None, int | None, int | None, str | None]:
    lo = hi = None
    min_len = max_len = None
    pattern = None
    for v in fd.validators:
        lo = v.min if v.min is not None else lo
        hi = v.max if v.max is not None else hi
        min_len = v.min_length if v.min_length is not None else min_len
        max_len = v.max_length if v.max_length is not None else max_len
        pattern = v.pattern or pattern
    return lo, hi, min_len, max_len, pattern


def _dates(fd: FieldDef, start: date = date(1966, 1, 1)) -> st.SearchStrategy[date]:
    not_future = any(v.not_future for v in fd.validators)
    return st.dates(start, TODAY if not_future else date(2030, 12, 31))


def _id_numbers() -> st.SearchStrategy[str]:
    def make(region: str, birth: date, seq: int) -> str:
        body = f"{region}{birth:%Y%m%d}{seq:03d}"
        return body + ric.calc_check_digit(body + "0")

    return st.builds(
        make, st.sampled_from(REGIONS), st.dates(date(1966, 1, 1), date(2008, 1, 1)), st.integers(1, 999)
    )


def _usccs() -> st.SearchStrategy[str]:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

    def make(region: str, org: str) -> str:
        total = sum(int(c, 36) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
        check = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))  # GB 11714
        body = f"91{region}{org}{check}"
        return body + uscc_number.calc_check_digit(body)

    return st.builds(make, st.sampled_from(REGIONS), st.text(alphabet, min_size=8, max_size=8))


def _luhn_account() -> st.SearchStrategy[str]:
    def make(digits: str) -> str:
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch)
            if i % 2 == 0:
                d = d * 2 - 9 if d * 2 > 9 else d * 2
            total += d
        return digits + str((10 - total % 10) % 10)

    return st.builds(make, st.text("0123456789", min_size=15, max_size=18))


def value_of(fd: FieldDef) -> st.SearchStrategy[Any]:
    """A value of the field's canonical type that its own checks accept."""
    if fd.key == "insurance.pension.base":  # within 60 %–300 % of every province's average wage
        return st.decimals(Decimal(6000), Decimal(15000), places=0).map(str)
    lo, hi, min_len, max_len, pattern = _bounds(fd)
    t = fd.type
    if pattern:
        return st.from_regex(pattern, fullmatch=True)
    if t in (FieldType.STRING, FieldType.TEXT):
        return st.text(HAN + "路街号", min_size=max(1, min_len or 1), max_size=min(max_len or 20, 20))
    if t is FieldType.NAME:
        return st.text(HAN, min_size=2, max_size=4)
    if t is FieldType.DATE:
        return _dates(fd).map(date.isoformat)
    if t is FieldType.MONTH:
        return _dates(fd, date(2000, 1, 1)).map(lambda d: f"{d:%Y-%m}")
    if t in (FieldType.DATE_RANGE, FieldType.MONTH_RANGE):
        fmt = "%Y-%m-%d" if t is FieldType.DATE_RANGE else "%Y-%m"
        return st.tuples(st.dates(date(2024, 1, 1), TODAY), st.one_of(st.none(), st.integers(0, 1500))).map(
            lambda p: {
                "start": p[0].strftime(fmt),
                "end": None if p[1] is None else min(p[0] + timedelta(days=p[1]), TODAY).strftime(fmt),
            }
        )
    if t is FieldType.INTEGER:
        return st.integers(int(lo) if lo is not None else 0, int(hi) if hi is not None else 1000)
    if t in (FieldType.DECIMAL, FieldType.MONEY, FieldType.PERCENT):
        low = Decimal(str(lo)) if lo is not None else Decimal("1000" if t is FieldType.MONEY else "0")
        high = Decimal(str(hi)) if hi is not None else Decimal("30000" if t is FieldType.MONEY else "100")
        low, high = max(low, Decimal(1000)) if t is FieldType.MONEY else low, high
        return st.decimals(low, high, places=2 if t is FieldType.MONEY else 0).map(str)
    if t is FieldType.BOOLEAN:
        return st.booleans()
    if t in (FieldType.CODE, FieldType.CODES):
        assert fd.code_list is not None
        codes = [c.code for c in CAT.code_lists[fd.code_list].codes if c.valid_to is None]
        if t is FieldType.CODE:
            return st.sampled_from(codes)
        return st.lists(st.sampled_from(codes), min_size=1, max_size=min(4, len(codes)), unique=True)
    if t is FieldType.ID_NUMBER:
        return _id_numbers()
    if t is FieldType.USCC:
        return _usccs()
    if t is FieldType.MOBILE:
        return st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
    if t is FieldType.PHONE:
        return st.one_of(
            st.from_regex(r"02[0-9]-[2-8][0-9]{7}", fullmatch=True),
            st.from_regex(r"0[3-9][1-9][0-9]-[2-8][0-9]{6,7}", fullmatch=True),
        )
    if t is FieldType.EMAIL:
        return st.text(string.ascii_lowercase, min_size=1, max_size=8).map(lambda s: f"{s}@example.cn")
    if t is FieldType.REGION:
        return st.sampled_from(REGIONS)
    if t is FieldType.ADDRESS:
        return st.fixed_dictionaries(
            {
                "region": st.one_of(st.none(), st.sampled_from(REGIONS)),
                "detail": st.text(HAN + "路号", min_size=2, max_size=20),
            }
        )
    if t is FieldType.BANK_ACCOUNT:
        return _luhn_account()
    raise AssertionError(f"no generator for {t}")


def form_values(fields: list[FormField]) -> st.SearchStrategy[dict[str, Any]]:
    """Every required visible field filled; each optional one filled or left empty."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for f in fields:
        if f.definition.prefill.value == "computed" and f.definition.compute:
            continue  # the platform computes it (月缴存额)
        value = value_of(f.definition)
        parts[f.key] = value if f.required else st.one_of(st.none(), value)
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


@st.composite
def applications(draw: st.DrawFn, theme: Theme) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    situation = {s.id: draw(st.sampled_from([o.code for o in s.options])) for s in theme.situations}
    codes = [it.code for it in theme.items]
    items = draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))
    spec = build_form(CAT, theme, items, situation)
    # visibility may depend on values (统一社会信用代码 only when 是否有 is ticked): draw twice
    form = draw(form_values(spec.header_fields))
    spec = build_form(CAT, theme, items, situation, form)
    form = {**draw(form_values(spec.header_fields)), **{k: v for k, v in form.items() if k in spec.fields}}
    if theme.applicant_type == "employer":
        rows = draw(st.lists(form_values(spec.employee_fields), min_size=1, max_size=2))
        form["employees"] = rows
    return items, situation, form


def _field_errors(checked: Any) -> list[Any]:
    return [i for i in checked.errors if i.code != "ineligible" and "items." not in i.field]


@pytest.mark.parametrize("theme_id", sorted(CAT.themes))
def test_values_that_pass_the_field_checks_always_split_into_valid_payloads(theme_id: str) -> None:
    theme = CAT.theme(theme_id)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(applications(theme))
    def property(application: tuple[list[str], dict[str, str], dict[str, Any]]) -> None:
        items, situation, form = application
        checked = check_submission(
            CAT, theme, items=items, situation=situation, form=form, today=TODAY, regions=shipped_regions()
        )
        errors = _field_errors(checked)
        assume(not errors)
        # eligibility aside (a department would refuse, not the schema): every item's payload
        split_payloads(
            CAT, theme, checked.spec.items, checked.values, checked.employees, checked.spec.situation
        )
        assert not [i for i in checked.errors if "拆分后的部门数据" in i.message_zh]

    property()


def test_a_zibo_flexible_worker_with_every_required_field_is_not_refused_for_has_employees() -> None:
    """The form issue 17 shows: flexible employment (not self-employed), pension and medical
    enrolment chosen; 是否有雇工 is asked only of the self-employed and must not be demanded."""
    theme = CAT.theme("zibo.flexible-employment")
    body = "37030319900101123"
    form = {
        "person.name": "张三",
        "person.id_type": "01",
        "person.id_number": body + ric.calc_check_digit(body + "0"),
        "person.gender": "1",
        "person.ethnicity": "01",
        "person.birth_date": "1990-01-01",
        "person.mobile": "13800000000",
        "person.hukou_type": next(iter(CAT.code_lists["hukou_type"].codes)).code,
        "person.hukou_address": {"region": "370303", "detail": "张店区人民西路1号"},
        "person.residence_address": {"region": "370303", "detail": "张店区人民西路1号"},
        "education.level": "21",
        "employment.start_date": "2026-10-01",
        "employment.unit_name": "网约车司机",
        "employment.work_region": "370303",
        "insurance.pension.start_month": "2026-11",
        "insurance.pension.base": "6000",
        "insurance.medical.start_date": "2026-11-01",
        "insurance.medical.grade": "一档",
    }
    checked = check_submission(
        CAT,
        theme,
        items=["employment_registration", "pension_enrolment", "medical_enrolment"],
        situation={"registration_kind": "flexible"},
        form=form,
        facts={"resident_in_province": True},
        today=TODAY,
        regions=shipped_regions(),
    )
    assert checked.ok, [(i.field, i.message_zh) for i in checked.errors]
    pension = next(p for p in checked.payloads if p.item == "pension_enrolment")
    assert "has_employees" not in pension.payload
