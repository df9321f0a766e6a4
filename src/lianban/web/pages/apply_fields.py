"""The one form on a page (表单页面): each field of the merged form as an input a person can use,
and what a posted page says as canonical values.

A field's widget follows its type: code lists as selects (with a filter for long lists),
several codes as check boxes, yes/no as two radio buttons, dates and months as the browser's
pickers, periods as two of them, division codes (GB/T 2260) as a province → city → county picker,
addresses as a division and a street address. Verified values (数据共享) are not inputs: they are
shown locked with where they came from. Computed amounts (月缴存额) are shown as they are computed.
An input is named by its canonical key (``person.mobile``; an employee's ``employees.2.person.mobile``)
and its parts by a suffix (``.start``/``.end``, ``.region``/``.detail``, ``.l1``/``.l2``/``.l3``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from starlette.datastructures import FormData, QueryParams

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.codelists.regions import region_code_list, region_name
from lianban.catalog.model import FieldDef, FieldType, PrefillSource
from lianban.forms.issues import FieldIssue
from lianban.forms.regions import RegionSettings
from lianban.forms.service import housing_fund_preview
from lianban.forms.spec import MAX_LISTED_OPTIONS, FormField, FormSpec, section_defs, section_of

SOURCES = {
    PrefillSource.POPULATION: "人口库（公安户籍信息）",
    PrefillSource.E_LICENCE: "电子证照库",
    PrefillSource.EDUCATION: "学历学位信息",
    PrefillSource.BUSINESS: "市场主体登记信息",
    PrefillSource.SOCIAL_INSURANCE: "社保参保信息",
    PrefillSource.ARCHIVES: "档案存放信息",
    PrefillSource.ACCOUNT: "登录账户",
    PrefillSource.COMPUTED: "自动计算",
}
SEARCHABLE_FROM = 15  # a select with more options than this gets a filter box
HOUSING_FUND_INPUTS = ("housing_fund.base", "housing_fund.unit_rate", "housing_fund.personal_rate")


INPUT_ATTRS: dict[FieldType, dict[str, str]] = {
    FieldType.MOBILE: {"type": "tel", "inputmode": "numeric", "autocomplete": "tel", "maxlength": "11"},
    FieldType.PHONE: {"type": "tel", "autocomplete": "tel", "maxlength": "20"},
    FieldType.EMAIL: {"type": "email", "autocomplete": "email"},
    FieldType.ID_NUMBER: {"type": "text", "maxlength": "18", "autocomplete": "off", "spellcheck": "false"},
    FieldType.USCC: {"type": "text", "maxlength": "18", "autocomplete": "off", "spellcheck": "false"},
    FieldType.INTEGER: {"type": "text", "inputmode": "numeric"},
    FieldType.DECIMAL: {"type": "text", "inputmode": "decimal"},
    FieldType.MONEY: {"type": "text", "inputmode": "decimal"},
    FieldType.PERCENT: {"type": "text", "inputmode": "decimal"},
    FieldType.BANK_ACCOUNT: {"type": "text", "inputmode": "numeric", "autocomplete": "off"},
    FieldType.DATE: {"type": "date"},
    FieldType.MONTH: {"type": "month"},
}
HINTS: dict[FieldType, str] = {
    FieldType.MONTH: "格式：年-月，如 2026-09",
    FieldType.PERCENT: "填百分数，如 12 表示 12%",
    FieldType.MONEY: "单位：元",
}
_ROW = re.compile(r"employees\[(\d+)\]\.(.+)")


def html_name(key: str, row: int | None = None) -> str:
    return key if row is None else f"employees.{row}.{key}"


def html_id(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", name)


def issue_name(issue: FieldIssue) -> str:
    """The input an issue belongs to: ``employees[2].person.name`` → ``employees.2.person.name``."""
    return input_name(issue.field)


def input_name(field: str) -> str:
    """An error's field as the inputs are named: ``employees[2].person.name`` → ``employees.2.person.name``."""
    m = _ROW.fullmatch(field)
    return f"employees.{m[1]}.{m[2]}" if m else field


# ------------------------------------------------------------------------------ regions (GB/T 2260)


@functools.cache
def _region_children() -> dict[str | None, list[tuple[str, str]]]:
    children: dict[str | None, list[tuple[str, str]]] = {}
    for c in region_code_list().codes:
        if c.valid_to is None:
            children.setdefault(c.parent, []).append((c.code, c.label))
    return children


def region_chain(code: str) -> list[str]:
    """The province, city and county of a division code (as far as it goes)."""
    codes = {c.code: c for c in region_code_list().codes}
    chain: list[str] = []
    node = codes.get(code)
    while node is not None:
        chain.insert(0, node.code)
        node = codes.get(node.parent) if node.parent else None
    return chain[:3]


