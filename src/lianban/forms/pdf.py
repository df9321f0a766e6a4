"""The printable application (电子表单套打): the merged form printed as a 申请表 PDF.

Input is plain data — the form spec builds a :class:`PrintableApplication`; this module only lays
it out. A person theme prints on A4 portrait: title, theme, case reference, each section as a
gridded label/value table (two label/value pairs to a row, long values taking the whole row),
the materials with how each is provided, the commitment statement verbatim and the signature
line. An employer theme with a :class:`PrintBatch` prints on A4 landscape: header fields, the
one-row-per-employee table with numbered columns (its header rows repeat on every page), and
the footer fields with 单位经办人（签章）. Every page carries "第 N 页 共 M 页".

Chinese text needs a CJK TrueType font that the PDF embeds. It comes from the Python package
``paperang-p2-fonts-cjk`` (WenQuanYi Micro Hei, a dependency of lianban); Debian's
fonts-wqy-microhei / fonts-wqy-zenhei or ``LIANBAN_CJK_FONT`` (a .ttf/.ttc with TrueType
outlines — CFF-based .otf will not do) are fallbacks.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = [
    "FONT_NAME",
    "CJKFontMissing",
    "PrintBatch",
    "PrintField",
    "PrintSection",
    "PrintableApplication",
    "cjk_font_name",
    "render_pdf",
]

DEFAULT_SIGNATURE_LABEL = "申请人（签字）"
DEFAULT_DATE_LABEL = "年    月    日"
EMPLOYER_SIGNATURE_LABEL = "单位经办人（签章）"
EMPLOYER_SEAL_LABEL = "申请单位（盖章）"


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintField:
    label: str
    value: str


@dataclass(frozen=True)
class PrintSection:
    title: str
    fields: list[PrintField]


@dataclass(frozen=True)
class PrintBatch:
    """The employer's table: header fields, one row per employee under ``columns``, footer fields."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    header: list[PrintField]
    footer: list[PrintField]


@dataclass(frozen=True)
class PrintableApplication:
    title: str
    theme_name: str
    case_ref: str | None
    applicant_name: str
    sections: list[PrintSection]
    materials: list[tuple[str, str]]  # (material name, how provided: 电子证照/数据共享/申请人提交/系统生成)
    commitment: str | None
    signature_label: str = DEFAULT_SIGNATURE_LABEL
    date_label: str = DEFAULT_DATE_LABEL
    batch: PrintBatch | None = None


# ---------------------------------------------------------------------------------------------
# Font
# ---------------------------------------------------------------------------------------------

FONT_NAME = "LianbanCJK"
FONT_ENV = "LIANBAN_CJK_FONT"
FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_PACKAGE_FILE = "fonts/wqy-microhei.ttc"
SYSTEM_FONT_PATHS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)


class CJKFontMissing(RuntimeError):
    """No CJK TrueType font could be found to embed in the PDF."""


@contextmanager
def _packaged_font() -> Iterator[Path | None]:
    try:
        ref = resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_FILE)
    except ModuleNotFoundError:
        yield None
        return
    if not ref.is_file():
        yield None
        return
    with resources.as_file(ref) as path:
        yield path


def _load_font(path: Path) -> TTFont:
    # A .ttc holds several faces; the first is the proportional one.
    if path.suffix.lower() == ".ttc":
        return TTFont(FONT_NAME, str(path), subfontIndex=0)
    return TTFont(FONT_NAME, str(path))


