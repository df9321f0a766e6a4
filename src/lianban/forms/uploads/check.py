"""Checking an uploaded material against its material's rules (材料校验): :func:`inspect_upload`.

The cheap limits first, so a hostile file costs little: size, then type (by content, and the name's
extension must agree), then PDFs (open without a password, 1 … ``max_pages`` pages) and images (the
pixel count refused from the header, before any pixel is decoded), then a photo's own rules.
"""

from __future__ import annotations

import io
import warnings
from typing import Final

from PIL import Image
from pypdf import PasswordType, PdfReader

from lianban.catalog.model import Material
from lianban.forms.uploads.filetypes import (
    IMAGE_TYPES,
    PIL_FORMAT,
    ZIP_TYPES,
    canonical_type,
    detect_type,
    extension_type,
    type_en,
    type_zh,
)
from lianban.forms.uploads.findings import MaterialFindings, UploadCheck
from lianban.forms.uploads.pdfactive import ActiveContent, TooComplex, active_content
from lianban.forms.uploads.photo import check_photo
from lianban.forms.uploads.polyglot import ENDED_TYPES, hides_zip, trailing_data
from lianban.forms.uploads.reading import size_text

__all__ = ["DEFAULT_MAX_PAGES", "MAX_IMAGE_PIXELS", "inspect_upload"]

DEFAULT_MAX_PAGES: Final = 50

MAX_IMAGE_PIXELS: Final = 40_000_000
"""The largest image accepted (width × height); also Pillow's process-wide bomb limit."""

# Pillow warns above MAX_IMAGE_PIXELS and raises above twice that, at ``Image.open``, before
# decoding. Lower Pillow's limit to ours, never raise it (another part may have set a lower one).
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_IMAGE_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


def inspect_upload(
    data: bytes,
    filename: str,
    material: Material,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_pixels: int = MAX_IMAGE_PIXELS,
) -> UploadCheck:
    """Check ``data`` (uploaded as ``filename``) against ``material``'s rules. See the module doc."""
    found = MaterialFindings(material)
    size = len(data)
    checks: dict[str, object] = {"size_bytes": size}

    def result(kind: str, **parts: int | None) -> UploadCheck:
        checks["type"] = kind
        checks["ok"] = not any(i.severity == "error" for i in found.issues)
        checks.update({k: v for k, v in parts.items() if v is not None})
        return UploadCheck(kind, size, issues=found.issues, checks=checks, **parts)

    if size == 0:
        found.add("required", "文件为空，请重新上传", "the file is empty; upload it again")
        return result("empty")
    if size > material.max_bytes:
        found.add(
            "range",
            f"文件大小不能超过 {size_text(material.max_bytes)}，实际为 {size_text(size)}",
            f"the file must not exceed {size_text(material.max_bytes)}; it is {size_text(size)}",
        )
        return result(detect_type(data[:4096]))

    kind = detect_type(data)
    accepted = {canonical_type(a) for a in material.accept}
    allowed = kind in accepted or (kind in ZIP_TYPES and "zip" in accepted)
    if not allowed:
        wanted_zh = "、".join(type_zh(a) for a in sorted(accepted))
        wanted_en = ", ".join(type_en(a) for a in sorted(accepted))
        extra_zh = "，不予接收" if kind == "executable" or kind in ZIP_TYPES else ""
        found.add(
            "format",
            f"应为 {wanted_zh} 格式，上传的文件实际为{type_zh(kind)}{extra_zh}",
            f"must be {wanted_en}; the uploaded file is really {type_en(kind)}",
        )
        return result(kind)
    claimed = extension_type(filename)
    if claimed is not None and claimed != kind and not (claimed == "zip" and kind in ZIP_TYPES):
        found.add(
            "format",
            f"文件扩展名为 {type_zh(claimed)}，但内容实为 {type_zh(kind)}，请确认上传了正确的文件",
            f"the file name says {type_en(claimed)} but the content is {type_en(kind)}; check you chose the right file",
        )
        return result(kind)

    if kind == "pdf":
        pages = _check_pdf(data, found, max_pages, checks)
        if found.ok:
            _refuse_hidden_zip(data, found)
        return result(kind, pages=pages)
    if kind in IMAGE_TYPES:
        width, height = _check_image(data, kind, found, max_pixels)
        if found.ok:
            _check_image_end(data, kind, found)
        if found.ok:
            _refuse_hidden_zip(data, found)
        if width is not None and height is not None and material.photo is not None:
            check_photo(data, kind, size, width, height, material.photo, found, checks)
        return result(kind, width=width, height=height)
    return result(kind)


