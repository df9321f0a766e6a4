"""One form from many (多表合一): the merged form of a theme for the chosen items and situation.

The form's fields are the set union, by canonical key, of the fields the chosen items need; a
field is required when any chosen item requires it and it is visible. Materials are merged and
de-duplicated the same way, each saying who provides it (电子证照、数据共享、申请人、系统生成).
Employer themes split into the employer header and the per-employee row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import FieldDef, FieldType, Item, ItemField, Theme
from lianban.rules.cel import RuleError, evaluate, nest

SECTIONS_FILE = Path(__file__).parent / "data" / "sections.yaml"


@dataclass(frozen=True)
class SectionDef:
    prefix: str
    zh: str
    en: str


@lru_cache(maxsize=1)
def section_defs() -> tuple[SectionDef, ...]:
    doc: Any = YAML(typ="safe").load(SECTIONS_FILE.read_text(encoding="utf-8"))
    return tuple(SectionDef(str(d["prefix"]), str(d["zh"]), str(d["en"])) for d in doc)


def section_of(key: str) -> SectionDef:
    best: SectionDef | None = None
    for s in section_defs():
        if (key == s.prefix or key.startswith(s.prefix + ".")) and (
            best is None or len(s.prefix) > len(best.prefix)
        ):
            best = s
    return best or section_defs()[-1]


class UnknownItems(ValueError):
    """Item codes that the theme does not have."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


@dataclass
class FormField:
    key: str
    definition: FieldDef
    required: bool
    items: list[str]  # which chosen items need it
    per_employee: bool = False
    visible: bool = True
    system_fields: dict[str, str] = field(default_factory=dict)  # item code → the system's field name


@dataclass
class FormMaterial:
    id: str
    name: str
    required: bool
    provided_by: str
    items: list[str]
    fallback: str | None = None  # e_licence: fetched from the library when none is uploaded
    # handed in after the application (后补): {within_months, to}; not required when filing
    submit_after: dict[str, object] | None = None


@dataclass
class DroppedItem:
    code: str
    reason_zh: str
    reason_en: str


@dataclass
class FormSpec:
    theme: Theme
    items: list[Item]
    situation: dict[str, str]
    fields: dict[str, FormField]
    materials: list[FormMaterial]
    not_applicable: list[DroppedItem]

    @property
    def employee_fields(self) -> list[FormField]:
        return [f for f in self.fields.values() if f.per_employee]

    @property
    def header_fields(self) -> list[FormField]:
        return [f for f in self.fields.values() if not f.per_employee]


def resolve_situation(theme: Theme, answers: Mapping[str, str] | None) -> dict[str, str]:
    """The answers given, plus each unanswered situation's default."""
    out: dict[str, str] = {}
    given = dict(answers or {})
    for s in theme.situations:
        if s.id in given:
            out[s.id] = str(given[s.id])
        elif s.default is not None:
            out[s.id] = s.default
    return out


def shown(expression: str | None, activation: Mapping[str, Any]) -> bool:
    """An applicability expression; one that cannot be decided yet (missing answer) counts as true."""
    if not expression:
        return True
    try:
        return bool(evaluate(expression, activation))
    except RuleError:
        return True


def asked_situations(theme: Theme, answers: Mapping[str, str], chosen: list[str]) -> list[str]:
    """The situations (情形) asked for these answers and chosen item codes (``items`` in rules)."""
    activation = {"situation": dict(answers), "items": list(chosen)}
    return [s.id for s in theme.situations if shown(s.applies_if, activation)]


