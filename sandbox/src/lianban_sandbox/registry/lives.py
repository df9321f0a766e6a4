"""Synthetic people and employers (合成人员与单位): a life drawn once from the number, read at a date.

A person's life is drawn once from the ID number (which schools, when work starts, when the
identity card is renewed) and then read at the registry's date: a synthetic 17-year-old becomes a
graduate in due course, never the other way round. Any valid USCC is an employer the same way.
"""

from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from stdnum.cn import ric

from lianban.calendar.retirement import RetirementCategory, add_months, retirement
from lianban.catalog.codelists import region_code_list
from lianban.sharing.providers import (
    ArchiveRecord,
    CustodyType,
    EducationRecord,
    ELicence,
    EmployerRecord,
    InsuranceRecord,
    PersonRecord,
    SocialCard,
    province_of,
)
from lianban_sandbox.registry.draw import (
    BRANDS,
    COLLEGES,
    FINAL_LEVELS,
    GRADUATION_AGE,
    HIGHER_EDUCATION,
    INDUSTRIES,
    MAJORS,
    MOBILE_PREFIXES,
    NATIONAL_COLLEGES,
    NATIONAL_UNIVERSITIES,
    NUMERALS,
    SHOPS,
    STREETS,
    UNIVERSITIES,
    VOCATIONAL_MAJORS,
    age_on,
    draw_name,
    draw_street,
    draw_uscc,
    graduation_day,
    police_bureau,
    prefecture,
    region_address,
    region_label,
    rng,
    years_later,
)


@dataclass(frozen=True)
class _Step:
    level: str
    school: str
    major: str | None
    verified: bool


@dataclass(frozen=True)
class _Life:
    """A synthetic person's whole life, drawn once from the number; read at a date by synthetic_records()."""

    person: PersonRecord  # political and marital status, ID card validity: read at a date
    political_draw: float
    marriage_age: int | None  # None = never marries
    divorced: bool
    path: tuple[_Step, ...]
    card_age: int | None  # age at which the social security card was issued; None = never
    insured_ever: bool
    via_employer: bool
    work_delay_months: int
    medical_enrolled: bool
    custody: CustodyType
    agency_public: bool
    unit_brand: str
    id_first_issue_age: int
    id_issue_offset_days: int
    hukou_book_number: str
    business_uscc: str | None
    certificate_serial: int


def _education_path(rnd: random.Random, region: str) -> tuple[_Step, ...]:
    province = region[:2]
    county = region_label(region)
    pref = prefecture(region)
    final = rnd.choices([c for c, _ in FINAL_LEVELS], weights=[w for _, w in FINAL_LEVELS])[0]
    university = rnd.choice(UNIVERSITIES.get(province, NATIONAL_UNIVERSITIES))
    college = rnd.choice(COLLEGES.get(province, NATIONAL_COLLEGES))
    major = rnd.choice(MAJORS)
    vocational_major = rnd.choice(VOCATIONAL_MAJORS)
    numeral = rnd.choice(NUMERALS)
    verified = rnd.random() < 0.95
    steps = [
        _Step("81", f"{county}实验小学", None, False),
        _Step("71", f"{county}第{numeral}初级中学", None, False),
    ]
    if final in ("41", "47"):
        school = f"{pref}财经学校" if final == "41" else f"{pref}高级技工学校"
        steps.append(_Step(final, school, vocational_major, False))
    elif final != "71":
        steps.append(_Step("61", f"{county}第{numeral}高级中学", None, False))
    if final == "31":
        steps.append(_Step("31", college, major, verified))
    if final in ("21", "14", "11"):
        steps.append(_Step("21", university, major, verified))
    if final in ("14", "11"):
        steps.append(_Step("14", university, major, verified))
    if final == "11":
        steps.append(_Step("11", university, major, verified))
    return tuple(steps)


