"""The ruled blocks of the printed 申请表 (表格版式): paragraph styles in the CJK font, label/value
tables (two pairs to a row, long values taking the whole row), the meta line, the materials table
and the commitment with the signature lines — shared by the person and the employer layouts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle

from lianban.forms.pdf.font import stand_ins
from lianban.forms.pdf.printable import PrintableApplication, PrintField

__all__ = [
    "FOOTER_Y",
    "GRID",
    "LABEL_SHADE",
    "MARGIN",
    "SHADE",
    "Command",
    "Styles",
    "base_grid",
    "field_table",
    "materials_table",
    "meta_line",
    "para",
    "signature_block",
    "text_width",
]

GRID = colors.black
SHADE = colors.HexColor("#E6E6E6")
LABEL_SHADE = colors.HexColor("#F4F4F4")
MARGIN = 15 * mm
FOOTER_Y = 8 * mm


class Styles:
    """The paragraph styles of one layout: every one CJK-wrapping, in the embedded font."""

    def __init__(self, font: str, size: float) -> None:
        self.font = font
        self.size = size

        def style(name: str, size: float, align: Literal[0, 1, 2, 4] = TA_LEFT, **kw: Any) -> ParagraphStyle:
            return ParagraphStyle(
                name,
                fontName=font,
                fontSize=size,
                leading=size * 1.35,
                alignment=align,
                wordWrap="CJK",
                **kw,
            )

        self.title = style("title", size + 7, TA_CENTER, spaceAfter=2 * mm)
        self.meta = style("meta", size - 0.5)
        self.meta_right = style("meta_right", size - 0.5, TA_RIGHT)
        self.section = style("section", size + 1)
        self.label = style("label", size - 0.5, TA_CENTER)
        self.value = style("value", size)
        self.centre = style("centre", size, TA_CENTER)
        self.body = style("body", size, firstLineIndent=2 * size)
        self.right = style("right", size, TA_RIGHT)


def markup(text: str, *, keep_spaces: bool = False) -> str:
    text = text.translate(stand_ins())
    out = escape(text).replace("\r\n", "\n").replace("\n", "<br/>")
    if keep_spaces:
        out = out.replace(" ", "&nbsp;")
    return out


def para(text: str, style: ParagraphStyle, *, keep_spaces: bool = False) -> Paragraph:
    return Paragraph(markup(text, keep_spaces=keep_spaces), style)


def text_width(text: str, font: str, size: float) -> float:
    lines = text.splitlines() or [""]
    return max(pdfmetrics.stringWidth(line, font, size) for line in lines)


Command = tuple[Any, ...]


def base_grid(*, rules: bool = True) -> list[Command]:
    """Ruled cells (thin inner rules, a heavier frame), vertically centred, snugly padded."""
    lines: list[Command] = [("GRID", (0, 0), (-1, -1), 0.6, GRID)] if rules else []
    return [
        *lines,
        ("BOX", (0, 0), (-1, -1), 1.0, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]


def _field_rows(
    fields: Sequence[PrintField],
    st: Styles,
    *,
    pairs: int,
    value_width: float,
    first_row: int,
) -> tuple[list[list[Any]], list[Command]]:
    """Label/value cells, ``pairs`` pairs to a row; a value too long for its cell takes the row.

    Returns the rows (2 × ``pairs`` cells each) and the table commands (spans, label shading)
    for them, with row numbers offset by ``first_row``.
    """
    cols = 2 * pairs
    rows: list[list[Any]] = []
    cmds: list[Command] = []
    current: list[Any] = []
    label_at: list[range] = []  # per row, the columns that hold labels

    def flush() -> None:
        nonlocal current
        if not current:
            return
        used = len(current)
        label_at.append(range(0, used, 2))
        r = first_row + len(rows)
        if used < cols:
            # the last value stretches to the row's end
            cmds.append(("SPAN", (used - 1, r), (cols - 1, r)))
            current.extend([""] * (cols - used))
        rows.append(current)
        current = []

    for f in fields:
        wide = "\n" in f.value or text_width(f.value, st.font, st.size) > value_width - 6
        if wide:
            flush()
        current.extend([para(f.label, st.label), para(f.value, st.value)])
        if wide or len(current) == cols:
            flush()
    flush()
    for r, label_cols in enumerate(label_at, start=first_row):
        cmds += [("BACKGROUND", (c, r), (c, r), LABEL_SHADE) for c in label_cols]
    return rows, cmds


def field_table(
    title: str | None,
    fields: Sequence[PrintField],
    st: Styles,
    *,
    width: float,
    pairs: int,
    label_width: float,
) -> Table:
    """A gridded block of label/value pairs, under a shaded title row when ``title`` is given."""
    value_width = width / pairs - label_width
    col_widths = [label_width, value_width] * pairs
    cols = 2 * pairs
    data: list[list[Any]] = []
    cmds = base_grid()
    if title is not None:
        data.append([para(title, st.section)] + [""] * (cols - 1))
        cmds += [("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 0), SHADE)]
    if fields:
        rows, extra = _field_rows(fields, st, pairs=pairs, value_width=value_width, first_row=len(data))
        data += rows
        cmds += extra
    else:
        r = len(data)
        data.append([para("（无）", st.centre)] + [""] * (cols - 1))
        cmds.append(("SPAN", (0, r), (-1, r)))
    return Table(
        data,
        colWidths=col_widths,
        style=TableStyle(cmds),
        repeatRows=1 if title is not None else 0,
        hAlign="CENTER",
    )


def meta_line(app: PrintableApplication, st: Styles, width: float, *, applicant_label: str) -> Table:
    cells = [
        para(f"主题：{app.theme_name}", st.meta),
        para(f"{applicant_label}：{app.applicant_name}", st.meta),
        para(f"办件编号：{app.case_ref or ''}", st.meta_right),
    ]
    return Table(
        [cells],
        colWidths=[width * 0.38, width * 0.22, width * 0.40],
        style=TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        ),
    )


def materials_table(materials: Sequence[tuple[str, str]], st: Styles, width: float) -> Table:
    col_widths = [12 * mm, width - 12 * mm - 34 * mm, 34 * mm]
    data: list[list[Any]] = [
        [para("申请材料", st.section), "", ""],
        [para("序号", st.label), para("材料名称", st.label), para("提供方式", st.label)],
    ]
    cmds = [
        *base_grid(),
        ("SPAN", (0, 0), (-1, 0)),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("BACKGROUND", (0, 1), (-1, 1), LABEL_SHADE),
    ]
    for i, (name, how) in enumerate(materials, start=1):
        data.append([para(str(i), st.centre), para(name, st.value), para(how, st.centre)])
    if not materials:
        data.append([para("（无）", st.centre), "", ""])
        cmds.append(("SPAN", (0, 2), (-1, 2)))
    return Table(data, colWidths=col_widths, style=TableStyle(cmds), repeatRows=2)


def signature_block(
    commitment: str | None,
    signature_label: str,
    date_label: str,
    st: Styles,
    width: float,
) -> Flowable:
    """The commitment statement (verbatim) with the signature and date lines under it."""
    inset = 4 * mm
    inner = width - 2 * inset
    line = 50 * mm
    sign = Table(
        [
            [para(f"{signature_label}：", st.right), ""],
            [para(date_label, st.right, keep_spaces=True), ""],
        ],
        colWidths=[inner - line, line],
        rowHeights=[9 * mm, 7 * mm],
        style=TableStyle(
            [
                ("SPAN", (0, 1), (1, 1)),
                ("LINEBELOW", (1, 0), (1, 0), 0.6, GRID),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 1), (-1, 1), 6 * mm),
            ]
        ),
    )
    data: list[list[Any]] = [[para("承诺", st.section)]]
    if commitment:
        data.append([para(commitment, st.body)])
    data.append([sign])
    # no rule between the statement and the signature: they read as one cell
    cmds = [
        *base_grid(rules=False),
        ("LINEBELOW", (0, 0), (0, 0), 0.6, GRID),
        ("BACKGROUND", (0, 0), (0, 0), SHADE),
        ("TOPPADDING", (0, 1), (-1, -1), 3),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 3 * mm),
        ("LEFTPADDING", (0, 1), (-1, -1), inset),
        ("RIGHTPADDING", (0, 1), (-1, -1), inset),
    ]
    return KeepTogether([Table(data, colWidths=[width], style=TableStyle(cmds))])
