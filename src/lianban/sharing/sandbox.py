"""The sandbox registry (沙箱数据): every data-sharing provider, synthetic and deterministic.

Any checksum-valid resident ID number (``stdnum.cn.ric``) is a person: gender and birth date come
from the number, the household registration division from its first six digits, and everything
else — name, ethnicity, addresses, schooling, social insurance, archive — from a
``random.Random`` seeded with the SHA-256 of the number, so the same number is the same person in
every run and on every machine. A person's life is drawn once (which schools, when work starts,
when the identity card is renewed) and then read at the registry's date: a synthetic 17-year-old
becomes a graduate in due course, never the other way round.

Any valid unified social credit code (``stdnum.cn.uscc``) is an employer the same way.

Named personas (``data/personas.yaml``) override the synthetic values for the situations the
themes must show — a graduate settling in Wuhan, a 15-year-old, a man past retirement, an
employer without a housing fund account … Personas defined by an age get their ID number derived
from the registry's date, so that they keep the age their description states.

Written by hand: the synthetic population is this project's own test fixture; no library draws
Chinese civil records. python-stdnum supplies the check characters.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, cast

from ruamel.yaml import YAML
from stdnum.cn import ric, uscc

from lianban.calendar.retirement import RetirementCategory, add_months, retirement
from lianban.catalog.codelists import load_code_lists, region_code_list, region_name
from lianban.sharing.providers import (
    Address,
    ArchiveRecord,
    CustodyType,
    EducationRecord,
    ELicence,
    EmployerRecord,
    InsuranceRecord,
    PersonRecord,
    SharingHub,
    SocialCard,
    province_of,
)

__all__ = [
    "PERSONAS_FILE",
    "EmployerPersona",
    "PersonPersona",
    "Personas",
    "SandboxRegistry",
    "age_on",
    "load_personas",
    "sandbox_employers",
    "sandbox_hub",
    "sandbox_people",
]

PERSONAS_FILE = Path(__file__).parent / "data" / "personas.yaml"


def age_on(birth: date, day: date) -> int:
    """Full years (周岁) on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _years_later(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def _rng(identifier: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(identifier.encode("ascii")).digest(), "big"))


@functools.lru_cache(maxsize=65536)  # python-stdnum's division lookup is slow; a person is read often
def _valid_id(number: str) -> str | None:
    compact = str(ric.compact(number))
    return compact if ric.is_valid(compact) else None


def _valid_uscc(code: str) -> str | None:
    compact = str(uscc.compact(code))
    return compact if uscc.is_valid(compact) else None


def _id_with_check(body17: str) -> str:
    return body17 + str(ric.calc_check_digit(body17 + "0"))


# ----------------------------------------------------------------------------------- drawing tables


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
_GIVEN_MALE = "伟强磊军洋勇杰涛明超斌鹏浩宇晨俊博文志建国华平辉刚健鑫昊然轩哲睿泽凯航峰亮毅翔"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲婷雪慧颖琳欣怡萱雨佳思梦璐瑶倩晶月悦诗涵琪媛丹莉蕾妍菲"
_STREETS = _words(
    "人民路 解放路 建设路 中山路 和平街 文化路 新华路 胜利街 光明路 团结路 幸福路 学府路 长江路 黄河路 朝阳街 滨江大道"
)
_BRANDS = ("恒信", "鼎盛", "华远", "瑞丰", "金桥", "博雅", "宏达", "万通", "新纪元", "启明", "汇通", "联创")
_INDUSTRIES = ("科技", "商贸", "建筑工程", "物流", "餐饮管理", "信息技术", "机械制造", "文化传媒", "医药")
_SHOPS = ("便利店", "小吃店", "理发店", "五金店", "水果店", "服装店")
_MAJORS = _words(
    "计算机科学与技术 会计学 汉语言文学 机械设计制造及其自动化 护理学 土木工程 市场营销 电子商务 英语 法学 软件技术 临床医学"
)
_VOCATIONAL_MAJORS = ("会计", "数控技术应用", "计算机应用", "护理", "汽车运用与维修", "电子技术应用")
_UNIVERSITIES: Mapping[str, tuple[str, ...]] = {
    "42": ("武汉大学", "华中科技大学", "武汉理工大学", "华中师范大学", "湖北大学", "三峡大学", "长江大学"),
    "37": ("山东大学", "山东理工大学", "青岛大学", "山东师范大学", "济南大学"),
    "36": ("南昌大学", "江西财经大学", "江西师范大学", "上饶师范学院"),
    "13": ("河北大学", "河北师范大学", "燕山大学", "河北工业大学"),
}
_COLLEGES: Mapping[str, tuple[str, ...]] = {
    "42": ("武汉职业技术学院", "湖北职业技术学院", "长江职业学院"),
    "37": ("淄博职业学院", "山东商业职业技术学院", "日照职业技术学院"),
    "36": ("上饶职业技术学院", "江西交通职业技术学院", "九江职业技术学院"),
    "13": ("石家庄职业技术学院", "河北工业职业技术大学", "邢台职业技术学院"),
}
_NATIONAL_UNIVERSITIES = ("北京师范大学", "南开大学", "四川大学", "中南大学", "郑州大学", "西北大学")
_NATIONAL_COLLEGES = ("深圳职业技术大学", "金华职业技术大学", "无锡职业技术学院")
_MOBILE_PREFIXES = _words(
    "130 131 132 135 136 137 138 139 150 151 155 156 158 159 166 177 180 181 186 187 188 189 191 199"
)
_NUMERALS = "一二三四五六七八"

