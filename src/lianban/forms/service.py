"""The one form as a service (一张表单): a filled form checked as a submission would be (预审),
with data sharing's verified values and facts for the caller — used by the pre-check, the
printable application, filing and corrections alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lianban.catalog.model import Theme
from lianban.context import Context
from lianban.errors import FieldError, Invalid, not_found
from lianban.forms.contributions import HousingFundAmounts, housing_fund_amounts
from lianban.forms.regions import region_settings
from lianban.forms.sharing import employee_sharing, facts_for, prefill_for
from lianban.forms.spec import UnknownItems
from lianban.forms.submission import CheckedSubmission, check_submission
from lianban.security.tokens import Identity


@dataclass(frozen=True)
class FilledForm:
    """What the applicant chose and typed: items (None: all that apply), situation, values;
    ``facts`` are assumed facts, honoured in the sandbox only."""

    items: list[str] | None = None
    situation: dict[str, str] | None = None
    form: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] | None = None


def theme_of(ctx: Context, theme_id: str) -> Theme:
    """The theme, or 404."""
    theme = ctx.catalogue.themes.get(theme_id)
    if theme is None:
        raise not_found(f"主题 {theme_id} ", f"theme {theme_id}")
    return theme


def unknown_items(exc: UnknownItems) -> Invalid:
    errors = [
        FieldError("items", "code_list", f"未知的事项编码 {c}", f"unknown item code {c}") for c in exc.codes
    ]
    return Invalid(errors[0].message_zh, errors[0].message_en, errors=errors)


def check(ctx: Context, identity: Identity | None, theme_id: str, filled: FilledForm) -> CheckedSubmission:
    """Check ``filled`` for ``theme_id`` as filing would; 404 for an unknown theme, 422 for an
    unknown item (the result's own ``ok`` says whether the values pass)."""
    theme = theme_of(ctx, theme_id)
    facts = facts_for(ctx.sharing, theme, identity, filled.form)
    if filled.facts is not None and ctx.settings.sandbox:
        facts.update(filled.facts)  # the sandbox lets a tester assume facts
    rows = filled.form.get("employees") if theme.applicant_type == "employer" else None
    employee_prefill, employee_facts = employee_sharing(
        ctx.sharing, theme, rows if isinstance(rows, list) else []
    )
    try:
        return check_submission(
            ctx.catalogue,
            theme,
            items=filled.items,
            situation=filled.situation,
            form=filled.form,
            prefill=prefill_for(ctx.sharing, identity, filled.form),
            employee_prefill=employee_prefill,
            facts=facts,
            employee_facts=employee_facts,
            today=ctx.clock.today(),
        )
    except UnknownItems as exc:
        raise unknown_items(exc) from None


def refusal(checked: CheckedSubmission) -> Invalid:
    """The 422 of a form with errors: every field error, counted in the detail."""
    errors = [FieldError(i.field, i.code, i.message_zh, i.message_en) for i in checked.errors]
    return Invalid(
        f"共 {len(errors)} 处需要修改",
        f"{len(errors)} problem(s) to fix",
        title=("申请信息有误", "The application has errors"),
        errors=errors,
    )


def checked_or_refused(
    ctx: Context, identity: Identity | None, theme_id: str, filled: FilledForm
) -> CheckedSubmission:
    checked = check(ctx, identity, theme_id, filled)
    if not checked.ok:
        raise refusal(checked)
    return checked


def housing_fund_preview(
    theme: Theme, base: object, unit_rate: object, personal_rate: object
) -> HousingFundAmounts | None:
    """月缴存额 as the employer types (the pages show it live): base × rate for each side under the
    theme's region's rounding — the rule filing applies. None while a figure is missing or out of
    range (the check beside the field says why)."""
    try:
        figures = [
            Decimal(str(v).replace(",", "").rstrip("%").strip()) for v in (base, unit_rate, personal_rate)
        ]
    except (InvalidOperation, ValueError):
        return None
    try:
        rounding = region_settings(theme.region_code).housing_fund_rounding
    except KeyError:
        rounding = "yuan"
    try:
        return housing_fund_amounts(*figures, rounding=rounding)
    except (ValueError, ArithmeticError):
        return None