@functools.lru_cache(maxsize=4096)
def drawn_life(id_number: str) -> _Life:
    """Draw a person from a valid ID number. The order of draws is fixed: changing it changes
    every synthetic person, so add new draws at the end."""
    rnd = rng(id_number)
    region = id_number[:6]
    birth = ric.get_birth_date(id_number)
    gender = "1" if int(id_number[16]) % 2 == 1 else "2"
    name = draw_name(rnd, gender)
    minority = rnd.random()
    if region.startswith("4228"):  # 恩施土家族苗族自治州
        ethnicity = "15" if minority < 0.45 else "06" if minority < 0.55 else "01"
    else:
        ethnicity = rnd.choice(("03", "11", "15", "06", "08")) if minority < 0.06 else "01"
    hukou_type = "resident_collective" if rnd.random() < 0.15 else "resident_family"
    hukou_street = draw_street(rnd)
    residence_street = hukou_street if rnd.random() < 0.7 else draw_street(rnd)
    mobile = rnd.choice(MOBILE_PREFIXES) + f"{rnd.randrange(10**8):08d}"
    political = rnd.random()
    marriage_age = rnd.randint(22, 34) if rnd.random() < 0.9 else None
    divorced = rnd.random() < 0.06
    path = _education_path(rnd, region)
    card_age = rnd.randint(0, 20) if rnd.random() < 0.9 else None
    insured_ever = rnd.random() < 0.85
    via_employer = rnd.random() < 0.65
    work_delay = rnd.randint(1, 12)
    medical = rnd.random() < 0.95
    custody_draw = rnd.random()
    custody: CustodyType = "unit" if custody_draw < 0.45 else "personal" if custody_draw < 0.85 else "none"
    agency_public = custody == "personal" or rnd.random() < 0.7
    unit_brand = rnd.choice(BRANDS)
    id_first_issue_age = 16 if rnd.random() < 0.6 else rnd.randint(0, 15)
    id_offset = rnd.randint(20, 300)
    hukou_book = f"{rnd.randrange(10**9):09d}"
    business = draw_uscc(rnd, "92", region) if rnd.random() < 0.05 else None
    serial = rnd.randrange(10**6)

    person = PersonRecord(
        id_number=id_number,
        name=name,
        gender=gender,
        ethnicity=ethnicity,
        birth_date=birth,
        nationality="CHN",
        hukou_type=hukou_type,
        hukou_region=region,
        hukou_address=region_address(region, hukou_street),
        residence_address=region_address(region, residence_street),
        id_valid_until=None,
        political_status="13",
        marital_status="10",
        mobile=mobile,
    )
    return _Life(
        person=person,
        political_draw=political,
        marriage_age=marriage_age,
        divorced=divorced,
        path=path,
        card_age=card_age,
        insured_ever=insured_ever,
        via_employer=via_employer,
        work_delay_months=work_delay,
        medical_enrolled=medical,
        custody=custody,
        agency_public=agency_public,
        unit_brand=unit_brand,
        id_first_issue_age=id_first_issue_age,
        id_issue_offset_days=id_offset,
        hukou_book_number=hukou_book,
        business_uscc=business,
        certificate_serial=serial,
    )


def _political_status(draw: float, age: int) -> str:
    if age >= 18 and draw < 0.1:
        return "01"  # 中国共产党党员
    if 14 <= age <= 28 and draw < 0.5:
        return "03"  # 共青团员
    return "13"  # 群众


def _marital_status(marriage_age: int | None, divorced: bool, age: int) -> str:
    if marriage_age is None or age < marriage_age:
        return "10"
    return "40" if divorced and age >= marriage_age + 5 else "21"


def _id_card_valid_until(birth: date, first_issue_age: int, offset_days: int, today: date) -> date | None:
    """The current card's expiry under the Resident Identity Card Law (居民身份证法 art. 5): under 16
    five years, 16–25 ten, 26–45 twenty, 46 and over long-term (``None``)."""
    issued = years_later(birth, min(first_issue_age, max(age_on(birth, today), 0))) + timedelta(
        days=offset_days
    )
    if issued > today:
        issued = today
    while True:
        age = age_on(birth, issued)
        years = 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else None
        if years is None:
            return None
        until = years_later(issued, years)
        if until > today:
            return until
        issued = until


@dataclass(frozen=True)
class Records:
    person: PersonRecord
    education: EducationRecord | None
    insurance: InsuranceRecord | None
    archive: ArchiveRecord | None
    licences: tuple[ELicence, ...]


def _completed(path: tuple[_Step, ...], birth: date, today: date) -> tuple[_Step, date] | None:
    done = [(s, graduation_day(birth, GRADUATION_AGE[s.level])) for s in path]
    done = [(s, d) for s, d in done if d <= today]
    return done[-1] if done else None


def _retirement_date(person: PersonRecord) -> date:
    category = RetirementCategory.MALE_60 if person.gender == "1" else RetirementCategory.FEMALE_55
    return retirement(person.birth_date, category).retirement_date


