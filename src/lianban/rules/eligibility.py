"""Eligibility with explanations (受理条件判定): every condition of the chosen items, evaluated with reasons.

Each result carries a Chinese (and English) sentence naming the facts used: the theme's
``explain`` text with its ``{placeholders}`` filled by evaluating them as CEL, and — where the
rule reads the statutory retirement date — the date computed under the law in force on the
application date.

The rules room sits below the catalogue: the catalogue's checker and figures compile and evaluate
rules (:mod:`lianban.rules.cel`), so this module reads the catalogue's conditions, items and themes
through the few attributes it needs (:class:`ConditionLike`, :class:`ItemLike`, :class:`ThemeLike`:
:mod:`lianban.catalog.model`'s classes have them) and never imports the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, Literal, Protocol

from lianban.rules.cel import RuleError, evaluate, nest


class ConditionLike(Protocol):
    """A condition of a theme or an item (受理条件), as :class:`lianban.catalog.model.Condition`."""

    @property
    def id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def rule(self) -> str | None: ...
    @property
    def explain(self) -> str | None: ...
    @property
    def explain_en(self) -> str | None: ...
    @property
    def severity(self) -> Literal["block", "warn", "drop"]: ...
    @property
    def scope(self) -> Literal["item", "application"]: ...
    @property
    def facts(self) -> Sequence[str]: ...


class ItemLike(Protocol):
    """An item (事项) with its conditions, as :class:`lianban.catalog.model.Item`."""

    @property
    def code(self) -> str: ...
    @property
    def conditions(self) -> Sequence[ConditionLike]: ...


class ThemeLike(Protocol):
    """A theme (主题) with its own conditions, as :class:`lianban.catalog.model.Theme`."""

    @property
    def conditions(self) -> Sequence[ConditionLike]: ...


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_RETIREMENT_CALL = re.compile(r"retirement_date\([^()]*\)")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_CEL_WORDS = frozenset({"true", "false", "null", "in"})
_PLAIN = (str, int, float)  # bool is an int: CEL gives it back as the same Python value


@lru_cache(maxsize=4096)
def _dotted_parts(expr: str) -> tuple[str, ...] | None:
    """A bare dotted name's parts (``person.name`` → person, name); None for anything else."""
    if expr in _CEL_WORDS or not _DOTTED.fullmatch(expr):
        return None
    return tuple(expr.split("."))


def _plain_value(expr: str, act: Mapping[str, Any]) -> Any:
    """The value a bare dotted name (``{person.name}``) reads, looked up without the CEL
    interpreter; None when it is not one, or not a plain value there (CEL then decides)."""
    parts = _dotted_parts(expr)
    if parts is None:
        return None
    node: Any = act
    for part in parts:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, _PLAIN) else None


def _known(fact: str, act: Mapping[str, Any]) -> bool:
    """Whether the dotted ``fact`` (``person.birth_date``, ``facts.holds_social_card``) has a value."""
    node: Any = act
    for part in fact.split("."):
        if not isinstance(node, Mapping) or node.get(part) in (None, ""):
            return False
        node = node[part]
    return True


@dataclass(frozen=True)
class ConditionResult:
    """One condition's outcome. Its explanation is written when first read: a filing reads those
    of the conditions not met, and most are met (the placeholders are CEL to evaluate)."""

    item: str | None  # None for a theme-level condition
    condition: str
    met: bool | None  # None: cannot be decided from what is known yet
    severity: Literal["block", "warn", "drop"]
    scope: Literal["item", "application"]
    text: str
    explained: Callable[[], tuple[str, str]] = field(repr=False, compare=False)

    @cached_property
    def _explanation(self) -> tuple[str, str]:
        return self.explained()

    @property
    def explanation_zh(self) -> str:
        return self._explanation[0]

    @property
    def explanation_en(self) -> str:
        return self._explanation[1]


