"""The before/after outcome figures (四减: 减时间、减跑动、减材料、减环节), computed from a theme.

What the definition determines is computed here and compared with what the document states:
days before = the sum of the items' legal limits (a figure of the documents only when every limit
is stated for its item — ``before_days_sourced``; otherwise it is compared but never shown); days after = the shortest and longest critical
path through the dependency graph under the promised limits; steps before = the number of items,
steps after = one form; materials after = the most the applicant supplies over all situations
(or, where the theme says its figure counts the whole set, every material of the one set);
materials before = that plus the materials the document says were reduced. Trips are stated only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from lianban.catalog.model import Figures, Item, ProvidedBy, Theme
from lianban.rules.cel import RuleError, evaluate

Answers = Mapping[str, str]


@dataclass(frozen=True)
class ComputedOutcomes:
    before: Figures
    after: Figures
    legal_path_days: int  # longest path under legal limits: the whole case's legal limit
    promised_path_days: tuple[int, int]
    before_days_sourced: bool = True  # every item's legal limit is stated for it by the document


def situation_combinations(theme: Theme) -> Iterator[dict[str, str]]:
    """Every combination of situation answers (情形组合); one empty answer set if none."""
    if not theme.situations:
        yield {}
        return
    ids = [s.id for s in theme.situations]
    for combo in itertools.product(*[[o.code for o in s.options] for s in theme.situations]):
        yield dict(zip(ids, combo, strict=True))


def applies(expression: str | None, answers: Answers) -> bool:
    """Whether an ``applies_if`` holds for these situation answers.

    An expression that needs more than the situation (a form value) cannot be decided here and
    counts as applying: the figures are upper bounds over what a form may choose.
    """
    if not expression:
        return True
    try:
        return bool(evaluate(expression, {"situation": dict(answers)}))
    except RuleError:
        return True


def items_in_case(theme: Theme, answers: Answers) -> list[Item]:
    return [it for it in theme.items if applies(it.applies_if, answers)]


def finish_times(items: list[Item], weight: Mapping[str, int]) -> dict[str, int]:
    """When each item finishes, in working days from acceptance, waiting as the theme says
    (all = latest finish of what it waits for, any = earliest)."""
    present = {it.code: it for it in items}
    finish: dict[str, int] = {}

    def done(code: str, seen: tuple[str, ...] = ()) -> int:
        if code in finish:
            return finish[code]
        if code in seen:  # a cycle: reported by the checker; count it once
            return 0
        it = present[code]
        start = 0
        # an item the department completes only after others (completes_after) finishes after
        # them; one waiting for a document issued at acceptance (waits_for_document) starts at once
        all_deps = [d for d in (*it.waits_for, *it.completes_after) if d in present]
        if all_deps:
            start = max(done(d, (*seen, code)) for d in all_deps)
        any_deps = [d for d in it.waits_for_any if d in present]
        if any_deps:
            start = max(start, min(done(d, (*seen, code)) for d in any_deps))
        finish[code] = start + weight[code]
        return finish[code]

    for code in present:
        done(code)
    return finish


# (theme, the items' codes, kind) → the theme and items asked about (compared by identity: a
# reloaded catalogue gets its own entries) and their finish times; a theme's filings ask about the
# same few sets of items
_FINISHED: dict[tuple[int, tuple[str, ...], str], tuple[Theme, tuple[Item, ...], dict[str, int]]] = {}


def case_finish_times(theme: Theme, items: list[Item], kind: str) -> dict[str, int]:
    """When each item of a case is due, in working days from acceptance, under its ``legal`` or
    ``promised`` (longest) limit — and never later than a limit the document states for the whole
    theme (Hebei: “（三）办理时限 15个工作日”): the theme's limit binds every item in it.
    Remembered per theme and set of items (a new dictionary each time)."""
    key = (id(theme), tuple(it.code for it in items), kind)
    known = _FINISHED.get(key)
    if known is not None and known[0] is theme and all(a is b for a, b in zip(known[1], items, strict=True)):
        return dict(known[2])
    finish = _case_finish_times(theme, items, kind)
    if len(_FINISHED) > 4096:
        _FINISHED.clear()
    _FINISHED[key] = (theme, tuple(items), finish)
    return dict(finish)


def _case_finish_times(theme: Theme, items: list[Item], kind: str) -> dict[str, int]:
    if kind == "legal":
        finish = finish_times(items, {it.code: it.time_limit.legal_days for it in items})
        cap = theme.stated_time_limit.legal_days if theme.stated_time_limit else None
    else:
        finish = finish_times(items, {it.code: it.time_limit.promised_max for it in items})
        cap = theme.stated_time_limit.promised_max if theme.stated_time_limit else None
    return finish if cap is None else {code: min(days, cap) for code, days in finish.items()}


def critical_path(items: list[Item], weight: Mapping[str, int]) -> int:
    """Length of the longest chain of waits: the whole case's limit."""
    return max(finish_times(items, weight).values(), default=0)


