"""The e-certificate as a page (电子证照版式): its own fields, the verification code and the QR code
(segno) of its public page, drawn with reportlab in the printed application's CJK font; signed
afterwards (:mod:`lianban.security.pdfsign`)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from lianban.forms.pdf import cjk_font_name


@dataclass(frozen=True)
class CertificatePage:
    code: str
    document_name: str
    number: str
    holder: str
    issuer: str
    issued_on: str
    case_no: str
    verify_url: str
    algorithm: str


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any zoom, no image library needed)."""
    qr = segno.make(text, error="m")
    modules = qr.matrix
    count = len(modules)
    quiet = 2
    cell = size / (count + 2 * quiet)
    canvas.setFillColorRGB(0, 0, 0)
    for row, line in enumerate(modules):
        for col, dark in enumerate(line):
            if dark:
                canvas.rect(
                    x + (col + quiet) * cell,
                    y + size - (row + quiet + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )


def certificate_pdf(page: CertificatePage) -> bytes:
    """The unsigned PDF of one certificate."""
    font = cjk_font_name()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{page.document_name}（电子证照）{page.number}")
    canvas.setAuthor(page.issuer)
    canvas.setSubject(f"电子证照 {page.code}")
    width, height = A4
    left = 25 * mm
    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, height - 40 * mm, page.document_name)
    canvas.setFont(font, 12)
    canvas.drawCentredString(width / 2, height - 49 * mm, "电子证照")
    rows = (
        ("证照编号", page.number),
        ("持证人", page.holder),
        ("发证机关", page.issuer),
        ("发证日期", page.issued_on),
        ("办件编号", page.case_no),
        ("验证码", page.code),
    )
    y = height - 70 * mm
    for label, value in rows:
        canvas.setFont(font, 11)
        canvas.drawString(left, y, label)
        canvas.setFont(font, 13)
        canvas.drawString(left + 30 * mm, y, value)
        y -= 11 * mm
    size = 45 * mm
    _qr(canvas, page.verify_url, width - left - size, height - 70 * mm - size + 8 * mm, size)
    canvas.setFont(font, 9)
    notes = (
        "扫描二维码或访问下列地址核验本证照是否有效、是否已被撤销：",
        page.verify_url,
        f"本文件由联办平台以数字签名签章（{page.algorithm}），签名后的任何改动都会使签名失效。",
    )
    y = 45 * mm
    for line in notes:
        canvas.drawString(left, y, line)
        y -= 6 * mm
    canvas.showPage()
    canvas.save()
    return out.getvalue()
