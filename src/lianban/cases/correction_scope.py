"""What a 补正 may change — one rule, whoever answers (an API client, the 补正 page): the fields of
the items a department sent back (not the verified ones), and for an employer the asked cells of
the employees sent back (:class:`Asked`, from :func:`lianban.cases.corrections.correction_request`).

:func:`answered_form` lays the answer over the form as filed — header values sent, employee rows
re-sent (``form.employees``, as many as were filed) or answered by row (the page: a cell emptied
clears what was filed, a cell not given keeps it) — and refuses (422, ``not_asked``) every value that is not asked and differs
from what was filed, each named (``hukou.police_office``, ``employees[1].person.mobile``), all at
once. Values are compared as the form checks normalise them (:func:`~lianban.forms.submission.
same_value`): an answer re-sending the form as filed, even spelt otherwise (4,500 for 4500.00, a
date as 2026.08.01), changes nothing. Computed values (月缴存额) are the platform's, not the
caller's: never refused here, and one carried over from the filing where a value it may depend on
changed is left out, for the check to compute afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lianban.catalog.catalogue import Catalogue
from lianban.errors import FieldError, Invalid
from lianban.forms.submission import same_value

EMPLOYEES = "employees"
_EMPTY: tuple[object, ...] = (None, "", [], {})


@dataclass(frozen=True)
class Asked:
    """What this 补正 asks: the header fields answered, the verified ones shown but locked, and
    each employee row sent back → its answerable columns."""

    fields: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()
    cells: Mapping[int, frozenset[str]] = field(default_factory=dict)


@dataclass
class _Scope:
    catalogue: Catalogue
    today: date
    errors: list[FieldError] = field(default_factory=list)

    def same(self, key: str, a: Any, b: Any) -> bool:
        definition = self.catalogue.fields.get(key)
        if definition is None:
            return a == b or (a in _EMPTY and b in _EMPTY)
        return same_value(self.catalogue, definition, a, b, self.today)

    def computed(self, key: str) -> bool:
        definition = self.catalogue.fields.get(key)
        return definition is not None and definition.computed

    def labels(self, key: str) -> tuple[str, str]:
        definition = self.catalogue.fields.get(key)
        return (definition.label.zh, definition.label.en) if definition is not None else (key, key)

    def laid_over(
        self, filed: Mapping[str, Any], answer: Mapping[str, Any], asked: frozenset[str]
    ) -> tuple[dict[str, Any], list[str]]:
        """``answer`` over ``filed`` — a value saying what was filed keeps the filed spelling — and
        the keys it changes though not asked (computed ones aside)."""
        changed = {k: v for k, v in answer.items() if not self.same(k, filed.get(k), v)}
        merged = {**filed, **changed}
        if any(not self.computed(k) for k in changed):  # amounts computed from the values filed:
            merged = {k: v for k, v in merged.items() if k in changed or not self.computed(k)}  # afresh
        return merged, [k for k in changed if k not in asked and not self.computed(k)]

    def refuse_header(self, key: str, locked: bool) -> None:
        zh, en = self.labels(key)
        if locked:
            why_zh, why_en = f"{zh}是数据共享核验的信息，补正时不能修改", f"{en} is verified by data sharing"
        else:
            why_zh, why_en = (
                f"{zh}不属于部门退回补正的事项，本次不能修改",
                f"{en} is not a field of the items sent back",
            )
        self.errors.append(
            FieldError(key, "not_asked", why_zh, f"{why_en} and cannot be changed in this correction")
        )

    def refuse_cell(self, row: int, key: str) -> None:
        zh, en = self.labels(key)
        self.errors.append(
            FieldError(
                f"{EMPLOYEES}[{row}].{key}",
                "not_asked",
                f"员工 {row + 1} 的{zh}不是本次补正要求更正的内容，不能修改",
                f"employee {row + 1}'s {en} was not asked for in this correction and cannot be changed",
            )
        )


def _rows(value: Any) -> list[dict[str, Any]]:
    return [dict(r) if isinstance(r, dict) else {} for r in value] if isinstance(value, list) else []


def _sheet(scope: _Scope, filed: Sequence[dict[str, Any]], sent: Any) -> list[Mapping[str, Any]]:
    """Each filed row's answer in ``form.employees`` (empty when none was sent); the sheet keeps
    its employees: one row missing, added or not an object is refused."""
    if sent is None:
        return [{} for _ in filed]
    if not isinstance(sent, list) or len(sent) != len(filed):
        count = len(sent) if isinstance(sent, list) else 0
        scope.errors.append(
            FieldError(
                EMPLOYEES,
                "not_asked",
                f"补正不能增加或删除员工：申报时 {len(filed)} 名，本次 {count} 名",
                f"a correction cannot add or remove employees: {len(filed)} filed, {count} sent",
            )
        )
        return [{} for _ in filed]
    answers: list[Mapping[str, Any]] = []
    for i, row in enumerate(sent):
        if not isinstance(row, dict):
            scope.errors.append(
                FieldError(
                    f"{EMPLOYEES}[{i}]", "format", "员工信息必须是对象", "an employee must be an object"
                )
            )
        answers.append(row if isinstance(row, dict) else {})
    return answers


def answered_form(
    catalogue: Catalogue,
    today: date,
    filed: Mapping[str, Any],
    asked: Asked,
    form: Mapping[str, Any],
    rows: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The form as filed with the answer laid over it: ``form``'s values (its ``employees``, when
    sent, the whole sheet) and ``rows``' cells (an empty one clears what was filed; a cell not
    given keeps it). 422 naming each value that differs from what was filed and was not asked."""
    scope = _Scope(catalogue, today)
    header_answer = {k: v for k, v in form.items() if k != EMPLOYEES}
    header_filed = {k: v for k, v in filed.items() if k != EMPLOYEES}
    merged, refused = scope.laid_over(header_filed, header_answer, asked.fields)
    for key in refused:
        scope.refuse_header(key, key in asked.locked)
    filed_rows = _rows(filed.get(EMPLOYEES))
    answers = [dict(a) for a in _sheet(scope, filed_rows, form.get(EMPLOYEES))]
    for i, cells in sorted((rows or {}).items()):
        if not 0 <= i < len(filed_rows):
            scope.errors += [FieldError(f"{EMPLOYEES}[{i}]", "not_asked", "没有这名员工", "no such employee")]
        else:  # an empty cell given is an answer: it clears what was filed
            answers[i].update(cells)
    sheet = []
    for i, (row, answer) in enumerate(zip(filed_rows, answers, strict=True)):
        laid, cells_refused = scope.laid_over(row, answer, asked.cells.get(i, frozenset()))
        for key in cells_refused:
            scope.refuse_cell(i, key)
        sheet.append(laid)
    if scope.errors:
        raise Invalid(
            f"共 {len(scope.errors)} 处不是本次补正要求的内容",
            f"{len(scope.errors)} value(s) not asked for in this correction",
            title=("补正内容有误", "The correction has errors"),
            errors=scope.errors,
        )
    if EMPLOYEES in filed or sheet:
        merged[EMPLOYEES] = sheet
    return merged
