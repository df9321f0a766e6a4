"""Reading a sub-application back as its department sees it (拆分还原的回读): each field of the payload
under the department system's own name, beside the platform's label and — for codes — the
meaning of the department's own code.

The reviewer at the worklist decides on exactly what the department's system would have received
(:func:`lianban.forms.split.split_payloads`): the system's field names and codes, not the
platform's canonical ones. The label and meaning are read back through the same theme data (the
item's field list and the theme's code maps), so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import Item, Theme, system_name


@dataclass(frozen=True)
class PayloadRow:
    """One field as sent: the system's name, the platform's label, the value and what it means."""

    system_field: str
    label: str
    value: Any
    meaning: str | None  # a code's label ("女"), None for plain values


def _canonical_codes(theme: Theme, code_map: str | None) -> dict[str, str]:
    """A code map read backwards: the department's code → the canonical code."""
    for cm in theme.code_maps:
        if cm.id == code_map:
            return {department: canonical for canonical, department in cm.map.items()}
    return {}


def _meaning(catalogue: Catalogue, theme: Theme, key: str, code_map: str | None, value: Any) -> str | None:
    definition = catalogue.fields.get(key)
    if definition is None or not definition.code_list or definition.code_list not in catalogue.code_lists:
        return None
    labels = catalogue.code_lists[definition.code_list].labels("zh")
    backwards = _canonical_codes(theme, code_map)
    codes = value if isinstance(value, list) else [value]
    words = [labels.get(backwards.get(str(c), str(c)), "") for c in codes]
    return "、".join(w for w in words if w) or None


def payload_rows(catalogue: Catalogue, theme: Theme, item: Item, payload: dict[str, Any]) -> list[PayloadRow]:
    """The payload's fields in the item's order, under the department's own names and codes."""
    rows: list[PayloadRow] = []
    seen: set[str] = set()
    for ref in item.fields:
        name = system_name(ref)
        if name not in payload or name in seen:
            continue
        seen.add(name)
        definition = catalogue.fields.get(ref.key)
        rows.append(
            PayloadRow(
                system_field=name,
                label=definition.label.zh if definition else ref.key,
                value=payload[name],
                meaning=_meaning(catalogue, theme, ref.key, ref.code_map, payload[name]),
            )
        )
    for name, value in payload.items():  # anything else the payload carries (``_meta`` …)
        if name not in seen:
            rows.append(PayloadRow(system_field=name, label="", value=value, meaning=None))
    return rows