# (final level, weight) of a synthetic schooling path; see _education_path.
_FINAL_LEVELS = (("71", 12), ("61", 13), ("41", 6), ("47", 4), ("31", 25), ("21", 30), ("14", 8), ("11", 2))
_HIGHER_EDUCATION = frozenset({"11", "14", "21", "31"})
_GRADUATION_AGE = {"81": 12, "71": 15, "61": 18, "41": 18, "47": 18, "31": 21, "21": 22, "14": 25, "11": 28}


def _label(code: str) -> str:
    entry = region_code_list().get(code)
    return entry.label if entry else code


def _prefecture(code: str) -> str:
    """The prefecture-level name for a county code (the county's own name when it has none)."""
    if code.endswith("00"):
        return _label(code)
    pref = code[:4] + "00"
    if pref in region_code_list() and _label(pref) not in ("市辖区", "县", "省直辖县级行政区划"):
        return _label(pref)
    return _label(code)


def _police(code: str) -> str:
    """The public security bureau that issues identity cards for a division (发证机关)."""
    county = _label(code)
    pref = _prefecture(code)
    if county.endswith("区") and pref != county:
        return f"{pref}公安局{county[:-1]}分局"
    return f"{county}公安局"


def _address(region: str, street: str) -> Address:
    return Address(region=region, detail=region_name(region) + street)


def _street(rnd: random.Random) -> str:
    return f"{rnd.choice(_STREETS)}{rnd.randint(1, 399)}号{rnd.randint(1, 30)}栋{rnd.randint(1, 4)}单元{rnd.randint(1, 28)}0{rnd.randint(1, 4)}室"


def _name(rnd: random.Random, gender: str) -> str:
    surname = rnd.choice(_COMPOUND_SURNAMES) if rnd.random() < 0.02 else rnd.choice(_SURNAMES)
    chars = _GIVEN_MALE if gender == "1" else _GIVEN_FEMALE
    given = rnd.choice(chars) + (rnd.choice(chars) if rnd.random() < 0.7 else "")
    return surname + given


