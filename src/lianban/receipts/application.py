"""The filed application as a PDF (申请表): the one form of a case as it was filed (or last
corrected), printed as the theme's application form with the case number on it.

Only the applicant, or the window clerk who filed it, may print it (anyone else: not found); the
print is audited. The values are the case's own, read back from the protected form; nothing is
checked again (the case was checked when it was filed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.cases.progress import add_audit
from lianban.cases.schema import CaseItem
from lianban.catalog.catalogue import Catalogue
from lianban.errors import not_found
from lianban.forms.printing import application_pdf
from lianban.forms.spec import build_form
from lianban.receipts.service import visible_case
from lianban.security.tokens import Identity


def filed_application(
    session: Session, catalogue: Catalogue, identity: Identity, case_id: str, now: datetime
) -> bytes:
    """The case's application form as PDF bytes (the caller commits: the print is audited)."""
    case = visible_case(session, identity, case_id)
    theme = catalogue.themes.get(case.theme_id)
    if theme is None:
        raise not_found(f"主题 {case.theme_id} ", f"theme {case.theme_id}")
    codes = sorted(set(session.execute(select(CaseItem.code).where(CaseItem.case_id == case_id)).scalars()))
    values: dict[str, Any] = dict(case.form or {})
    spec = build_form(catalogue, theme, items=codes or None, situation=case.situation, values=values)
    rows = values.get("employees") if theme.applicant_type == "employer" else None
    employees = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    add_audit(session, case_id, now, identity.subject, "print:application", {})
    return application_pdf(catalogue, spec, values, employees, case_ref=case_id)