@functools.lru_cache(maxsize=8192)  # one filing reads each person several times; records are frozen
def synthetic_records(id_number: str, today: date) -> Records:
    life = drawn_life(id_number)
    base = life.person
    birth = base.birth_date
    age = age_on(birth, today)
    person = replace(
        base,
        political_status=_political_status(life.political_draw, age),
        marital_status=_marital_status(life.marriage_age, life.divorced, age),
        id_valid_until=_id_card_valid_until(birth, life.id_first_issue_age, life.id_issue_offset_days, today),
    )

    finished = _completed(life.path, birth, today)
    education = None
    if finished is not None:
        step, graduated = finished
        education = EducationRecord(step.level, step.school, step.major, graduated, step.verified)

    final_step = life.path[-1]
    final_done = graduation_day(birth, GRADUATION_AGE[final_step.level])
    work_start = add_months(max(final_done, years_later(birth, 16)), life.work_delay_months)
    working = today >= work_start and life.insured_ever
    retired = today >= _retirement_date(person)
    card = None
    if life.card_age is not None and age >= life.card_age:
        card = SocialCard(province_code=province_of(base.hukou_region), number=id_number)
    insurance = InsuranceRecord(
        social_card=card,
        pension_enrolled=working,
        pension_via_employer=working and life.via_employer and not retired,
        medical_enrolled=life.medical_enrolled,
        medical_via_employer=life.medical_enrolled and working and life.via_employer and not retired,
        first_insured_month=f"{work_start:%Y-%m}" if working else None,
    )

    archive = None
    has_archive = final_step.level in HIGHER_EDUCATION or final_step.level in ("41", "47")
    if has_archive and today >= final_done and life.custody != "none" and age >= 16:
        pref = prefecture(base.hukou_region)
        public = life.agency_public
        # A unit that keeps its staff's archives itself (not a public service) is its own agency.
        agency = (
            f"{pref}公共就业和人才服务中心" if public else f"{pref}{life.unit_brand}集团有限公司人力资源部"
        )
        archive = ArchiveRecord(
            custody_type=life.custody,
            agency=agency,
            agency_is_public_service=public,
            agency_province=province_of(base.hukou_region),
        )
    business = life.business_uscc if age >= 18 else None
    licences = licences_of(person, education, life.hukou_book_number, life.certificate_serial, business)
    return Records(person, education, insurance, archive, licences)


def licences_of(
    person: PersonRecord,
    education: EducationRecord | None,
    hukou_book_number: str,
    serial: int,
    business_uscc: str | None,
) -> tuple[ELicence, ...]:
    police = police_bureau(person.hukou_region)
    out = [
        ELicence("id_card", person.id_number, police, person.id_valid_until),
        ELicence("hukou_book", hukou_book_number, police, None),
    ]
    if education is not None and education.level in HIGHER_EDUCATION:
        school_code = (
            int(hashlib.sha256(education.school.encode("utf-8")).hexdigest()[:8], 16) % 90000 + 10000
        )
        level = {"11": "01", "14": "02", "21": "05", "31": "06"}[education.level]
        number = f"{school_code}1{education.graduation_date.year}{level}{serial:06d}"
        out.append(ELicence("graduation_certificate", number, education.school, None))
    if business_uscc is not None:
        out.append(
            ELicence(
                "business_licence", business_uscc, f"{region_label(person.hukou_region)}市场监督管理局", None
            )
        )
    return tuple(out)


# -------------------------------------------------------------------------------- synthetic employers


@functools.lru_cache(maxsize=4096)
def synthetic_employer(code: str) -> EmployerRecord | None:
    rnd = rng(code)
    region = next(
        (r for r in (code[2:8], code[2:6] + "00", code[2:4] + "0000") if r in region_code_list()),
        None,
    )
    if region is None:
        return None
    pref = prefecture(region)
    county = region_label(region)
    brand = rnd.choice(BRANDS)
    industry = rnd.choice(INDUSTRIES)
    if code.startswith("92"):
        name = f"{county}{brand}{rnd.choice(SHOPS)}"
    elif code.startswith("93"):
        name = f"{county}{brand}农民专业合作社"
    elif code.startswith("1"):
        name = f"{pref}{brand}服务中心"
    elif code.startswith("5"):
        name = f"{pref}{industry}协会"
    else:
        name = f"{pref}{brand}{industry}有限公司"
    has_si = rnd.random() < 0.8
    si_code = f"{region}{rnd.randrange(10**6):06d}"
    has_fund = rnd.random() < (0.6 if has_si else 0.1)
    fund = f"{region[:4]}{rnd.randrange(10**11):011d}"
    street = f"{rnd.choice(STREETS)}{rnd.randint(1, 999)}号"
    return EmployerRecord(
        uscc=code,
        name=name,
        si_code=si_code if has_si else None,
        housing_fund_account=fund if has_fund else None,
        address=region_address(region, street),
        legal_representative=draw_name(rnd, rnd.choice("12")),
        collective_archive_entrustment=rnd.random() < 0.25,
    )
