"""E-certificates (电子证照): recorded when an item is approved, signed at the first download by the
case's applicant, verified by anyone holding the code, revoked by the issuing department's staff.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session

from lianban.calendar import china_date
from lianban.cases.form_fields import form_fields
from lianban.cases.progress import add_audit, add_event, lock_case
from lianban.cases.schema import Case, CaseItem
from lianban.cases.service import visible
from lianban.catalog.model import Issued, Theme
from lianban.certificates.document import CertificatePage, certificate_pdf
from lianban.certificates.schema import Certificate
from lianban.context import Context
from lianban.db import session_cursor
from lianban.errors import Conflict, Forbidden, invalid_field, not_found
from lianban.prepared import Prepared, PreparedWrite, run_in
from lianban.receipts.service import mask_name
from lianban.security.pdfsign import ALGORITHM, platform_signer
from lianban.security.tokens import Identity, Role

_CERTIFICATES: Table = Certificate.__table__  # type: ignore[assignment]
_HAVE = Prepared(
    select(_CERTIFICATES.c.document_code).where(
        _CERTIFICATES.c.case_id == bindparam("case_id"), _CERTIFICATES.c.item_id == bindparam("item_id")
    )
)
_ISSUE = PreparedWrite(insert(_CERTIFICATES))
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud, typed from paper


def new_code() -> str:
    """A verification code: 20 characters, about 100 bits — unguessable, so the public page of a
    certificate is found only by someone who holds it."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(20))


@dataclass(frozen=True)
class Approved:
    """What a certificate takes of an approved sub-item (a :class:`CaseItem`'s columns)."""

    item_id: str
    code: str
    employee: int | None
    department: str
    result: dict[str, Any] | None


def _holder(session: Session, case: Case, item: Approved | CaseItem) -> str:
    """The holder's name, masked (张*三): the employee's for an employee's item (the person's or
    the employer's own read alone, not the whole form)."""
    if item.employee is not None:
        rows = (case.form or {}).get("employees") or []
        if isinstance(rows, list) and item.employee < len(rows) and isinstance(rows[item.employee], dict):
            return mask_name(str(rows[item.employee].get("person.name") or ""))
    form = form_fields(session, case, "person.name", "employer.name")
    name = form["person.name"] or form["employer.name"] or ""
    return mask_name(str(name)) if form["person.name"] else str(name)


def _number(item: Approved | CaseItem, document: Issued, case: Case) -> str:
    """The document's number as the department reported it; else the case's number and the document."""
    result = item.result or {}
    if result.get("number") and (
        result.get("code") in (None, document.code) or result.get("document") == document.name
    ):
        return str(result["number"])
    return f"{case.case_no or case.case_id}-{document.code}"


def issue_for_item(
    session: Session, case: Case, item: Approved | CaseItem, theme: Theme, at: datetime
) -> list[str]:
    """Record the certificates of what an approved item issues (once: a replay adds none); their
    codes. Read and written with statements compiled once on the transaction's driver cursor
    (:func:`lianban.prepared.run_in`), no ORM object to flush."""
    definition = next((it for it in theme.items if it.code == item.code), None)
    if definition is None or not definition.issues:
        return []
    session.flush()  # (what the caller added, before the driver's statements)
    have = {row[0] for row in run_in(session, _HAVE, {"case_id": case.case_id, "item_id": item.item_id})}
    wanted = [document for document in definition.issues if document.code not in have]
    if not wanted:
        return []
    holder = _holder(session, case, item)
    made = [
        {
            "code": new_code(),
            "case_id": case.case_id,
            "item_id": item.item_id,
            "department": item.department,
            "document_code": document.code,
            "document_name": document.name,
            "number": _number(item, document, case),
            "issuer": str((item.result or {}).get("issuer") or definition.handling_agency),
            "holder": holder,
            "issued_on": china_date(at),
            "status": "valid",
            "created_at": at,
        }
        for document in wanted
    ]
    cursor, dialect = session_cursor(session)
    _ISSUE.insert_many(cursor, dialect, made)
    for row in made:
        add_event(
            session,
            case.case_id,
            at,
            "certificate_issued",
            item.item_id,
            f"{row['document_name']}（电子证照）",
        )
    return [str(row["code"]) for row in made]


