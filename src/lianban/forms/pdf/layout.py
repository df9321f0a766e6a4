"""Laying out and rendering the printed application (版面与输出): :func:`render_pdf`.

A person theme prints on A4 portrait: title, theme, case reference, each section as a gridded
label/value table, the materials with how each is provided, the commitment statement verbatim and
the signature line. An employer theme with a :class:`~lianban.forms.pdf.printable.PrintBatch` prints
on A4 landscape: header fields, the one-row-per-employee table with numbered columns (its header rows
repeat on every page), and the footer fields with 单位经办人（签章）. Every page carries
"第 N 页 共 M 页".
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, Table, TableStyle

from lianban.forms.pdf.blocks import (
    FOOTER_Y,
    LABEL_SHADE,
    MARGIN,
    SHADE,
    Styles,
    base_grid,
    field_table,
    materials_table,
    meta_line,
    para,
    signature_block,
    text_width,
)
from lianban.forms.pdf.font import cjk_font_name
from lianban.forms.pdf.printable import (
    DEFAULT_SIGNATURE_LABEL,
    EMPLOYER_SEAL_LABEL,
    EMPLOYER_SIGNATURE_LABEL,
    PrintableApplication,
    PrintBatch,
    PrintField,
)

__all__ = ["render_pdf"]

# ---------------------------------------------------------------------------------------------
# Person themes: A4 portrait
# ---------------------------------------------------------------------------------------------


def _person_story(app: PrintableApplication, st: Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = [
        para(app.title, st.title),
        meta_line(app, st, width, applicant_label="申请人"),
        Spacer(1, 1.5 * mm),
    ]
    # The blocks stack edge to edge, so the page reads as one ruled form, as on paper.
    for section in app.sections:
        story.append(
            field_table(section.title, section.fields, st, width=width, pairs=2, label_width=27 * mm)
        )
    story.append(materials_table(app.materials, st, width))
    story.append(signature_block(app.commitment, app.signature_label, app.date_label, st, width))
    return story


# ---------------------------------------------------------------------------------------------
# Employer themes: the batch table on A4 landscape
# ---------------------------------------------------------------------------------------------

SERIAL = "序号"


def _batch_col_widths(
    columns: Sequence[str], rows: Sequence[Sequence[str]], st: Styles, width: float
) -> list[float]:
    """Column widths filling ``width``: short cells (names, ID numbers, phones) stay on one line
    where the page allows; long ones (addresses) give up width first and wrap."""
    pad = 6.0
    em = st.size
    one_line = 30 * mm  # content up to this wide is kept unwrapped if at all possible
    need: list[float] = []
    want: list[float] = []
    for i, name in enumerate(columns):
        head = text_width(name, st.font, em)
        body = max((text_width(r[i], st.font, em) for r in rows), default=0.0)
        need.append(max(body if body <= one_line else 8 * em, min(head, 2 * em), 1.5 * em) + pad)
        want.append(max(min(body, 48 * mm), min(head, 4 * em), 1.5 * em) + pad)
    total_need, total_want = sum(need), sum(want)
    if total_want <= width:
        return [w * width / total_want for w in want]
    if total_need <= width:
        k = (width - total_need) / (total_want - total_need)
        return [n + (w - n) * k for n, w in zip(need, want, strict=True)]
    return [n * width / total_need for n in need]


def _batch_table(batch: PrintBatch, st: Styles, width: float) -> Table:
    columns = list(batch.columns)
    serial = not columns or columns[0] != SERIAL
    rows: list[list[str]] = []
    for n, row in enumerate(batch.rows, start=1):
        if len(row) > len(columns):
            raise ValueError(f"batch row {n} has {len(row)} cells for {len(columns)} columns")
        padded = list(row) + [""] * (len(columns) - len(row))
        rows.append([str(n), *padded] if serial else padded)
    if serial:
        columns = [SERIAL, *columns]
    widths = _batch_col_widths(columns, rows, st, width)
    numbered_from = 1  # the 序号 column carries no number, as in the paper forms
    data: list[list[Any]] = [
        [para(c, st.label) for c in columns],
        [""] + [para(str(i), st.label) for i in range(1, len(columns))],
    ]
    cmds = [
        *base_grid(),
        ("SPAN", (0, 0), (0, 1)),
        ("BACKGROUND", (0, 0), (-1, 1), LABEL_SHADE),
        ("BACKGROUND", (numbered_from, 1), (-1, 1), SHADE),
    ]
    for row in rows:
        data.append([para(cell, st.centre if i == 0 else st.value) for i, cell in enumerate(row)])
    if not rows:
        data.append([para("（无）", st.centre)] + [""] * (len(columns) - 1))
        cmds.append(("SPAN", (0, 2), (-1, 2)))
    return Table(data, colWidths=widths, style=TableStyle(cmds), repeatRows=2)


def _batch_story(app: PrintableApplication, batch: PrintBatch, st: Styles, width: float) -> list[Flowable]:
    footer = list(batch.footer)
    if not any("签章" in f.label or "签字" in f.label for f in footer):
        footer.insert(0, PrintField(EMPLOYER_SIGNATURE_LABEL, ""))  # first, as on the Shangrao form
    sign_label = (
        app.signature_label if app.signature_label != DEFAULT_SIGNATURE_LABEL else EMPLOYER_SEAL_LABEL
    )
    story: list[Flowable] = [
        para(app.title, st.title),
        meta_line(app, st, width, applicant_label="申请单位"),
        Spacer(1, 2 * mm),
    ]
    if batch.header:
        story += [
            field_table(None, batch.header, st, width=width, pairs=3, label_width=30 * mm),
            Spacer(1, 2 * mm),
        ]
    if batch.title and batch.title != app.title:
        story.append(para(batch.title, st.section))
        story.append(Spacer(1, 1 * mm))
    story += [
        _batch_table(batch, st, width),
        Spacer(1, 2 * mm),
        field_table(None, footer, st, width=width, pairs=3, label_width=30 * mm),
    ]
    for section in app.sections:
        story += [
            Spacer(1, 2 * mm),
            field_table(section.title, section.fields, st, width=width, pairs=3, label_width=30 * mm),
        ]
    if app.materials:
        story += [Spacer(1, 2 * mm), materials_table(app.materials, st, width)]
    story += [Spacer(1, 2 * mm), signature_block(app.commitment, sign_label, app.date_label, st, width)]
    return story


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _page_footer(font: str, case_ref: str | None, total: int | None) -> Callable[[Canvas, Any], None]:
    def draw(canvas: Canvas, doc: Any) -> None:
        page_w, _ = doc.pagesize
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.drawCentredString(page_w / 2, FOOTER_Y, f"第 {doc.page} 页 共 {total or '?'} 页")
        if case_ref:
            canvas.setFont(font, 7.5)
            canvas.setFillColor(colors.HexColor("#555555"))
            canvas.drawRightString(page_w - MARGIN, FOOTER_Y, f"办件编号 {case_ref}")
        canvas.restoreState()

    return draw


def _build(app: PrintableApplication, total: int | None) -> tuple[bytes, int]:
    font = cjk_font_name()
    if app.batch is not None:
        pagesize = landscape(A4)
        st = Styles(font, 8.0)
    else:
        pagesize = A4
        st = Styles(font, 10.0)
    width = pagesize[0] - 2 * MARGIN
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 3 * mm,
        title=app.title,
        subject=app.theme_name,
        author="联办 lianban",
        creator="lianban",
        invariant=True,
        initialFontName=font,
    )
    story = (
        _batch_story(app, app.batch, st, width) if app.batch is not None else _person_story(app, st, width)
    )
    on_page = _page_footer(font, app.case_ref, total)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue(), int(doc.page)


def render_pdf(app: PrintableApplication) -> bytes:
    """The application as PDF bytes, with the CJK font embedded (subset)."""
    # The first pass counts the pages for "共 M 页"; the footer sits outside the frame, so the
    # second pass lays out exactly as the first did.
    _, pages = _build(app, None)
    pdf, _ = _build(app, pages)
    return pdf
