"""The acceptance receipt (受理回执) and the notice of non-acceptance (不予受理通知书) of a case.

The applicant, or the window clerk who took the case, may print them; anyone else gets a 404.
The applicant is printed masked (PIPL: minimum necessary — 刘*军, 4202**********0837); an
employer by its name and USCC, which are public. Items refused at intake are those the filing
recorded as ``item_refused`` (an acceptance condition unmet, 不予受理), not items that merely do not
apply. Each print is in the case's audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.calendar import CHINA_TZ
from lianban.cases.progress import add_audit
from lianban.cases.schema import Case, CaseItem, TimelineEvent
from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import department_name
from lianban.clock import aware
from lianban.errors import not_found
from lianban.receipts.documents import (
    AcceptanceReceipt,
    ReceiptItem,
    RefusalNotice,
    RefusedItem,
    receipt_pdf,
    refusal_pdf,
)
from lianban.security.tokens import Identity, Role

CHANNELS = {"web": "网上申请", "app": "移动端申请", "window": "窗口受理"}


def mask_name(name: str) -> str:
    """刘建军 → 刘*军, 张三 → 张*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def mask_number(number: str) -> str:
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}" if len(number) > 8 else "*" * len(number)


def _day(at: datetime) -> str:
    local = aware(at).astimezone(CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日"


def visible_case(session: Session, identity: Identity, case_id: str) -> Case:
    """The case, if the caller is its applicant or the clerk who filed it; else not found."""
    case = session.get(Case, case_id)
    if case is None or not (
        case.owner == identity.subject
        or (identity.role is Role.WINDOW_CLERK and case.actor == identity.subject)
    ):
        raise not_found(f"办件 {case_id} ", f"case {case_id}")
    return case


def _applicant(case: Case) -> tuple[str, str]:
    form = case.form or {}
    owner = case.owner_sealed or ""  # the applicant in plain, from its ciphertext
    if form.get("employer.name") or owner.startswith("employer:"):
        return str(form.get("employer.name") or ""), str(form.get("employer.uscc") or owner.partition(":")[2])
    return mask_name(str(form.get("person.name") or "")), mask_number(
        str(form.get("person.id_number") or owner.partition(":")[2])
    )


def _refused(session: Session, catalogue: Catalogue, case: Case) -> list[RefusedItem]:
    theme = catalogue.themes.get(case.theme_id)
    out: list[RefusedItem] = []
    for code, reason in session.execute(
        select(TimelineEvent.item_id, TimelineEvent.detail)
        .where(TimelineEvent.case_id == case.case_id, TimelineEvent.event == "item_refused")
        .order_by(TimelineEvent.seq)
    ):
        base, _, row = str(code).partition("#")
        item = next((it for it in theme.items if it.code == base), None) if theme else None
        name = (item.name if item else base) + (f"（第 {int(row) + 1} 名员工）" if row else "")
        out.append(RefusedItem(name, department_name(item.department) if item else "", str(reason or "")))
    return out


def _agent(case: Case, identity: Identity) -> str:
    if case.actor == case.owner:
        return "申请人本人"
    if identity.subject == case.actor and identity.name:
        return identity.name
    actor = case.actor_sealed or ""
    return actor.partition(":")[2] or actor


def acceptance_receipt(
    session: Session, catalogue: Catalogue, identity: Identity, case_id: str, now: datetime
) -> bytes:
    """受理回执 of the case as PDF bytes (the caller commits: the print is audited)."""
    case = visible_case(session, identity, case_id)
    theme = catalogue.themes.get(case.theme_id)
    names = {it.code: it.name for it in theme.items} if theme else {}
    materials = {m.id: m.name for m in theme.materials} if theme else {}
    items = list(
        session.execute(
            select(CaseItem).where(CaseItem.case_id == case_id).order_by(CaseItem.item_id)
        ).scalars()
    )
    applicant, identifier = _applicant(case)
    local = aware(case.accepted_at).astimezone(CHINA_TZ)
    receipt = AcceptanceReceipt(
        theme_name=theme.name if theme else case.theme_id,
        case_id=case.case_no or case_id,  # 办件编号 as the applicant was given it
        applicant=applicant,
        identifier=identifier,
        accepted_at=f"{local:%Y-%m-%d %H:%M}",
        channel=CHANNELS.get(case.channel, case.channel),
        agent=_agent(case, identity),
        items=[
            ReceiptItem(
                names.get(it.code, it.code)
                + (f"（第 {it.employee + 1} 名员工）" if it.employee is not None else ""),
                department_name(it.department),
                it.promised_due_date.isoformat(),
                it.legal_due_date.isoformat(),
            )
            for it in items
        ],
        materials=[
            materials.get(str(m.get("material_id")), str(m.get("material_id")))
            for m in case.materials
            if isinstance(m, dict)
        ],
        refused=_refused(session, catalogue, case),
        printed_on=_day(now),
    )
    add_audit(session, case_id, now, identity.subject, "print:acceptance_receipt", {})
    return receipt_pdf(receipt)


def refusal_notice(
    session: Session, catalogue: Catalogue, identity: Identity, case_id: str, now: datetime
) -> bytes:
    """不予受理通知书 of the items refused at intake; not found when none was."""
    case = visible_case(session, identity, case_id)
    refused = _refused(session, catalogue, case)
    if not refused:
        raise not_found(f"办件 {case_id} 的不予受理通知书", f"a notice of non-acceptance for case {case_id}")
    theme = catalogue.themes.get(case.theme_id)
    applicant, _ = _applicant(case)
    notice = RefusalNotice(
        theme_name=theme.name if theme else case.theme_id,
        case_id=case.case_no or case_id,  # 办件编号 as the applicant was given it
        applicant=applicant,
        applied_on=_day(case.accepted_at),
        items=refused,
        printed_on=_day(now),
    )
    add_audit(session, case_id, now, identity.subject, "print:refusal_notice", {})
    return refusal_pdf(notice)
