"""The one form as a service (一张表单): a filled form checked as a submission would be (预审),
with data sharing's verified values and facts for the caller — used by the pre-check, the
printable application, filing and corrections alike.

The pre-check and the printed application (:func:`precheck`) answer only a logged-in applicant
for a theme of her kind (a person's, an employer's; a window clerk for either) and show only what
that caller may see: an employer's hires are checked with what data sharing holds on them, but
their shared values (name, hukou, address …) are left out of the answer until the employer has
filed them (the ID numbers ``filed`` names), and even then shown masked (张*).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import Theme, system_name
from lianban.context import Context
from lianban.errors import FieldError, Forbidden, Invalid, Unauthenticated, not_found
from lianban.forms.contributions import HousingFundAmounts, HousingFundRates, housing_fund_amounts
from lianban.forms.printing import display
from lianban.forms.regions import RegionSettings, deployment_regions, region_settings
from lianban.forms.sharing import employee_sharing, facts_for, prefill_for
from lianban.forms.sheet import SheetResult, read_employee_sheet
from lianban.forms.spec import UnknownItems
from lianban.forms.split import ItemPayload
from lianban.forms.submission import CheckedSubmission, check_submission
from lianban.security.tokens import Identity, Role


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
    return _check(ctx, identity, theme_of(ctx, theme_id), filled)[0]


def _check(
    ctx: Context, identity: Identity | None, theme: Theme, filled: FilledForm
) -> tuple[CheckedSubmission, list[dict[str, Any]]]:
    """The check, and each employee row's values from data sharing."""
    facts = facts_for(ctx.sharing, theme, identity, filled.form)
    if filled.facts is not None and ctx.settings.sandbox:
        facts.update(filled.facts)  # the sandbox lets a tester assume facts
    rows = filled.form.get("employees") if theme.applicant_type == "employer" else None
    employee_prefill, employee_facts = employee_sharing(
        ctx.sharing, theme, rows if isinstance(rows, list) else []
    )
    try:
        checked = check_submission(
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
            regions=deployment_regions(ctx.settings),
        )
    except UnknownItems as exc:
        raise unknown_items(exc) from None
    return checked, employee_prefill


def may_precheck(identity: Identity | None, theme: Theme) -> Identity:
    """401 without a login; 403 unless the caller applies for this theme's kind (a window clerk
    for anyone)."""
    if identity is None:
        raise Unauthenticated("请先登录后再预审或打印申请表", "log in to pre-check or print an application")
    wanted = Role.EMPLOYER if theme.applicant_type == "employer" else Role.APPLICANT
    if identity.role not in (wanted, Role.WINDOW_CLERK):
        raise Forbidden("该角色不能预审或打印此主题的申请表", "this role cannot pre-check this theme")
    return identity


def masked(catalogue: Catalogue, key: str, value: Any) -> Any:
    """A verified value as the applicant may see it (PIPL: minimum necessary): the text a person
    reads — a code's label, a division's name, as printed (:func:`~lianban.forms.printing.display`)
    — with only its first character kept: 汉族 as 汉*, never its code 01 as 0*; 张三 as 张*. An
    empty value stays empty; yes/no (one character either way) stays the value, for the pages to
    say 是 or 否."""
    if isinstance(value, bool) or value is None or value == "" or value == [] or value == {}:
        return value
    definition = catalogue.fields.get(key)
    text = display(catalogue, definition, value) if definition is not None else str(value)
    return text[:1] + "*" * (len(text) - 1)


# What the apply pages show for a hire's shared value before the employer has filed the hire.
HIDDEN = "已核验（提交后脱敏可见）"


def hires_as_seen(
    catalogue: Catalogue, shared: list[dict[str, Any]], rows: list[dict[str, Any]], filed: set[str]
) -> list[dict[str, Any]]:
    """Each hire's data-sharing values as the employer may see them (the pages lock the same
    keys): masked for a hire filed under the employer's account, not at all (:data:`HIDDEN`)
    otherwise; the ID number, the employer's own, as typed."""
    out: list[dict[str, Any]] = []
    for i, values in enumerate(shared):
        row = rows[i] if i < len(rows) and isinstance(rows[i], dict) else {}
        number = str(row.get("person.id_number") or "").strip().upper()
        shown = number in filed
        out.append(
            {
                k: number if k == "person.id_number" else masked(catalogue, k, v) if shown else HIDDEN
                for k, v in values.items()
            }
        )
    return out


def _shared_only(row: dict[str, Any], typed: Any, shared: dict[str, Any]) -> set[str]:
    """The keys of an employee row whose value the employer did not type: data sharing's."""
    given = typed if isinstance(typed, dict) else {}
    return {k for k in row if k in shared and given.get(k) in (None, "", [], {}) and k != "person.id_number"}