@cache
def cjk_font_name() -> str:
    """Register the CJK font with reportlab (once per process) and return its name."""
    override = os.environ.get(FONT_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise CJKFontMissing(f"{FONT_ENV}={override!r} is not a file")
        font = _load_font(path)
    else:
        font_or_none: TTFont | None = None
        with _packaged_font() as packaged:
            if packaged is not None:
                font_or_none = _load_font(packaged)  # reads the file into memory
        if font_or_none is None:
            system = next((p for p in SYSTEM_FONT_PATHS if p.is_file()), None)
            if system is None:
                raise CJKFontMissing(
                    "no CJK TrueType font found for the printable application: install the Python "
                    "package 'paperang-p2-fonts-cjk' (a lianban dependency: run `uv sync`), or "
                    "Debian's fonts-wqy-microhei / fonts-wqy-zenhei, or set "
                    f"{FONT_ENV} to a .ttf/.ttc with TrueType outlines"
                )
            font_or_none = _load_font(system)
        font = font_or_none
    pdfmetrics.registerFont(font)
    # One face serves every weight, so <b> in a paragraph never falls back to a Latin font.
    pdfmetrics.registerFontFamily(
        FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME, boldItalic=FONT_NAME
    )
    return FONT_NAME


# ---------------------------------------------------------------------------------------------
# Styles and small helpers
# ---------------------------------------------------------------------------------------------

GRID = colors.black
SHADE = colors.HexColor("#E6E6E6")
LABEL_SHADE = colors.HexColor("#F4F4F4")
MARGIN = 15 * mm
FOOTER_Y = 8 * mm


class _Styles:
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


# Stand-ins for symbols the embedded font may lack (WenQuanYi Micro Hei has □ but not ☑/☒).
GLYPH_STAND_INS = {"☑": "▣", "☒": "▣"}


@cache
def _stand_ins() -> dict[int, str]:
    font = pdfmetrics.getFont(cjk_font_name())
    covered: dict[int, int] = getattr(getattr(font, "face", None), "charToGlyph", {})
    return {ord(ch): sub for ch, sub in GLYPH_STAND_INS.items() if ord(ch) not in covered}


def _markup(text: str, *, keep_spaces: bool = False) -> str:
    text = text.translate(_stand_ins())
    out = escape(text).replace("\r\n", "\n").replace("\n", "<br/>")
    if keep_spaces:
        out = out.replace(" ", "&nbsp;")
    return out


def _p(text: str, style: ParagraphStyle, *, keep_spaces: bool = False) -> Paragraph:
    return Paragraph(_markup(text, keep_spaces=keep_spaces), style)


def _text_width(text: str, font: str, size: float) -> float:
    lines = text.splitlines() or [""]
    return max(pdfmetrics.stringWidth(line, font, size) for line in lines)


Command = tuple[Any, ...]


def _base_grid(*, rules: bool = True) -> list[Command]:
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
    st: _Styles,
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
        wide = "\n" in f.value or _text_width(f.value, st.font, st.size) > value_width - 6
        if wide:
            flush()
        current.extend([_p(f.label, st.label), _p(f.value, st.value)])
        if wide or len(current) == cols:
            flush()
    flush()
    for r, label_cols in enumerate(label_at, start=first_row):
        cmds += [("BACKGROUND", (c, r), (c, r), LABEL_SHADE) for c in label_cols]
    return rows, cmds


def _field_table(
    title: str | None,
    fields: Sequence[PrintField],
    st: _Styles,
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
    cmds = _base_grid()
    if title is not None:
        data.append([_p(title, st.section)] + [""] * (cols - 1))
        cmds += [("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 0), SHADE)]
    if fields:
        rows, extra = _field_rows(fields, st, pairs=pairs, value_width=value_width, first_row=len(data))
        data += rows
        cmds += extra
    else:
        r = len(data)
        data.append([_p("（无）", st.centre)] + [""] * (cols - 1))
        cmds.append(("SPAN", (0, r), (-1, r)))
    return Table(
        data,
        colWidths=col_widths,
        style=TableStyle(cmds),
        repeatRows=1 if title is not None else 0,
        hAlign="CENTER",
    )


def _meta_line(app: PrintableApplication, st: _Styles, width: float, *, applicant_label: str) -> Table:
    cells = [
        _p(f"主题：{app.theme_name}", st.meta),
        _p(f"{applicant_label}：{app.applicant_name}", st.meta),
        _p(f"办件编号：{app.case_ref or ''}", st.meta_right),
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


def _materials_table(materials: Sequence[tuple[str, str]], st: _Styles, width: float) -> Table:
    col_widths = [12 * mm, width - 12 * mm - 34 * mm, 34 * mm]
    data: list[list[Any]] = [
        [_p("申请材料", st.section), "", ""],
        [_p("序号", st.label), _p("材料名称", st.label), _p("提供方式", st.label)],
    ]
    cmds = [
        *_base_grid(),
        ("SPAN", (0, 0), (-1, 0)),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("BACKGROUND", (0, 1), (-1, 1), LABEL_SHADE),
    ]
    for i, (name, how) in enumerate(materials, start=1):
        data.append([_p(str(i), st.centre), _p(name, st.value), _p(how, st.centre)])
    if not materials:
        data.append([_p("（无）", st.centre), "", ""])
        cmds.append(("SPAN", (0, 2), (-1, 2)))
    return Table(data, colWidths=col_widths, style=TableStyle(cmds), repeatRows=2)


def _signature_block(
    commitment: str | None,
    signature_label: str,
    date_label: str,
    st: _Styles,
    width: float,
) -> Flowable:
    """The commitment statement (verbatim) with the signature and date lines under it."""
    inset = 4 * mm
    inner = width - 2 * inset
    line = 50 * mm
    sign = Table(
        [
            [_p(f"{signature_label}：", st.right), ""],
            [_p(date_label, st.right, keep_spaces=True), ""],
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
    data: list[list[Any]] = [[_p("承诺", st.section)]]
    if commitment:
        data.append([_p(commitment, st.body)])
    data.append([sign])
    # no rule between the statement and the signature: they read as one cell
    cmds = [
        *_base_grid(rules=False),
        ("LINEBELOW", (0, 0), (0, 0), 0.6, GRID),
        ("BACKGROUND", (0, 0), (0, 0), SHADE),
        ("TOPPADDING", (0, 1), (-1, -1), 3),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 3 * mm),
        ("LEFTPADDING", (0, 1), (-1, -1), inset),
        ("RIGHTPADDING", (0, 1), (-1, -1), inset),
    ]
    return KeepTogether([Table(data, colWidths=[width], style=TableStyle(cmds))])


# ---------------------------------------------------------------------------------------------
# Person themes: A4 portrait
# ---------------------------------------------------------------------------------------------


def _person_story(app: PrintableApplication, st: _Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = [
        _p(app.title, st.title),
        _meta_line(app, st, width, applicant_label="申请人"),
        Spacer(1, 1.5 * mm),
    ]
    # The blocks stack edge to edge, so the page reads as one ruled form, as on paper.
    for section in app.sections:
        story.append(
            _field_table(section.title, section.fields, st, width=width, pairs=2, label_width=27 * mm)
        )
    story.append(_materials_table(app.materials, st, width))
    story.append(_signature_block(app.commitment, app.signature_label, app.date_label, st, width))
    return story


# ---------------------------------------------------------------------------------------------
# Employer themes: the batch table on A4 landscape
# ---------------------------------------------------------------------------------------------

SERIAL = "序号"


def _batch_col_widths(
    columns: Sequence[str], rows: Sequence[Sequence[str]], st: _Styles, width: float
) -> list[float]:
    """Column widths filling ``width``: short cells (names, ID numbers, phones) stay on one line
    where the page allows; long ones (addresses) give up width first and wrap."""
    pad = 6.0
    em = st.size
    one_line = 30 * mm  # content up to this wide is kept unwrapped if at all possible
    need: list[float] = []
    want: list[float] = []
    for i, name in enumerate(columns):
        head = _text_width(name, st.font, em)
        body = max((_text_width(r[i], st.font, em) for r in rows), default=0.0)
        need.append(max(body if body <= one_line else 8 * em, min(head, 2 * em), 1.5 * em) + pad)
        want.append(max(min(body, 48 * mm), min(head, 4 * em), 1.5 * em) + pad)
    total_need, total_want = sum(need), sum(want)
    if total_want <= width:
        return [w * width / total_want for w in want]
    if total_need <= width:
        k = (width - total_need) / (total_want - total_need)
        return [n + (w - n) * k for n, w in zip(need, want, strict=True)]
    return [n * width / total_need for n in need]


def _batch_table(batch: PrintBatch, st: _Styles, width: float) -> Table:
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
        [_p(c, st.label) for c in columns],
        [""] + [_p(str(i), st.label) for i in range(1, len(columns))],
    ]
    cmds = [
        *_base_grid(),
        ("SPAN", (0, 0), (0, 1)),
        ("BACKGROUND", (0, 0), (-1, 1), LABEL_SHADE),
        ("BACKGROUND", (numbered_from, 1), (-1, 1), SHADE),
    ]
    for row in rows:
        data.append([_p(cell, st.centre if i == 0 else st.value) for i, cell in enumerate(row)])
    if not rows:
        data.append([_p("（无）", st.centre)] + [""] * (len(columns) - 1))
        cmds.append(("SPAN", (0, 2), (-1, 2)))
    return Table(data, colWidths=widths, style=TableStyle(cmds), repeatRows=2)


def _batch_story(app: PrintableApplication, batch: PrintBatch, st: _Styles, width: float) -> list[Flowable]:
    footer = list(batch.footer)
    if not any("签章" in f.label or "签字" in f.label for f in footer):
        footer.insert(0, PrintField(EMPLOYER_SIGNATURE_LABEL, ""))  # first, as on the Shangrao form
    sign_label = (
        app.signature_label if app.signature_label != DEFAULT_SIGNATURE_LABEL else EMPLOYER_SEAL_LABEL
    )
    story: list[Flowable] = [
        _p(app.title, st.title),
        _meta_line(app, st, width, applicant_label="申请单位"),
        Spacer(1, 2 * mm),
    ]
    if batch.header:
        story += [
            _field_table(None, batch.header, st, width=width, pairs=3, label_width=30 * mm),
            Spacer(1, 2 * mm),
        ]
    if batch.title and batch.title != app.title:
        story.append(_p(batch.title, st.section))
        story.append(Spacer(1, 1 * mm))
    story += [
        _batch_table(batch, st, width),
        Spacer(1, 2 * mm),
        _field_table(None, footer, st, width=width, pairs=3, label_width=30 * mm),
    ]
    for section in app.sections:
        story += [
            Spacer(1, 2 * mm),
            _field_table(section.title, section.fields, st, width=width, pairs=3, label_width=30 * mm),
        ]
    if app.materials:
        story += [Spacer(1, 2 * mm), _materials_table(app.materials, st, width)]
    story += [Spacer(1, 2 * mm), _signature_block(app.commitment, sign_label, app.date_label, st, width)]
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
        st = _Styles(font, 8.0)
    else:
        pagesize = A4
        st = _Styles(font, 10.0)
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
