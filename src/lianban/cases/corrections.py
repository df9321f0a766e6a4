"""补正: the applicant resubmits the sub-items a department sent back for correction. The form is
checked again as a whole; each item sent back goes to its department as a new request (its own
idempotency key), and the correction is audited under the caller's name.

:func:`correction_request` says what the applicant is asked for: only the returned items' fields
(with the values the case holds, verified ones locked) and the materials she provides for them.
An employer's returned items are one employee's (``items[].employee``), or every employee's when
the item names no row: :attr:`CorrectionRequest.rows` are those employees, each with the columns
of its returned items (what was filed, what data sharing verified — masked, locked).

:func:`correct` takes the answer — an API client's form (the whole sheet, if it likes), the page's
fields and rows (``rows=``) — and changes only what was asked: the returned items' fields and the
asked cells; any other value that differs from what was filed is refused, each named
(:mod:`lianban.cases.correction_scope`, the one rule for every caller).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from lianban.cases.correction_scope import Asked, answered_form
from lianban.cases.materials import check_references
from lianban.cases.progress import add_audit, lock_case, refresh_case, requeue
from lianban.cases.schema import Case, CaseItem
from lianban.cases.service import visible
from lianban.cases.states import ItemStatus
from lianban.catalog.model import Theme
from lianban.context import Context
from lianban.errors import Conflict, not_found
from lianban.forms.printing import display
from lianban.forms.service import FilledForm, checked_or_refused, masked, theme_of
from lianban.forms.sharing import employee_sharing, prefill_for
from lianban.forms.spec import FormSpec, build_form, form_answer
from lianban.security.tokens import Identity

ID_KEY = "person.id_number"  # names the employee's row: shown, never changed in a 补正


@dataclass(frozen=True)
class RowToCorrect:
    """One employee whose items were sent back: the row's place in the filed sheet, the columns of
    its returned items (the form's order), the values filed and data sharing's (masked: 张*)."""

    index: int
    id_number: str
    name: str
    columns: list[str]
    values: dict[str, Any]
    verified: dict[str, Any]

    @property
    def editable(self) -> list[str]:
        """The columns the employer answers: not the ID number, not a verified value."""
        return [k for k in self.columns if k != ID_KEY and self.verified.get(k) in (None, "", [], {})]


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
    per_employee: bool = False  # an employer's returned employee rows (``rows``)
    case_no: str | None = None  # 办件编号, as the applicant knows the case
    rows: list[RowToCorrect] = field(default_factory=list)
    spec: FormSpec | None = field(default=None, repr=False, compare=False)  # the returned items' form

    @property
    def scope(self) -> Asked:
        """What an answer may change (:mod:`lianban.cases.correction_scope`): the fields shown
        here that are not locked, each row's editable columns."""
        return Asked(
            fields=frozenset(f["key"] for f in self.fields if not f.get("locked")),
            locked=frozenset(f["key"] for f in self.fields if f.get("locked")),
            cells={r.index: frozenset(r.editable) for r in self.rows},
        )


def _filed_rows(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = form.get("employees")
    return [dict(r) if isinstance(r, dict) else {} for r in rows] if isinstance(rows, list) else []


def row_columns(
    spec: FormSpec, returned: Sequence[tuple[str, int | None]], count: int
) -> dict[int, list[str]]:
    """Each employee row sent back (an item naming no row: every row) → the per-employee columns
    of the items returned for it, in the form's order."""
    wanted: dict[int, set[str]] = {}
    for code, employee in returned:
        columns = {f.key for f in spec.employee_fields if f.visible and code in f.items}
        if not columns:
            continue
        for i in range(count) if employee is None else [employee]:
            if 0 <= i < count:
                wanted.setdefault(i, set()).update(columns)
    order = [f.key for f in spec.employee_fields]
    return {i: [k for k in order if k in cols] for i, cols in sorted(wanted.items())}


@dataclass(frozen=True)
class _Filed:
    """A case as filed and its items sent back, read once."""

    case_id: str
    theme_id: str
    situation: dict[str, str]
    form: dict[str, Any]
    case_no: str | None
    returned: list[CaseItem]


def _read(ctx: Context, identity: Identity, case_id: str) -> _Filed:
    """404 for another's case, 409 when nothing was sent back."""
    with ctx.sessions() as session:
        case = session.get(Case, case_id)
        if case is None or not visible(identity, case):
            raise not_found(f"办件 {case_id} ", f"case {case_id}")
        returned = [
            it
            for it in session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars()
            if it.status == ItemStatus.CORRECTION_REQUIRED.value
        ]
        filed = _Filed(case_id, case.theme_id, dict(case.situation), dict(case.form), case.case_no, returned)
    if not returned:
        raise _nothing_to_correct()
    return filed


def correction_request(ctx: Context, identity: Identity, case_id: str) -> CorrectionRequest:
    """The returned items and what to fix; 404 for another's case, 409 when nothing was sent back."""
    return _request(ctx, identity, _read(ctx, identity, case_id))


def _request(ctx: Context, identity: Identity, filed: _Filed) -> CorrectionRequest:
    case_id, theme_id, situation, form = filed.case_id, filed.theme_id, filed.situation, filed.form
    returned = filed.returned
    theme = theme_of(ctx, theme_id)
    names = {it.code: it.name for it in theme.items}
    codes = sorted({it.code for it in returned})
    spec = build_form(ctx.catalogue, theme, items=codes, situation=situation, values=form)
    rows = _rows_to_correct(ctx, theme, spec, [(it.code, it.employee) for it in returned], form)
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
        per_employee=bool(rows),
        case_no=filed.case_no,
        rows=rows,
        spec=spec,
    )


def _rows_to_correct(
    ctx: Context,
    theme: Theme,
    spec: FormSpec,
    returned: Sequence[tuple[str, int | None]],
    form: Mapping[str, Any],
) -> list[RowToCorrect]:
    filed = _filed_rows(form)
    columns = row_columns(spec, returned, len(filed))
    if not columns:
        return []
    # data sharing asked only about the employees sent back (the minimum necessary, PIPL art. 6)
    asked_rows = list(columns)
    verified_rows, _facts = employee_sharing(ctx.sharing, theme, [filed[i] for i in asked_rows])
    shared = dict(zip(asked_rows, verified_rows, strict=True))
    out: list[RowToCorrect] = []
    for i, keys in columns.items():
        row = filed[i]
        # what data sharing verified, as the employer may see a hire it filed: masked (张*), and
        # only the columns asked (the minimum necessary)
        seen = {
            k: masked(ctx.catalogue, k, shared[i][k])
            for k in keys
            if k != ID_KEY and shared[i].get(k) not in (None, "", [], {})
        }
        name = row.get("person.name") or masked(ctx.catalogue, "person.name", shared[i].get("person.name"))
        out.append(
            RowToCorrect(
                index=i,
                id_number=str(row.get(ID_KEY) or ""),
                name=str(name or ""),
                columns=keys,
                values=row,
                verified=seen,
            )
        )
    return out


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
    rows: Mapping[int, Mapping[str, Any]] | None = None,
    asked: CorrectionRequest | None = None,
) -> dict[str, Any]:
    """Resubmit the items sent back; 404 for another's case, 409 when none was sent back, 422 for
    a value not asked (:func:`~lianban.cases.correction_scope.answered_form`) or one the form's
    checks refuse. ``form``: values of the returned items' fields (its ``employees``, the whole
    sheet); ``rows``: an employer's answers for the employees sent back, by row (the page);
    ``asked``: the page's :func:`correction_request` of this case in this request (data sharing is
    then not asked again)."""
    filed = _read(ctx, identity, case_id)
    if asked is None or asked.case_id != case_id:
        asked = _request(ctx, identity, filed)
    theme_id, situation = filed.theme_id, filed.situation
    to_fix = [(it.code, it.employee) for it in filed.returned]
    merged = answered_form(ctx.catalogue, ctx.clock.today(), filed.form, asked.scope, form, rows)
    checked = checked_or_refused(ctx, identity, theme_id, FilledForm(situation=situation, form=merged))
    check_references(ctx, identity, theme_of(ctx, theme_id), materials)
    payloads = {(p.item, p.employee): p.payload for p in checked.payloads}
    now = ctx.clock.now()
    with ctx.sessions() as session, session.begin():
        locked = lock_case(session, case_id)
        assert locked is not None
        # what was read before the lock may be gone: a second answer sent at once (a double
        # submit) finds nothing still sent back and writes nothing (409)
        still = [
            (item, employee)
            for code, employee in to_fix
            if (item := session.get(CaseItem, (case_id, code if employee is None else f"{code}#{employee}")))
            is not None
            and item.status == ItemStatus.CORRECTION_REQUIRED.value
        ]
        if not still:
            raise _nothing_to_correct()
        locked.form = {**merged, **checked.values}
        if materials:
            locked.materials = [*locked.materials, *materials]
        resubmitted: list[str] = []
        for item, employee in still:
            code, item_key = item.code, item.item_id
            item.payload = payloads.get((code, employee), item.payload)
            item.revision += 1  # a new department request, with its own idempotency key
            item.receipt_no = None
            item.progress = 0  # whose status messages count from 1 again (the old receipt's are not its)
            requeue(session, item, now, "resubmitted", "补正后重新提交")
            resubmitted.append(item_key)
        add_audit(session, case_id, now, identity.subject, "correct", {"items": resubmitted})
        refresh_case(session, case_id, now)
    return {"case_id": case_id, "resubmitted": resubmitted}
