"""CEL expressions for conditions, applicability and visibility (规则表达式), never Python ``eval``.

Rules in theme files are Common Expression Language (cel-python). They see the form by canonical
key as nested maps (``person.birth_date``), ``situation.<id>``, ``facts.<name>`` and ``today``
(the application date as ``YYYY-MM-DD``), and the domain functions registered here.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Hashable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import celpy
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError
from dateutil.relativedelta import relativedelta

from lianban.calendar.retirement import RetirementCategory, retirement

FUNCTION_NAMES = (
    "age_years",
    "retirement_date",
    "days_between",
    "months_between",
    "add_years",
    "graduation_year",
    "round_yuan",
    "month_of",
    "period_within",
    "period_months",
)


class RuleError(Exception):
    """A rule that does not compile or cannot be evaluated."""


def _date(value: Any) -> date:
    text = str(value)
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise RuleError(f"not a date: {text!r}") from exc


def _age_years(birth: Any, on: Any) -> celtypes.IntType:
    b, d = _date(birth), _date(on)
    years = d.year - b.year - ((d.month, d.day) < (b.month, b.day))
    return celtypes.IntType(years)


def _retirement_date(birth: Any, gender: Any, female_original_age: Any) -> celtypes.StringType:
    g = str(gender)
    if g == "1":
        category = RetirementCategory.MALE_60
    elif int(female_original_age) == 50:
        category = RetirementCategory.FEMALE_50
    else:
        category = RetirementCategory.FEMALE_55
    return celtypes.StringType(retirement(_date(birth), category).retirement_date.isoformat())


def _days_between(start: Any, end: Any) -> celtypes.IntType:
    return celtypes.IntType((_date(end) - _date(start)).days)


def _months_between(start: Any, end: Any) -> celtypes.IntType:
    delta = relativedelta(_date(end), _date(start))
    return celtypes.IntType(delta.years * 12 + delta.months)


def _add_years(start: Any, years: Any) -> celtypes.StringType:
    return celtypes.StringType((_date(start) + relativedelta(years=int(years))).isoformat())


def _graduation_year(day: Any) -> celtypes.IntType:
    return celtypes.IntType(_date(day).year)


def _month(value: Any) -> tuple[int, int]:
    text = str(value)
    try:
        year, month = int(text[:4]), int(text[5:7])
    except ValueError as exc:
        raise RuleError(f"not a month: {text!r}") from exc
    if text[4:5] != "-" or not 1 <= month <= 12:
        raise RuleError(f"not a month: {text!r}")
    return year, month


def _month_of(day: Any) -> celtypes.StringType:
    """The month (``YYYY-MM``) of a date or a month."""
    year, month = _month(day)
    return celtypes.StringType(f"{year:04d}-{month:02d}")


def _period(period: Any) -> tuple[tuple[int, int], tuple[int, int] | None]:
    if not isinstance(period, Mapping) or "start" not in period:
        raise RuleError(f"not a period: {period!r}")
    end = period.get("end")
    return _month(period["start"]), (None if end is None else _month(end))


def _period_within(period: Any, first: Any, last: Any) -> celtypes.BoolType:
    """Whether a month period (``{start, end}``) lies within ``first``–``last`` (months or dates);
    an open-ended period (no end) never does: a claim names its last month."""
    start, end = _period(period)
    return celtypes.BoolType(end is not None and _month(first) <= start and end <= _month(last))


def _period_months(period: Any) -> celtypes.IntType:
    """Months in a period, both ends counted (2026-09 — 2026-11 is 3); an open end counts its start."""
    start, end = _period(period)
    end = end or start
    return celtypes.IntType((end[0] - start[0]) * 12 + end[1] - start[1] + 1)


def _round_yuan(amount: Any) -> celtypes.DoubleType:
    # 四舍五入到元 — the default rounding; a region's rule may differ (forms room configures it)
    return celtypes.DoubleType(math.floor(float(amount) + 0.5))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "age_years": _age_years,
    "retirement_date": _retirement_date,
    "days_between": _days_between,
    "months_between": _months_between,
    "add_years": _add_years,
    "graduation_year": _graduation_year,
    "round_yuan": _round_yuan,
    "month_of": _month_of,
    "period_within": _period_within,
    "period_months": _period_months,
}

_ENV = celpy.Environment()


@lru_cache(maxsize=4096)
def compile_rule(expression: str) -> celpy.Runner:
    """Compile a CEL expression once; a syntax error raises :class:`RuleError`."""
    try:
        ast = _ENV.compile(expression)
    except CELParseError as exc:
        raise RuleError(f"CEL syntax error in {expression!r}: {exc}") from exc
    return _ENV.program(ast, functions=FUNCTIONS)


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"person.name": "张三"}`` → ``{"person": {"name": "张三"}}`` for CEL member access."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[parts[-1]] = value
    return out


# cel-python interprets a tree per call (about a millisecond): an employer's sheet of 1,000 hires
# asks the same few rules about the same values thousands of times. So an expression converts only
# the activation keys it names, and its answer is remembered for the values of the dotted names it
# reads (referenced_names); values that are not plain JSON are never remembered.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MEMO_SIZE = 20_000
_memo: dict[tuple[str, Hashable], Any] = {}  # insertion-ordered: the first key is the oldest
_UNKNOWN = object()


@lru_cache(maxsize=4096)
def _reads(expression: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The dotted names an expression reads, and every identifier in it (a superset of the roots)."""
    body = _STRING.sub("''", expression)
    return tuple(sorted(referenced_names(expression))), frozenset(_IDENTIFIER.findall(body))