def _check_pdf(data: bytes, found: MaterialFindings, max_pages: int, checks: dict[str, object]) -> int | None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            checks["encrypted"] = True
            if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                found.add(
                    "format",
                    "为加密 PDF，需要密码才能打开，请上传未加密的文件",
                    "the PDF is encrypted and needs a password to open; upload an unencrypted file",
                )
                return None
            found.add(
                "format",
                "PDF 设有权限限制（无需密码即可打开），已接收",
                "the PDF carries permission restrictions (it opens without a password); accepted",
                severity="warning",
            )
        pages = len(reader.pages)
        active = active_content(reader)
    except TooComplex:
        found.add(
            "format",
            "PDF 结构过于复杂（对象数量超出正常扫描件），不予接收，请重新导出后上传",
            "the PDF's structure is too complex (more objects than any scan has); refused — export it again",
        )
        return None
    except Exception:  # pypdf raises many types on hostile or broken input: all mean "unreadable"
        found.add(
            "format",
            "PDF 文件已损坏或无法读取，请重新导出后上传",
            "the PDF is damaged or cannot be read; export it again and upload it",
        )
        return None
    for kind in active:
        zh, en = _ACTIVE_WORDS[kind]
        found.add(
            "format",
            f"{zh}，不予接收；请打印或另存为普通 PDF 后上传",
            f"{en}; refused — print or save it as a plain PDF and upload that",
        )
    if pages < 1:
        found.add("format", "PDF 没有任何页面", "the PDF has no pages")
    elif pages > max_pages:
        found.add(
            "range",
            f"PDF 页数不能超过 {max_pages} 页，实际为 {pages} 页",
            f"the PDF may have at most {max_pages} pages; it has {pages}",
        )
    return pages


_ACTIVE_WORDS: Final = {
    ActiveContent.JAVASCRIPT: ("含有 JavaScript 脚本", "the PDF contains JavaScript"),
    ActiveContent.LAUNCH: ("含有启动外部程序的动作", "the PDF has an action that launches a program"),
    ActiveContent.EMBEDDED_FILE: ("含有嵌入文件（附件）", "the PDF carries an embedded file (attachment)"),
}


def _check_image_end(data: bytes, kind: str, found: MaterialFindings) -> None:
    """Nothing but zero padding after the image's end marker (a JPEG + zip polyglot is refused)."""
    if kind not in ENDED_TYPES:
        return
    after = trailing_data(data, kind)
    if after is None:
        found.add(
            "format",
            "图片不完整（找不到图片结束标记），请重新上传",
            "the image is incomplete (it has no end marker); upload it again",
        )
    elif after:
        found.add(
            "format",
            f"图片结束标记之后还附带 {size_text(len(after))} 其他数据（可能是隐藏的压缩包或程序），"
            "不予接收；请用看图软件另存为普通图片后上传",
            f"there are {size_text(len(after))} of other data after the end of the image (possibly a"
            " hidden archive or program); refused — save it again as a plain picture and upload that",
        )


def _refuse_hidden_zip(data: bytes, found: MaterialFindings) -> None:
    if hides_zip(data):
        found.add(
            "format",
            "同时也是一个 ZIP 压缩包（多格式伪装文件），不予接收",
            "the file is at the same time a zip archive (a polyglot); refused",
        )


def _too_many_pixels(found: MaterialFindings, width: int | None, height: int | None, max_pixels: int) -> None:
    actual = f"，实际为 {width}×{height}" if width and height else ""
    actual_en = f"; it is {width}×{height}" if width and height else ""
    found.add(
        "range",
        f"图片像素总数不能超过 {max_pixels // 1_000_000} 百万像素{actual}（疑似解压炸弹，不予处理）",
        f"the image may have at most {max_pixels // 1_000_000} megapixels{actual_en} (possible decompression bomb; refused)",
    )


def _check_image(
    data: bytes, kind: str, found: MaterialFindings, max_pixels: int
) -> tuple[int | None, int | None]:
    """Read the header only, refuse too many pixels, then ``verify()``; no pixel is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[PIL_FORMAT[kind]]) as im:
                width, height = im.size
                if width * height > max_pixels:
                    _too_many_pixels(found, width, height, max_pixels)
                    return width, height
                im.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            _too_many_pixels(found, None, None, max_pixels)
            return None, None
        except Exception:  # Pillow raises OSError, SyntaxError, ValueError … on broken files
            found.add(
                "format",
                "图片已损坏或无法读取，请重新上传",
                "the image is damaged or cannot be read; upload it again",
            )
            return None, None
    return width, height
