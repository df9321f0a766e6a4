"""Named sandbox personas (沙箱人员): ``data/personas.yaml`` resolved for one date.

Personas override the synthetic values for the situations the themes must show — a graduate
settling in Wuhan, a 15-year-old, a man past retirement, an employer without a housing fund
account … Personas defined by an age get their ID number derived from the registry's date, so
that they keep the age their description states.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, cast

from ruamel.yaml import YAML

from lianban.sharing.providers import (
    ArchiveRecord,
    CustodyType,
    EducationRecord,
    EmployerRecord,
    InsuranceRecord,
    SocialCard,
    province_of,
)
from lianban_sandbox.registry.draw import (
    draw_street,
    id_with_check,
    region_address,
    rng,
    valid_id,
    valid_uscc,
)

PERSONAS_FILE = Path(__file__).resolve().parents[1] / "data" / "personas.yaml"


class Synthetic(Enum):
    """A persona section left out: the synthetic value stands."""

    KEEP = "keep"


KEEP = Synthetic.KEEP


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
    education: EducationRecord | Synthetic | None = KEEP
    insurance: InsuranceRecord | Synthetic | None = KEEP
    archive: ArchiveRecord | Synthetic | None = KEEP


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
        number = id_with_check(f"{spec['region']}{birth:%Y%m%d}{spec['sequence']}")
    if valid_id(number) != number:
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
        out["residence_address"] = region_address(
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
        education: EducationRecord | Synthetic | None = KEEP
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
        insurance: InsuranceRecord | Synthetic | None = KEEP
        if "insurance" in body:
            insurance = None if body["insurance"] is None else _insurance(number, body["insurance"])
        archive: ArchiveRecord | Synthetic | None = KEEP
        if "archive" in body:
            archive = _archive(body["archive"])
        overrides = _person_overrides(body.get("person") or {}, ids)
        region = overrides.get("hukou_region")
        if region is not None and "hukou_address" not in overrides:
            street = draw_street(rng(f"hukou:{number}"))
            overrides["hukou_address"] = region_address(str(region), street)
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
        if valid_uscc(code) != code:
            raise PersonaError(f"employer {key}: {code} is not a valid unified social credit code")
        si_code, fund = body.get("si_code"), body.get("housing_fund_account")
        record = EmployerRecord(
            uscc=code,
            name=str(body["name"]),
            si_code=str(si_code) if si_code else None,
            housing_fund_account=str(fund) if fund else None,
            address=region_address(str(body["address"]["region"]), str(body["address"]["street"])),
            legal_representative=str(body["legal_representative"]),
            collective_archive_entrustment=bool(body["collective_archive_entrustment"]),
        )
        employers[key] = EmployerPersona(key, str(body["description"]), str(body["description_en"]), record)
    return Personas(on=today, people=people, employers=employers)