@dataclass(frozen=True)
class Eligibility:
    results: list[ConditionResult]

    def failed(self, severity: str) -> list[ConditionResult]:
        return [r for r in self.results if r.met is False and r.severity == severity]

    @property
    def dropped_items(self) -> dict[str, ConditionResult]:
        out: dict[str, ConditionResult] = {}
        for r in self.failed("drop"):
            if r.item is not None:
                out.setdefault(r.item, r)
        return out

    @property
    def blocking(self) -> list[ConditionResult]:
        return self.failed("block")

    @property
    def warnings(self) -> list[ConditionResult]:
        return self.failed("warn")


def activation(
    values: Mapping[str, Any], situation: Mapping[str, str], facts: Mapping[str, Any], today: date
) -> dict[str, Any]:
    return {
        **nest(dict(values)),
        "situation": dict(situation),
        "facts": dict(facts),
        "today": today.isoformat(),
    }


def _fill(template: str, act: Mapping[str, Any], labels: Mapping[str, Mapping[str, str]]) -> str:
    def one(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        try:
            value = _plain_value(expr, act)
            if value is None:
                value = evaluate(expr, act)
        except RuleError:
            return "（未填写）" if not template.isascii() else "(not given)"
        text = str(value)
        return labels.get(expr, {}).get(text, text)

    return _PLACEHOLDER.sub(one, template)


def _retirement_note(rule: str, act: Mapping[str, Any]) -> tuple[str, str]:
    match = _RETIREMENT_CALL.search(rule)
    if not match:
        return "", ""
    try:
        when = evaluate(match.group(0), act)
    except RuleError:
        return "", ""
    return (
        f"（按申请日施行的规定计算，法定退休日期为 {when}）",
        f" (statutory retirement date under the law in force on the application date: {when})",
    )


def evaluate_condition(
    cond: ConditionLike,
    item: ItemLike | None,
    act: Mapping[str, Any],
    labels: Mapping[str, Mapping[str, str]],
) -> ConditionResult:
    met: bool | None
    missing: list[str] = []
    if cond.rule is None:
        met = None  # checked by staff at review; the explanation says so
    else:
        try:
            met = bool(evaluate(cond.rule, act))
        except RuleError:
            # a rule that cannot be evaluated for want of the applicant's own facts is not met (a
            # missing birth date never passes working age); a data-sharing fact (facts.*) no
            # register answered leaves it undecided, for the staff to check at review
            missing = [f for f in cond.facts if not f.startswith("facts.") and not _known(f, act)]
            met = False if missing else None

    def explained() -> tuple[str, str]:
        zh = _fill(cond.explain or cond.text, act, labels)
        en = _fill(cond.explain_en or cond.explain or cond.text, act, labels)
        if missing:
            zh = f"缺少 {'、'.join(missing)}，无法判断是否符合，按不符合处理：{zh}"
            en = (
                f"{', '.join(missing)} missing: the condition cannot be shown to hold, so it is not met. {en}"
            )
        if cond.rule:
            note_zh, note_en = _retirement_note(cond.rule, act)
            zh, en = zh + note_zh, en + note_en
        return zh, en

    return ConditionResult(
        item=item.code if item else None,
        condition=cond.id,
        met=met,
        severity=cond.severity,
        scope=cond.scope,
        text=cond.text,
        explained=explained,
    )


def assess(
    theme: ThemeLike,
    items: Sequence[ItemLike],
    values: Mapping[str, Any],
    situation: Mapping[str, str],
    facts: Mapping[str, Any],
    today: date,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    include_theme_conditions: bool = True,
) -> Eligibility:
    """Evaluate the theme's conditions and every chosen item's conditions.

    Employer themes evaluate theme-level conditions per employee row (they speak of the person
    hired), so the header's assessment passes ``include_theme_conditions=False``.
    ``labels`` maps a placeholder expression (a canonical key) to code → label, so explanations
    say 女 rather than 2.
    """
    act = activation(values, situation, facts, today)
    lab = labels if labels is not None else {}  # not `or`: a lazy mapping's len walks every field
    results = (
        [evaluate_condition(c, None, act, lab) for c in theme.conditions] if include_theme_conditions else []
    )
    for it in items:
        results += [evaluate_condition(c, it, act, lab) for c in it.conditions]
    return Eligibility(results)
