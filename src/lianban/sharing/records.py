"""What data sharing answers with (共享数据): the subject asked about and the records each provider
returns — a person, an electronic licence, education, an employer, social insurance, an archive
(:mod:`.providers` asks for them and turns them into prefill and facts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

# ------------------------------------------------------------------------------------------- subject


@dataclass(frozen=True)
class Subject:
    """Whom data is shared about: a person by 公民身份号码, or an employer by 统一社会信用代码."""

    kind: Literal["person", "employer"]
    identifier: str

    @classmethod
    def person(cls, id_number: str) -> Subject:
        return cls("person", id_number)

    @classmethod
    def employer(cls, uscc: str) -> Subject:
        return cls("employer", uscc)


# ------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Address:
    """A postal address: GB/T 2260 division code and the full address text."""

    region: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"region": self.region, "detail": self.detail}


@dataclass(frozen=True)
class PersonRecord:
    """人口库: a resident as the population register knows them.

    Codes: ``gender`` GB/T 2261.1, ``ethnicity`` GB/T 3304, ``nationality`` GB/T 2659 alpha-3,
    ``hukou_type`` the ``hukou_type`` list, ``political_status`` GB/T 4762, ``marital_status``
    GB/T 2261.2, ``hukou_region`` GB/T 2260. ``id_valid_until`` is ``None`` for a long-term (长期)
    identity card.
    """

    id_number: str
    name: str
    gender: str
    ethnicity: str
    birth_date: date
    nationality: str
    hukou_type: str
    hukou_region: str
    hukou_address: Address
    residence_address: Address
    id_valid_until: date | None
    political_status: str
    marital_status: str
    mobile: str
    spouse_id_number: str | None = None


LicenceKind = Literal["id_card", "hukou_book", "graduation_certificate", "business_licence"]

#: The licence kinds by the names the materials lists print.
LICENCE_NAMES: Mapping[str, str] = {
    "id_card": "居民身份证",
    "hukou_book": "居民户口簿",
    "graduation_certificate": "毕业证书",
    "business_licence": "营业执照",
}


@dataclass(frozen=True)
class ELicence:
    """电子证照: one licence of the electronic licence library. ``valid_until`` ``None`` = 长期."""

    kind: LicenceKind
    number: str
    issued_by: str
    valid_until: date | None

    @property
    def name(self) -> str:
        return LICENCE_NAMES[self.kind]


@dataclass(frozen=True)
class EducationRecord:
    """学历信息: the highest schooling completed. ``level`` is a GB/T 4658 code (e.g. ``21`` 大学本科毕业);
    ``verified`` means certified by the Ministry of Education (学信网学历认证)."""

    level: str
    school: str
    major: str | None
    graduation_date: date
    verified: bool


@dataclass(frozen=True)
class EmployerRecord:
    """市场主体登记 (with the social insurance and housing fund registrations shared alongside).

    ``si_code`` is the 单位编码 of social insurance registration, ``housing_fund_account`` the
    住房公积金单位账号; ``None`` when the employer has not registered yet.
    ``collective_archive_entrustment``: the employer has entrusted its staff archives collectively
    (单位委托集体存档) to the public employment and talent service where it is registered.
    """

    uscc: str
    name: str
    si_code: str | None
    housing_fund_account: str | None
    address: Address
    legal_representative: str
    collective_archive_entrustment: bool


@dataclass(frozen=True)
class SocialCard:
    """社会保障卡: the issuing province (GB/T 2260 ``xx0000``); the card number is the ID number."""

    province_code: str
    number: str


@dataclass(frozen=True)
class InsuranceRecord:
    """社保参保信息: the social security card held, and pension and medical enrolment now."""

    social_card: SocialCard | None
    pension_enrolled: bool
    pension_via_employer: bool
    medical_enrolled: bool
    medical_via_employer: bool
    first_insured_month: str | None  # YYYY-MM

    @property
    def holds_social_card(self) -> bool:
        return self.social_card is not None


CustodyType = Literal["unit", "personal", "none"]

#: Custody as the archive service reports it → the ``archive_custody_type`` code list.
ARCHIVE_CUSTODY_CODES: Mapping[str, str] = {"unit": "unit_collective", "personal": "personal"}


@dataclass(frozen=True)
class ArchiveRecord:
    """档案存放信息: how and where a person's personnel archive (人事档案) is kept.

    ``custody_type``: ``unit`` 单位存档, ``personal`` 个人存档, ``none`` no archive on record.
    ``agency_is_public_service``: kept by a public employment and talent service
    (公共就业人才服务机构); ``agency_province`` its province (``xx0000``).
    """

    custody_type: CustodyType
    agency: str | None
    agency_is_public_service: bool
    agency_province: str | None