def region_levels(name: str, chosen: Sequence[str]) -> list[dict[str, Any]]:
    """The picker's selects for the chosen province, city, county (each a child of the one before)."""
    children = _region_children()
    labels = ("省（自治区、直辖市）", "市（地区、州）", "县（区、市）")
    levels: list[dict[str, Any]] = []
    parent: str | None = None
    for depth in range(3):
        options = children.get(parent, []) if depth == 0 or parent else []
        want = chosen[depth] if depth < len(chosen) else ""
        if want and want not in {o[0] for o in options}:
            old = _former_region(want, parent)  # a value filed with a division since abolished stays
            options = [*options, old] if old else options
        if depth and not options:
            break
        pick = chosen[depth] if depth < len(chosen) and chosen[depth] in {o[0] for o in options} else ""
        levels.append(
            {
                "name": f"{name}.l{depth + 1}",
                "id": html_id(f"{name}.l{depth + 1}"),
                "label": labels[depth],
                "options": options,
                "selected": pick,
            }
        )
        if not pick:
            break
        parent = pick
    return levels


def _former_region(code: str, parent: str | None) -> tuple[str, str] | None:
    """A division the list no longer offers (撤销), as an option under ``parent``: a value filed
    with it (an old birthplace code) is shown as it is, not silently replaced by its province."""
    found = next((c for c in region_code_list().codes if c.code == code), None)
    if found is None or found.valid_to is None or found.parent != parent:
        return None
    return found.code, f"{found.label}（{found.valid_to}年前区划）"


def picked_region(values: Mapping[str, str], name: str) -> str:
    """The most precise division chosen in a picker (its selects ``name.l1`` … ``name.l3``)."""
    chosen = [values.get(f"{name}.l{d}", "").strip() for d in (1, 2, 3)]
    code = ""
    for depth, value in enumerate(chosen):
        if not value or (depth and region_chain(value)[:depth] != chosen[:depth]):
            break
        code = value
    return code


# ------------------------------------------------------------------------------ reading a posted page


