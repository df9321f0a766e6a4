"""The merged form of a check, built once per theme, choice and the values its rules read.

A filing's check merges the chosen items' fields (:func:`~lianban.forms.spec.build_form`: some
hundred field references, each rule of visibility evaluated) though the same theme, items and
situation give the same form — unless a rule reads a form value. So the form is remembered under
the theme, the chosen items, the situation answers and the values of exactly the names the
theme's applicability and visibility rules read (``referenced_names``); any other value cannot
change it. Those values are kept in the key only as a digest (BLAKE2b, 256 bits), so a rule that
reads a personal value leaves none of it in the memo. What is handed out is shared: read it, never change it (a check that narrows the
items makes a new :class:`FormSpec` with ``dataclasses.replace``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import Theme
from lianban.forms.spec import FormSpec, build_form
from lianban.rules.cel import referenced_names

KEPT = 512  # forms remembered; beyond it the memo starts again
_KEY_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)

_forms: dict[tuple[Any, ...], tuple[Catalogue, Theme, FormSpec]] = {}
_reads: dict[int, tuple[Theme, tuple[str, ...]]] = {}


def _value_names(theme: Theme) -> tuple[str, ...]:
    """The dotted names the theme's form rules read, other than situation answers and items."""
    found = _reads.get(id(theme))
    if found is not None and found[0] is theme:
        return found[1]
    rules = [it.applies_if for it in theme.items]
    rules += [ref.visible_if for it in theme.items for ref in it.fields]
    rules += [ref.visible_if for ref in theme.employer_fields]
    rules += [m.applies_if for m in theme.materials]
    names: set[str] = set()
    for rule in rules:
        if rule:
            names |= referenced_names(rule)
    read = tuple(sorted(n for n in names if n != "items" and n.split(".")[0] not in ("situation", "items")))
    _reads[id(theme)] = (theme, read)
    return read


def _key(
    catalogue: Catalogue,
    theme: Theme,
    items: list[str] | None,
    situation: Mapping[str, str] | None,
    values: Mapping[str, Any],
) -> tuple[Any, ...] | None:
    read = _value_names(theme)
    relevant = sorted(
        (k, v)
        for k, v in values.items()
        if any(k == n or k.startswith(f"{n}.") or n.startswith(f"{k}.") for n in read)
    )
    try:
        encoded = _KEY_JSON.encode(relevant) if relevant else ""
    except (TypeError, ValueError):
        return None  # a value that is no plain JSON: built anew
    # kept as a digest: a rule may read a personal value (person.*), which must not stay in memory
    digest = hashlib.blake2b(encoded.encode(), digest_size=32).digest() if encoded else b""
    answers = tuple(sorted((str(k), str(v)) for k, v in (situation or {}).items()))
    return (id(catalogue), theme.id, id(theme), tuple(items) if items else None, answers, digest)


def shared_form(
    catalogue: Catalogue,
    theme: Theme,
    items: list[str] | None,
    situation: Mapping[str, str] | None,
    values: Mapping[str, Any],
) -> FormSpec:
    """``build_form(catalogue, theme, items, situation, values)``, remembered (read-only)."""
    key = _key(catalogue, theme, items, situation, values)
    if key is None:
        return build_form(catalogue, theme, items, situation, values)
    found = _forms.get(key)
    if found is not None and found[0] is catalogue and found[1] is theme:
        return found[2]
    spec = build_form(catalogue, theme, items, situation, values)
    if len(_forms) >= KEPT:
        _forms.clear()
    _forms[key] = (catalogue, theme, spec)
    return spec
