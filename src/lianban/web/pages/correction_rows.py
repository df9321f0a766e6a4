"""The employees' rows on an employer's 补正 page: each employee a department sent back, with only
the columns of the returned items — the values filed in the inputs, data sharing's verified ones
locked (masked) — drawn and read by the apply pages' own field widgets (:mod:`.apply_fields`).

Which rows and which columns are asked is :func:`lianban.cases.corrections.correction_request`'s
(:class:`~lianban.cases.corrections.RowToCorrect`); what the answer may change and its checks are
:func:`lianban.cases.corrections.correct`'s. This module only arranges them for the page.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from lianban.bootstrap import Platform
from lianban.cases.corrections import ID_KEY, CorrectionRequest
from lianban.forms.regions import deployment_regions
from lianban.security.tokens import Identity
from lianban.web.pages import apply_fields as fields
from lianban.web.pages.apply import PATTERN
from lianban.web.pages.apply_flow import ApplyFlow

_CELL = re.compile(r"employees\.(\d+)\.(.+)")


def picker_flow(identity: Identity, asked: CorrectionRequest) -> ApplyFlow:
    """Whose apply pages answer the widgets' htmx parts (the region picker, 月缴存额)."""
    return ApplyFlow.own(identity, asked.theme_id, PATTERN.format(theme_id=asked.theme_id))


def typed_rows(asked: CorrectionRequest, posted: FormData) -> dict[int, dict[str, Any]]:
    """The cells typed for each asked row (its answerable columns). The page shows each cell with
    what was filed, so a cell posted empty was emptied: None, which clears an optional value (a
    required one is refused beside it); a cell not posted at all keeps what was filed."""
    if asked.spec is None:
        return {}
    out: dict[int, dict[str, Any]] = {}
    for r in asked.rows:
        columns = [asked.spec.fields[k] for k in r.editable if k in asked.spec.fields]
        cells = fields.read_fields(columns, posted, r.verified, row=r.index)
        for f in columns:
            if f.key not in cells and not f.definition.computed and _posted(posted, f.key, r.index):
                cells[f.key] = None
        if cells:
            out[r.index] = cells
    return out


def _posted(posted: FormData, key: str, row: int) -> bool:
    """Whether the page sent the cell's input (or its parts: an address's region picker, a range's
    ends; the boxes of a multiple choice carry a hidden empty value)."""
    name = fields.html_name(key, row)
    return any(sent == name or sent.startswith(name + ".") for sent in posted)


def whose(field: str) -> str:
    """Which employee an error not beside a cell is about (员工 2：…), for the list at the top."""
    m = _CELL.fullmatch(fields.input_name(field)) or re.fullmatch(r"employees\[(\d+)\].*", field)
    return f"员工 {int(m[1]) + 1}：" if m else ""


def cell_of(asked: CorrectionRequest, field: str) -> str | None:
    """The input an error belongs to, when it is a cell the page shows (``employees.1.person.mobile``)."""
    name = fields.input_name(field)
    m = _CELL.fullmatch(name)
    if m is None:
        return None
    row = next((r for r in asked.rows if r.index == int(m[1])), None)
    if row is None or not any(m[2] == k or m[2].startswith(k + ".") for k in row.columns):
        return None
    return name


def row_views(
    ctx: Platform,
    asked: CorrectionRequest,
    typed: dict[int, dict[str, Any]],
    errors: dict[str, str],
) -> list[dict[str, Any]]:
    """Each asked employee as the page draws it: the departments' reasons, its sections (only the
    returned columns), its errors counted."""
    if asked.spec is None:
        return []
    views = []
    for r in asked.rows:
        values = {**r.values, **typed.get(r.index, {})}
        mine = [n for n in errors if n.startswith(f"employees.{r.index}.")]
        views.append(
            {
                "index": r.index,
                "id_number": r.id_number,
                "name": r.name,
                "reasons": [it for it in asked.items if it["employee"] in (r.index, None)],
                "sections": fields.sections(
                    ctx.catalogue,
                    asked.spec,
                    values,
                    r.verified,
                    errors,
                    row=r.index,
                    only=[k for k in r.columns if k != ID_KEY],  # the row's name: in its heading
                    regions=deployment_regions(ctx.settings),
                ),
                "errors": len(mine),
            }
        )
    return views


def summary(views: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The rows' errors for the list at the top: which employee, which column, linked to its input."""
    out = []
    for v in views:
        for s in v["sections"]:
            for f in s["fields"]:
                if f.get("error"):
                    where = f"员工 {v['index'] + 1}{('（' + v['name'] + '）') if v['name'] else ''}"
                    out.append({"message": f"{where}·{f['label']}：{f['error']}", "href": f"#{f['id']}"})
    return out