def _org_code(rnd: random.Random) -> str:
    """A GB 11714 organisation code (8 characters and its check), as new registrations get (MA…)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "MA" + "".join(rnd.choice(alphabet) for _ in range(6))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c, 36) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def _make_uscc(rnd: random.Random, kind: str, region: str) -> str:
    body = kind + region + _org_code(rnd)
    return body + str(uscc.calc_check_digit(body))


def _graduation(birth: date, age: int) -> date:
    # Children born September–December start school a year later.
    return date(birth.year + age + (1 if birth.month >= 9 else 0), 6, 30)


# ---------------------------------------------------------------------------------- synthetic people


@dataclass(frozen=True)
class _Step:
    level: str
    school: str
    major: str | None
    verified: bool


@dataclass(frozen=True)
class _Life:
    """A synthetic person's whole life, drawn once from the number; read at a date by _synthetic()."""

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
    county = _label(region)
    pref = _prefecture(region)
    final = rnd.choices([c for c, _ in _FINAL_LEVELS], weights=[w for _, w in _FINAL_LEVELS])[0]
    university = rnd.choice(_UNIVERSITIES.get(province, _NATIONAL_UNIVERSITIES))
    college = rnd.choice(_COLLEGES.get(province, _NATIONAL_COLLEGES))
    major = rnd.choice(_MAJORS)
    vocational_major = rnd.choice(_VOCATIONAL_MAJORS)
    numeral = rnd.choice(_NUMERALS)
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
def _life(id_number: str) -> _Life:
    """Draw a person from a valid ID number. The order of draws is fixed: changing it changes
    every synthetic person, so add new draws at the end."""
    rnd = _rng(id_number)
    region = id_number[:6]
    birth = ric.get_birth_date(id_number)
    gender = "1" if int(id_number[16]) % 2 == 1 else "2"
    name = _name(rnd, gender)
    minority = rnd.random()
    if region.startswith("4228"):  # 恩施土家族苗族自治州
        ethnicity = "15" if minority < 0.45 else "06" if minority < 0.55 else "01"
    else:
        ethnicity = rnd.choice(("03", "11", "15", "06", "08")) if minority < 0.06 else "01"
    hukou_type = "resident_collective" if rnd.random() < 0.15 else "resident_family"
    hukou_street = _street(rnd)
    residence_street = hukou_street if rnd.random() < 0.7 else _street(rnd)
    mobile = rnd.choice(_MOBILE_PREFIXES) + f"{rnd.randrange(10**8):08d}"
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
    unit_brand = rnd.choice(_BRANDS)
    id_first_issue_age = 16 if rnd.random() < 0.6 else rnd.randint(0, 15)
    id_offset = rnd.randint(20, 300)
    hukou_book = f"{rnd.randrange(10**9):09d}"
    business = _make_uscc(rnd, "92", region) if rnd.random() < 0.05 else None
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
        hukou_address=_address(region, hukou_street),
        residence_address=_address(region, residence_street),
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
    issued = _years_later(birth, min(first_issue_age, max(age_on(birth, today), 0))) + timedelta(
        days=offset_days
    )
    if issued > today:
        issued = today
    while True:
        age = age_on(birth, issued)
        years = 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else None
        if years is None:
            return None
        until = _years_later(issued, years)
        if until > today:
            return until
        issued = until


@dataclass(frozen=True)
class _Records:
    person: PersonRecord
    education: EducationRecord | None
    insurance: InsuranceRecord | None
    archive: ArchiveRecord | None
    licences: tuple[ELicence, ...]


def _completed(path: tuple[_Step, ...], birth: date, today: date) -> tuple[_Step, date] | None:
    done = [(s, _graduation(birth, _GRADUATION_AGE[s.level])) for s in path]
    done = [(s, d) for s, d in done if d <= today]
    return done[-1] if done else None


def _retirement_date(person: PersonRecord) -> date:
    category = RetirementCategory.MALE_60 if person.gender == "1" else RetirementCategory.FEMALE_55
    return retirement(person.birth_date, category).retirement_date


@functools.lru_cache(maxsize=8192)  # one filing reads each person several times; records are frozen
def _synthetic(id_number: str, today: date) -> _Records:
    life = _life(id_number)
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
    final_done = _graduation(birth, _GRADUATION_AGE[final_step.level])
    work_start = add_months(max(final_done, _years_later(birth, 16)), life.work_delay_months)
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
    has_archive = final_step.level in _HIGHER_EDUCATION or final_step.level in ("41", "47")
    if has_archive and today >= final_done and life.custody != "none" and age >= 16:
        pref = _prefecture(base.hukou_region)
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
    licences = _licences(person, education, life.hukou_book_number, life.certificate_serial, business)
    return _Records(person, education, insurance, archive, licences)


