"""The registry of field types (字段类型登记): each canonical type's check, found by the type's name.

A type's check parses what was supplied, applies the type's own rules, records every finding with
its message, and returns the normalised value (or ``None``). It registers itself with
:func:`field_type`, saying which declarative validators of the field dictionary apply to what it
returns: ``"text"`` (lengths and pattern), ``"number"`` (bounds, in ``unit``), or ``None`` (none, or
the check applies them itself: ``not_future`` of a date, the street address of an address).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from lianban.catalog.model import FieldType
from lianban.forms.fieldtypes.checking import Checking

__all__ = ["FIELD_KINDS", "Check", "FieldKind", "Validators", "field_type"]

Check = Callable[[Checking, object], object | None]
Validators = Literal["text", "number"] | None
_C = TypeVar("_C", bound=Check)


@dataclass(frozen=True, slots=True)
class FieldKind:
    """One field type: its check and the declarative validators that apply after it."""

    type: FieldType
    check: Check
    validators: Validators = None
    unit: str = ""  # shown after a bound: 12%


FIELD_KINDS: dict[FieldType, FieldKind] = {}


def field_type(type_: FieldType, *, validators: Validators = None, unit: str = "") -> Callable[[_C], _C]:
    """Register the decorated function as the check of ``type_`` (once per type)."""

    def register(check: _C) -> _C:
        if type_ in FIELD_KINDS:
            raise ValueError(f"field type {type_} is registered twice")
        FIELD_KINDS[type_] = FieldKind(type_, check, validators, unit)
        return check

    return register
