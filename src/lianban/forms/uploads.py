"""Checking an uploaded material (材料上传) against its material's rules, before it is stored.

``inspect_upload`` answers ``POST /api/v1/uploads`` (API.md): what the file really is, how big,
how many pages or pixels, and every rule it breaks as a ``FieldIssue`` on ``materials.<id>``.
Nothing here writes the file anywhere; ``storage.BlobStore`` does that once the check passes.

The type is decided by the CONTENT, never by the name or the client's Content-Type: magic bytes
through ``puremagic`` (pure Python, maintained, typed), then confirmed by the parser that reads
the file (Pillow for images, pypdf for PDFs; Pillow is restricted to the one decoder the magic
bytes named). A name whose extension names another type than the content (a ``.jpg`` that is a
PDF, an executable renamed ``.jpg``) is refused as well: either the applicant picked the wrong
file or someone is disguising one. Zip archives, and Office files (which are zips), are refused
unless the material's ``accept`` names them; an archive is never extracted (only its directory
is read, to tell a ``.docx`` from a plain zip).

Limits, in the order they are applied (the cheap ones first, so a hostile file costs little):

* size: ``len(data) <= material.max_bytes``, checked before any parsing; ``read_limited`` keeps a
  too-long stream from being read whole in the first place;
* type: in ``material.accept`` (aliases ``jpg``/``jpe``/``jfif`` → ``jpeg``, ``tif`` → ``tiff``);
* PDFs: must open without a password (a PDF with only an owner password, i.e. permission flags,
  opens and is accepted with a warning) and have 1 … ``max_pages`` pages (default 50);
* images: at most ``MAX_IMAGE_PIXELS`` pixels (40 megapixels, an A4 page scanned at 600 dpi is
  about 35 MP). The header is read and the pixel count refused BEFORE any pixel is decoded, so a
  small file declaring a huge image (a decompression bomb) costs nothing; Pillow's own
  ``DecompressionBombWarning``/``DecompressionBombError`` are turned into refusals too;
* photos (``material.photo``): exact width × height, file size between ``min_kb`` and ``max_kb``
  (1 KB = 1024 bytes, as photo tools and the Hubei material's ``max_bytes: 40960`` count), format,
  and background colour read from the border — see ``BACKGROUND_*`` below.

Codes: ``format`` for the type, a name that does not match the content, unreadable or encrypted
files and the background colour; ``range`` for bytes, pixels, dimensions and pages; ``required``
for an empty file.
"""

from __future__ import annotations

import colorsys
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

import puremagic
from PIL import Image, ImageStat
from pypdf import PasswordType, PdfReader

from lianban.catalog.model import Material, PhotoSpec
from lianban.forms.issues import FieldIssue, IssueCode

__all__ = [
    "BACKGROUND_SIDE_FRACTION",
    "BACKGROUND_STRIP_FRACTION",
    "BLUE_HUE_DEGREES",
    "DEFAULT_MAX_PAGES",
    "MAX_IMAGE_PIXELS",
    "RED_HUE_DEGREES",
    "WHITE_MAX_SATURATION",
    "WHITE_MIN_BRIGHTNESS",
    "BackgroundReading",
    "UploadCheck",
    "UploadTooLarge",
    "detect_type",
    "inspect_upload",
    "read_background",
    "read_limited",
]

DEFAULT_MAX_PAGES: Final = 50

MAX_IMAGE_PIXELS: Final = 40_000_000
"""The largest image accepted (width × height); also Pillow's process-wide bomb limit."""

# Pillow warns above MAX_IMAGE_PIXELS and raises above twice that, at ``Image.open``, before
# decoding. Lower Pillow's limit to ours, never raise it (another part may have set a lower one).
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_IMAGE_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

