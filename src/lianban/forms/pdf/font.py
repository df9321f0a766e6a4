"""The CJK font the PDF embeds (中文字体).

It comes from the Python package ``paperang-p2-fonts-cjk`` (WenQuanYi Micro Hei, a dependency of
lianban); Debian's fonts-wqy-microhei / fonts-wqy-zenhei or ``LIANBAN_CJK_FONT`` (a .ttf/.ttc with
TrueType outlines — CFF-based .otf will not do) are fallbacks. Symbols the font lacks get stand-ins.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

__all__ = [
    "FONT_ENV",
    "FONT_NAME",
    "FONT_PACKAGE",
    "FONT_PACKAGE_FILE",
    "GLYPH_STAND_INS",
    "SYSTEM_FONT_PATHS",
    "CJKFontMissing",
    "cjk_font_name",
    "stand_ins",
]

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


# Stand-ins for symbols the embedded font may lack (WenQuanYi Micro Hei has □ but not ☑/☒).
GLYPH_STAND_INS = {"☑": "▣", "☒": "▣"}


@cache
def stand_ins() -> dict[int, str]:
    font = pdfmetrics.getFont(cjk_font_name())
    covered: dict[int, int] = getattr(getattr(font, "face", None), "charToGlyph", {})
    return {ord(ch): sub for ch, sub in GLYPH_STAND_INS.items() if ord(ch) not in covered}
