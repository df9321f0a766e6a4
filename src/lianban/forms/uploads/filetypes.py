"""What a file really is (文件类型识别): its type by its content, never by its name.

Magic bytes through ``puremagic`` (pure Python, maintained, typed), with the few signatures whose
answer must never depend on a data table (executables, zips) checked first; a zip is told from an
Office Open XML file by its directory alone (nothing is extracted). Also the type a file name
claims by its extension, and each type's name in Chinese and English for the messages.
"""

from __future__ import annotations

import io
import zipfile
from typing import Final

import puremagic

__all__ = [
    "IMAGE_TYPES",
    "PIL_FORMAT",
    "ZIP_TYPES",
    "canonical_type",
    "detect_type",
    "extension_type",
    "type_en",
    "type_zh",
]

IMAGE_TYPES: Final = frozenset({"jpeg", "png", "gif", "webp", "tiff", "bmp"})
ZIP_TYPES: Final = frozenset({"zip", "docx", "xlsx", "pptx"})
PIL_FORMAT: Final = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "tiff": "TIFF",
    "bmp": "BMP",
}
_ALIASES: Final = {"jpg": "jpeg", "jpe": "jpeg", "jfif": "jpeg", "tif": "tiff"}
_EXTENSIONS: Final = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "jfif": "jpeg",
    "png": "png",
    "gif": "gif",
    "webp": "webp",
    "tif": "tiff",
    "tiff": "tiff",
    "bmp": "bmp",
    "pdf": "pdf",
    "zip": "zip",
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "doc": "ole",
    "xls": "ole",
    "ppt": "ole",
}
_MIME: Final = {
    "application/pdf": "pdf",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tiff",
    "image/bmp": "bmp",
    "image/x-ms-bmp": "bmp",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/msword": "ole",
    "application/vnd.ms-excel": "ole",
    "application/vnd.ms-powerpoint": "ole",
    "application/x-rar-compressed": "rar",
    "application/vnd.rar": "rar",
    "application/x-7z-compressed": "7z",
    "application/gzip": "gzip",
    "application/x-gzip": "gzip",
    "text/html": "html",
    "image/svg+xml": "svg",
}
_EXECUTABLE_MIME: Final = frozenset(
    {
        "application/vnd.microsoft.portable-executable",
        "application/x-msdownload",
        "application/x-dosexec",
        "application/x-executable",
        "application/x-elf",
        "application/x-mach-binary",
        "application/x-sharedlib",
    }
)
# Checked before puremagic: the few signatures whose answer must never depend on a data table.
_EXECUTABLE_MAGIC: Final = (
    b"\x7fELF",  # Linux/Unix ELF
    b"MZ",  # Windows PE / DOS
    b"\xfe\xed\xfa\xce",  # Mach-O 32
    b"\xfe\xed\xfa\xcf",  # Mach-O 64
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
)
_ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

_NAMES_ZH: Final = {
    "pdf": "PDF",
    "jpeg": "JPG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WebP",
    "tiff": "TIFF",
    "bmp": "BMP",
    "zip": "ZIP 压缩包",
    "docx": "Word 文档（.docx，属压缩包格式）",
    "xlsx": "Excel 表格（.xlsx，属压缩包格式）",
    "pptx": "PowerPoint 演示文稿（.pptx，属压缩包格式）",
    "ole": "Office 97–2003 文档",
    "rar": "RAR 压缩包",
    "7z": "7z 压缩包",
    "gzip": "gzip 压缩包",
    "html": "网页文件",
    "svg": "SVG 矢量图",
    "executable": "可执行程序",
    "unknown": "无法识别的文件",
}
_NAMES_EN: Final = {
    "pdf": "PDF",
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WebP",
    "tiff": "TIFF",
    "bmp": "BMP",
    "zip": "a ZIP archive",
    "docx": "a Word document (.docx, a zip archive)",
    "xlsx": "an Excel workbook (.xlsx, a zip archive)",
    "pptx": "a PowerPoint file (.pptx, a zip archive)",
    "ole": "an Office 97–2003 document",
    "rar": "a RAR archive",
    "7z": "a 7z archive",
    "gzip": "a gzip archive",
    "html": "an HTML page",
    "svg": "an SVG drawing",
    "executable": "an executable program",
    "unknown": "an unrecognised file",
}


def type_zh(kind: str) -> str:
    return _NAMES_ZH.get(kind, kind.upper())


def type_en(kind: str) -> str:
    return _NAMES_EN.get(kind, kind.upper())


def canonical_type(kind: str) -> str:
    k = kind.strip().lower().lstrip(".")
    return _ALIASES.get(k, k)


def _zip_flavour(data: bytes) -> str:
    """Tell an Office Open XML file from a plain zip by its directory alone (nothing extracted)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "zip"
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(prefix) for n in names):
                return kind
    return "zip"


def detect_type(data: bytes) -> str:
    """The canonical type of ``data`` by its magic bytes: ``pdf``, ``jpeg``, ``png``, … ``zip``,
    ``docx``, ``executable``, or ``unknown``. The file name plays no part."""
    if data.startswith(_EXECUTABLE_MAGIC):
        return "executable"
    if data.startswith(_ZIP_MAGIC):
        return _zip_flavour(data)
    try:
        matches = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):  # ValueError: empty input
        return "unknown"
    for m in matches:  # best first
        mime = m.mime_type.lower()
        if mime in _EXECUTABLE_MIME or "executable" in m.name.lower():
            return "executable"
        if mime in _MIME:
            return _MIME[mime]
    return "unknown"


def extension_type(filename: str) -> str | None:
    """The type a file name claims by its extension, when it names one we know."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base:
        return None
    return _EXTENSIONS.get(base.rsplit(".", 1)[1].strip().lower())