def applicant_materials(theme: Theme, answers: Answers) -> set[str]:
    """Materials the applicant supplies for this situation (needed by an item in the case)."""
    needed = {m for it in items_in_case(theme, answers) for m in it.materials}
    return {
        m.id
        for m in theme.materials
        if m.id in needed and m.provided_by is ProvidedBy.APPLICANT and applies(m.applies_if, answers)
    }


def compute(theme: Theme) -> ComputedOutcomes:
    combos = list(situation_combinations(theme))
    legal = {it.code: it.time_limit.legal_days for it in theme.items}
    lo = {it.code: it.time_limit.promised_min for it in theme.items}
    hi = {it.code: it.time_limit.promised_max for it in theme.items}
    cases = [items_in_case(theme, a) for a in combos]
    shortest = min(critical_path(c, lo) for c in cases)
    longest = max(critical_path(c, hi) for c in cases)
    legal_path = max(critical_path(c, legal) for c in cases)
    if theme.stated_time_limit is not None:  # the theme's own limit binds the case
        legal_path = min(legal_path, theme.stated_time_limit.legal_days)
        longest = min(longest, theme.stated_time_limit.promised_max)
        shortest = min(shortest, longest)
    supplied = [applicant_materials(theme, a) for a in combos]
    if theme.outcomes is not None and theme.outcomes.materials_count == "whole_set":
        materials_after = len(set().union(*supplied))
    else:
        materials_after = max(len(s) for s in supplied)
    reduced = sum(1 for r in theme.reduced_materials if r.status == "reduced")
    before = Figures(
        days=sum(legal.values()),
        trips=theme.outcomes.before.trips if theme.outcomes else None,
        materials=materials_after + reduced if theme.reduced_materials else None,
        steps=len(theme.items),
    )
    after = Figures(
        days=(shortest, longest) if shortest != longest else longest,
        trips=theme.outcomes.after.trips if theme.outcomes else None,
        materials=materials_after,
        steps=1,
    )
    return ComputedOutcomes(
        before=before,
        after=after,
        legal_path_days=legal_path,
        promised_path_days=(shortest, longest),
        before_days_sourced=all(it.time_limit.source == "document" for it in theme.items),
    )


def upper(value: int | tuple[int, int] | None) -> int | None:
    if isinstance(value, tuple):
        return value[1]
    return value


def reduction_percent(before: Figures, after: Figures) -> dict[str, int]:
    """round((before − after) / before × 100) per figure; a range counts by its upper end."""
    out: dict[str, int] = {}
    for name in ("days", "trips", "materials", "steps"):
        b, a = upper(getattr(before, name)), upper(getattr(after, name))
        if b and a is not None:
            out[name] = int((b - a) * 100 / b + 0.5)
    return out


@dataclass(frozen=True)
class Disagreement:
    figure: str  # e.g. "before.days"
    stated: object
    computed: object


def compare(theme: Theme, computed: ComputedOutcomes) -> list[Disagreement]:
    """Stated figures that disagree with what the definition computes."""
    if theme.outcomes is None:
        return []
    found: list[Disagreement] = []
    for side in ("before", "after"):
        stated_fig: Figures = getattr(theme.outcomes, side)
        comp_fig: Figures = getattr(computed, side)
        for name in ("days", "materials", "steps"):
            stated = getattr(stated_fig, name)
            comp = getattr(comp_fig, name)
            if stated is None or comp is None:
                continue
            # one stated number against a computed range: the document states the longest
            ok = stated == comp if isinstance(stated, tuple) or isinstance(comp, int) else stated == comp[1]
            if not ok:
                found.append(Disagreement(f"{side}.{name}", stated, comp))
    stated_pct = theme.outcomes.reduction_percent
    comp_pct = reduction_percent(theme.outcomes.before, theme.outcomes.after)
    for name, value in stated_pct.items():
        if comp_pct.get(name) != value:
            found.append(Disagreement(f"reduction_percent.{name}", value, comp_pct.get(name)))
    return found
