"""What data sharing knows about the applicant (数据共享), for the form: verified values to prefill
and facts for the rules — a person's by ID number, an employer's by USCC, each new employee's by
the number on the row. A window clerk filing for a walk-in applicant (帮办代办) gets the
applicant's, by the number the form names.

The logged-in identity is the applicant: her ``person.id_number`` (an employer's ``employer.uscc``)
is the token's, locked like any verified value whether or not a register knows her; her birth date
and gender are read from her ID number (GB 11643) when no register says them — so the form, the
rules and the departments never see another person's number or a typed birth date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lianban.catalog.model import Theme
from lianban.forms.fieldtypes.identifiers import id_number_facts
from lianban.security.tokens import Identity, Role
from lianban.sharing.providers import SharingHub


def person_prefill(hub: SharingHub | None, id_number: str) -> dict[str, Any]:
    """A person's verified values: the register's, over what the ID number says."""
    return {**id_number_facts(id_number), **(hub.prefill_person(id_number) if hub is not None else {})}


def prefill_for(
    hub: SharingHub | None, identity: Identity | None, form: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Verified values for the caller's own form (or, at the window, the applicant's); the
    caller's own ID number or credit code always among them."""
    if identity is None:
        return {}
    if identity.role is Role.WINDOW_CLERK:
        if form and form.get("person.id_number"):
            return person_prefill(hub, str(form["person.id_number"]).strip().upper())
        if form and form.get("employer.uscc") and hub is not None:
            return dict(hub.prefill_employer(str(form["employer.uscc"]).strip().upper()))
        return {}
    if identity.id_number:
        return {**person_prefill(hub, identity.id_number), "person.id_number": identity.id_number}
    if identity.uscc:
        employer = hub.prefill_employer(identity.uscc) if hub is not None else {}
        return {**employer, "employer.uscc": identity.uscc}
    return {}


def facts_for(
    hub: SharingHub | None, theme: Theme, identity: Identity | None, form: Mapping[str, Any]
) -> dict[str, Any]:
    """Facts the rules read, for the applicant (or the employer) in the theme's province."""
    if hub is None:
        return {}
    id_number = identity.id_number if identity and identity.id_number else None
    uscc = identity.uscc if identity and identity.uscc else None
    if id_number is None and uscc is None:
        # a window clerk files for someone else (帮办代办): the form names the applicant
        id_number = str(form.get("person.id_number") or "") or None
        uscc = str(form.get("employer.uscc") or "") or None
    return dict(hub.facts(id_number=id_number, uscc=uscc, province_code=theme.region_code))


def employee_sharing(
    hub: SharingHub | None, theme: Theme, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per employee row: verified values and facts by the employee's ID number."""
    prefill: list[dict[str, Any]] = []
    facts: list[dict[str, Any]] = []
    for row in rows:
        number = str(row.get("person.id_number") or "").strip().upper() if isinstance(row, Mapping) else ""
        if not number:
            prefill.append({})
            facts.append({})
            continue
        prefill.append(person_prefill(hub, number))
        facts.append(dict(hub.facts(id_number=number, province_code=theme.region_code)) if hub else {})
    return prefill, facts
