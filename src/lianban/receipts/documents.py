"""The two documents as plain data, and their layout on A4 (受理回执, 不予受理通知书)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, Table, TableStyle

from lianban.forms.pdf import cjk_font_name
from lianban.forms.pdf.blocks import LABEL_SHADE, MARGIN, SHADE, Styles, base_grid, para


@dataclass(frozen=True)
class ReceiptItem:
    name: str
    department: str
    promised_due: str
    legal_due: str


@dataclass(frozen=True)
class RefusedItem:
    name: str
    department: str
    reason: str


@dataclass(frozen=True)
class AcceptanceReceipt:
    """受理回执: what was accepted, from whom, by whom, and by when each item is due."""

    theme_name: str
    case_id: str
    applicant: str  # masked
    identifier: str  # masked ID number, or the USCC
    accepted_at: str
    channel: str  # 网上申请 / 窗口受理 …
    agent: str  # who took it: the applicant, or the window clerk (帮办代办)
    items: Sequence[ReceiptItem]
    materials: Sequence[str]
    refused: Sequence[RefusedItem] = field(default_factory=tuple)
    printed_on: str = ""


@dataclass(frozen=True)
class RefusalNotice:
    """不予受理通知书: the items refused at intake, each with its reason, and the remedies."""

    theme_name: str
    case_id: str
    applicant: str
    applied_on: str  # YYYY年M月D日
    items: Sequence[RefusedItem]
    printed_on: str = ""


REMEDIES = (
    "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
    "或者自收到本通知书之日起六个月内依法提起行政诉讼。"
)


def _grid(rows: Sequence[Sequence[Flowable | str]], widths: list[float], header: bool = True) -> Table:
    cmds = [*base_grid()]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    return Table(
        [list(r) for r in rows], colWidths=widths, style=TableStyle(cmds), repeatRows=1 if header else 0
    )


def _facts(pairs: Sequence[tuple[str, str]], st: Styles, width: float) -> Table:
    """Label/value pairs two to a row, labels shaded."""
    label, value = 26 * mm, width / 2 - 26 * mm
    rows: list[list[Flowable | str]] = []
    for i in range(0, len(pairs), 2):
        row: list[Flowable | str] = []
        for name, text in pairs[i : i + 2]:
            row += [para(name, st.label), para(text, st.value)]
        rows.append(row + ["", ""] * (2 - len(pairs[i : i + 2])))
    cmds = [
        *base_grid(),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_SHADE),
        ("BACKGROUND", (2, 0), (2, -1), LABEL_SHADE),
    ]
    return Table(rows, colWidths=[label, value, label, value], style=TableStyle(cmds))


def _render(title: str, story: list[Flowable], case_id: str) -> bytes:
    font = cjk_font_name()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        subject=case_id,
        author="联办 lianban",
        creator="lianban",
        invariant=True,
        initialFontName=font,
    )
    doc.build(story)
    return buf.getvalue()


def receipt_pdf(receipt: AcceptanceReceipt) -> bytes:
    st = Styles(cjk_font_name(), 10.0)
    width = A4[0] - 2 * MARGIN
    story: list[Flowable] = [
        para(f"{receipt.theme_name}", st.meta),
        para("受理回执", st.title),
        _facts(
            [
                ("办件编号", receipt.case_id),
                ("受理时间", receipt.accepted_at),
                ("申请人", receipt.applicant),
                ("证件号码", receipt.identifier),
                ("受理渠道", receipt.channel),
                ("经办人", receipt.agent),
            ],
            st,
            width,
        ),
        Spacer(1, 4 * mm),
        para("受理事项", st.section),
        _grid(
            [
                [para(h, st.label) for h in ("序号", "事项名称", "承办部门", "承诺办结日期", "法定办结日期")],
                *[
                    [
                        para(str(n), st.centre),
                        para(i.name, st.value),
                        para(i.department, st.value),
                        para(i.promised_due, st.centre),
                        para(i.legal_due, st.centre),
                    ]
                    for n, i in enumerate(receipt.items, start=1)
                ],
            ],
            [12 * mm, width - 12 * mm - 50 * mm - 2 * 28 * mm, 50 * mm, 28 * mm, 28 * mm],
        ),
        Spacer(1, 4 * mm),
        para("收到材料", st.section),
        _grid(
            [[para("序号", st.label), para("材料名称", st.label)]]
            + [[para(str(n), st.centre), para(m, st.value)] for n, m in enumerate(receipt.materials, start=1)]
            if receipt.materials
            else [[para("本次未收取纸质或上传材料（材料由数据共享、电子证照获取）", st.value)]],
            [12 * mm, width - 12 * mm] if receipt.materials else [width],
            header=bool(receipt.materials),
        ),
    ]
    if receipt.refused:
        story += [
            Spacer(1, 4 * mm),
            para("不予受理事项（另附不予受理通知书）", st.section),
            _grid(
                [[para(h, st.label) for h in ("事项名称", "承办部门", "理由")]]
                + [
                    [para(r.name, st.value), para(r.department, st.value), para(r.reason, st.value)]
                    for r in receipt.refused
                ],
                [45 * mm, 40 * mm, width - 85 * mm],
            ),
        ]
    story += [
        Spacer(1, 6 * mm),
        para(
            "请凭办件编号在联办或政务服务大厅查询办理进度；各事项办结后结果将统一送达。"
            "承诺办结日期按工作日计算（法定节假日顺延）。",
            st.body,
        ),
        Spacer(1, 10 * mm),
        para("受理单位（盖章）", st.right),
        para(receipt.printed_on, st.right),
    ]
    return _render("受理回执", story, receipt.case_id)


def refusal_pdf(notice: RefusalNotice) -> bytes:
    st = Styles(cjk_font_name(), 10.5)
    width = A4[0] - 2 * MARGIN
    story: list[Flowable] = [
        para("不予受理通知书", st.title),
        para(f"编号：{notice.case_id}-BYSL", st.meta_right),
        Spacer(1, 4 * mm),
        para(f"{notice.applicant}：", st.value),
        para(
            f"您于{notice.applied_on}提出的“{notice.theme_name}”申请（办件编号 {notice.case_id}）中，"
            "下列事项经审查不符合受理条件，根据《中华人民共和国行政许可法》第三十二条的规定，决定不予受理："
            "其余事项已予受理，见受理回执。",
            st.body,
        ),
        Spacer(1, 3 * mm),
        _grid(
            [[para(h, st.label) for h in ("事项名称", "承办部门", "不予受理理由")]]
            + [
                [para(r.name, st.value), para(r.department, st.value), para(r.reason, st.value)]
                for r in notice.items
            ],
            [45 * mm, 40 * mm, width - 85 * mm],
        ),
        Spacer(1, 4 * mm),
        para(REMEDIES, st.body),
        Spacer(1, 14 * mm),
        para("（盖章）", st.right),
        para(notice.printed_on, st.right),
    ]
    return _render("不予受理通知书", story, notice.case_id)