def _value_at(activation: Mapping[str, Any], dotted: str) -> list[Any]:
    """How far a dotted name resolves and the value there (a missing key is not a value)."""
    node: Any = activation
    for depth, part in enumerate(dotted.split(".")):
        if not isinstance(node, Mapping):
            return [depth, "value", node]
        if part not in node:
            return [depth, "missing"]
        node = node[part]
    return [-1, "value", node]


# one encoder for every key (json.dumps with options builds a new encoder on each call)
_KEY_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
_IMMUTABLE = (str, int, float, bool, type(None), date)


def _copy(answer: Any) -> Any:
    """A remembered answer, safe to hand out (containers copied, plain values as they are)."""
    return answer if isinstance(answer, _IMMUTABLE) else copy.deepcopy(answer)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _memo_key(expression: str, names: tuple[str, ...], activation: Mapping[str, Any]) -> Hashable | None:
    """What an answer is remembered by: the values of the names ``expression`` reads — plain
    scalars as a tuple, each with its type (``True`` is not ``1``, as in JSON), others as JSON."""
    found = [_value_at(activation, n) for n in names]
    if all(type(f[-1]) in _SCALARS for f in found):  # most rules read codes, dates as text, numbers
        return tuple((type(f[-1]), *f) for f in found)
    try:
        return _KEY_JSON.encode(found)
    except (TypeError, ValueError):
        return None


def evaluate(expression: str, activation: Mapping[str, Any]) -> Any:
    """Evaluate ``expression`` with plain-Python ``activation``; returns a plain Python value.

    Raises :class:`RuleError` when the expression reads a value that is missing or of the wrong
    type (CEL's evaluation error), so callers can tell "false" from "cannot decide".
    """
    names, identifiers = _reads(expression)
    values = _memo_key(expression, names, activation)
    key = (expression, values) if values is not None else None
    if key is not None:
        known = _memo.get(key, _UNKNOWN)
        if known is not _UNKNOWN:
            if isinstance(known, RuleError):
                raise RuleError(str(known))
            return _copy(known)
    program = compile_rule(expression)
    cel_activation = {k: json_to_cel(v) for k, v in activation.items() if k in identifiers}
    answer: Any
    try:
        result = program.evaluate(cel_activation)
        answer = RuleError(str(result)) if isinstance(result, CELEvalError) else _to_python(result)
    except CELEvalError as exc:
        answer = RuleError(str(exc))
    if key is not None:
        _remember(key, answer)
    if isinstance(answer, RuleError):
        raise RuleError(str(answer))
    return _copy(answer) if key is not None else answer


def _remember(key: tuple[str, Hashable], answer: Any) -> None:
    """Keep an answer, dropping the oldest beyond the memo's size. No lock: each dict operation is
    atomic under the GIL, and two threads racing to drop the same oldest entry is harmless (a lock
    here was waited on by every request thread of the API at once)."""
    _memo[key] = answer
    while len(_memo) > _MEMO_SIZE:
        try:
            del _memo[next(iter(_memo))]
        except (KeyError, StopIteration, RuntimeError):  # another thread changed it first
            break


def _to_python(value: Any) -> Any:
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.IntType | celtypes.UintType):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.ListType):
        return [_to_python(v) for v in value]
    if isinstance(value, celtypes.MapType):
        return {str(k): _to_python(v) for k, v in value.items()}
    return value


_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NAME = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(\s*\()?")
_KEYWORDS = {
    "true",
    "false",
    "null",
    "in",
    "has",
    "size",
    "int",
    "string",
    "double",
    "bool",
    "matches",
    "exists",
    "all",
}


def referenced_names(expression: str) -> set[str]:
    """Dotted names an expression reads (``person.birth_date``, ``situation.city``), not functions.

    Used by ``lianban themes check`` to find unknown keys, facts and situations in rules.
    """
    body = _STRING.sub("''", expression)
    names: set[str] = set()
    for match in _NAME.finditer(body):
        name, call = match.group(1), match.group(2)
        if call:  # a function or a method call: keep the receiver (`a.b.exists(...)` → `a.b`)
            if "." in name:
                receiver = name.rsplit(".", 1)[0]
                if receiver.split(".")[0] not in _KEYWORDS:
                    names.add(receiver)
            continue
        if name in _KEYWORDS:
            continue
        names.add(name)
    return names


def situation_literals(expression: str) -> list[tuple[str, str]]:
    """``situation.X == 'code'`` / ``situation.X in ['a', 'b']`` pairs, to check option codes exist."""
    pairs: list[tuple[str, str]] = []
    for m in re.finditer(r"situation\.(\w+)\s*(?:==|!=)\s*['\"]([^'\"]*)['\"]", expression):
        pairs.append((m.group(1), m.group(2)))
    for m in re.finditer(r"situation\.(\w+)\s+in\s+\[([^\]]*)\]", expression):
        for code in re.findall(r"['\"]([^'\"]*)['\"]", m.group(2)):
            pairs.append((m.group(1), code))
    return pairs