def _licences(
    person: PersonRecord,
    education: EducationRecord | None,
    hukou_book_number: str,
    serial: int,
    business_uscc: str | None,
) -> tuple[ELicence, ...]:
    police = _police(person.hukou_region)
    out = [
        ELicence("id_card", person.id_number, police, person.id_valid_until),
        ELicence("hukou_book", hukou_book_number, police, None),
    ]
    if education is not None and education.level in _HIGHER_EDUCATION:
        school_code = (
            int(hashlib.sha256(education.school.encode("utf-8")).hexdigest()[:8], 16) % 90000 + 10000
        )
        level = {"11": "01", "14": "02", "21": "05", "31": "06"}[education.level]
        number = f"{school_code}1{education.graduation_date.year}{level}{serial:06d}"
        out.append(ELicence("graduation_certificate", number, education.school, None))
    if business_uscc is not None:
        out.append(
            ELicence("business_licence", business_uscc, f"{_label(person.hukou_region)}市场监督管理局", None)
        )
    return tuple(out)


# -------------------------------------------------------------------------------- synthetic employers


@functools.lru_cache(maxsize=4096)
def _synthetic_employer(code: str) -> EmployerRecord | None:
    rnd = _rng(code)
    region = next(
        (r for r in (code[2:8], code[2:6] + "00", code[2:4] + "0000") if r in region_code_list()),
        None,
    )
    if region is None:
        return None
    pref = _prefecture(region)
    county = _label(region)
    brand = rnd.choice(_BRANDS)
    industry = rnd.choice(_INDUSTRIES)
    if code.startswith("92"):
        name = f"{county}{brand}{rnd.choice(_SHOPS)}"
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
    street = f"{rnd.choice(_STREETS)}{rnd.randint(1, 999)}号"
    return EmployerRecord(
        uscc=code,
        name=name,
        si_code=si_code if has_si else None,
        housing_fund_account=fund if has_fund else None,
        address=_address(region, street),
        legal_representative=_name(rnd, rnd.choice("12")),
        collective_archive_entrustment=rnd.random() < 0.25,
    )


# ------------------------------------------------------------------------------------------ personas


class _Synthetic(Enum):
    """A persona section left out: the synthetic value stands."""

    KEEP = "keep"


_KEEP = _Synthetic.KEEP


@dataclass(frozen=True)
class PersonPersona:
    """A named sandbox person, resolved for one date (its ID number and dates fixed for that day)."""

    key: str
    name: str
    description: str
    description_en: str
    id_number: str
    age: int | None  # personas defined by age: exactly this many full years on the resolved date
    person: Mapping[str, Any] = field(default_factory=dict)  # PersonRecord field overrides
    education: EducationRecord | _Synthetic | None = _KEEP
    insurance: InsuranceRecord | _Synthetic | None = _KEEP
    archive: ArchiveRecord | _Synthetic | None = _KEEP


@dataclass(frozen=True)
class EmployerPersona:
    key: str
    description: str
    description_en: str
    record: EmployerRecord

    @property
    def uscc(self) -> str:
        return self.record.uscc

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True)
class Personas:
    """Every persona as of one date, by key and by number."""

    on: date
    people: Mapping[str, PersonPersona]
    employers: Mapping[str, EmployerPersona]

    def person(self, id_number: str) -> PersonPersona | None:
        return next((p for p in self.people.values() if p.id_number == id_number), None)

    def employer(self, code: str) -> EmployerPersona | None:
        return next((e for e in self.employers.values() if e.uscc == code), None)


class PersonaError(ValueError):
    """personas.yaml says something impossible (an invalid number, an unknown key)."""


@functools.lru_cache(maxsize=4)
def _read_personas(path: Path) -> dict[str, Any]:
    doc: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or set(doc) - {"people", "employers"}:
        raise PersonaError(f"{path}: expected a mapping with people and employers")
    return doc