def _own_case(session: Session, identity: Identity, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None or not visible(identity, case):
        raise not_found(f"办件 {case_id} ", f"case {case_id}")
    return case


def listing(certificate: Certificate) -> dict[str, Any]:
    return {
        "code": certificate.code,
        "item_id": certificate.item_id,
        "document_code": certificate.document_code,
        "document_name": certificate.document_name,
        "number": certificate.number,
        "issued_on": certificate.issued_on.isoformat(),
        "status": certificate.status,
    }


def case_certificates(ctx: Context, identity: Identity, case_id: str) -> list[dict[str, Any]]:
    """The case's e-certificates, for its applicant (or the clerk who filed it)."""
    with ctx.sessions() as session:
        _own_case(session, identity, case_id)
        rows = session.execute(
            select(Certificate)
            .where(Certificate.case_id == case_id)
            .order_by(Certificate.item_id, Certificate.document_code)
        ).scalars()
        return [listing(c) for c in rows]


def download(ctx: Context, identity: Identity, case_id: str, code: str, base_url: str) -> tuple[str, bytes]:
    """The signed PDF (signed now if it never was), as ``(file name, bytes)``; audited."""
    settings = ctx.settings
    with ctx.sessions() as session, session.begin():
        lock_case(session, case_id)
        case = _own_case(session, identity, case_id)
        certificate = session.get(Certificate, code)
        if certificate is None or certificate.case_id != case_id:
            raise not_found(f"电子证照 {code} ", f"certificate {code}")
        if certificate.pdf is None:
            page = CertificatePage(
                code=certificate.code,
                document_name=certificate.document_name,
                number=certificate.number,
                holder=certificate.holder,
                issuer=certificate.issuer,
                issued_on=certificate.issued_on.isoformat(),
                case_no=case.case_no or case.case_id,
                verify_url=f"{base_url.rstrip('/')}/verify/{certificate.code}",
                algorithm=ALGORITHM,
            )
            signer = platform_signer(
                settings.data_dir, settings.sandbox, settings.certificate_key, settings.certificate_cert
            )
            certificate.pdf = signer.sign(certificate_pdf(page), f"{certificate.document_name} 电子证照")
        add_audit(session, case_id, ctx.clock.now(), identity.subject, "download:certificate", {"code": code})
        return f"{certificate.document_code}-{certificate.code}.pdf", certificate.pdf


def public_view(ctx: Context, code: str) -> dict[str, Any]:
    """What the verification page shows (核验): the certificate's own fields and whether it stands."""
    with ctx.sessions() as session:
        certificate = session.get(Certificate, code.strip().upper())
        if certificate is None:
            raise not_found(f"电子证照 {code} ", f"certificate {code}")
        return {
            **listing(certificate),
            "holder": certificate.holder,
            "issuer": certificate.issuer,
            **(
                {
                    "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
                    "revoked_reason": certificate.revoked_reason,
                }
                if certificate.status == "revoked"
                else {}
            ),
        }


def department_certificates(ctx: Context, identity: Identity, case_id: str) -> list[dict[str, Any]]:
    """The certificates a department's staff member may revoke in one case (their department's)."""
    department = _staff_department(identity)
    with ctx.sessions() as session:
        rows = session.execute(
            select(Certificate).where(Certificate.case_id == case_id, Certificate.department == department)
        ).scalars()
        return [listing(c) for c in rows]


def _staff_department(identity: Identity) -> str:
    if identity.role is not Role.DEPARTMENT_STAFF or not identity.department:
        raise Forbidden(
            "只有发证部门的经办人员可以撤销电子证照",
            "only the issuing department's staff revoke a certificate",
        )
    return identity.department


def revoke(ctx: Context, identity: Identity, code: str, reason: str) -> dict[str, Any]:
    """The issuing department revokes a certificate (撤销): from now on its page says revoked."""
    department = _staff_department(identity)
    if not reason.strip():
        raise invalid_field("reason", "required", "请填写撤销原因", "give the reason for revoking")
    now = ctx.clock.now()
    with ctx.sessions() as session, session.begin():
        found = session.get(Certificate, code)
        if found is None or found.department != department:  # another department's: not found
            raise not_found(f"电子证照 {code} ", f"certificate {code}")
        lock_case(session, found.case_id)
        certificate = session.get(Certificate, code, populate_existing=True)
        assert certificate is not None
        if certificate.status == "revoked":
            raise Conflict("该电子证照已撤销", "the certificate is already revoked")
        certificate.status = "revoked"
        certificate.revoked_at = now
        certificate.revoked_reason = reason.strip()[:500]
        certificate.revoked_by = identity.subject
        add_event(
            session,
            certificate.case_id,
            now,
            "certificate_revoked",
            certificate.item_id,
            f"{certificate.document_name}：{certificate.revoked_reason}",
        )
        add_audit(
            session,
            certificate.case_id,
            now,
            identity.subject,
            "revoke:certificate",
            {"code": code, "reason": certificate.revoked_reason},
        )
        return {
            **listing(certificate),
            "revoked_at": now.isoformat(),
            "revoked_reason": certificate.revoked_reason,
        }