def _first(values: FormData | QueryParams | Mapping[str, str], name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def read_value(definition: FieldDef, posted: FormData | QueryParams, name: str) -> Any:
    """The canonical value one field's inputs hold, or None when left empty."""
    kind = definition.type
    if kind is FieldType.CODES:
        chosen = [v for v in posted.getlist(name) if isinstance(v, str) and v]
        return chosen or None
    if kind is FieldType.BOOLEAN:
        answer = _first(posted, name)
        return {"true": True, "false": False}.get(answer)
    if kind in (FieldType.DATE_RANGE, FieldType.MONTH_RANGE):
        start, end = _first(posted, f"{name}.start"), _first(posted, f"{name}.end")
        return {"start": start, "end": end} if start or end else None
    if kind is FieldType.ADDRESS:
        region, detail = picked_region(posted, f"{name}.region"), _first(posted, f"{name}.detail")  # type: ignore[arg-type]
        return {"region": region, "detail": detail} if region or detail else None
    if kind is FieldType.REGION:
        return picked_region(posted, name) or None  # type: ignore[arg-type]
    return _first(posted, name) or None


def read_fields(
    fields: Sequence[FormField],
    posted: FormData | QueryParams,
    locked: Mapping[str, Any],
    row: int | None = None,
) -> dict[str, Any]:
    """The values typed into the page for ``fields`` (verified and computed ones are not inputs)."""
    values: dict[str, Any] = {}
    for f in fields:
        if f.key in locked or f.definition.computed:
            continue
        value = read_value(f.definition, posted, html_name(f.key, row))
        if value is not None:
            values[f.key] = value
    return values


# ------------------------------------------------------------------------------ showing values


def shown_value(catalogue: Catalogue, definition: FieldDef, value: Any) -> str:
    """A value as a person reads it: code labels, division names, 是/否, periods."""
    if value in (None, "", [], {}):
        return "—"
    kind = definition.type
    if kind is FieldType.BOOLEAN:
        return "是" if value is True or str(value).lower() == "true" else "否"
    if kind in (FieldType.CODE, FieldType.CODES) and definition.code_list:
        cl = catalogue.code_lists[definition.code_list]
        codes = value if isinstance(value, list) else [value]
        return "、".join((cl.get(str(c)).label if cl.get(str(c)) else str(c)) for c in codes)  # type: ignore[union-attr]
    if kind is FieldType.REGION:
        return _region_text(str(value))
    if kind is FieldType.ADDRESS and isinstance(value, dict):
        region = _region_text(str(value.get("region") or "")) if value.get("region") else ""
        detail = str(value.get("detail") or "")
        return detail if region and detail.startswith(region) else f"{region}{detail}" or "—"
    if kind in (FieldType.DATE_RANGE, FieldType.MONTH_RANGE) and isinstance(value, dict):
        return f"{value.get('start') or '—'} 至 {value.get('end') or '—'}"
    if kind is FieldType.PERCENT:
        return f"{value}%"
    return str(value)


def _region_text(code: str) -> str:
    try:
        return f"{region_name(code)}（{code}）"
    except KeyError:
        return code


# ------------------------------------------------------------------------------ fields as the page shows them


def _options(catalogue: Catalogue, definition: FieldDef) -> list[tuple[str, str]] | None:
    if not definition.code_list:
        return None
    cl = catalogue.code_lists[definition.code_list]
    if len(cl.codes) > MAX_LISTED_OPTIONS:
        return None
    return [(c.code, c.label) for c in cl.codes]


def _widget(f: FormField, options: list[tuple[str, str]] | None) -> str:
    kind = f.definition.type
    if kind is FieldType.CODE:
        return "select" if options is not None else "text"
    if kind is FieldType.CODES:
        return "checkboxes" if options is not None else "text"
    if kind is FieldType.BOOLEAN:
        return "yesno"
    if kind in (FieldType.DATE_RANGE, FieldType.MONTH_RANGE):
        return "range"
    if kind is FieldType.ADDRESS:
        return "address"
    if kind is FieldType.REGION:
        return "region"
    if kind is FieldType.TEXT:
        return "textarea"
    return "input"


def field_view(
    catalogue: Catalogue,
    f: FormField,
    value: Any,
    verified: Mapping[str, Any],
    errors: Mapping[str, str],
    row: int | None = None,
) -> dict[str, Any]:
    """One field as the templates draw it (``apply/_fields.html``)."""
    name = html_name(f.key, row)
    d = f.definition
    options = _options(catalogue, d)
    view: dict[str, Any] = {
        "key": f.key,
        "name": name,
        "id": html_id(name),
        "label": d.label.zh,
        "required": f.required,
        "error": next((m for n, m in errors.items() if n == name or n.startswith(name + ".")), None),
        "hint": d.help.zh if d.help else HINTS.get(d.type),
    }
    if f.key in verified and verified[f.key] not in (None, "", [], {}):
        return {
            **view,
            "widget": "locked",
            "shown": shown_value(catalogue, d, verified[f.key]),
            "source": SOURCES.get(d.prefill, "数据共享"),
        }
    if d.computed:
        return {**view, "widget": "computed", "shown": shown_value(catalogue, d, value) if value else "—"}
    widget = _widget(f, options)
    view["review"] = shown_value(catalogue, d, value)
    view.update(
        widget=widget, value=value, options=options or [], attrs=INPUT_ATTRS.get(d.type, {"type": "text"})
    )
    view["searchable"] = widget == "select" and len(options or []) > SEARCHABLE_FROM
    if widget == "region":
        view["levels"] = region_levels(name, region_chain(str(value)) if value else [])
    if widget == "address":
        region = str(value.get("region") or "") if isinstance(value, dict) else ""
        view["levels"] = region_levels(f"{name}.region", region_chain(region) if region else [])
        view["detail"] = str(value.get("detail") or "") if isinstance(value, dict) else ""
    if widget == "range":
        view["start"] = value.get("start", "") if isinstance(value, dict) else ""
        view["end"] = value.get("end", "") if isinstance(value, dict) else ""
        view["part_type"] = "date" if d.type is FieldType.DATE_RANGE else "month"
    if f.key in HOUSING_FUND_INPUTS:
        view["amounts"] = True  # typing here recomputes 月缴存额
    return view


def sections(
    catalogue: Catalogue,
    spec: FormSpec,
    values: Mapping[str, Any],
    verified: Mapping[str, Any],
    errors: Mapping[str, str],
    row: int | None = None,
    only: Collection[str] | None = None,
    *,
    regions: Mapping[str, RegionSettings],
) -> list[dict[str, Any]]:
    """The visible fields grouped in the API's sections (个人基本信息、就业登记信息 …); ``only``
    those keys when given (a 补正 asks for the returned items' fields); 月缴存额 shown under the
    deployment's region figures (``regions``)."""
    per_employee = row is not None
    order = {d.prefix: i for i, d in enumerate(section_defs())}
    grouped: dict[str, dict[str, Any]] = {}
    for f in spec.fields.values():
        if not f.visible or f.per_employee != per_employee or (only is not None and f.key not in only):
            continue
        s = section_of(f.key)
        group = grouped.setdefault(
            s.prefix,
            {
                "id": html_id(html_name(s.prefix, row)),
                "title": s.zh,
                "fields": [],
                "row": row,
                "computed": False,
            },
        )
        view = field_view(catalogue, f, values.get(f.key), verified, errors, row)
        if view["widget"] == "computed" and f.key.startswith("housing_fund."):
            group["computed"] = True
            group["amounts"] = housing_fund_preview(
                spec.theme, *(values.get(k, "") for k in HOUSING_FUND_INPUTS), regions=regions
            )
        else:
            group["fields"].append(view)
    return [grouped[p] for p in sorted(grouped, key=lambda p: order.get(p, len(order)))]


def error_map(issues: Sequence[FieldIssue]) -> dict[str, str]:
    """Each input's first error, by its HTML name."""
    out: dict[str, str] = {}
    for i in issues:
        if i.severity == "error":
            out.setdefault(issue_name(i), i.message_zh)
    return out