# ---- background thresholds (photos) ---------------------------------------------------------
# The background is read from the border, where an ID photo has no person: a strip along the top
# (the full width) and strips down the left and right sides of the upper part only, because the
# shoulders reach the side edges lower down. Each strip is BACKGROUND_STRIP_FRACTION of the
# shorter side thick (at least 2 px): 14 px on a 358×441 photo.
BACKGROUND_STRIP_FRACTION: Final = 0.04
BACKGROUND_SIDE_FRACTION: Final = 0.6  # the side strips cover the top 60 % of the height
# White: mean brightness (Pillow "L", ITU-R 601 luma, 0–255) at least 235 and mean saturation
# (HSV S, 0–1) at most 0.10. Pure white is 255/0; a well-lit studio white is ~245/0.02; the
# standard light blue ID background (RGB ≈ 67,142,219) is ~130/0.7, light grey (RGB 200) 200/0.
WHITE_MIN_BRIGHTNESS: Final = 235.0
WHITE_MAX_SATURATION: Final = 0.10
# Blue and red are told by the hue of the mean border colour, with saturation at least 0.25.
BLUE_HUE_DEGREES: Final = (190.0, 250.0)
RED_HUE_DEGREES: Final = (340.0, 20.0)  # wraps through 0°
COLOUR_MIN_SATURATION: Final = 0.25

# ---- types ----------------------------------------------------------------------------------

IMAGE_TYPES: Final = frozenset({"jpeg", "png", "gif", "webp", "tiff", "bmp"})
ZIP_TYPES: Final = frozenset({"zip", "docx", "xlsx", "pptx"})
_PIL_FORMAT: Final = {
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
_COLOUR_ZH: Final = {"white": "白色", "blue": "蓝色", "red": "红色", "other": "其他颜色"}


def _zh(kind: str) -> str:
    return _NAMES_ZH.get(kind, kind.upper())


def _en(kind: str) -> str:
    return _NAMES_EN.get(kind, kind.upper())


def _canonical(kind: str) -> str:
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


def _extension_type(filename: str) -> str | None:
    """The type a file name claims by its extension, when it names one we know."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base:
        return None
    return _EXTENSIONS.get(base.rsplit(".", 1)[1].strip().lower())


def _size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


# ---- the result -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BackgroundReading:
    """What the border of a photo looks like (see the ``BACKGROUND_*`` and colour thresholds)."""

    brightness: float  # mean luma, 0–255
    saturation: float  # mean HSV saturation, 0–1
    hue: float  # hue of the mean border colour, degrees 0–360
    colour: Literal["white", "blue", "red", "other"]


@dataclass(frozen=True)
class UploadCheck:
    """What an upload is and which of its material's rules it breaks (``issues``; none = accepted).

    ``checks`` is the JSON-ready summary for the ``checks`` object of ``POST /api/v1/uploads``.
    """

    detected_type: str
    size_bytes: int
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    issues: list[FieldIssue] = field(default_factory=list)
    checks: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no issue is an error (warnings do not stop the upload)."""
        return not any(i.severity == "error" for i in self.issues)


class UploadTooLarge(Exception):
    """The stream is longer than ``max_bytes``; raised by ``read_limited`` before it is all read."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"upload exceeds {max_bytes} bytes")
        self.max_bytes = max_bytes

    def issue(self, material: Material) -> FieldIssue:
        """The refusal as the ``FieldIssue`` that ``inspect_upload`` would give for that size."""
        return FieldIssue(
            field=f"materials.{material.id}",
            code="range",
            message_zh=f"{material.name}文件大小不能超过 {_size_text(self.max_bytes)}",
            message_en=f"{material.name_en or material.id}: the file must not exceed {_size_text(self.max_bytes)}",
        )


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def read_limited(stream: _Readable, max_bytes: int, *, chunk_size: int = 64 * 1024) -> bytes:
    """Read ``stream`` to its end, but never more than ``max_bytes + 1`` bytes of it.

    Returns the bytes when there are at most ``max_bytes``; raises ``UploadTooLarge`` as soon as
    one byte more arrives, so a huge upload is never held in memory whole.
    """
    if max_bytes < 0:
        raise ValueError("max_bytes must be >= 0")
    buf = bytearray()
    while len(buf) <= max_bytes:
        chunk = stream.read(min(chunk_size, max_bytes + 1 - len(buf)))
        if not chunk:
            break
        buf += chunk
    if len(buf) > max_bytes:
        raise UploadTooLarge(max_bytes)
    return bytes(buf)


# ---- the check ------------------------------------------------------------------------------


class _Findings:
    """Collects issues for one material; every issue is on ``materials.<id>``."""

    def __init__(self, material: Material) -> None:
        self.field = f"materials.{material.id}"
        self.name_zh = material.name
        self.name_en = material.name_en or material.id
        self.issues: list[FieldIssue] = []

    def add(
        self,
        code: IssueCode,
        zh: str,
        en: str,
        severity: Literal["error", "warning"] = "error",
    ) -> None:
        self.issues.append(
            FieldIssue(self.field, code, f"{self.name_zh}{zh}", f"{self.name_en}: {en}", severity)
        )


def inspect_upload(
    data: bytes,
    filename: str,
    material: Material,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_pixels: int = MAX_IMAGE_PIXELS,
) -> UploadCheck:
    """Check ``data`` (uploaded as ``filename``) against ``material``'s rules. See the module doc."""
    found = _Findings(material)
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
            f"文件大小不能超过 {_size_text(material.max_bytes)}，实际为 {_size_text(size)}",
            f"the file must not exceed {_size_text(material.max_bytes)}; it is {_size_text(size)}",
        )
        return result(detect_type(data[:4096]))

    kind = detect_type(data)
    accepted = {_canonical(a) for a in material.accept}
    allowed = kind in accepted or (kind in ZIP_TYPES and "zip" in accepted)
    if not allowed:
        wanted_zh = "、".join(_zh(a) for a in sorted(accepted))
        wanted_en = ", ".join(_en(a) for a in sorted(accepted))
        extra_zh = "，不予接收" if kind == "executable" or kind in ZIP_TYPES else ""
        found.add(
            "format",
            f"应为 {wanted_zh} 格式，上传的文件实际为{_zh(kind)}{extra_zh}",
            f"must be {wanted_en}; the uploaded file is really {_en(kind)}",
        )
        return result(kind)
    claimed = _extension_type(filename)
    if claimed is not None and claimed != kind and not (claimed == "zip" and kind in ZIP_TYPES):
        found.add(
            "format",
            f"文件扩展名为 {_zh(claimed)}，但内容实为 {_zh(kind)}，请确认上传了正确的文件",
            f"the file name says {_en(claimed)} but the content is {_en(kind)}; check you chose the right file",
        )
        return result(kind)

    if kind == "pdf":
        pages = _check_pdf(data, found, max_pages, checks)
        return result(kind, pages=pages)
    if kind in IMAGE_TYPES:
        width, height = _check_image(data, kind, found, max_pixels)
        if width is not None and height is not None and material.photo is not None:
            _check_photo(data, kind, size, width, height, material.photo, found, checks)
        return result(kind, width=width, height=height)
    return result(kind)


