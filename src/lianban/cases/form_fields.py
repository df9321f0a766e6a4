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


def form_fields(session: Session, case: Case, *names: str) -> dict[str, Any]:
    """The values of the top-level fields ``names`` of ``case``'s form (None where absent), read
    from the form already loaded with ``case``, else alone from the database."""
    if "form" not in inspect(case).unloaded:
        form = case.form or {}
        return {name: form.get(name) for name in names}
    row = session.execute(
        select(*(_RAW_FORM[name] for name in names)).where(_CASES.c.case_id == case.case_id)
    ).one_or_none()
    if row is None:
        return dict.fromkeys(names)
    crypt = field_encryption(session)
    return {name: _FORM_TYPE.open_field(name, value, crypt) for name, value in zip(names, row, strict=True)}
