"""People and employers worth trying in the sandbox (``GET /api/v1/sandbox/people``, ``/employers``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from stdnum.cn import ric

from lianban.catalog.codelists import load_code_lists, region_name
from lianban_sandbox.registry.draw import age_on, id_with_check, rng, words
from lianban_sandbox.registry.personas import PersonPersona
from lianban_sandbox.registry.registry import SandboxRegistry

# Divisions synthetic listed people come from: the themes' regions, codes in use since 1983 or
# earlier (python-stdnum refuses a number whose division did not exist in the birth year).
_LISTED_REGIONS = words(
    "420102 420106 420111 420500 420600 422822 370302 370303 370305 360100 361100 130102 130104"
)


def _listed_synthetic_ids() -> Iterator[str]:
    first, last = date(1966, 1, 1).toordinal(), date(2008, 12, 31).toordinal()
    i = 0
    while True:
        rnd = rng(f"lianban-sandbox-people:{i}")
        i += 1
        birth = date.fromordinal(rnd.randint(first, last))
        number = id_with_check(f"{rnd.choice(_LISTED_REGIONS)}{birth:%Y%m%d}{rnd.randrange(1000):03d}")
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