def _visible(
    catalogue: Catalogue,
    checked: CheckedSubmission,
    theme: Theme,
    filled: FilledForm,
    employee_prefill: list[dict[str, Any]],
    filed: set[str],
) -> CheckedSubmission:
    """``checked`` with each employee row's shared values dropped, or masked for hires filed."""
    given = filled.form.get("employees")
    rows: list[Any] = given if isinstance(given, list) else []
    hidden: dict[int, tuple[set[str], bool]] = {}
    checked_rows: dict[int, dict[str, Any]] = {}
    employees: list[dict[str, Any]] = []
    for i, row in enumerate(checked.employees):
        typed = rows[i] if i < len(rows) else {}
        keys = _shared_only(row, typed, employee_prefill[i] if i < len(employee_prefill) else {})
        shown = str(row.get("person.id_number") or "") in filed
        hidden[i], checked_rows[i] = (keys, shown), row
        employees.append(
            {
                k: (masked(catalogue, k, v) if shown else None) if k in keys else v
                for k, v in row.items()
                if shown or k not in keys
            }
        )
    payloads: list[ItemPayload] = []
    for p in checked.payloads:
        if p.employee is None or p.employee not in hidden:
            payloads.append(p)
            continue
        keys, shown = hidden[p.employee]
        names = {system_name(ref): ref.key for ref in theme.item(p.item).fields}
        row = checked_rows[p.employee]
        payload = {  # a masked value as a person reads it, not the department's code masked
            name: (masked(catalogue, names[name], row.get(names[name])) if names.get(name) in keys else v)
            for name, v in p.payload.items()
            if shown or names.get(name) not in keys
        }
        payloads.append(ItemPayload(p.item, p.department, p.system, p.employee, payload))
    checked.employees, checked.payloads = employees, payloads
    return checked


def precheck(
    ctx: Context,
    identity: Identity | None,
    theme_id: str,
    filled: FilledForm,
    filed: Callable[[Context, Identity, Theme, FilledForm], set[str]],
) -> CheckedSubmission:
    """预审 and 套打: the check, for a logged-in applicant of the theme's kind, with only what she may
    see. ``filed(ctx, identity, theme, filled)``: the ID numbers of the hires filed under the employer's
    account (the cases room knows them)."""
    theme = theme_of(ctx, theme_id)
    caller = may_precheck(identity, theme)
    checked, employee_prefill = _check(ctx, caller, theme, filled)
    if theme.applicant_type != "employer" or not checked.employees:
        return checked
    return _visible(
        ctx.catalogue, checked, theme, filled, employee_prefill, filed(ctx, caller, theme, filled)
    )


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
    theme: Theme,
    base: object,
    unit_rate: object,
    personal_rate: object,
    *,
    regions: Mapping[str, RegionSettings],
) -> HousingFundAmounts | None:
    """月缴存额 as the employer types (the pages show it live): base × rate for each side under the
    theme's region's rounding (``regions``: the deployment's figures) — the rule filing applies.
    None while a figure is missing or out of range (the check beside the field says why)."""
    try:
        figures = [
            Decimal(str(v).replace(",", "").rstrip("%").strip()) for v in (base, unit_rate, personal_rate)
        ]
    except (InvalidOperation, ValueError):
        return None
    try:
        region = region_settings(theme.region_code, regions)
        rounding, rates = region.housing_fund_rounding, region.housing_fund_rates
    except KeyError:
        rounding, rates = "yuan", HousingFundRates()
    try:
        return housing_fund_amounts(
            *figures, rounding=rounding, min_rate=rates.reduced_min, max_rate=rates.max
        )
    except (ValueError, ArithmeticError):
        return None


def read_sheet(
    ctx: Context,
    theme: Theme,
    identity: Identity,
    data: bytes,
    *,
    form: dict[str, Any],
    items: list[str] | None = None,
    situation: dict[str, str] | None = None,
    prefill: dict[str, Any] | None = None,
    facts_form: dict[str, Any] | None = None,
) -> SheetResult:
    """An uploaded employee sheet (员工花名册) read and checked as filing would check its rows: the
    caller's data sharing (prefill, facts, each row's verified values), the platform's date and the
    deployment's row limit (``LIANBAN_SHEET_MAX_ROWS``). ``prefill`` replaces the caller's own
    (a window clerk filing for an employer); ``facts_form`` the form the facts are read from.
    Raises :class:`~lianban.forms.sheet.SheetRefused` for a file that is not a readable sheet."""
    return read_employee_sheet(
        ctx.catalogue,
        theme,
        data,
        items=items,
        situation=situation,
        form=form,
        prefill=prefill_for(ctx.sharing, identity, form) if prefill is None else prefill,
        facts=facts_for(ctx.sharing, theme, identity, form if facts_form is None else facts_form),
        sharing=lambda rows: employee_sharing(ctx.sharing, theme, rows),
        today=ctx.clock.today(),
        max_rows=ctx.settings.sheet_max_rows,
        regions=deployment_regions(ctx.settings),
    )