def _check_pdf(data: bytes, found: _Findings, max_pages: int, checks: dict[str, object]) -> int | None:
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
    except Exception:  # pypdf raises many types on hostile or broken input: all mean "unreadable"
        found.add(
            "format",
            "PDF 文件已损坏或无法读取，请重新导出后上传",
            "the PDF is damaged or cannot be read; export it again and upload it",
        )
        return None
    if pages < 1:
        found.add("format", "PDF 没有任何页面", "the PDF has no pages")
    elif pages > max_pages:
        found.add(
            "range",
            f"PDF 页数不能超过 {max_pages} 页，实际为 {pages} 页",
            f"the PDF may have at most {max_pages} pages; it has {pages}",
        )
    return pages


def _too_many_pixels(found: _Findings, width: int | None, height: int | None, max_pixels: int) -> None:
    actual = f"，实际为 {width}×{height}" if width and height else ""
    actual_en = f"; it is {width}×{height}" if width and height else ""
    found.add(
        "range",
        f"图片像素总数不能超过 {max_pixels // 1_000_000} 百万像素{actual}（疑似解压炸弹，不予处理）",
        f"the image may have at most {max_pixels // 1_000_000} megapixels{actual_en} (possible decompression bomb; refused)",
    )


def _check_image(data: bytes, kind: str, found: _Findings, max_pixels: int) -> tuple[int | None, int | None]:
    """Read the header only, refuse too many pixels, then ``verify()``; no pixel is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[kind]]) as im:
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


def _check_photo(
    data: bytes,
    kind: str,
    size: int,
    width: int,
    height: int,
    spec: PhotoSpec,
    found: _Findings,
    checks: dict[str, object],
) -> None:
    photo: dict[str, object] = {}
    checks["photo"] = photo
    photo["format_ok"] = kind == spec.format
    if kind != spec.format:
        found.add(
            "format",
            f"应为 {_zh(spec.format)} 格式，实际为 {_zh(kind)}",
            f"must be {_en(spec.format)}; it is {_en(kind)}",
        )
    photo["dimensions_ok"] = (width, height) == (spec.width, spec.height)
    if (width, height) != (spec.width, spec.height):
        found.add(
            "range",
            f"尺寸应为 {spec.width}×{spec.height} 像素，实际为 {width}×{height}",
            f"must be {spec.width}×{spec.height} pixels; it is {width}×{height}",
        )
    lo, hi = spec.min_kb * 1024, spec.max_kb * 1024
    photo["size_ok"] = lo <= size <= hi
    if not lo <= size <= hi:
        found.add(
            "range",
            f"文件大小应为 {spec.min_kb}–{spec.max_kb} KB，实际为 {size / 1024:.1f} KB",
            f"must be {spec.min_kb}–{spec.max_kb} KB; it is {size / 1024:.1f} KB",
        )
    if spec.background == "any":
        return
    try:
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[kind]]) as im:
            if kind == "jpeg":
                im.draft("RGB", (spec.width, spec.height))  # DCT scaling: a big JPEG decodes small
            reading = read_background(im)
    except Exception:
        found.add("format", "图片无法解码，请重新上传", "the image cannot be decoded; upload it again")
        return
    photo["background"] = reading.colour
    photo["background_brightness"] = round(reading.brightness, 1)
    photo["background_saturation"] = round(reading.saturation, 3)
    photo["background_ok"] = reading.colour == spec.background
    if reading.colour != spec.background:
        if spec.background == "white":
            rule_zh = f"（边缘平均亮度 ≥{WHITE_MIN_BRIGHTNESS:.0f}、饱和度 ≤{WHITE_MAX_SATURATION:.0%}）"
            rule_en = f" (border brightness >= {WHITE_MIN_BRIGHTNESS:.0f}, saturation <= {WHITE_MAX_SATURATION:.0%})"
        else:
            rule_zh = rule_en = ""
        found.add(
            "format",
            f"背景应为{_COLOUR_ZH[spec.background]}{rule_zh}，实际为{_COLOUR_ZH[reading.colour]}"
            f"（亮度 {reading.brightness:.0f}、饱和度 {reading.saturation:.0%}）",
            f"the background must be {spec.background}{rule_en}; it reads as {reading.colour}"
            f" (brightness {reading.brightness:.0f}, saturation {reading.saturation:.0%})",
        )


def read_background(im: Image.Image) -> BackgroundReading:
    """Read the background colour of a portrait photo from its border strips (decodes ``im``)."""
    rgb = im.convert("RGB")
    w, h = rgb.size
    band = max(2, round(BACKGROUND_STRIP_FRACTION * min(w, h)))
    band_w, band_h = min(band, w), min(band, h)
    side_h = max(band_h, round(BACKGROUND_SIDE_FRACTION * h))
    boxes = [(0, 0, w, band_h), (0, 0, band_w, side_h), (w - band_w, 0, w, side_h)]
    total = 0
    luma = sat = 0.0
    rgb_sum = [0.0, 0.0, 0.0]
    for box in boxes:
        region = rgb.crop(box)
        n = region.width * region.height
        total += n
        luma += ImageStat.Stat(region.convert("L")).mean[0] * n
        sat += ImageStat.Stat(region.convert("HSV")).mean[1] * n
        for i, m in enumerate(ImageStat.Stat(region).mean):
            rgb_sum[i] += m * n
    brightness = luma / total
    saturation = sat / total / 255.0
    r, g, b = (c / total / 255.0 for c in rgb_sum)
    hue = colorsys.rgb_to_hsv(r, g, b)[0] * 360.0
    mean_sat = colorsys.rgb_to_hsv(r, g, b)[1]
    colour: Literal["white", "blue", "red", "other"]
    if brightness >= WHITE_MIN_BRIGHTNESS and saturation <= WHITE_MAX_SATURATION:
        colour = "white"
    elif mean_sat >= COLOUR_MIN_SATURATION and BLUE_HUE_DEGREES[0] <= hue <= BLUE_HUE_DEGREES[1]:
        colour = "blue"
    elif mean_sat >= COLOUR_MIN_SATURATION and (hue >= RED_HUE_DEGREES[0] or hue <= RED_HUE_DEGREES[1]):
        colour = "red"
    else:
        colour = "other"
    return BackgroundReading(brightness, saturation, hue, colour)
