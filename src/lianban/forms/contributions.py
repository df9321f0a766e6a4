"""Contributions computed from a form (缴存额与缴费基数): the housing fund's monthly amounts
(月缴存额 = 缴存基数 × 缴存比例 for each side, rounded by local rule) and the check of a flexible
worker's pension contribution base against the province's average wage (DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from lianban.forms.fieldtypes.checking import plain
from lianban.forms.issues import FieldIssue

__all__ = [
    "QUANTUM",
    "HousingFundAmounts",
    "HousingFundRates",
    "Rounding",
    "housing_fund_amounts",
    "pension_base_issue",
    "rate_bound_issues",
]

Rounding = Literal["yuan", "jiao", "fen"]


@dataclass(frozen=True)
class HousingFundAmounts:
    """Monthly housing fund contributions (月缴存额) in yuan."""

    unit: Decimal
    personal: Decimal
    total: Decimal


@dataclass(frozen=True)
class HousingFundRates:
    """A region's bounds of the housing fund's rates (缴存比例), in percent: ``usual_min``–``max``
    (5–12 % by the national rule, DOMAIN.md), and ``reduced_min``, the lowest rate taken with 降缴
    (a reduced rate applied for). No source document states a national floor for 降缴, so the
    default is the data dictionary's floor of 1 %; a region sets its own in ``regions.yaml``."""

    usual_min: Decimal = Decimal(5)
    max: Decimal = Decimal(12)
    reduced_min: Decimal = Decimal(1)


QUANTUM: dict[str, Decimal] = {"yuan": Decimal("1"), "jiao": Decimal("0.1"), "fen": Decimal("0.01")}
REDUCTION = "reduction"  # 降缴 in housing_fund.relief (shangrao.housing_fund_relief)


def rate_bound_issues(
    values: dict[str, object], prefix: str, reduced: bool, rates: HousingFundRates = HousingFundRates()
) -> list[FieldIssue]:
    """Each rate within the region's bounds: at most ``max`` (12 %); at least ``usual_min`` (5 %),
    or with 降缴 (a reduced rate applied for) at least ``reduced_min``."""
    issues = []
    for key, side_zh, side_en in (
        ("housing_fund.unit_rate", "单位", "unit"),
        ("housing_fund.personal_rate", "个人", "personal"),
    ):
        if key not in values:
            continue
        try:
            rate = Decimal(str(values[key]))
        except ArithmeticError:
            continue
        if not rate.is_finite():
            continue
        shown = plain(rate)
        if rate > rates.max:
            zh = f"{side_zh}缴存比例 {shown}% 高于本地上限 {plain(rates.max)}%"
            en = f"the {side_en} rate {rate}% is above the local maximum of {rates.max} %"
        elif not reduced and rate < rates.usual_min:
            floor = plain(rates.usual_min)
            zh = f"{side_zh}缴存比例 {shown}% 低于 {floor}%：低于{floor}%的缴存比例仅在申请降缴（降低缴存比例）时允许"
            en = f"the {side_en} rate {rate}% is below {floor} %: a lower rate needs a reduction (降缴) applied for"
        elif reduced and rate < rates.reduced_min:
            zh = f"{side_zh}缴存比例 {shown}% 低于本地降缴的最低比例 {plain(rates.reduced_min)}%"
            en = f"the {side_en} rate {rate}% is below the local lowest reduced rate of {rates.reduced_min} %"
        else:
            continue
        issues.append(FieldIssue(f"{prefix}{key}", "range", zh, en))
    return issues


def housing_fund_amounts(
    base: Decimal,
    unit_rate: Decimal,
    personal_rate: Decimal,
    *,
    rounding: Rounding = "yuan",
    min_rate: Decimal | int = 5,
    max_rate: Decimal | int = 12,
) -> HousingFundAmounts:
    """Unit and personal monthly amounts = base × rate (rates in percent, 12 = 12 %), each rounded
    half-up to the yuan (or 角 / 分 where the local rule says so); total = unit + personal.

    Raises ``ValueError`` for a negative base or a rate outside ``[min_rate, max_rate]`` (5–12 %
    by default, DOMAIN.md); the caller reports it as a ``range`` issue.
    """
    if rounding not in QUANTUM:
        raise ValueError(f"rounding must be yuan, jiao or fen, not {rounding!r}")
    base = Decimal(base)
    if not base.is_finite() or base < 0:
        raise ValueError(f"缴存基数不能为负数 / the contribution base must not be negative: {base}")
    lo, hi = Decimal(min_rate), Decimal(max_rate)
    for name_zh, name_en, rate in (("单位", "unit", unit_rate), ("个人", "personal", personal_rate)):
        r = Decimal(rate)
        if not r.is_finite() or not lo <= r <= hi:
            raise ValueError(
                f"{name_zh}缴存比例 {plain(r) if r.is_finite() else r}% 不在 {plain(lo)}%–{plain(hi)}% 之间 / "
                f"the {name_en} rate {r}% is outside {plain(lo)}%–{plain(hi)}%"
            )
    quantum = QUANTUM[rounding]
    unit = (base * Decimal(unit_rate) / 100).quantize(quantum, rounding=ROUND_HALF_UP)
    personal = (base * Decimal(personal_rate) / 100).quantize(quantum, rounding=ROUND_HALF_UP)
    return HousingFundAmounts(unit=unit, personal=personal, total=unit + personal)


# ------------------------------------------------------------------------------ pension base check


def pension_base_issue(
    base: Decimal, average_wage: Decimal, key: str = "insurance.pension.base"
) -> FieldIssue | None:
    """A flexible worker's monthly pension contribution base must lie within 60 %–300 % of the
    province's average wage (DOMAIN.md). ``average_wage`` is the published yearly figure (元/年,
    as in ``regions.yaml``); the bounds are 60 % and 300 % of its twelfth, rounded half-up to the
    yuan as provinces publish them. Returns a ``range`` issue naming the bounds, or ``None``.
    """
    monthly = Decimal(average_wage) / 12
    lo = (monthly * Decimal("0.6")).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    hi = (monthly * 3).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    b = Decimal(base)
    if lo <= b <= hi:
        return None
    got = plain(b)
    return FieldIssue(
        field=key,
        code="range",
        message_zh=(
            f"养老保险缴费基数应在全省全口径城镇单位就业人员月平均工资的60%至300%之间，"
            f"即 {lo} 元至 {hi} 元，填写的是 {got} 元"
        ),
        message_en=(
            "Pension contribution base: must be between 60 % and 300 % of the province's average "
            f"monthly wage, i.e. {lo} to {hi} yuan, got {got} yuan"
        ),
    )
