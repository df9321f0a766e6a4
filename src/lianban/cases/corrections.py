"""补正: the applicant resubmits the sub-items a department sent back for correction. The form is
checked again as a whole; each item sent back goes to its department as a new request (its own
idempotency key), and the correction is audited under the caller's name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lianban.cases.materials import check_references
from lianban.cases.progress import add_audit, lock_case, refresh_case, requeue
from lianban.cases.schema import Case, CaseItem
from lianban.cases.service import visible
from lianban.cases.states import ItemStatus
from lianban.context import Context
from lianban.errors import Conflict, not_found
from lianban.forms.service import FilledForm, checked_or_refused, theme_of
from lianban.security.tokens import Identity


def correct(
    ctx: Context,
    identity: Identity,
    case_id: str,
    form: dict[str, Any],
    materials: list[dict[str, str]],
) -> dict[str, Any]:
    """Resubmit the items sent back; 404 for another's case, 409 when none was sent back."""
    with ctx.sessions() as session:
        case = session.get(Case, case_id)
        if case is None or not visible(identity, case):
            raise not_found(f"办件 {case_id} ", f"case {case_id}")
        to_fix = [
            (it.code, it.employee)
            for it in session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars()
            if it.status == ItemStatus.CORRECTION_REQUIRED.value
        ]
        theme_id, situation, old_form = case.theme_id, dict(case.situation), dict(case.form)
    if not to_fix:
        raise Conflict(
            "本办件没有被退回补正的事项",
            "no item of this case was sent back for correction",
            title=("没有需要补正的事项", "Nothing to correct"),
        )
    merged = {**old_form, **form}
    checked = checked_or_refused(ctx, identity, theme_id, FilledForm(situation=situation, form=merged))
    check_references(ctx, identity, theme_of(ctx, theme_id), materials)
    payloads = {(p.item, p.employee): p.payload for p in checked.payloads}
    now = ctx.clock.now()
    with ctx.sessions() as session, session.begin():
        locked = lock_case(session, case_id)
        assert locked is not None
        locked.form = {**merged, **checked.values}
        if materials:
            locked.materials = [*locked.materials, *materials]
        resubmitted: list[str] = []
        for code, employee in to_fix:
            item_key = code if employee is None else f"{code}#{employee}"
            item = session.get(CaseItem, (case_id, item_key))
            if item is None or item.status != ItemStatus.CORRECTION_REQUIRED.value:
                continue
            item.payload = payloads.get((code, employee), item.payload)
            item.revision += 1  # a new department request, with its own idempotency key
            item.receipt_no = None
            requeue(session, item, now, "resubmitted", "补正后重新提交")
            resubmitted.append(item_key)
        add_audit(session, case_id, now, identity.subject, "correct", {"items": resubmitted})
        refresh_case(session, case_id, now)
    return {"case_id": case_id, "resubmitted": resubmitted}
