"""The sandbox registry and the sharing hub, read as the documents read.

The personas are the people the themes are written for: a graduate settling in Wuhan, a
postgraduate past 45, a 15-year-old, a man past retirement, a Zibo worker already holding a
Shandong social security card, an employer without a housing fund account. Persons defined by an
age keep it whatever the date, so the tests run the registry at several dates, not only today.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stdnum.cn import ric, uscc

from lianban.calendar.retirement import RetirementCategory, retirement
from lianban.catalog.catalogue import default_catalogue, load_facts
from lianban.catalog.codelists import load_code_lists, region_name
from lianban.catalog.loader import load_field_dictionary
from lianban.catalog.model import Condition, Item
from lianban.forms.validate import validate_value
from lianban.rules.eligibility import activation, evaluate_condition
from lianban.sharing.providers import (
    EMPLOYER_PREFILL_KEYS,
    PERSON_PREFILL_KEYS,
    SharingHub,
    Subject,
)
from lianban_sandbox.registry import (
    PersonaError,
    Personas,
    SandboxRegistry,
    age_on,
    load_personas,
    sandbox_hub,
    sandbox_people,
)
from lianban_sandbox.web.people import router

TODAY = date.today()
# Dates across the years ahead, including the edges of a year and a leap day: personas defined by an
# age or by "graduated this year" must say the same on every one of them.
DATES = [
    TODAY,
    date(2027, 1, 1),
    date(2028, 2, 29),
    date(2029, 6, 29),
    date(2029, 6, 30),
    date(2031, 9, 19),
    date(2031, 9, 20),
    date(2035, 12, 31),
]
POSTGRADUATE = {"10", "11", "14", "17"}
UNDERGRADUATE_OR_COLLEGE = {"20", "21", "28", "30", "31"}


def registry_on(day: date) -> SandboxRegistry:
    return SandboxRegistry(today=lambda: day)


def hub_on(day: date) -> SharingHub:
    return sandbox_hub(registry_on(day))


def personas(day: date = TODAY) -> Personas:
    return load_personas(day)


def person_id(key: str, day: date = TODAY) -> str:
    return personas(day).people[key].id_number


def employer_uscc(key: str) -> str:
    return personas().employers[key].uscc


def find_condition(
    theme_id: str, condition_id: str, item_code: str | None = None
) -> tuple[Condition, Item | None]:
    theme = default_catalogue().theme(theme_id)
    if item_code is None:
        return next(c for c in theme.conditions if c.id == condition_id), None
    item = theme.item(item_code)
    return next(c for c in item.conditions if c.id == condition_id), item


def condition_met(
    theme_id: str,
    condition_id: str,
    *,
    item: str | None = None,
    id_number: str | None = None,
    uscc_code: str | None = None,
    situation: dict[str, str] | None = None,
    day: date = TODAY,
) -> bool | None:
    """Evaluate one theme condition on what data sharing says about the persona."""
    theme = default_catalogue().theme(theme_id)
    hub = hub_on(day)
    values: dict[str, object] = {}
    if id_number:
        values.update(hub.prefill_person(id_number))
    if uscc_code:
        values.update(hub.prefill_employer(uscc_code))
    facts = hub.facts(id_number, uscc_code, province_code=theme.region_code)
    cond, it = find_condition(theme_id, condition_id, item)
    return evaluate_condition(cond, it, activation(values, situation or {}, facts, day), {}).met


# ------------------------------------------------------------------------------ the Wuhan graduate


def test_the_wuhan_graduate_is_prefilled_with_her_name_gender_birth_date_and_education() -> None:
    prefill = hub_on(TODAY).prefill_person(person_id("wuhan_graduate"))

    assert prefill["person.name"] == "陈思雨"
    assert prefill["person.gender"] == "2"  # 女, GB/T 2261.1
    assert prefill["person.birth_date"] == "2004-05-12"
    assert prefill["education.level"] == "21"  # 大学本科毕业, GB/T 4658
    graduated = date.fromisoformat(str(prefill["education.graduation_date"]))
    assert graduated.year == TODAY.year and graduated <= TODAY  # graduated this year
    assert prefill["person.id_number"] == "420602200405120263"


def test_the_wuhan_graduate_lives_in_hongshan_with_her_hukou_elsewhere_in_hubei() -> None:
    prefill = hub_on(TODAY).prefill_person(person_id("wuhan_graduate"))
    assert prefill["person.residence_address"] == {
        "region": "420111",
        "detail": "湖北省武汉市洪山区珞狮路122号武汉理工大学南湖校区学生公寓9栋",
    }
    assert prefill["person.hukou_region"] == "420602"  # 襄阳市襄城区
    facts = hub_on(TODAY).facts(person_id("wuhan_graduate"), province_code="420000")
    assert facts["hukou_in_province"] is True
    assert facts["resident_in_province"] is True
    assert facts["education_verified"] is True


@pytest.mark.parametrize("day", DATES)
def test_the_wuhan_graduate_graduated_in_the_year_of_any_application_date(day: date) -> None:
    graduation = registry_on(day).education(person_id("wuhan_graduate", day))
    assert graduation is not None
    assert graduation.graduation_date.year == day.year
    assert graduation.graduation_date <= day
    assert condition_met(
        "hubei.graduate-employment",
        "graduate_with_certificate",
        id_number=person_id("wuhan_graduate", day),
        day=day,
    )


def test_the_wuhan_graduate_may_settle_in_wuhan() -> None:
    assert condition_met(
        "hubei.graduate-employment",
        "wuhan_graduate_settlement",
        item="hukou_transfer",
        id_number=person_id("wuhan_graduate"),
        situation={"settle_city": "wuhan"},
    )


def test_her_e_licences_are_her_identity_card_hukou_book_and_diploma() -> None:
    number = person_id("wuhan_graduate")
    licences = {lic.kind: lic for lic in registry_on(TODAY).licences(number)}
    assert set(licences) == {"id_card", "hukou_book", "graduation_certificate"}
    assert licences["id_card"].number == number
    assert licences["id_card"].issued_by == "襄阳市公安局襄城分局"
    assert licences["graduation_certificate"].issued_by == "武汉理工大学"
    assert licences["graduation_certificate"].name == "毕业证书"


# ------------------------------------------------------------------------------ synthetic people


def test_the_same_synthetic_number_gives_the_same_person_twice() -> None:
    number = "110101199003074477"
    assert registry_on(TODAY).person(number) == SandboxRegistry(today=lambda: TODAY).person(number)
    assert hub_on(TODAY).prefill_person(number) == hub_on(TODAY).prefill_person(number)
    assert registry_on(TODAY).licences(number) == registry_on(TODAY).licences(number)


def test_the_same_synthetic_number_gives_the_same_person_in_another_process() -> None:
    number = "110101199003074477"
    script = (
        "import json, datetime;"
        "from lianban_sandbox.registry import SandboxRegistry, sandbox_hub;"
        f"d = datetime.date.fromisoformat({TODAY.isoformat()!r});"
        f"print(json.dumps(sandbox_hub(SandboxRegistry(today=lambda: d)).prefill_person({number!r})))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == hub_on(TODAY).prefill_person(number)


def test_a_synthetic_person_takes_gender_birth_date_and_hukou_from_the_number() -> None:
    person = registry_on(TODAY).person("420111199212138700")  # 洪山区, 1992-12-13, sequence 870 (even)
    assert person is not None
    assert person.gender == "2"
    assert person.birth_date == date(1992, 12, 13)
    assert person.hukou_region == "420111"
    assert person.hukou_address.region == "420111"
    assert person.hukou_address.detail.startswith(region_name("420111"))  # 湖北省武汉市洪山区…
    assert person.nationality == "CHN"
    assert len(person.name) >= 2


def test_an_invalid_number_is_nobody() -> None:
    wrong_check = "110101199003074478"
    registry = registry_on(TODAY)
    hub = hub_on(TODAY)
    for number in (wrong_check, "12345", "", "11010119900307447X"):
        assert registry.person(number) is None
        assert registry.education(number) is None
        assert registry.insurance(number) is None
        assert registry.archive(number) is None
        assert registry.licences(number) == []
        assert hub.prefill_person(number) == {}
        assert hub.facts(number, province_code="420000") == {}


def test_a_man_born_in_1958_under_a_district_code_created_in_1995_is_known() -> None:
    """江夏区 got its code 420115 in 1995; a man born there in 1958 got his number when his card was
    issued, after 1995 (GB 11643: the address code is where the number was assigned). The
    validator accepts any GB/T 2260 code that ever existed; the registry knows him too."""
    body = "42011519580312001"
    number = body + ric.calc_check_digit(body + "0")
    assert not ric.is_valid(number)  # python-stdnum wants the code to exist in the birth year
    person = registry_on(TODAY).person(number)
    assert person is not None
    assert person.birth_date == date(1958, 3, 12)
    assert person.gender == "1"
    assert person.hukou_region == "420115"
    assert hub_on(TODAY).prefill_person(number)["person.birth_date"] == "1958-03-12"


def test_a_number_whose_address_code_never_existed_is_nobody() -> None:
    body = "42019919580312001"  # 4201 99: never a division of Wuhan
    assert registry_on(TODAY).person(body + ric.calc_check_digit(body + "0")) is None


def test_someone_not_yet_born_is_nobody() -> None:
    body = "42011120210101001"  # born 2021-01-01
    number = body + ric.calc_check_digit(body + "0")
    assert registry_on(date(2020, 12, 31)).person(number) is None
    assert registry_on(date(2021, 1, 1)).person(number) is not None


@pytest.mark.parametrize("i", range(40))
def test_synthetic_schooling_fits_the_age(i: int) -> None:
    entry = sandbox_people(limit=60)[len(personas().people) + i]
    assert entry["persona"] is None
    birth = date.fromisoformat(entry["birth_date"])
    education = registry_on(TODAY).education(entry["id_number"])
    if age_on(birth, TODAY) < 13:
        assert education is None
        return
    assert education is not None
    assert education.graduation_date <= TODAY
    finished_at = age_on(birth, education.graduation_date)
    youngest = {"81": 11, "71": 14, "61": 17, "41": 17, "47": 17, "31": 20, "21": 21, "14": 24, "11": 27}
    assert finished_at >= youngest[education.level]
    assert education.verified is False or education.level in {"11", "14", "21", "31"}


# ------------------------------------------------------------------------------ persona ages


def test_every_persona_number_is_checksum_valid() -> None:
    for day in DATES:
        for persona in personas(day).people.values():
            assert ric.is_valid(persona.id_number), (persona.key, persona.id_number)
        for employer in personas(day).employers.values():
            assert uscc.is_valid(employer.uscc), (employer.key, employer.uscc)


@pytest.mark.parametrize("day", DATES)
def test_personas_defined_by_age_have_that_age_on_any_date(day: date) -> None:
    stated = {
        "wuhan_postgraduate_46": 46,
        "wuhan_junior_college_47": 47,
        "minor_17": 17,
        "minor_15": 15,
        "hebei_age_15": 15,
    }
    people = personas(day).people
    for key, years in stated.items():
        assert people[key].age == years
        person = registry_on(day).person(people[key].id_number)
        assert person is not None
        assert age_on(person.birth_date, day) == years, key


def test_personas_with_fixed_birth_dates_match_their_descriptions() -> None:
    people = personas().people
    man = registry_on(TODAY).person(people["retired_man_1962"].id_number)
    woman = registry_on(TODAY).person(people["retired_woman_1970"].id_number)
    assert man is not None and woman is not None
    assert man.birth_date.year == 1962 and man.gender == "1"
    assert woman.birth_date == date(1970, 3, 15) and woman.gender == "2"
    assert age_on(woman.birth_date, date(2026, 11, 23)) == 56  # "2026年56周岁"
    assert retirement(man.birth_date, RetirementCategory.MALE_60).retirement_date == date(2022, 8, 18)
    assert retirement(woman.birth_date, RetirementCategory.FEMALE_55).retirement_date == date(2025, 4, 15)


@pytest.mark.parametrize("day", DATES)
def test_working_age_and_retirement_decide_as_the_descriptions_say(day: date) -> None:
    def working_age(key: str) -> bool | None:
        return condition_met(
            "hubei.flexible-employment",
            "working_age",
            item="employment_registration",
            id_number=person_id(key, day),
            day=day,
        )

    def before_pension(key: str) -> bool | None:
        return condition_met(
            "hubei.flexible-employment",
            "before_basic_pension",
            item="employment_registration",
            id_number=person_id(key, day),
            day=day,
        )

    assert working_age("minor_15") is False  # below 16
    assert working_age("minor_17") is True
    # seed 000: “年满16周岁（含）至依法享受基本养老保险待遇” — the end is the pension, not the
    # retirement date: past it the working-age condition holds and a warning says why
    assert working_age("retired_man_1962") is True
    assert before_pension("retired_man_1962") is False
    assert before_pension("retired_woman_1970") is False  # female 55 + delay, already reached
    assert before_pension("minor_17") is True
    assert working_age("wuhan_junior_college_47") is True


@pytest.mark.parametrize("day", DATES)
def test_a_postgraduate_of_46_may_settle_in_wuhan_but_a_junior_college_graduate_of_47_may_not(
    day: date,
) -> None:
    postgraduate = registry_on(day).education(person_id("wuhan_postgraduate_46", day))
    college = registry_on(day).education(person_id("wuhan_junior_college_47", day))
    assert postgraduate is not None and postgraduate.level in POSTGRADUATE
    assert college is not None and college.level in UNDERGRADUATE_OR_COLLEGE

    def settles(key: str) -> bool | None:
        return condition_met(
            "hubei.graduate-employment",
            "wuhan_graduate_settlement",
            item="hukou_transfer",
            id_number=person_id(key, day),
            situation={"settle_city": "wuhan"},
            day=day,
        )

    assert settles("wuhan_postgraduate_46") is True
    assert settles("wuhan_junior_college_47") is False


def test_the_yichang_graduate_and_his_spouse_point_at_each_other() -> None:
    registry = registry_on(TODAY)
    graduate = registry.person(person_id("yichang_graduate_married"))
    spouse = registry.person(person_id("yichang_spouse"))
    assert graduate is not None and spouse is not None
    assert graduate.spouse_id_number == spouse.id_number
    assert spouse.spouse_id_number == graduate.id_number
    assert graduate.marital_status == spouse.marital_status == "21"  # 初婚
    assert graduate.residence_address.region.startswith("4205")  # 宜昌市
    assert condition_met(
        "hubei.graduate-employment",
        "other_city_graduate_settlement",
        item="hukou_transfer",
        id_number=graduate.id_number,
        situation={"settle_city": "other"},
    )


# ------------------------------------------------------------------------------ facts


def test_the_shandong_card_holder_holds_a_card_of_shandong_but_not_of_hubei() -> None:
    hub = hub_on(TODAY)
    number = person_id("shandong_card_holder")
    in_shandong = hub.facts(number, province_code="370000")
    in_hubei = hub.facts(number, province_code="420000")
    assert in_shandong["holds_social_card"] is True
    assert in_shandong["holds_social_card_in_province"] is True
    assert in_hubei["holds_social_card"] is True
    assert in_hubei["holds_social_card_in_province"] is False
    # Zibo's theme region is a city: the province is Shandong.
    assert hub.facts(number, province_code="370300")["holds_social_card_in_province"] is True
    assert (
        condition_met(
            "zibo.unit-employment", "holds_card_in_shandong", item="social_card_application", id_number=number
        )
        is False
    )  # the card item is dropped


def test_employer_facts_with_and_without_a_housing_fund_account() -> None:
    hub = hub_on(TODAY)
    with_fund = hub.facts(uscc=employer_uscc("zibo_employer_with_fund"), province_code="370300")
    without = hub.facts(uscc=employer_uscc("zibo_employer_without_fund"), province_code="370300")
    assert with_fund["employer_has_housing_fund_account"] is True
    assert with_fund["employer_has_collective_archive_entrustment"] is True
    assert without["employer_has_housing_fund_account"] is False
    assert without["employer_registered_with_social_insurance"] is True
    first_time = hub.facts(uscc=employer_uscc("first_time_employer"), province_code="361100")
    assert first_time["employer_registered_with_social_insurance"] is False
    assert first_time["employer_has_housing_fund_account"] is False
    assert condition_met(
        "zibo.unit-employment",
        "unit_account_exists",
        item="housing_fund_account",
        uscc_code=employer_uscc("zibo_employer_with_fund"),
    )
    assert (
        condition_met(
            "zibo.unit-employment",
            "unit_account_exists",
            item="housing_fund_account",
            uscc_code=employer_uscc("zibo_employer_without_fund"),
        )
        is False
    )


def test_the_shangrao_employer_is_prefilled_from_the_business_register() -> None:
    code = employer_uscc("shangrao_employer")
    assert code[2:8] == "361100"
    prefill = hub_on(TODAY).prefill(Subject.employer(code))
    assert prefill["employer.uscc"] == code
    assert prefill["employer.name"] == "上饶市信江新材料科技有限公司"
    assert prefill["employer.si_code"] == "361100200318"
    assert prefill["employer.housing_fund_account"] == "361100801234567"
    assert str(prefill["employer.address"]).startswith("江西省上饶市信州区")
    first = hub_on(TODAY).prefill_employer(employer_uscc("first_time_employer"))
    assert "employer.si_code" not in first and "employer.housing_fund_account" not in first


def test_an_unknown_valid_uscc_is_a_synthetic_employer_the_same_every_time() -> None:
    code = "91110000600037341L"
    first = registry_on(TODAY).employer(code)
    assert first is not None and first == registry_on(TODAY).employer(code)
    assert first.address.region == "110000"
    assert registry_on(TODAY).employer("91110000600037341X") is None  # wrong check character
    assert hub_on(TODAY).facts(uscc="91110000600037341X", province_code="110000") == {}


def test_archives_in_and_outside_the_province() -> None:
    hub = hub_on(TODAY)
    zibo = hub.facts(person_id("zibo_flexible_unit_archive"), province_code="370300")
    assert zibo["archive_custody_type"] == "unit"
    assert zibo["archive_in_public_service_in_province"] is True
    assert (
        hub.prefill_person(person_id("zibo_flexible_unit_archive"))["archives.custody_type"]
        == "unit_collective"
    )

    hebei = hub.facts(person_id("hebei_flexible_public_archive"), province_code="130000")
    assert hebei["archive_custody_type"] == "personal"
    assert hebei["archive_in_public_service_in_province"] is True
    assert condition_met(
        "hebei.flexible-employment",
        "archive_in_public_service",
        id_number=person_id("hebei_flexible_public_archive"),
    )

    outside = person_id("archive_outside_province")
    assert hub.facts(outside, province_code="420000")["archive_in_public_service_in_province"] is False
    assert hub.facts(outside, province_code="410000")["archive_in_public_service_in_province"] is True
    assert (
        condition_met(
            "hubei.flexible-employment",
            "archive_in_public_service",
            item="archive_transfer_out",
            id_number=outside,
        )
        is False
    )


def test_no_archive_on_record_is_custody_none() -> None:
    facts = hub_on(TODAY).facts(person_id("minor_17"), province_code="420000")
    assert facts["archive_custody_type"] == "none"
    assert facts["archive_agency_name"] == ""
    assert facts["archive_in_public_service_in_province"] is False
    assert "archives.custody_type" not in hub_on(TODAY).prefill_person(person_id("minor_17"))


# ------------------------------------------------------------------------------ the dictionary


def test_every_prefill_key_is_in_the_field_dictionary_with_that_prefill_source() -> None:
    fields, _ = load_field_dictionary()
    for key, source in {**PERSON_PREFILL_KEYS, **EMPLOYER_PREFILL_KEYS}.items():
        assert key in fields, key
        assert fields[key].prefill.value == source, key


def test_the_hub_fills_every_field_whose_source_it_serves() -> None:
    fields, _ = load_field_dictionary()
    served = {"population", "education", "social_insurance", "archives", "business"}
    expected = {k for k, f in fields.items() if f.prefill.value in served}
    assert expected == {k for k, s in {**PERSON_PREFILL_KEYS, **EMPLOYER_PREFILL_KEYS}.items() if s in served}


def test_prefilled_keys_and_values_are_valid_for_their_fields() -> None:
    fields, _ = load_field_dictionary()
    lists = load_code_lists()
    hub = hub_on(TODAY)
    numbers = [p.id_number for p in personas().people.values()]
    numbers += [e["id_number"] for e in sandbox_people(limit=40) if e["persona"] is None]
    prefills = [hub.prefill_person(n) for n in numbers]
    prefills += [hub.prefill_employer(e.uscc) for e in personas().employers.values()]
    prefills.append(hub.prefill_employer("91110000600037341L"))
    for prefill in prefills:
        assert prefill
        for key, value in prefill.items():
            assert key in fields, key
            normalised, issues = validate_value(fields[key], value, today=TODAY, code_lists=lists)
            assert not issues, (key, value, issues)
            assert normalised == value, (key, value, normalised)


def test_every_fact_is_declared_with_its_type() -> None:
    declared = load_facts()
    python_type = {"bool": bool, "string": str, "int": int, "date": str}
    hub = hub_on(TODAY)
    facts: dict[str, Any] = {}
    for persona in personas().people.values():
        facts.update(hub.facts(persona.id_number, province_code="420000"))
    for employer in personas().employers.values():
        facts.update(hub.facts(uscc=employer.uscc, province_code="370000"))
    for name, value in facts.items():
        assert name in declared, name
        assert isinstance(value, python_type[declared[name].type]), (name, value)
    # Only the receiving agency depends on what the applicant chooses in the form.
    assert set(declared) - set(facts) == {"receiving_agency_public_service_in_province"}


# ------------------------------------------------------------------------------ personas file


def test_a_persona_with_a_wrong_check_digit_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "personas.yaml"
    path.write_text(
        'people:\n  x:\n    name: 某人\n    description: d\n    description_en: d\n    id_number: "420602200405120264"\n',
        encoding="utf-8",
    )
    with pytest.raises(PersonaError, match="420602200405120264"):
        load_personas(TODAY, path)


# ------------------------------------------------------------------------------ listing and HTTP


def test_sandbox_people_lists_the_personas_first_then_synthetic_people() -> None:
    people = sandbox_people(limit=20)
    assert len(people) == 20
    keys = [p["persona"] for p in people]
    named = len(personas().people)
    assert keys[:named] == list(personas().people)
    assert all(k is None for k in keys[named:])
    assert people[0]["name"] == "陈思雨"
    assert people[0]["graduation"]["level"] == "21"
    assert {"id_number", "name", "birth_date", "gender", "graduation", "description"} <= set(people[0])
    assert sandbox_people(limit=20) == people  # the same people every time


def test_sandbox_people_filters_on_key_name_and_description() -> None:
    assert [p["persona"] for p in sandbox_people(filter="minor")] == ["minor_17", "minor_15"]
    assert [p["persona"] for p in sandbox_people(filter="王磊")] == ["shandong_card_holder"]
    assert all(
        "淄博" in p["description"] or "Zibo" in p["description_en"] for p in sandbox_people(filter="淄博")
    )
    assert sandbox_people(limit=3, filter="合成人员") and all(
        p["persona"] is None for p in sandbox_people(limit=3, filter="合成人员")
    )
    assert sandbox_people(filter="没有这个人") == []


def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_the_people_endpoint_answers_with_personas() -> None:
    answer = client().get("/api/v1/sandbox/people", params={"limit": 5})
    assert answer.status_code == 200
    body = answer.json()
    assert [p["persona"] for p in body] == list(personas().people)[:5]
    assert body[0]["id_number"] == person_id("wuhan_graduate")

    filtered = client().get("/api/v1/sandbox/people", params={"filter": "retired"}).json()
    assert [p["persona"] for p in filtered] == ["retired_man_1962", "retired_woman_1970"]


@pytest.mark.parametrize("limit", ["0", "201", "-1", "many"])
def test_a_bad_limit_is_a_validation_error(limit: str) -> None:
    assert client().get("/api/v1/sandbox/people", params={"limit": limit}).status_code == 422


def test_the_employers_endpoint_lists_the_employer_personas() -> None:
    body = client().get("/api/v1/sandbox/employers").json()
    assert [e["persona"] for e in body] == list(personas().employers)
    first_time = next(e for e in body if e["persona"] == "first_time_employer")
    assert first_time["si_code"] is None and first_time["housing_fund_account"] is None
