"""补正: the applicant resubmits the sub-items a department sent back for correction. The form is
checked again as a whole; each item sent back goes to its department as a new request (its own
idempotency key), and the correction is audited under the caller's name.

:func:`correction_request` says what the applicant is asked for: only the returned items' fields
(with the values the case holds, verified ones locked) and the materials she provides for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from lianban.cases.materials import check_references
from lianban.cases.progress import add_audit, lock_case, refresh_case, requeue
from lianban.cases.schema import Case, CaseItem
from lianban.cases.service import visible
from lianban.cases.states import ItemStatus
from lianban.context import Context
from lianban.errors import Conflict, not_found
from lianban.forms.printing import display
from lianban.forms.service import FilledForm, checked_or_refused, theme_of
from lianban.forms.sharing import prefill_for
from lianban.forms.spec import build_form, form_answer
from lianban.security.tokens import Identity


@dataclass(frozen=True)
class CorrectionRequest:
    """What a 补正 asks for: the items sent back with the departments' reasons, the fields of those
    items only (the case's values in ``value``, as a person reads them in ``shown``, verified ones
    ``locked``) and the materials the applicant provides for them."""

    case_id: str
    theme_id: str
    items: list[dict[str, Any]]
    fields: list[dict[str, Any]] = field(default_factory=list)
    materials: list[dict[str, Any]] = field(default_factory=list)
    per_employee: bool = False  # an employer's returned employee rows: fixed through the API's sheet
    case_no: str | None = None  # 办件编号, as the applicant knows the case


def correction_request(ctx: Context, identity: Identity, case_id: str) -> CorrectionRequest:
    """The returned items and what to fix; 404 for another's case, 409 when nothing was sent back."""
    with ctx.sessions() as session:
        case = session.get(Case, case_id)
        if case is None or not visible(identity, case):
            raise not_found(f"办件 {case_id} ", f"case {case_id}")
        returned = [
            it
            for it in session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars()
            if it.status == ItemStatus.CORRECTION_REQUIRED.value
        ]
        theme_id, situation, form, case_no = (
            case.theme_id,
            dict(case.situation),
            dict(case.form),
            case.case_no,
        )
    if not returned:
        raise _nothing_to_correct()
    theme = theme_of(ctx, theme_id)
    names = {it.code: it.name for it in theme.items}
    codes = sorted({it.code for it in returned})
    spec = build_form(ctx.catalogue, theme, items=codes, situation=situation, values=form)
    verified = prefill_for(ctx.sharing, identity, form)
    answer = form_answer(ctx.catalogue, spec, verified)
    fields = [
        {
            **f,
            "value": f.get("value", form.get(f["key"])),
            "shown": display(
                ctx.catalogue, ctx.catalogue.fields[f["key"]], f.get("value", form.get(f["key"]))
            ),
        }
        for section in answer["sections"]
        for f in section["fields"]
        if not f.get("per_employee") and set(f["items"]) & set(codes)
    ]
    return CorrectionRequest(
        case_id=case_id,
        theme_id=theme_id,
        items=[
            {
                "item_id": it.item_id,
                "code": it.code,
                "name": names.get(it.code, it.code),
                "department": it.department,
                "reason": it.reason,
                "employee": it.employee,
            }
            for it in sorted(returned, key=lambda i: i.item_id)
        ],
        fields=fields,
        materials=[m for m in answer["materials"] if m["provided_by"] == "applicant"],
        per_employee=any(it.employee is not None for it in returned),
        case_no=case_no,
    )


def _nothing_to_correct() -> Conflict:
    return Conflict(
        "本办件没有被退回补正的事项",
        "no item of this case was sent back for correction",
        title=("没有需要补正的事项", "Nothing to correct"),
    )


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
        raise _nothing_to_correct()
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
            item.progress = 0  # whose status messages count from 1 again (the old receipt's are not its)
            requeue(session, item, now, "resubmitted", "补正后重新提交")
            resubmitted.append(item_key)
        add_audit(session, case_id, now, identity.subject, "correct", {"items": resubmitted})
        refresh_case(session, case_id, now)
    return {"case_id": case_id, "resubmitted": resubmitted}
