"""``lianban themes check``: every finding in theme files, one line each, in Chinese and English.

Finds: files that do not parse (with line and key), unknown canonical keys, a key used with two
types, unknown code lists and codes, unknown facts and situations in rules, rules that do not
compile, unknown or cyclic dependencies, an item without department or limit, materials no item
needs or that no theme defines, and stated outcome figures that disagree with the computed ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lianban.catalog.catalogue import Fact, load_facts, theme_paths
from lianban.catalog.check_order import check_order
from lianban.catalog.codelists import CodeList, load_code_lists, region_code_list
from lianban.catalog.item_codes import check_item_codes
from lianban.catalog.loader import FIELDS_FILE, ThemeFileError, line_of, load_field_dictionary, load_theme
from lianban.catalog.model import FieldDef, FieldType, Reduction, Theme
from lianban.catalog.outcomes import compare, compute
from lianban.rules.cel import FUNCTION_NAMES, RuleError, compile_rule, referenced_names, situation_literals


@dataclass(frozen=True)
class Finding:
    file: Path
    line: int | None
    key: str
    code: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        line = f":{self.line}" if self.line is not None else ""
        return f"{self.file}{line}: [{self.code}] {self.message_zh} / {self.message_en}"


class _Collector:
    def __init__(self, file: Path, doc: Any) -> None:
        self.file = file
        self.doc = doc
        self.findings: list[Finding] = []

    def add(self, path: Sequence[str | int], code: str, zh: str, en: str) -> None:
        key = ".".join(str(p) for p in path)
        self.findings.append(Finding(self.file, line_of(self.doc, path), key, code, zh, en))


RULE_ROOTS_FIXED = {"situation", "facts", "today"}


def check_paths(paths: Iterable[Path], fields_file: Path = FIELDS_FILE) -> list[Finding]:
    """Check the field dictionary and the given theme files; return all findings."""
    findings: list[Finding] = []
    code_lists = load_code_lists()
    facts = load_facts()
    try:
        fields, fdoc = load_field_dictionary(fields_file)
    except ThemeFileError as exc:
        loc = exc.location
        return [Finding(loc.file, loc.line, loc.key, "unreadable", exc.message_zh, exc.message_en)]
    col = _Collector(fields_file, fdoc)
    for key, fd in fields.items():
        if fd.code_list and fd.code_list not in code_lists:
            col.add(
                [key, "code_list"],
                "unknown_code_list",
                f"字段 {key} 引用了不存在的代码表 {fd.code_list}",
                f"field {key} names unknown code list {fd.code_list}",
            )
    findings += col.findings
    seen_ids: dict[str, Path] = {}
    for path in paths:
        try:
            theme, doc = load_theme(path)
        except ThemeFileError as exc:
            loc = exc.location
            findings.append(
                Finding(loc.file, loc.line, loc.key, "unreadable", exc.message_zh, exc.message_en)
            )
            continue
        if theme.id in seen_ids and seen_ids[theme.id].parent == path.parent:
            findings.append(
                Finding(
                    path,
                    line_of(doc, ["id"]),
                    "id",
                    "duplicate_theme",
                    f"主题编号 {theme.id} 与 {seen_ids[theme.id]} 重复",
                    f"theme id {theme.id} repeats {seen_ids[theme.id]}",
                )
            )
        seen_ids[theme.id] = path
        findings += check_theme(theme, doc, path, fields, facts, code_lists)
    return findings


def check_default(themes_dir: Path | None = None) -> list[Finding]:
    return check_paths(theme_paths(themes_dir))


def _known_key(name: str, fields: dict[str, FieldDef]) -> bool:
    return name in fields or any(k.startswith(name + ".") for k in fields)


def check_theme(
    theme: Theme,
    doc: Any,
    path: Path,
    fields: dict[str, FieldDef],
    facts: dict[str, Fact],
    code_lists: dict[str, CodeList],
) -> list[Finding]:
    c = _Collector(path, doc)
    if path.stem != theme.id:
        c.add(["id"], "file_name", f"文件名应为 {theme.id}.yaml", f"the file should be named {theme.id}.yaml")
    regions = region_code_list()
    if theme.region_code not in regions:
        c.add(
            ["region_code"],
            "unknown_code",
            f"区划代码 {theme.region_code} 不在 GB/T 2260 中",
            f"region code {theme.region_code} is not in GB/T 2260",
        )

    # ---- field keys and types
    def check_field_ref(p: list[str | int], key: str, declared_type: FieldType | None) -> None:
        if key not in fields:
            c.add(p, "unknown_key", f"未知的规范字段 {key}", f"unknown canonical key {key}")
        elif declared_type is not None and declared_type != fields[key].type:
            c.add(
                p,
                "type_conflict",
                f"字段 {key} 在字典中为 {fields[key].type}，此处声明为 {declared_type}",
                f"key {key} is {fields[key].type} in the dictionary but declared {declared_type} here",
            )

    seen_types: dict[str, FieldType] = {}
    for i, f in enumerate(theme.employer_fields):
        check_field_ref(["employer_fields", i, "key"], f.key, f.type)
    for i, it in enumerate(theme.items):
        for j, f in enumerate(it.fields):
            check_field_ref(["items", i, "fields", j, "key"], f.key, f.type)
            if f.type is not None:
                if f.key in seen_types and seen_types[f.key] != f.type:
                    c.add(
                        ["items", i, "fields", j, "type"],
                        "type_conflict",
                        f"字段 {f.key} 在本主题中以两种类型使用：{seen_types[f.key]} 与 {f.type}",
                        f"key {f.key} is used with two types in this theme: {seen_types[f.key]} and {f.type}",
                    )
                seen_types.setdefault(f.key, f.type)
            if f.code_map and f.code_map not in {m.id for m in theme.code_maps}:
                c.add(
                    ["items", i, "fields", j, "code_map"],
                    "unknown_code_map",
                    f"未定义的代码映射 {f.code_map}",
                    f"unknown code map {f.code_map}",
                )
    # 【非必填字段】: a field the document made optional is optional in every item that asks it
    for i, rf in enumerate(theme.reduced_fields):
        for k, key in enumerate(rf.keys):
            check_field_ref(["reduced_fields", i, "keys", k], key, None)
            if rf.reduction is not Reduction.NON_REQUIRED:
                continue
            for it in theme.items:
                if any(f.key == key and f.required for f in it.fields):
                    c.add(
                        ["reduced_fields", i, "keys", k],
                        "required_but_reduced",
                        f"{rf.name}已作为非必填字段减去，但事项 {it.code} 仍将 {key} 设为必填",
                        f"{rf.name} was reduced as a non-required field, but item {it.code} requires {key}",
                    )
    if theme.batch_table:
        for i, col in enumerate(theme.batch_table.columns):
            check_field_ref(["batch_table", "columns", i, "key"], col.key, None)
        for name in ("header_keys", "footer_keys"):
            for i, key in enumerate(getattr(theme.batch_table, name)):
                check_field_ref(["batch_table", name, i], key, None)

    # ---- codes
    for i, cm in enumerate(theme.code_maps):
        if cm.from_list not in code_lists:
            c.add(
                ["code_maps", i, "from_list"],
                "unknown_code_list",
                f"未知代码表 {cm.from_list}",
                f"unknown code list {cm.from_list}",
            )
            continue
        for code in cm.map:
            if code not in code_lists[cm.from_list]:
                c.add(
                    ["code_maps", i, "map", code],
                    "unknown_code",
                    f"代码 {code} 不在代码表 {cm.from_list} 中",
                    f"code {code} is not in code list {cm.from_list}",
                )
        if cm.to_list:
            if cm.to_list not in code_lists:
                c.add(
                    ["code_maps", i, "to_list"],
                    "unknown_code_list",
                    f"未知代码表 {cm.to_list}",
                    f"unknown code list {cm.to_list}",
                )
            else:
                for code, target in cm.map.items():
                    if target not in code_lists[cm.to_list]:
                        c.add(
                            ["code_maps", i, "map", code],
                            "unknown_code",
                            f"目标代码 {target} 不在代码表 {cm.to_list} 中",
                            f"target code {target} is not in code list {cm.to_list}",
                        )
    situations = {s.id: {o.code for o in s.options} for s in theme.situations}
    for i, s in enumerate(theme.situations):
        if s.default is not None and s.default not in situations[s.id]:
            c.add(
                ["situations", i, "default"],
                "unknown_code",
                f"情形 {s.id} 的默认值 {s.default} 不是选项之一",
                f"default {s.default} of situation {s.id} is not one of its options",
            )

    # ---- rules
    def check_rule(p: list[str | int], expr: str | None) -> None:
        if not expr:
            return
        try:
            compile_rule(expr)
        except RuleError as exc:
            c.add(p, "rule_syntax", f"规则无法解析：{exc}", f"rule does not compile: {exc}")
            return
        for name in referenced_names(expr):
            root = name.split(".")[0]
            if root in FUNCTION_NAMES:
                continue
            if root == "situation":
                sid = name.split(".")[1] if "." in name else ""
                if sid and sid not in situations:
                    c.add(
                        p,
                        "unknown_situation",
                        f"规则引用了未定义的情形 {sid}",
                        f"rule reads unknown situation {sid}",
                    )
            elif root == "facts":
                fact = name.split(".")[1] if "." in name else ""
                if fact and fact not in facts:
                    c.add(
                        p,
                        "unknown_fact",
                        f"规则引用了未定义的共享事实 {fact}",
                        f"rule reads unknown fact {fact}",
                    )
            elif root in ("today", "items"):  # items: the chosen item codes (situations' applies_if)
                continue
            elif not _known_key(name, fields):
                c.add(
                    p,
                    "unknown_key",
                    f"规则引用了未知的规范字段 {name}",
                    f"rule reads unknown canonical key {name}",
                )
        for sid, code in situation_literals(expr):
            if sid in situations and code not in situations[sid]:
                c.add(
                    p, "unknown_code", f"情形 {sid} 没有选项 {code}", f"situation {sid} has no option {code}"
                )

    for i, cond in enumerate(theme.conditions):
        check_rule(["conditions", i, "rule"], cond.rule)
    for i, s in enumerate(theme.situations):
        check_rule(["situations", i, "applies_if"], s.applies_if)
    for i, it in enumerate(theme.items):
        check_rule(["items", i, "applies_if"], it.applies_if)
        for j, cond in enumerate(it.conditions):
            check_rule(["items", i, "conditions", j, "rule"], cond.rule)
            for k, key in enumerate(cond.facts):
                if not _known_key(key, fields) and key.removeprefix("facts.") not in facts:
                    c.add(
                        ["items", i, "conditions", j, "facts", k],
                        "unknown_key",
                        f"条件引用了未知的字段或事实 {key}",
                        f"condition names unknown key or fact {key}",
                    )
        for j, f in enumerate(it.fields):
            check_rule(["items", i, "fields", j, "visible_if"], f.visible_if)
    for i, m in enumerate(theme.materials):
        check_rule(["materials", i, "applies_if"], m.applies_if)

    # ---- items: codes, departments, limits, dependencies
    codes = [it.code for it in theme.items]
    for i, code in enumerate(codes):
        if codes.index(code) != i:
            c.add(
                ["items", i, "code"], "duplicate_item", f"事项编码 {code} 重复", f"item code {code} repeats"
            )
    for i, it in enumerate(theme.items):
        if it.time_limit.legal_days < it.time_limit.promised_max:
            c.add(
                ["items", i, "time_limit"],
                "limit_order",
                f"事项 {it.code} 的承诺时限长于法定时限",
                f"item {it.code}: promised limit exceeds the legal limit",
            )
        if it.time_limit.source == "derived" and not it.time_limit.basis:
            c.add(
                ["items", i, "time_limit", "basis"],
                "limit_basis",
                f"事项 {it.code} 的时限为推导所得（derived），须写明所依据的规定（basis）",
                f"item {it.code}: a derived limit must quote the rule it follows (basis)",
            )
        stated = theme.stated_time_limit
        if stated is not None and it.time_limit.legal_days > stated.legal_days:
            c.add(
                ["items", i, "time_limit", "legal_days"],
                "exceeds_theme_limit",
                f"事项 {it.code} 的法定时限 {it.time_limit.legal_days} 个工作日超过文件规定的整件事时限 {stated.legal_days} 个工作日",
                f"item {it.code}: legal limit {it.time_limit.legal_days} exceeds the theme's stated {stated.legal_days} working days",
            )
    cycle = check_order(theme, c.add)
    check_item_codes(theme, c.add)

    # ---- materials
    material_ids = [m.id for m in theme.materials]
    used = {m for it in theme.items for m in it.materials}
    for i, mid in enumerate(material_ids):
        if material_ids.index(mid) != i:
            c.add(
                ["materials", i, "id"],
                "duplicate_material",
                f"材料编号 {mid} 重复",
                f"material id {mid} repeats",
            )
        if mid not in used:
            c.add(
                ["materials", i, "id"],
                "unused_material",
                f"材料 {mid} 没有任何事项需要",
                f"material {mid} is needed by no item",
            )
    for i, it in enumerate(theme.items):
        for j, mid in enumerate(it.materials):
            if mid not in material_ids:
                c.add(
                    ["items", i, "materials", j],
                    "unknown_material",
                    f"事项 {it.code} 引用了未定义的材料 {mid}",
                    f"item {it.code} names undefined material {mid}",
                )

    # ---- outcome figures
    if not cycle:
        for d in compare(theme, compute(theme)):
            side, name = d.figure.split(".", 1)
            p: list[str | int] = (
                ["outcomes", side, name]
                if side != "reduction_percent"
                else ["outcomes", "reduction_percent", name]
            )
            c.add(
                p,
                "outcome_mismatch",
                f"成效数字 {d.figure} 文件所载为 {d.stated}，按定义计算为 {d.computed}",
                f"outcome figure {d.figure} is stated as {d.stated} but the definition computes {d.computed}",
            )
    return c.findings
