"""Data-sharing providers (数据共享) behind one interface, and the hub that turns them into prefill and facts.

A deployment connects one provider of each kind — the population register (人口库), the
electronic licence library (电子证照库), education records (学历信息), the business register
(市场主体登记), social insurance records (社保参保信息) and the archive service (档案存放信息) —
and the :class:`SharingHub` answers the two questions the rest of lianban asks:

- **prefill** (预填): canonical field key → verified value, for every key whose ``prefill`` source in
  the field dictionary (``catalog/data/fields.yaml``) one of these providers serves. The applicant
  then 补表、审表 instead of 填表.
- **facts** (共享事实): the named facts of ``catalog/data/facts.yaml`` that theme rules read as
  ``facts.<name>``, decided for one person and/or employer and the theme's province.

Values are JSON-ready, in the shapes the forms room normalises to: dates ``YYYY-MM-DD``, months
``YYYY-MM``, addresses ``{"region", "detail"}``, codes as strings. A key or fact the providers
cannot decide is left out rather than guessed.

Providers are synchronous :class:`typing.Protocol` classes with one method each; the sandbox
registry (``lianban_sandbox.registry``, outside the product) implements all six.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from lianban.sharing.records import (
    ARCHIVE_CUSTODY_CODES,
    LICENCE_NAMES,
    Address,
    ArchiveRecord,
    CustodyType,
    EducationRecord,
    ELicence,
    EmployerRecord,
    InsuranceRecord,
    LicenceKind,
    PersonRecord,
    SocialCard,
    Subject,
)

__all__ = [
    "ARCHIVE_CUSTODY_CODES",
    "EMPLOYER_PREFILL_KEYS",
    "LICENCE_NAMES",
    "PERSON_PREFILL_KEYS",
    "Address",
    "ArchiveRecord",
    "ArchiveService",
    "BusinessRegistry",
    "CustodyType",
    "ELicence",
    "ELicenceLibrary",
    "EducationRecord",
    "EducationRecords",
    "EmployerRecord",
    "InsuranceRecord",
    "LicenceKind",
    "PersonRecord",
    "PopulationRegistry",
    "SharingHub",
    "SocialCard",
    "SocialInsuranceRecords",
    "Subject",
    "province_of",
]


# ----------------------------------------------------------------------------------------- providers


class PopulationRegistry(Protocol):
    """人口库."""

    def person(self, id_number: str) -> PersonRecord | None: ...


class ELicenceLibrary(Protocol):
    """电子证照库."""

    def licences(self, id_number: str) -> list[ELicence]: ...


class EducationRecords(Protocol):
    """学历信息."""

    def education(self, id_number: str) -> EducationRecord | None: ...


class BusinessRegistry(Protocol):
    """市场主体登记."""

    def employer(self, uscc: str) -> EmployerRecord | None: ...


class SocialInsuranceRecords(Protocol):
    """社保参保信息."""

    def insurance(self, id_number: str) -> InsuranceRecord | None: ...


class ArchiveService(Protocol):
    """档案存放信息."""

    def archive(self, id_number: str) -> ArchiveRecord | None: ...


# ------------------------------------------------------------------------------------ prefill tables


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


# Each canonical key the hub fills, with the dictionary's prefill source it serves and how the value
# is read from the records. A test checks every key and source against fields.yaml.
_PersonGetter = Callable[[PersonRecord], object]
_POPULATION: dict[str, _PersonGetter] = {
    "person.name": lambda p: p.name,
    "person.id_type": lambda p: "01",  # 居民身份证（户口簿）: the register holds citizens
    "person.gender": lambda p: p.gender,
    "person.ethnicity": lambda p: p.ethnicity,
    "person.nationality": lambda p: p.nationality,
    "person.birth_date": lambda p: p.birth_date.isoformat(),
    "person.political_status": lambda p: p.political_status,
    "person.marital_status": lambda p: p.marital_status,
    "person.hukou_type": lambda p: p.hukou_type,
    "person.hukou_region": lambda p: p.hukou_region,
    "person.hukou_address": lambda p: p.hukou_address.as_dict(),
    "person.residence_address": lambda p: p.residence_address.as_dict(),
    "subsidy.hukou_place": lambda p: p.hukou_region,
    "social_card.id_valid_until": lambda p: _iso(p.id_valid_until),
}
_EDUCATION: dict[str, Callable[[EducationRecord], object]] = {
    "education.level": lambda e: e.level,
    "education.school": lambda e: e.school,
    "education.major": lambda e: e.major,
    "education.graduation_date": lambda e: e.graduation_date.isoformat(),
}
_INSURANCE: dict[str, Callable[[InsuranceRecord], object]] = {
    "insurance.has_social_card": lambda i: i.holds_social_card,
    "insurance.pension.first_insured_month": lambda i: i.first_insured_month,
}
_ARCHIVES: dict[str, Callable[[ArchiveRecord], object]] = {
    "archives.custody_type": lambda a: ARCHIVE_CUSTODY_CODES.get(a.custody_type),
    "archives.current_agency": lambda a: a.agency if a.custody_type != "none" else None,
}
_BUSINESS: dict[str, Callable[[EmployerRecord], object]] = {
    "employer.name": lambda e: e.name,
    "employer.si_code": lambda e: e.si_code,
    "employer.housing_fund_account": lambda e: e.housing_fund_account,
    "employer.address": lambda e: e.address.detail,
}

#: Person keys the hub can fill → the dictionary prefill source that serves them.
PERSON_PREFILL_KEYS: Mapping[str, str] = {
    "person.id_number": "account",
    **dict.fromkeys(_POPULATION, "population"),
    **dict.fromkeys(_EDUCATION, "education"),
    **dict.fromkeys(_INSURANCE, "social_insurance"),
    **dict.fromkeys(_ARCHIVES, "archives"),
}

#: Employer keys the hub can fill → the dictionary prefill source that serves them.
EMPLOYER_PREFILL_KEYS: Mapping[str, str] = {
    "employer.uscc": "account",
    **dict.fromkeys(_BUSINESS, "business"),
}


_R = TypeVar("_R")


def province_of(region_code: str) -> str:
    """The province (``xx0000``) of a GB/T 2260 code: ``370303`` → ``370000``."""
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError(f"not a GB/T 2260 division code: {region_code!r}")
    return region_code[:2] + "0000"


def _fill(out: dict[str, object], record: _R | None, table: Mapping[str, Callable[[_R], object]]) -> None:
    if record is None:
        return
    for key, read in table.items():
        value = read(record)
        if value is not None:
            out[key] = value


# --------------------------------------------------------------------------------------------- hub


@dataclass(frozen=True)
class SharingHub:
    """One provider of each kind; prefill and facts for a person, an employer, a province."""

    population: PopulationRegistry
    e_licences: ELicenceLibrary
    education: EducationRecords
    business: BusinessRegistry
    social_insurance: SocialInsuranceRecords
    archives: ArchiveService

    def prefill(self, subject: Subject) -> dict[str, object]:
        """Prefill for a person or an employer (see :meth:`prefill_person`, :meth:`prefill_employer`)."""
        if subject.kind == "person":
            return self.prefill_person(subject.identifier)
        return self.prefill_employer(subject.identifier)

    def prefill_person(self, id_number: str) -> dict[str, object]:
        """Canonical key → verified value for a person (预填). Empty when the register does not know
        the number: nothing is shared about someone who is not there."""
        person = self.population.person(id_number)
        if person is None:
            return {}
        out: dict[str, object] = {"person.id_number": person.id_number}
        _fill(out, person, _POPULATION)
        _fill(out, self.education.education(id_number), _EDUCATION)
        _fill(out, self.social_insurance.insurance(id_number), _INSURANCE)
        _fill(out, self.archives.archive(id_number), _ARCHIVES)
        return out

    def prefill_employer(self, uscc: str) -> dict[str, object]:
        """Canonical ``employer.*`` key → value from the business register; empty when unknown."""
        employer = self.business.employer(uscc)
        if employer is None:
            return {}
        out: dict[str, object] = {"employer.uscc": employer.uscc}
        _fill(out, employer, _BUSINESS)
        return out

    def facts(
        self, id_number: str | None = None, uscc: str | None = None, *, province_code: str
    ) -> dict[str, object]:
        """The facts of ``facts.yaml`` the providers decide, for the theme's province.

        ``province_code`` may be any division of the province (a theme's ``region_code`` such as
        ``370300`` 淄博市 means Shandong). Person facts need a person the register knows; employer
        facts an employer the business register knows. ``receiving_agency_public_service_in_province``
        depends on the agency the applicant chooses in the form, so it is not decided here.
        """
        province = province_of(province_code)
        out: dict[str, object] = {}
        if id_number is not None:
            out.update(self._person_facts(id_number, province))
        if uscc is not None:
            out.update(self._employer_facts(uscc, province))
        return out

    def _person_facts(self, id_number: str, province: str) -> dict[str, object]:
        person = self.population.person(id_number)
        if person is None:
            return {}
        out: dict[str, object] = {
            "resident_in_province": province_of(person.residence_address.region) == province,
            "hukou_in_province": province_of(person.hukou_region) == province,
        }
        # No record in these registers is itself the answer: no card, not enrolled, no archive.
        insurance = self.social_insurance.insurance(id_number)
        card = insurance.social_card if insurance else None
        out["holds_social_card"] = card is not None
        out["holds_social_card_in_province"] = (
            card is not None and province_of(card.province_code) == province
        )
        out["enrolled_pension"] = bool(insurance and insurance.pension_enrolled)
        out["enrolled_pension_via_employer"] = bool(insurance and insurance.pension_via_employer)
        out["enrolled_medical"] = bool(insurance and insurance.medical_enrolled)
        out["enrolled_medical_via_employer"] = bool(insurance and insurance.medical_via_employer)

        education = self.education.education(id_number)
        out["education_verified"] = bool(education and education.verified)

        archive = self.archives.archive(id_number)
        custody: CustodyType = archive.custody_type if archive else "none"
        out["archive_custody_type"] = custody
        out["archive_agency_name"] = (archive.agency or "") if archive and custody != "none" else ""
        out["archive_in_public_service_in_province"] = bool(
            archive
            and custody != "none"
            and archive.agency_is_public_service
            and archive.agency_province is not None
            and province_of(archive.agency_province) == province
        )
        return out

    def _employer_facts(self, uscc: str, province: str) -> dict[str, object]:
        employer = self.business.employer(uscc)
        if employer is None:
            return {}
        return {
            "employer_has_housing_fund_account": employer.housing_fund_account is not None,
            "employer_registered_with_social_insurance": employer.si_code is not None,
            "employer_has_collective_archive_entrustment": employer.collective_archive_entrustment
            and province_of(employer.address.region) == province,
        }
