"""Split back per department (拆分还原): each item's payload in its system's own field names and codes.

Each item — and, for employer themes, each employee row of a per-employee item — becomes one
payload keyed by the department system's field names (``system_field`` in the theme), with
canonical codes translated through the theme's code maps. Every payload is validated against the
JSON Schema derived from the same theme data before it may be sent: nothing invalid reaches a
department.

The form and the payloads agree on what is required: a field an item shows only under a condition
(``visible_if``, e.g. 是否有雇工 only for the self-employed) is left out of that item's payload and
its schema's ``required`` when the condition is false for this application, exactly as the merged
form hides it and does not ask for it (:mod:`lianban.forms.spec`). A complete form therefore always
splits cleanly.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import FieldType, Item, ItemField, Theme, system_name
from lianban.forms.spec import shown
from lianban.rules.cel import nest

_JSON_TYPES: dict[FieldType, dict[str, Any]] = {
    FieldType.INTEGER: {"type": "integer"},
    FieldType.BOOLEAN: {"type": "boolean"},
    FieldType.CODES: {"type": "array", "items": {"type": "string"}},
    FieldType.DATE_RANGE: {
        "type": "object",
        "properties": {
            "start": {"type": "string", "format": "date"},
            # an open-ended period (无固定期限劳动合同) has no end
            "end": {"type": ["string", "null"], "format": "date"},
        },
        "required": ["start", "end"],
    },
    FieldType.MONTH_RANGE: {
        "type": "object",
        "properties": {"start": {"type": "string"}, "end": {"type": ["string", "null"]}},
        "required": ["start", "end"],
    },
    FieldType.ADDRESS: {
        "type": "object",
        "properties": {"region": {"type": ["string", "null"]}, "detail": {"type": "string"}},
        "required": ["detail"],
    },
    FieldType.DATE: {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    FieldType.MONTH: {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
}


@dataclass(frozen=True)
class ItemPayload:
    """One sub-application (子件) as its department receives it."""

    item: str
    department: str
    system: str
    employee: int | None  # row index for per-employee items of employer themes
    payload: dict[str, Any]


class PayloadInvalid(ValueError):
    """A payload that breaks its department schema; never sent."""

    def __init__(self, item: str, employee: int | None, errors: list[str]) -> None:
        where = f"{item}" + (f" (employee {employee})" if employee is not None else "")
        super().__init__(f"{where}: " + "; ".join(errors))
        self.item, self.employee, self.errors = item, employee, errors


def _compiled(schema: dict[str, Any]) -> Callable[[Any], Any]:
    """The schema compiled to Python by fastjsonschema (its keywords here are all draft-07 ones).

    jsonschema checks ``enum`` by a linear scan with JSON equality — slow for a region-code list
    of thousands, thousands of times over; it still words the errors when a payload fails.
    Compiling takes far longer than checking (it was three quarters of a filing's time), so each
    schema is compiled once per process, keyed by its text.
    """
    return _compile_text(json.dumps(schema, sort_keys=True, ensure_ascii=False))


@functools.lru_cache(maxsize=512)
def _compile_text(schema_text: str) -> Callable[[Any], Any]:
    schema = json.loads(schema_text)
    return fastjsonschema.compile({**schema, "$schema": "http://json-schema.org/draft-07/schema#"})


# (catalogue, theme, item, hidden fields) → the item's schema and its compiled check; the objects
# are kept in the entry and compared by identity, so a reloaded catalogue gets its own entries
_CHECKERS: dict[
    tuple[int, str, str, frozenset[str]],
    tuple[object, object, object, dict[str, Any], Callable[[Any], Any]],
] = {}


def _checker(
    catalogue: Catalogue, theme: Theme, item: Item, hidden: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], Callable[[Any], Any]]:
    """The item's department schema and its compiled check, derived once per catalogue (deriving
    and keying the schema was a tenth of a filing's time)."""
    key = (id(catalogue), theme.id, item.code, hidden)
    known = _CHECKERS.get(key)
    if known is not None and known[0] is catalogue and known[1] is theme and known[2] is item:
        return known[3], known[4]
    schema = item_schema(catalogue, theme, item, hidden)
    check = _compiled(schema)
    if len(_CHECKERS) > 4096:
        _CHECKERS.clear()
    _CHECKERS[key] = (catalogue, theme, item, schema, check)
    return schema, check


def item_schema(
    catalogue: Catalogue, theme: Theme, item: Item, hidden: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The department's schema for one item, derived from the theme (system names, types, codes).

    ``hidden``: canonical keys whose ``visible_if`` is false for this application — not asked by
    the form, so not required (nor sent) here either.
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    maps = {m.id: m for m in theme.code_maps}
    for ref in item.fields:
        definition = catalogue.fields[ref.key]
        name = system_name(ref)
        if definition.type is FieldType.CODE:
            allowed: set[str] = set()
            if ref.code_map and ref.code_map in maps:
                cm = maps[ref.code_map]
                allowed = set(cm.map.values()) | ({cm.default} if cm.default else set())
                if cm.to_list and cm.to_list in catalogue.code_lists:
                    allowed |= {c.code for c in catalogue.code_lists[cm.to_list].codes}
            elif definition.code_list:
                allowed = {c.code for c in catalogue.code_lists[definition.code_list].codes}
            properties[name] = {"type": "string", "enum": sorted(allowed)} if allowed else {"type": "string"}
        else:
            properties[name] = dict(_JSON_TYPES.get(definition.type, {"type": "string"}))
        if ref.required and ref.key not in hidden:
            required.append(name)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{theme.id}/{item.code}",
        "type": "object",
        "properties": {
            **properties,
            "_meta": {"type": "object"},
        },
        "required": required,
        "additionalProperties": False,
    }


def _translate(theme: Theme, ref: ItemField, value: Any) -> Any:
    if not ref.code_map or value is None:
        return value
    for cm in theme.code_maps:
        if cm.id == ref.code_map:
            if isinstance(value, list):
                return [cm.map.get(str(v), cm.default or str(v)) for v in value]
            return cm.map.get(str(value), cm.default if cm.default is not None else value)
    return value


def hidden_fields(
    item: Item,
    values: Mapping[str, Any],
    situation: Mapping[str, str],
    activation: dict[str, Any] | None = None,
) -> frozenset[str]:
    """The item's fields whose ``visible_if`` is false for these values and situation answers
    (``activation``: the two as the rules read them, when the caller has it already)."""
    conditional = [ref for ref in item.fields if ref.visible_if]
    if not conditional:
        return frozenset()
    if activation is None:
        activation = visibility_activation(values, situation)
    return frozenset(ref.key for ref in conditional if not shown(ref.visible_if, activation))


def visibility_activation(values: Mapping[str, Any], situation: Mapping[str, str]) -> dict[str, Any]:
    """The values and situation answers as a ``visible_if`` reads them (nested for CEL)."""
    return {**nest(dict(values)), "situation": dict(situation)}


def item_payload(
    theme: Theme, item: Item, values: Mapping[str, Any], hidden: frozenset[str] = frozenset()
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for ref in item.fields:
        if ref.key in hidden:
            continue  # the form did not show it: the department is not sent it
        value = values.get(ref.key)
        if value is None or value == "" or value == []:
            continue
        payload[system_name(ref)] = _translate(theme, ref, value)
    return payload


def split_payloads(
    catalogue: Catalogue,
    theme: Theme,
    items: Sequence[Item],
    values: Mapping[str, Any],
    employees: Sequence[Mapping[str, Any]] = (),
    situation: Mapping[str, str] | None = None,
) -> list[ItemPayload]:
    """拆分还原: one validated payload per item, per employee for per-employee items.

    ``values`` are the validated form values (flat canonical keys); for employer themes each
    employee row's values are layered over the header's. ``situation``: the resolved situation
    answers, which decide (with the values) the fields an item shows only under a condition.
    Raises :class:`PayloadInvalid` when a payload breaks its department schema.
    """
    out: list[ItemPayload] = []
    answers = situation or {}
    activations: dict[int | None, dict[str, Any]] = {}
    for item in items:
        rows: list[tuple[int | None, Mapping[str, Any]]]
        if item.per_employee and theme.applicant_type == "employer":
            rows = [(i, {**values, **row}) for i, row in enumerate(employees)]
        else:
            rows = [(None, values)]
        conditional = any(ref.visible_if for ref in item.fields)
        for index, row_values in rows:
            # one activation per row for every item's visible_if (nesting ~50 values for each
            # item was most of the split's own time)
            if conditional and index not in activations:
                activations[index] = visibility_activation(row_values, answers)
            hidden = hidden_fields(item, row_values, answers, activations.get(index))
            schema, check = _checker(catalogue, theme, item, hidden)
            payload = item_payload(theme, item, row_values, hidden)
            try:
                check(payload)  # compiled: an employer's thousand rows are checked in milliseconds
                errors = []
            except fastjsonschema.JsonSchemaException:  # jsonschema names every problem
                errors = sorted(Draft202012Validator(schema).iter_errors(payload), key=lambda e: list(e.path))
            if errors:
                raise PayloadInvalid(
                    item.code, index, [f"{'/'.join(map(str, e.path)) or '-'}: {e.message}" for e in errors]
                )
            out.append(ItemPayload(item.code, item.department.value, item.system, index, payload))
    return out
