"""Checking a submitted form (审表): values, locked prefill, required fields, eligibility, payloads.

The applicant 补表、审表 rather than 填表: prefilled values are verified facts, filled in by the
server when the client omits them and refused (``locked``) when the client sends another value.
The result says which items stay in the case, which were dropped and why, every field issue with
its exact field name, and — when nothing blocks — the department payloads (拆分还原).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.codelists import CodeList
from lianban.catalog.model import FieldDef, FieldType, Theme
from lianban.forms.contributions import (
    REDUCTION,
    HousingFundRates,
    housing_fund_amounts,
    pension_base_issue,
    rate_bound_issues,
)
from lianban.forms.fieldtypes.identifiers import id_number_facts
from lianban.forms.issues import FieldIssue, Findings
from lianban.forms.regions import RegionSettings, region_settings
from lianban.forms.spec import MAX_LISTED_OPTIONS, FormField, FormSpec
from lianban.forms.spec_memo import shared_form
from lianban.forms.split import ItemPayload, PayloadInvalid, split_payloads
from lianban.forms.validate import validate_value
from lianban.rules.eligibility import Eligibility, assess

_EMPTY: tuple[object, ...] = (None, "", [], {})


@dataclass
class CheckedSubmission(Findings):
    spec: FormSpec
    values: dict[str, Any]
    employees: list[dict[str, Any]]
    issues: list[FieldIssue]
    eligibility: Eligibility
    dropped: dict[str, str] = field(default_factory=dict)  # item code → reason (zh)
    # of those, the ones refused because an acceptance condition is unmet (不予受理), as against
    # items that do not apply to the applicant (a card already held)
    refused: set[str] = field(default_factory=set)
    payloads: list[ItemPayload] = field(default_factory=list)


# Why a value is locked, where it is not only data sharing's word (forms.sharing.prefill_for).
_LOCKED_BECAUSE = {
    "person.id_number": (
        "是登录身份（或数据共享核验）的号码",
        "is the number you logged in with (or verified) and",
    ),
    "employer.uscc": (
        "是登录单位（或数据共享核验）的代码",
        "is the code you logged in with (or verified) and",
    ),
    "person.birth_date": ("由公民身份号码确定", "is given by the ID number and"),
    "person.gender": ("由公民身份号码确定", "is given by the ID number and"),
}


def _same(a: Any, b: Any) -> bool:
    return str(a).strip().upper() == str(b).strip().upper() if not isinstance(a, dict | list) else a == b


def same_value(catalogue: Catalogue, definition: FieldDef, a: Any, b: Any, today: date) -> bool:
    """Whether two values of a field say the same once normalised as the form checks them
    (汉族 = 01, 2004.03.15 = 2004-03-15, 4,500 = 4500.00); two empty values are the same."""
    if a in _EMPTY and b in _EMPTY:
        return True
    if _same(a, b):
        return True
    x, _ = validate_value(definition, a, today=today, code_lists=catalogue.code_lists)
    y, _ = validate_value(definition, b, today=today, code_lists=catalogue.code_lists)
    return x is not None and x == y


def _check_values(
    catalogue: Catalogue,
    fields: Sequence[FormField],
    given: Mapping[str, Any],
    prefill: Mapping[str, Any],
    prefix: str,
    today: date,
) -> tuple[dict[str, Any], list[FieldIssue]]:
    values: dict[str, Any] = {}
    issues: list[FieldIssue] = []
    known = {f.key for f in fields}
    for key in given:
        if key not in known and key != "employees":
            issues.append(
                FieldIssue(
                    f"{prefix}{key}",
                    "format",
                    f"{key} 不是本表单的字段",
                    f"{key} is not a field of this form",
                )
            )
    for f in fields:
        label_zh, label_en = f.definition.label.zh, f.definition.label.en
        raw = given.get(f.key)
        if f.key in prefill and prefill[f.key] not in _EMPTY:
            if raw not in _EMPTY and not same_value(catalogue, f.definition, raw, prefill[f.key], today):
                why_zh, why_en = _LOCKED_BECAUSE.get(
                    f.key, ("来自数据共享的核验信息", "is a verified value from data sharing and")
                )
                issues.append(
                    FieldIssue(
                        f"{prefix}{f.key}",
                        "locked",
                        f"{label_zh}{why_zh}，不能修改",
                        f"{label_en} {why_en} cannot be changed",
                    )
                )
            raw = prefill[f.key]
        if raw in _EMPTY:
            if f.required and f.definition.type is not FieldType.BOOLEAN and not f.definition.computed:
                issues.append(
                    FieldIssue(f"{prefix}{f.key}", "required", f"请填写{label_zh}", f"{label_en} is required")
                )
            if f.definition.type is FieldType.BOOLEAN and f.required:
                values[f.key] = False  # an unticked box is an answer: 否
            continue
        normalised, found = validate_value(f.definition, raw, today=today, code_lists=catalogue.code_lists)
        issues += [
            FieldIssue(f"{prefix}{i.field}", i.code, i.message_zh, i.message_en, i.severity) for i in found
        ]
        if normalised is not None and not any(i.severity == "error" for i in found):
            values[f.key] = normalised
    return values, issues


def _compute_housing_fund(
    values: dict[str, Any],
    given: Mapping[str, Any],
    prefix: str,
    region: RegionSettings | None,
    reduced: bool = False,
) -> list[FieldIssue]:
    """月缴存额 = 基数 × 比例 for each side, total = both, rounded and bounded by the region's rule;
    a supplied amount that differs is a conflict; a rate above the region's maximum is refused, one
    under its usual minimum (5 %) taken only with 降缴 (``reduced``, or the values' own
    housing_fund.relief) and never under its 降缴 floor."""
    rounding = region.housing_fund_rounding if region else "yuan"
    rates = region.housing_fund_rates if region else HousingFundRates()
    reduced = reduced or REDUCTION in (values.get("housing_fund.relief") or ())
    issues: list[FieldIssue] = rate_bound_issues(values, prefix, reduced, rates)
    keys = ("housing_fund.base", "housing_fund.unit_rate", "housing_fund.personal_rate")
    if issues or not all(k in values for k in keys):
        return issues
    try:
        amounts = housing_fund_amounts(
            Decimal(str(values[keys[0]])),
            Decimal(str(values[keys[1]])),
            Decimal(str(values[keys[2]])),
            rounding=rounding,
            min_rate=rates.reduced_min,
            max_rate=rates.max,
        )
    except (ValueError, ArithmeticError):
        return []  # a negative base or a rate that is no number: the field's own check reports it
    for key, amount in (
        ("housing_fund.unit_amount", amounts.unit),
        ("housing_fund.personal_amount", amounts.personal),
        ("housing_fund.total_amount", amounts.total),
    ):
        supplied = given.get(key)
        if supplied not in _EMPTY:
            try:
                differs = Decimal(str(supplied).replace(",", "")) != amount
            except ArithmeticError:
                differs = True
            if differs:
                issues.append(
                    FieldIssue(
                        f"{prefix}{key}",
                        "conflict",
                        f"月缴存额应为 {amount:.2f} 元（月缴存基数 × 缴存比例），填写的是 {supplied}",
                        f"the monthly amount must be {amount:.2f} yuan (base × rate), not {supplied}",
                    )
                )
        values[key] = f"{amount:.2f}"
    return issues


def _with_id_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values the rules read: the birth date and gender the ID number says, where the form
    has no such field (a Shangrao employee row: 由公民身份号码推出)."""
    return {**id_number_facts(values.get("person.id_number")), **values}


