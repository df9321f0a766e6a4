"""The sandbox registry (沙箱数据): every data-sharing provider at once, synthetic and deterministic.

Any resident ID number the product's validator accepts (check character, birth date, a GB/T 2260
address code that ever existed, abolished ones included, whatever the birth year) is a person:
gender and birth date come from the number, the household registration division from its first
six digits, and everything
else — name, ethnicity, addresses, schooling, social insurance, archive — is drawn from the number
(:mod:`.lives`). Any valid unified social credit code (``stdnum.cn.uscc``) is an employer the same
way. Named personas (:mod:`.personas`) override the synthetic values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from stdnum.cn import ric

from lianban.sharing.providers import (
    ArchiveRecord,
    EducationRecord,
    ELicence,
    EmployerRecord,
    InsuranceRecord,
    PersonRecord,
    SharingHub,
)
from lianban_sandbox.registry.draw import valid_id, valid_uscc
from lianban_sandbox.registry.lives import (
    Records,
    drawn_life,
    licences_of,
    synthetic_employer,
    synthetic_records,
)
from lianban_sandbox.registry.personas import KEEP, PERSONAS_FILE, Personas, load_personas

_DRAWN_KEPT = 4096  # people whose records a registry keeps drawn


class SandboxRegistry:
    """Every data-sharing provider at once (人口库, 电子证照库, 学历, 市场主体, 社保, 档案), synthetic.

    ``today`` is the registry's clock: records are read as of that day (a pension starts, an
    identity card is renewed, a ``this_year`` graduate graduates). Tests pass a fixed day.
    """

    def __init__(self, today: Callable[[], date] = date.today, personas_file: Path = PERSONAS_FILE) -> None:
        self._today = today
        self._personas_file = personas_file
        # a number's records as of a day, drawn once: a filing reads a person, her schooling,
        # insurance and archive (each twice, for prefill and facts), all from the same records
        self._drawn: dict[tuple[str, date], Records | None] = {}

    def today(self) -> date:
        return self._today()

    def personas(self) -> Personas:
        return load_personas(self._today(), self._personas_file)

    def _records(self, id_number: str) -> Records | None:
        """The records of ``id_number`` as of today (frozen values: safe to hand out again)."""
        today = self._today()
        key = (id_number, today)
        if key in self._drawn:
            return self._drawn[key]
        records = self._draw(id_number, today)
        if len(self._drawn) >= _DRAWN_KEPT:  # the oldest go first (a dict keeps insertion order)
            for old in list(self._drawn)[: _DRAWN_KEPT // 4]:
                self._drawn.pop(old, None)
        self._drawn[key] = records
        return records

    def _draw(self, id_number: str, today: date) -> Records | None:
        number = valid_id(id_number)
        if number is None or ric.get_birth_date(number) > today:
            return None
        records = synthetic_records(number, today)
        persona = self.personas().person(number)
        if persona is None:
            return records
        person = replace(records.person, **persona.person)
        education = records.education if persona.education is KEEP else persona.education
        insurance = records.insurance if persona.insurance is KEEP else persona.insurance
        archive = records.archive if persona.archive is KEEP else persona.archive
        life = drawn_life(number)
        licences = licences_of(person, education, life.hukou_book_number, life.certificate_serial, None)
        return Records(
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
        code = valid_uscc(uscc)
        if code is None:
            return None
        persona = self.personas().employer(code)
        return persona.record if persona else synthetic_employer(code)


def sandbox_hub(registry: SandboxRegistry | None = None) -> SharingHub:
    """A :class:`SharingHub` whose every provider is the sandbox registry."""
    r = registry or SandboxRegistry()
    return SharingHub(population=r, e_licences=r, education=r, business=r, social_insurance=r, archives=r)