def build_form(
    catalogue: Catalogue,
    theme: Theme,
    items: list[str] | None = None,
    situation: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> FormSpec:
    """The merged form for ``items`` (default: every item that applies) under ``situation``.

    ``values`` (flat canonical keys) let visibility rules that read form values decide.
    """
    codes = [it.code for it in theme.items]
    if items:
        unknown = [c for c in items if c not in codes]
        if unknown:
            raise UnknownItems(unknown)
    answers = resolve_situation(theme, situation)
    activation: dict[str, Any] = {**nest(dict(values or {})), "situation": answers}
    chosen: list[Item] = []
    dropped: list[DroppedItem] = []
    for it in theme.items:
        if items and it.code not in items:
            continue
        if not shown(it.applies_if, activation):
            dropped.append(
                DroppedItem(
                    it.code,
                    f"按所选情形，{it.name}不适用",
                    f"{it.name_en or it.code} does not apply in this situation",
                )
            )
            continue
        chosen.append(it)
    # a 情形 is asked only where it applies: its ``applies_if`` reads the other answers and the
    # chosen items (Zibo's 原档案存档类型 only when an archive item is chosen); an answer to a
    # question not asked is not part of the application
    asked = asked_situations(theme, answers, [it.code for it in chosen])
    for sid in [sid for sid in answers if sid not in asked]:
        del answers[sid]

    fields: dict[str, FormField] = {}

    def add(ref: ItemField, item: Item | None, per_employee: bool) -> None:
        definition = catalogue.fields[ref.key]
        visible = shown(ref.visible_if, activation)
        ff = fields.get(ref.key)
        if ff is None:
            ff = fields[ref.key] = FormField(ref.key, definition, False, [], per_employee, False)
        ff.visible = ff.visible or visible
        ff.required = ff.required or (ref.required and visible)
        if item is not None:
            ff.items.append(item.code)
            if ref.system_field:
                ff.system_fields[item.code] = ref.system_field

    for ref in theme.employer_fields:
        add(ref, None, False)
    employer = theme.applicant_type == "employer"
    for it in chosen:
        for ref in it.fields:
            per_employee = employer and (
                ref.per_employee if ref.per_employee is not None else it.per_employee
            )
            add(ref, it, per_employee)

    needed: dict[str, list[str]] = {}
    for it in chosen:
        for mid in it.materials:
            needed.setdefault(mid, []).append(it.code)
    materials = [
        FormMaterial(
            m.id,
            m.name,
            m.required and m.submit_after is None,
            m.provided_by.value,
            needed[m.id],
            m.fallback.value if m.fallback else None,
            {"within_months": m.submit_after.within_months, "to": m.submit_after.to}
            if m.submit_after
            else None,
        )
        for m in theme.materials
        if m.id in needed and shown(m.applies_if, activation)
    ]
    return FormSpec(theme, chosen, answers, fields, materials, dropped)


# A code list longer than this (regions, countries) is searched or typed as codes, not listed:
# the form's options, the employee sheet's drop-downs and the eligibility explanations' labels.
MAX_LISTED_OPTIONS = 300


def _options(catalogue: Catalogue, definition: FieldDef, lang: str) -> list[dict[str, str]] | None:
    if definition.type not in (FieldType.CODE, FieldType.CODES) or not definition.code_list:
        return None
    cl = catalogue.code_lists[definition.code_list]
    if len(cl.codes) > MAX_LISTED_OPTIONS:  # the client searches instead of listing
        return None
    return [{"code": c.code, "label": (c.label_en or c.label) if lang == "en" else c.label} for c in cl.codes]


def form_answer(
    catalogue: Catalogue,
    spec: FormSpec,
    prefill: Mapping[str, Any] | None = None,
    lang: str = "zh",
) -> dict[str, Any]:
    """The API answer of ``POST /themes/{id}/form`` (API.md): items, sections, materials."""
    prefill = prefill or {}
    by_section: dict[str, list[dict[str, Any]]] = {}
    titles: dict[str, str] = {}
    order = {s.prefix: i for i, s in enumerate(section_defs())}
    section_rank: dict[str, int] = {}
    for ff in spec.fields.values():
        if not ff.visible:
            continue
        s = section_of(ff.key)
        sid = f"{s.prefix}{'#employee' if ff.per_employee else ''}"
        titles[sid] = (s.en if lang == "en" else s.zh) + (
            (" (per employee)" if lang == "en" else "（每名员工）") if ff.per_employee else ""
        )
        section_rank[sid] = order[s.prefix] + (1000 if ff.per_employee else 0)
        entry: dict[str, Any] = {
            "key": ff.key,
            "label": ff.definition.label.en if lang == "en" else ff.definition.label.zh,
            "type": ff.definition.type.value,
            "required": ff.required,
            "prefilled": ff.key in prefill,
            "items": ff.items,
            "sensitive": ff.definition.sensitivity.value == "sensitive",
        }
        if ff.per_employee:
            entry["per_employee"] = True
        options = _options(catalogue, ff.definition, lang)
        if options is not None:
            entry["options"] = options
        elif ff.definition.code_list:
            entry["code_list"] = ff.definition.code_list
        if ff.key in prefill:
            entry["value"] = prefill[ff.key]
            entry["locked"] = True
        by_section.setdefault(sid, []).append(entry)
    sections = [
        {"id": sid, "title": titles[sid], "fields": by_section[sid]}
        for sid in sorted(by_section, key=lambda s: section_rank[s])
    ]
    return {
        "theme_id": spec.theme.id,
        "situation": spec.situation,
        "items": [
            {
                "code": it.code,
                "name": it.name,
                "department": it.department.value,
                "per_employee": it.per_employee,
            }
            for it in spec.items
        ],
        "not_applicable": [
            {"code": d.code, "reason": d.reason_en if lang == "en" else d.reason_zh}
            for d in spec.not_applicable
        ],
        "situations": [
            {
                "id": s.id,
                "question": (s.question_en or s.question) if lang == "en" else s.question,
                "options": [
                    {"code": o.code, "label": (o.label_en or o.label) if lang == "en" else o.label}
                    for o in s.options
                ],
                "asked": s.id in spec.situation
                or shown(
                    s.applies_if, {"situation": spec.situation, "items": [it.code for it in spec.items]}
                ),
                **({"value": spec.situation[s.id]} if s.id in spec.situation else {}),
            }
            for s in spec.theme.situations
        ],
        "sections": sections,
        "materials": [
            {
                "id": m.id,
                "name": m.name,
                "required": m.required,
                "provided_by": m.provided_by,
                "items": m.items,
                **({"fallback": m.fallback} if m.fallback else {}),
                **({"submit_after": m.submit_after} if m.submit_after else {}),
            }
            for m in spec.materials
        ],
        "field_count": sum(1 for f in spec.fields.values() if f.visible),
    }


def field_reduction(theme: Theme) -> tuple[int, int]:
    """减表单: (fields of the merged form, sum of the items' own form fields), over all items."""
    merged = {ref.key for it in theme.items for ref in it.fields} | {ref.key for ref in theme.employer_fields}
    total = sum(len(it.fields) for it in theme.items) + len(theme.employer_fields)
    return len(merged), total
