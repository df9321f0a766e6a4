"""What data sharing knows about the applicant (数据共享), for the form: verified values to prefill
and facts for the rules — a person's by ID number, an employer's by USCC, each new employee's by
the number on the row. A window clerk filing for a walk-in applicant (帮办代办) gets the
applicant's, by the number the form names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lianban.catalog.model import Theme
from lianban.security.tokens import Identity, Role
from lianban.sharing.providers import SharingHub


def prefill_for(
    hub: SharingHub | None, identity: Identity | None, form: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Verified values for the caller's own form (or, at the window, the applicant's)."""
    if hub is None or identity is None:
        return {}
    if identity.role is Role.WINDOW_CLERK and form:
        if form.get("person.id_number"):
            return dict(hub.prefill_person(str(form["person.id_number"]).strip().upper()))
        if form.get("employer.uscc"):
            return dict(hub.prefill_employer(str(form["employer.uscc"]).strip().upper()))
        return {}
    if identity.id_number:
        return dict(hub.prefill_person(identity.id_number))
    if identity.uscc:
        return dict(hub.prefill_employer(identity.uscc))
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
        number = str(row.get("person.id_number") or "") if isinstance(row, Mapping) else ""
        if hub is None or not number:
            prefill.append({})
            facts.append({})
            continue
        prefill.append(dict(hub.prefill_person(number)))
        facts.append(dict(hub.facts(id_number=number, province_code=theme.region_code)))
    return prefill, facts