class _CodeLabels(Mapping[str, str]):
    """A code list's labels by code, read from the list itself (nothing copied)."""

    def __init__(self, codes: CodeList) -> None:
        self.codes = codes

    def __getitem__(self, code: str) -> str:
        found = self.codes.get(code)
        if found is None:
            raise KeyError(code)
        return found.label

    def __iter__(self) -> Iterator[str]:
        return (c.code for c in self.codes)

    def __len__(self) -> int:
        return len(self.codes)


class _Labels(Mapping[str, Mapping[str, str]]):
    """The labels of the form's listed code fields, by field key, looked up when an explanation
    names one (an explanation says 女 rather than 2) instead of copied for every field at each check."""

    def __init__(self, catalogue: Catalogue, spec: FormSpec) -> None:
        self.catalogue = catalogue
        self.fields = spec.fields

    def _codes(self, key: str) -> CodeList | None:
        f = self.fields.get(key)
        if f is None or not f.definition.code_list or f.definition.type is not FieldType.CODE:
            return None
        cl = self.catalogue.code_lists[f.definition.code_list]
        return cl if len(cl.codes) <= MAX_LISTED_OPTIONS else None

    def __getitem__(self, key: str) -> Mapping[str, str]:
        codes = self._codes(key)
        if codes is None:
            raise KeyError(key)
        return _CodeLabels(codes)

    def __iter__(self) -> Iterator[str]:
        return (key for key in self.fields if self._codes(key) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def check_submission(
    catalogue: Catalogue,
    theme: Theme,
    *,
    items: list[str] | None,
    situation: Mapping[str, str] | None,
    form: Mapping[str, Any],
    prefill: Mapping[str, Any] | None = None,
    employee_prefill: Sequence[Mapping[str, Any]] = (),
    facts: Mapping[str, Any] | None = None,
    employee_facts: Sequence[Mapping[str, Any]] = (),
    today: date,
    regions: Mapping[str, RegionSettings],
) -> CheckedSubmission:
    """Validate everything; the answer lists every issue at once (no stopping at the first).

    ``regions``: the deployment's region figures (:func:`~lianban.forms.regions.deployment_regions`),
    always given: no default, so no caller falls back to the shipped placeholder wages unnoticed."""
    spec = shared_form(catalogue, theme, items, situation, form)  # shared: never changed here
    header_fields = spec.header_fields
    employee_fields = spec.employee_fields
    values, issues = _check_values(catalogue, header_fields, form, prefill or {}, "", today)
    try:
        region = region_settings(theme.region_code, regions)
    except KeyError:
        region = None
    issues += _compute_housing_fund(values, form, "", region)
    if region is not None and "insurance.pension.base" in values:
        # 缴费基数在全省平均工资的 60%–300% 之间
        base_issue = pension_base_issue(
            Decimal(str(values["insurance.pension.base"])), region.average_wage_yuan_per_year
        )
        if base_issue is not None:
            issues.append(base_issue)
    employees: list[dict[str, Any]] = []
    if theme.applicant_type == "employer":
        rows = form.get("employees")
        if not isinstance(rows, list) or not rows:
            issues.append(
                FieldIssue(
                    "employees",
                    "required",
                    "请至少填写一名新招用员工",
                    "at least one new employee is required",
                )
            )
            rows = []
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                issues.append(
                    FieldIssue(
                        f"employees[{i}]", "format", "员工信息必须是对象", "an employee must be an object"
                    )
                )
                continue
            pre = employee_prefill[i] if i < len(employee_prefill) else {}
            row_values, row_issues = _check_values(
                catalogue, employee_fields, row, pre, f"employees[{i}].", today
            )
            row_issues += _compute_housing_fund(
                row_values,
                row,
                f"employees[{i}].",
                region,
                REDUCTION in (values.get("housing_fund.relief") or ()),
            )
            employees.append(row_values)
            issues += row_issues

    labels = _Labels(catalogue, spec)
    answers = spec.situation
    base_facts = dict(facts or {})
    employer = theme.applicant_type == "employer"
    eligibility = assess(
        theme,
        [it for it in spec.items if not (employer and it.per_employee)],
        _with_id_facts(values),
        answers,
        base_facts,
        today,
        labels,
        include_theme_conditions=not employer,
    )
    results = list(eligibility.results)
    dropped_rows: dict[tuple[str, int], str] = {}
    refused_rows: set[tuple[str, int]] = set()
    for i, row in enumerate(employees):
        row_facts = {**base_facts, **(employee_facts[i] if i < len(employee_facts) else {})}
        per_employee_items = [it for it in spec.items if it.per_employee]
        row_eligibility = assess(
            theme, per_employee_items, _with_id_facts({**values, **row}), answers, row_facts, today, labels
        )
        for r in row_eligibility.results:
            if r.met is not False:
                continue
            row_item = theme.item(r.item) if r.item else None
            if r.severity == "drop" or (
                r.severity == "block" and row_item is not None and row_item.optional and r.scope == "item"
            ):
                if r.item is not None:  # this employee's sub-item leaves the case, with the reason
                    dropped_rows.setdefault((r.item, i), r.explanation_zh)
                    if r.severity == "block":
                        refused_rows.add((r.item, i))
                continue
            issues.append(
                FieldIssue(
                    f"employees[{i}].{r.condition}",
                    "ineligible",
                    r.explanation_zh,
                    r.explanation_en,
                    "error" if r.severity == "block" else "warning",
                )
            )
    dropped = {code: r.explanation_zh for code, r in eligibility.dropped_items.items()}
    refused: set[str] = set()
    seen: set[str] = set()
    for r in results:
        if r.met is not False or r.severity == "drop":
            continue
        if r.severity == "warn":
            issues.append(
                FieldIssue(r.condition, "ineligible", r.explanation_zh, r.explanation_en, "warning")
            )
            continue
        item = theme.item(r.item) if r.item else None
        if item is not None and item.optional and r.scope == "item":
            dropped.setdefault(item.code, r.explanation_zh)
            refused.add(item.code)
            continue
        if r.condition not in seen:
            seen.add(r.condition)
            issues.append(FieldIssue(r.condition, "ineligible", r.explanation_zh, r.explanation_en))
    spec = replace(spec, items=[it for it in spec.items if it.code not in dropped])
    checked = CheckedSubmission(spec, values, employees, issues, eligibility, dropped)
    checked.dropped.update({f"{code}#{row}": reason for (code, row), reason in dropped_rows.items()})
    checked.refused = (refused - set(eligibility.dropped_items)) | {
        f"{code}#{row}" for code, row in refused_rows
    }
    if checked.ok:
        try:
            checked.payloads = [
                p
                for p in split_payloads(catalogue, theme, spec.items, values, employees, spec.situation)
                if p.employee is None or (p.item, p.employee) not in dropped_rows
            ]
        except PayloadInvalid as exc:
            where = f"employees[{exc.employee}]." if exc.employee is not None else ""
            checked.issues.append(
                FieldIssue(
                    f"{where}items.{exc.item}",
                    "format",
                    "拆分后的部门数据不符合部门接口规范：" + "；".join(exc.errors),
                    "the department payload breaks its schema: " + "; ".join(exc.errors),
                )
            )
    return checked
