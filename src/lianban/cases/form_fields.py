"""A few fields of a case's form (申请表单) read alone: the applicant's phone for a notice, say.

The form is one protected JSON column whose personal values are each sealed on their own
(:class:`lianban.security.fieldcrypt.ProtectedJSON`): reading the whole of it to learn one value
decrypts every personal value of the form — of every employee of an employer's case. Here the
database hands back only the values asked for (a JSON path per field), and only those are opened.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import JSON, Table, inspect, select, type_coerce
from sqlalchemy.orm import Session

from lianban.cases.schema import Case
from lianban.security.fieldcrypt import ProtectedJSON, field_encryption

_CASES = cast(Table, Case.__table__)
_FORM_TYPE = cast(ProtectedJSON, _CASES.c.form.type)
_RAW_FORM = type_coerce(_CASES.c.form, JSON)  # the stored JSON, values still sealed


_READ = "lianban.form_fields"  # session.info: (the transaction, {(case_id, field): value})


def form_fields(session: Session, case: Case, *names: str) -> dict[str, Any]:
    """The values of the top-level fields ``names`` of ``case``'s form (None where absent), read
    from the form already loaded with ``case``, else alone from the database — once a transaction:
    the next notice of the case in the same transaction asks again and reads nothing."""
    if "form" not in inspect(case).unloaded:
        form = case.form or {}
        return {name: form.get(name) for name in names}
    transaction = session.get_transaction()
    held = session.info.get(_READ)
    if held is None or held[0] is not transaction:
        known: dict[tuple[str, str], Any] = {}
        held = session.info[_READ] = (transaction, known)
    values = held[1]
    missing = [name for name in names if (case.case_id, name) not in values]
    if missing:
        row = session.execute(
            select(*(_RAW_FORM[name] for name in missing)).where(_CASES.c.case_id == case.case_id)
        ).one_or_none()
        crypt = field_encryption(session) if row is not None else None
        for i, name in enumerate(missing):
            stored = row[i] if row is not None else None
            values[(case.case_id, name)] = (
                _FORM_TYPE.open_field(name, stored, crypt) if crypt is not None else None
            )
    return {name: values[(case.case_id, name)] for name in names}
