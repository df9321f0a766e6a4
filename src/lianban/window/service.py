"""综窗 as a service: look-up (查询), the window's cases with their progress, pickups to hand over.

Window clerks only (403 for anyone else). A look-up reads the data-sharing hub for the number the
clerk typed — a resident ID number (GB 11643) or a USCC (GB 32100), checked first — and is written
to the security log as a staff read of personal data (who, whose number, what was shown), whether
or not the registers knew the number. Shown is what the hub shares for prefill, as the form would
receive it, with the field dictionary's names and the code lists' words.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from stdnum.cn import ric, uscc

from lianban.appointments.desk import masked
from lianban.cases.schema import Case, CaseItem, Delivery
from lianban.catalog.catalogue import Catalogue
from lianban.context import Context
from lianban.errors import Forbidden, invalid_field, not_found
from lianban.security.audit import append
from lianban.security.lookup import lookup_hash
from lianban.security.staff import Caller, log_event
from lianban.security.tokens import Identity, Role
from lianban.sharing.providers import SharingHub

DONE_ITEM = ("approved", "rejected")


def require_clerk(identity: Identity) -> None:
    if identity.role is not Role.WINDOW_CLERK:
        raise Forbidden("只有综窗工作人员可以使用综合窗口", "only window clerks use the window desk")


def subject_of(number: str) -> str:
    """``person:<ID>`` or ``employer:<USCC>`` for what the clerk typed; 422 naming ``number``."""
    value = number.strip().upper().replace(" ", "")
    if ric.is_valid(value):
        return f"person:{value}"
    if uscc.is_valid(value):
        return f"employer:{value}"
    raise invalid_field(
        "number",
        "format",
        "请输入有效的 18 位公民身份号码或统一社会信用代码",
        "enter a valid 18-character resident ID number or USCC",
    )


def _shown(catalogue: Catalogue, key: str, value: Any) -> str:
    definition = catalogue.fields.get(key)
    codes = catalogue.code_lists.get(definition.code_list) if definition and definition.code_list else None
    if isinstance(value, dict):
        detail = value.get("detail") or ""
        region = value.get("region") or ""
        return f"{region} {detail}".strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_shown(catalogue, key, v) for v in value)
    if codes is not None:
        code = codes.get(str(value))
        return f"{code.label}（{value}）" if code else str(value)
    return str(value)


def look_up(ctx: Context, identity: Identity, number: str, client: str | None = None) -> dict[str, Any]:
    """What data sharing knows of a walk-in applicant, audited as a staff read of personal data."""
    require_clerk(identity)
    subject = subject_of(number)
    kind, _, value = subject.partition(":")
    hub: SharingHub | None = ctx.sharing
    known: dict[str, object] = {}
    if hub is not None:
        known = dict(hub.prefill_person(value) if kind == "person" else hub.prefill_employer(value))
    rows = [
        {
            "key": key,
            "label": field.label.zh if (field := ctx.catalogue.fields.get(key)) else key,
            "value": _shown(ctx.catalogue, key, shown),
        }
        for key, shown in known.items()
    ]
    with ctx.sessions() as session, session.begin():
        log_event(
            session,
            ctx.clock.now(),
            Caller(identity.subject, client),
            "personal_data_read",
            subject,
            {"desk": "window", "fields": sorted(known), "found": bool(known)},
        )
        # and in the audit chain (审计): whom the clerk looked up, by the identifier's keyed hash
        append(
            session,
            ctx.clock.now(),
            identity.subject,
            "view:person",
            {"desk": "window", "person": str(lookup_hash(subject, session)), "fields": sorted(known)},
        )
        cases = _cases(session, Case.owner == subject)
    name = str(known.get("person.name") or known.get("employer.name") or "")
    return {
        "subject": subject,
        "kind": kind,
        "number": value,
        "masked": masked(subject),
        "name": name,
        "known": bool(known),
        "rows": rows,
        "cases": cases,
    }


def _cases(session: Any, where: Any, limit: int = 200) -> list[dict[str, Any]]:
    """Cases with their progress: sub-items decided of all, overdue ones, newest first."""
    cases = list(
        session.execute(
            select(
                Case.case_id,
                Case.case_no,
                Case.theme_id,
                Case.status,
                Case.channel,
                Case.accepted_at,
                Case.owner_sealed,
            )
            .where(where)
            .order_by(Case.accepted_at.desc())
            .limit(limit)
        )
    )
    if not cases:
        return []
    ids = [c.case_id for c in cases]
    progress: dict[str, dict[str, int]] = {}
    for case_id, status, n in session.execute(
        select(CaseItem.case_id, CaseItem.status, func.count())
        .where(CaseItem.case_id.in_(ids))
        .group_by(CaseItem.case_id, CaseItem.status)
    ):
        progress.setdefault(case_id, {})[status] = n
    return [
        {
            "case_id": c.case_id,
            "case_no": c.case_no or c.case_id,  # 办件编号, as the applicant was given it
            "theme_id": c.theme_id,
            "status": c.status,
            "channel": c.channel,
            "accepted_at": c.accepted_at,
            "applicant": masked(c.owner_sealed or ""),
            "item_count": sum(progress.get(c.case_id, {}).values()),
            "decided": sum(n for s, n in progress.get(c.case_id, {}).items() if s in DONE_ITEM),
            "by_status": progress.get(c.case_id, {}),
        }
        for c in cases
    ]


def window_cases(ctx: Context, identity: Identity) -> list[dict[str, Any]]:
    """Every case this clerk took at the window (帮办代办), newest first, with its progress."""
    require_clerk(identity)
    with ctx.sessions() as session:
        return _cases(session, (Case.actor == identity.subject) & (Case.channel == "window"))


def pickups(ctx: Context, identity: Identity, case_id: str) -> dict[str, Any]:
    """The case's documents for pickup at the window (窗口领取), whoever filed it, by its 办件编号
    (or internal id); 404 if none."""
    require_clerk(identity)
    with ctx.sessions() as session:
        number = case_id.strip()
        case = session.execute(
            select(Case.case_id, Case.case_no, Case.theme_id, Case.owner_sealed, Case.status).where(
                (Case.case_no == number) | (Case.case_id == number)
            )
        ).first()
        deliveries = (
            list(
                session.execute(
                    select(Delivery)
                    .where(Delivery.case_id == case.case_id, Delivery.method == "pickup")
                    .order_by(Delivery.delivery_id)
                ).scalars()
            )
            if case is not None
            else []
        )
        if case is None or not deliveries:
            raise not_found(f"办件 {case_id} 的窗口领取记录", f"documents for pickup of case {case_id}")
        return {
            "case_id": case.case_id,
            "case_no": case.case_no or case.case_id,
            "theme_id": case.theme_id,
            "applicant": masked(case.owner_sealed or ""),
            "deliveries": [
                {
                    "delivery_id": d.delivery_id,
                    "status": d.status,
                    "documents": d.documents,
                    "recipient": d.recipient,
                }
                for d in deliveries
            ],
        }