def _check_keys(where: str, body: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = set(body) - allowed
    if unknown:
        raise PersonaError(f"{where}: unknown keys {sorted(unknown)}")


def _graduation_date(value: object, today: date) -> date:
    if value == "this_year":
        return min(date(today.year, 6, 30), today)
    return date.fromisoformat(str(value))


def _birth_for_age(age: int, birthday: str, today: date) -> date:
    month, day = (int(x) for x in birthday.split("-"))
    year = today.year - age - (0 if (month, day) <= (today.month, today.day) else 1)
    return date(year, month, day)


def _persona_id(key: str, body: Mapping[str, Any], today: date) -> tuple[str, int | None]:
    if "id_number" in body:
        number = str(body["id_number"])
        age = None
    else:
        spec = body["id"]
        age = int(body["age"])
        birth = _birth_for_age(age, str(spec["birthday"]), today)
        number = _id_with_check(f"{spec['region']}{birth:%Y%m%d}{spec['sequence']}")
    if _valid_id(number) != number:
        raise PersonaError(f"persona {key}: {number} is not a valid resident ID number")
    return number, age


def _insurance(id_number: str, body: Mapping[str, Any]) -> InsuranceRecord:
    _check_keys("insurance", body, {"social_card", "pension", "medical", "first_insured_month"})
    card = body.get("social_card")
    pension, medical = str(body.get("pension", "none")), str(body.get("medical", "none"))
    month = body.get("first_insured_month")
    return InsuranceRecord(
        social_card=SocialCard(province_of(str(card)), id_number) if card else None,
        pension_enrolled=pension != "none",
        pension_via_employer=pension == "employer",
        medical_enrolled=medical != "none",
        medical_via_employer=medical == "employer",
        first_insured_month=str(month) if month else None,
    )


def _archive(body: Mapping[str, Any] | None) -> ArchiveRecord | None:
    if body is None:
        return None
    _check_keys("archive", body, {"custody", "agency", "public_service", "province"})
    custody = str(body["custody"])
    if custody not in ("unit", "personal"):
        raise PersonaError(f"archive custody must be unit or personal, not {custody!r}")
    return ArchiveRecord(
        custody_type=cast(CustodyType, custody),
        agency=str(body["agency"]),
        agency_is_public_service=bool(body["public_service"]),
        agency_province=province_of(str(body["province"])),
    )


def _person_overrides(body: Mapping[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    _check_keys(
        "person",
        body,
        {
            "hukou_region",
            "hukou_type",
            "residence",
            "marital_status",
            "political_status",
            "ethnicity",
            "spouse",
        },
    )
    out: dict[str, Any] = {
        k: str(body[k])
        for k in ("hukou_type", "marital_status", "political_status", "ethnicity")
        if k in body
    }
    if "hukou_region" in body:
        out["hukou_region"] = str(body["hukou_region"])
    if "residence" in body:
        out["residence_address"] = _address(
            str(body["residence"]["region"]), str(body["residence"]["street"])
        )
    if "spouse" in body:
        out["spouse_id_number"] = ids[str(body["spouse"])]
    return out


_PERSON_KEYS = {
    "name",
    "description",
    "description_en",
    "id_number",
    "age",
    "id",
    "person",
    "education",
    "insurance",
    "archive",
}


@functools.lru_cache(maxsize=8)
def load_personas(today: date, path: Path = PERSONAS_FILE) -> Personas:
    """The personas of ``path`` resolved for ``today`` (numbers of age-defined personas, ``this_year``
    graduation dates). Raises :class:`PersonaError` for a number that fails its checksum."""
    doc = _read_personas(path)
    raw_people: Mapping[str, Any] = doc.get("people") or {}
    ids: dict[str, str] = {}
    ages: dict[str, int | None] = {}
    for key, body in raw_people.items():
        _check_keys(f"persona {key}", body, _PERSON_KEYS)
        ids[key], ages[key] = _persona_id(key, body, today)
    people: dict[str, PersonPersona] = {}
    for key, body in raw_people.items():
        number = ids[key]
        education: EducationRecord | _Synthetic | None = _KEEP
        if "education" in body:
            e = body["education"]
            education = None
            if e is not None:
                _check_keys("education", e, {"level", "school", "major", "graduation_date", "verified"})
                major = e.get("major")
                education = EducationRecord(
                    level=str(e["level"]),
                    school=str(e["school"]),
                    major=str(major) if major else None,
                    graduation_date=_graduation_date(e["graduation_date"], today),
                    verified=bool(e["verified"]),
                )
        insurance: InsuranceRecord | _Synthetic | None = _KEEP
        if "insurance" in body:
            insurance = None if body["insurance"] is None else _insurance(number, body["insurance"])
        archive: ArchiveRecord | _Synthetic | None = _KEEP
        if "archive" in body:
            archive = _archive(body["archive"])
        overrides = _person_overrides(body.get("person") or {}, ids)
        region = overrides.get("hukou_region")
        if region is not None and "hukou_address" not in overrides:
            street = _street(_rng(f"hukou:{number}"))
            overrides["hukou_address"] = _address(str(region), street)
        people[key] = PersonPersona(
            key=key,
            name=str(body["name"]),
            description=str(body["description"]),
            description_en=str(body["description_en"]),
            id_number=number,
            age=ages[key],
            person={"name": str(body["name"]), **overrides},
            education=education,
            insurance=insurance,
            archive=archive,
        )
    employers: dict[str, EmployerPersona] = {}
    for key, body in (doc.get("employers") or {}).items():
        _check_keys(
            f"employer {key}",
            body,
            {
                "uscc",
                "name",
                "description",
                "description_en",
                "si_code",
                "housing_fund_account",
                "address",
                "legal_representative",
                "collective_archive_entrustment",
            },
        )
        code = str(body["uscc"])
        if _valid_uscc(code) != code:
            raise PersonaError(f"employer {key}: {code} is not a valid unified social credit code")
        si_code, fund = body.get("si_code"), body.get("housing_fund_account")
        record = EmployerRecord(
            uscc=code,
            name=str(body["name"]),
            si_code=str(si_code) if si_code else None,
            housing_fund_account=str(fund) if fund else None,
            address=_address(str(body["address"]["region"]), str(body["address"]["street"])),
            legal_representative=str(body["legal_representative"]),
            collective_archive_entrustment=bool(body["collective_archive_entrustment"]),
        )
        employers[key] = EmployerPersona(key, str(body["description"]), str(body["description_en"]), record)
    return Personas(on=today, people=people, employers=employers)


# ------------------------------------------------------------------------------------------ registry


class SandboxRegistry:
    """Every data-sharing provider at once (人口库, 电子证照库, 学历, 市场主体, 社保, 档案), synthetic.

    ``today`` is the registry's clock: records are read as of that day (a pension starts, an
    identity card is renewed, a ``this_year`` graduate graduates). Tests pass a fixed day.
    """

    def __init__(self, today: Callable[[], date] = date.today, personas_file: Path = PERSONAS_FILE) -> None:
        self._today = today
        self._personas_file = personas_file

    def today(self) -> date:
        return self._today()

    def personas(self) -> Personas:
        return load_personas(self._today(), self._personas_file)

    def _records(self, id_number: str) -> _Records | None:
        number = _valid_id(id_number)
        today = self._today()
        if number is None or ric.get_birth_date(number) > today:
            return None
        records = _synthetic(number, today)
        persona = self.personas().person(number)
        if persona is None:
            return records
        person = replace(records.person, **persona.person)
        education = records.education if persona.education is _KEEP else persona.education
        insurance = records.insurance if persona.insurance is _KEEP else persona.insurance
        archive = records.archive if persona.archive is _KEEP else persona.archive
        life = _life(number)
        licences = _licences(person, education, life.hukou_book_number, life.certificate_serial, None)
        return _Records(
            person,
            education,
            insurance,
            archive,
            licences,
        )

    def person(self, id_number: str) -> PersonRecord | None:
        records = self._records(id_number)
        return records.person if records else None

    def licences(self, id_number: str) -> list[ELicence]:
        records = self._records(id_number)
        return list(records.licences) if records else []

    def education(self, id_number: str) -> EducationRecord | None:
        records = self._records(id_number)
        return records.education if records else None

    def insurance(self, id_number: str) -> InsuranceRecord | None:
        records = self._records(id_number)
        return records.insurance if records else None

    def archive(self, id_number: str) -> ArchiveRecord | None:
        records = self._records(id_number)
        return records.archive if records else None

    def employer(self, uscc: str) -> EmployerRecord | None:
        code = _valid_uscc(uscc)
        if code is None:
            return None
        persona = self.personas().employer(code)
        return persona.record if persona else _synthetic_employer(code)


def sandbox_hub(registry: SandboxRegistry | None = None) -> SharingHub:
    """A :class:`SharingHub` whose every provider is the sandbox registry."""
    r = registry or SandboxRegistry()
    return SharingHub(population=r, e_licences=r, education=r, business=r, social_insurance=r, archives=r)


# ------------------------------------------------------------------------------------------- listing

# Divisions synthetic listed people come from: the themes' regions, codes in use since 1983 or
# earlier (python-stdnum refuses a number whose division did not exist in the birth year).
_LISTED_REGIONS = _words(
    "420102 420106 420111 420500 420600 422822 370302 370303 370305 360100 361100 130102 130104"
)


def _listed_synthetic_ids() -> Iterator[str]:
    first, last = date(1966, 1, 1).toordinal(), date(2008, 12, 31).toordinal()
    i = 0
    while True:
        rnd = _rng(f"lianban-sandbox-people:{i}")
        i += 1
        birth = date.fromordinal(rnd.randint(first, last))
        number = _id_with_check(f"{rnd.choice(_LISTED_REGIONS)}{birth:%Y%m%d}{rnd.randrange(1000):03d}")
        if ric.is_valid(number):
            yield number


def _entry(
    registry: SandboxRegistry, number: str, persona: PersonPersona | None, today: date
) -> dict[str, Any] | None:
    person = registry.person(number)
    if person is None:
        return None
    education = registry.education(number)
    lists = load_code_lists()
    gender_label = lists["gb2261_1_gender"].get(person.gender)
    graduation = None
    if education is not None:
        level = lists["gb4658_education"].get(education.level)
        graduation = {
            "level": education.level,
            "level_label": level.label if level else education.level,
            "school": education.school,
            "major": education.major,
            "date": education.graduation_date.isoformat(),
            "verified": education.verified,
        }
    age = age_on(person.birth_date, today)
    if persona is None:
        schooling = graduation["level_label"] if graduation else "无学历记录"
        description = f"合成人员：{region_name(person.hukou_region)}户籍，{age}周岁，{schooling}"
        description_en = f"Synthetic person, hukou {person.hukou_region}, aged {age}"
    else:
        description, description_en = persona.description, persona.description_en
    return {
        "id_number": person.id_number,
        "name": person.name,
        "birth_date": person.birth_date.isoformat(),
        "age": age,
        "gender": person.gender,
        "gender_label": gender_label.label if gender_label else person.gender,
        "hukou_region": person.hukou_region,
        "hukou_region_name": region_name(person.hukou_region),
        "graduation": graduation,
        "persona": persona.key if persona else None,
        "description": description,
        "description_en": description_en,
    }


def _matches(entry: Mapping[str, Any], text: str | None) -> bool:
    if not text:
        return True
    needle = text.casefold()
    haystack = (entry["persona"] or "", entry["name"], entry["description"], entry["description_en"])
    return any(needle in str(h).casefold() for h in haystack)


def sandbox_people(
    limit: int = 20, filter: str | None = None, *, registry: SandboxRegistry | None = None
) -> list[dict[str, Any]]:
    """People to try the sandbox with: the personas first, then synthetic people (always the same
    ones, in the same order). ``filter`` keeps entries whose persona key, name or description
    contains it (case-insensitive)."""
    registry = registry or SandboxRegistry()
    today = registry.today()
    personas = registry.personas()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for persona in personas.people.values():
        entry = _entry(registry, persona.id_number, persona, today)
        if entry is not None and _matches(entry, filter):
            out.append(entry)
        seen.add(persona.id_number)
    budget = 20 * limit + 200  # a filter that matches no synthetic person must not scan for ever
    for number in _listed_synthetic_ids():
        if len(out) >= limit or budget == 0:
            break
        budget -= 1
        if number in seen:
            continue
        seen.add(number)
        entry = _entry(registry, number, None, today)
        if entry is not None and _matches(entry, filter):
            out.append(entry)
    return out[:limit]


def sandbox_employers(
    limit: int = 20, filter: str | None = None, *, registry: SandboxRegistry | None = None
) -> list[dict[str, Any]]:
    """The employer personas (USCC, name, registrations), filtered like :func:`sandbox_people`."""
    registry = registry or SandboxRegistry()
    out: list[dict[str, Any]] = []
    for persona in registry.personas().employers.values():
        r = persona.record
        entry: dict[str, Any] = {
            "uscc": r.uscc,
            "name": r.name,
            "si_code": r.si_code,
            "housing_fund_account": r.housing_fund_account,
            "address": r.address.as_dict(),
            "persona": persona.key,
            "description": persona.description,
            "description_en": persona.description_en,
        }
        if _matches(entry, filter):
            out.append(entry)
    return out[:limit]
