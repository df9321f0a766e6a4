"""From a checked form to the printable application (电子表单套打): sections, materials, commitment.

Values print as people read them: code labels instead of codes, addresses with their division
names, ranges as 起—止. Employer themes with a batch table print one row per employee under the
document's numbered columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.codelists import region_name
from lianban.catalog.model import FieldDef, FieldType
from lianban.forms.pdf import PrintableApplication, PrintBatch, PrintField, PrintSection, render_pdf
from lianban.forms.spec import FormSpec, section_defs, section_of

PROVIDED_BY_ZH = {
    "e_licence": "电子证照",
    "data_sharing": "数据共享",
    "applicant": "申请人提交",
    "generated": "系统生成",
}

DEFAULT_COMMITMENT = "本人承诺填报的以上内容均真实、准确、有效，如与实际情况不一致，本人愿意承担相应责任。"


def _region(code: Any) -> str:
    try:
        return region_name(str(code))
    except KeyError:
        return str(code)


def display(catalogue: Catalogue, definition: FieldDef, value: Any) -> str:
    """A value as it prints on the form."""
    if value is None or value == "":
        return ""
    t = definition.type
    if t in (FieldType.CODE, FieldType.CODES) and definition.code_list:
        cl = catalogue.code_lists[definition.code_list]
        values = value if isinstance(value, list) else [value]
        labels = [(cl.get(str(v)).label if cl.get(str(v)) else str(v)) for v in values]  # type: ignore[union-attr]
        return "、".join(labels)
    if t is FieldType.REGION:
        return _region(value)
    if t is FieldType.ADDRESS and isinstance(value, Mapping):
        region = _region(value["region"]) if value.get("region") else ""
        return f"{region}{value.get('detail') or ''}"
    if t in (FieldType.DATE_RANGE, FieldType.MONTH_RANGE) and isinstance(value, Mapping):
        return f"{value.get('start') or ''}—{value.get('end') or '长期'}"
    if t is FieldType.BOOLEAN:
        return "是" if value in (True, "true", "1", 1) else "否"
    if t is FieldType.PERCENT:
        return f"{value}%"
    if t is FieldType.MONEY:
        return f"{value} 元"
    return str(value)


def printable(
    catalogue: Catalogue,
    spec: FormSpec,
    values: Mapping[str, Any],
    employees: Sequence[Mapping[str, Any]] = (),
    case_ref: str | None = None,
) -> PrintableApplication:
    theme = spec.theme
    order = {s.prefix: i for i, s in enumerate(section_defs())}
    grouped: dict[str, list[PrintField]] = {}
    titles: dict[str, str] = {}
    for f in spec.header_fields:
        if not f.visible:
            continue
        s = section_of(f.key)
        titles[s.prefix] = s.zh
        grouped.setdefault(s.prefix, []).append(
            PrintField(f.definition.label.zh, display(catalogue, f.definition, values.get(f.key)))
        )
    sections = [PrintSection(titles[p], grouped[p]) for p in sorted(grouped, key=lambda p: order[p])]
    batch: PrintBatch | None = None
    if theme.applicant_type == "employer":
        if theme.batch_table is not None:
            columns = [f"{c.number}. {c.title}" for c in theme.batch_table.columns]
            keys = [c.key for c in theme.batch_table.columns]
            title = theme.batch_table.title
        else:
            cols = [f for f in spec.employee_fields if f.visible]
            columns = [f.definition.label.zh for f in cols]
            keys = [f.key for f in cols]
            title = f"{theme.name}新招用员工信息表"
        rows = [[display(catalogue, catalogue.fields[k], row.get(k)) for k in keys] for row in employees]
        batch = PrintBatch(title, columns, rows, header=sections[0].fields if sections else [], footer=[])
        sections = sections[1:] if sections else []
    applicant = str(values.get("person.name") or values.get("employer.name") or "")
    return PrintableApplication(
        title=f"{theme.name}申请表",
        theme_name=theme.name,
        case_ref=case_ref,
        applicant_name=applicant,
        sections=sections,
        materials=[(m.name, PROVIDED_BY_ZH.get(m.provided_by, m.provided_by)) for m in spec.materials],
        commitment=theme.commitment or DEFAULT_COMMITMENT,
        batch=batch,
    )


def application_pdf(
    catalogue: Catalogue,
    spec: FormSpec,
    values: Mapping[str, Any],
    employees: Sequence[Mapping[str, Any]] = (),
    case_ref: str | None = None,
) -> bytes:
    """The merged application as a PDF with an embedded CJK font."""
    return render_pdf(printable(catalogue, spec, values, employees, case_ref))
