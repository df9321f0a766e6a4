"""The printable application (电子表单套打): the merged form printed as a 申请表 PDF.

Input is plain data — the form spec builds a :class:`PrintableApplication`
(:mod:`~lianban.forms.pdf.printable`); this package only lays it out. A person theme prints on A4
portrait, an employer theme with a :class:`PrintBatch` on A4 landscape with its
one-row-per-employee table (:mod:`~lianban.forms.pdf.layout`), both from the same ruled blocks
(:mod:`~lianban.forms.pdf.blocks`). Every page carries "第 N 页 共 M 页".

Chinese text needs a CJK TrueType font that the PDF embeds (:mod:`~lianban.forms.pdf.font`). It
comes from the Python package ``paperang-p2-fonts-cjk`` (WenQuanYi Micro Hei, a dependency of
lianban); Debian's fonts-wqy-microhei / fonts-wqy-zenhei or ``LIANBAN_CJK_FONT`` (a .ttf/.ttc with
TrueType outlines — CFF-based .otf will not do) are fallbacks.
"""

from lianban.forms.pdf.font import FONT_ENV, FONT_NAME, CJKFontMissing, cjk_font_name
from lianban.forms.pdf.layout import render_pdf
from lianban.forms.pdf.printable import PrintableApplication, PrintBatch, PrintField, PrintSection

__all__ = [
    "FONT_ENV",
    "FONT_NAME",
    "CJKFontMissing",
    "PrintBatch",
    "PrintField",
    "PrintSection",
    "PrintableApplication",
    "cjk_font_name",
    "render_pdf",
]
