"""Uploads (材料上传): the type by content, size, pages, photo spec, bombs; and blob storage.

Every file is made here: JPEG/PNG with Pillow, PDFs with pypdf, the rest by hand.
"""

from __future__ import annotations

import io
import random
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.model import Material, PhotoSpec, ProvidedBy
from lianban.forms.storage import BlobNotFound, BlobStore, FileBlobStore, digest_of
from lianban.forms.uploads import (
    MAX_IMAGE_PIXELS,
    UploadCheck,
    UploadTooLarge,
    detect_type,
    inspect_upload,
    read_limited,
)

HUBEI_PHOTO = PhotoSpec(width=358, height=441, min_kb=14, max_kb=40, format="jpeg", background="white")


def material(
    material_id: str = "proof",
    *,
    name: str = "证明材料",
    name_en: str = "Proof",
    accept: tuple[str, ...] = ("pdf", "jpeg", "png"),
    max_bytes: int = 10 * 1024 * 1024,
    photo: PhotoSpec | None = None,
) -> Material:
    return Material(
        id=material_id,
        name=name,
        name_en=name_en,
        source_channel="申请人自备",
        form="普通电子文件",
        provided_by=ProvidedBy.APPLICANT,
        accept=accept,
        max_bytes=max_bytes,
        photo=photo,
    )


PHOTO = material(
    "id_photo", name="证件照", name_en="ID photo", accept=("jpg", "jpeg"), max_bytes=40960, photo=HUBEI_PHOTO
)


def only_issue(check: UploadCheck) -> tuple[str, str, str]:
    assert len(check.issues) == 1, check.issues
    issue = check.issues[0]
    assert issue.severity == "error"
    assert issue.message_en  # both languages, always
    return issue.field, issue.code, issue.message_zh


# ---- files ----------------------------------------------------------------------------------


def portrait(background: str | tuple[int, int, int], size: tuple[int, int] = (358, 441)) -> Image.Image:
    """A head and shoulders on ``background``, with noisy texture in the face to add bytes."""
    w, h = size
    im = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(im)
    draw.ellipse((w * 0.3, h * 0.15, w * 0.7, h * 0.6), fill=(200, 160, 130))
    draw.rectangle((w * 0.1, h * 0.65, w * 0.9, h), fill=(40, 40, 60))
    cw, ch = int(w * 0.4), int(h * 0.45)
    texture = Image.frombytes("RGB", (cw, ch), random.Random(7).randbytes(cw * ch * 3))
    mask = Image.new("L", (cw, ch), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, cw, ch), fill=90)
    im.paste(texture, (int(w * 0.3), int(h * 0.15)), mask)
    return im


def jpeg(im: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def jpeg_within(im: Image.Image, lo_kb: int = 14, hi_kb: int = 40) -> bytes:
    """Tune the JPEG quality until the file lands within lo_kb–hi_kb."""
    for quality in range(95, 40, -5):
        data = jpeg(im, quality)
        if lo_kb * 1024 <= len(data) <= hi_kb * 1024:
            return data
    raise AssertionError("could not tune the JPEG into range")


def png(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def pdf(pages: int, password: str | None = None, owner_only: bool = False) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password is not None:
        writer.encrypt(user_password="" if owner_only else password, owner_password=password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int, height: int) -> bytes:
    """A 1-bit grey PNG of one colour, streamed row by row: a few hundred KB declaring width×height."""
    row = b"\x00" + b"\xff" * ((width + 7) // 8)  # filter byte 0, then all-white bits
    deflate = zlib.compressobj(9)
    idat = bytearray()
    for start in range(0, height, 500):
        idat += deflate.compress(row * min(500, height - start))
    idat += deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", bytes(idat)) + _chunk(b"IEND", b"")
    )


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 50
    + b"This program cannot be run in DOS mode"
)


# ---- photos (Hubei 证件照: 358×441 px, 14–40 KB, white, jpg) -------------------------------------


def test_a_white_358x441_jpeg_of_14_to_40_kb_is_accepted() -> None:
    data = jpeg_within(portrait("white"))
    check = inspect_upload(data, "photo.jpg", PHOTO)
    assert check.issues == []
    assert check.ok
    assert (check.detected_type, check.width, check.height, check.size_bytes) == ("jpeg", 358, 441, len(data))
    assert check.checks["photo"] == {
        "format_ok": True,
        "dimensions_ok": True,
        "size_ok": True,
        "background": "white",
        "background_brightness": 255.0,
        "background_saturation": 0.0,
        "background_ok": True,
    }
    assert check.checks["ok"] is True and check.checks["type"] == "jpeg"


def test_the_real_hubei_id_photo_material_accepts_it() -> None:
    theme = default_catalogue().theme("hubei.flexible-employment")
    hubei = theme.material("id_photo")
    assert hubei.photo == HUBEI_PHOTO
    assert inspect_upload(jpeg_within(portrait("white")), "证件照.JPG", hubei).issues == []


def test_a_blue_background_is_refused_naming_the_rule() -> None:
    data = jpeg_within(portrait((67, 142, 219)))
    check = inspect_upload(data, "photo.jpg", PHOTO)
    field, code, message = only_issue(check)
    assert (field, code) == ("materials.id_photo", "format")
    assert message.startswith("证件照背景应为白色（边缘平均亮度 ≥235、饱和度 ≤10%），实际为蓝色")
    assert check.checks["photo"]["background"] == "blue"  # type: ignore[index]


def test_a_grey_background_is_not_white() -> None:
    check = inspect_upload(jpeg_within(portrait((200, 200, 200))), "photo.jpg", PHOTO)
    field, code, message = only_issue(check)
    assert (field, code) == ("materials.id_photo", "format")
    assert "实际为其他颜色" in message


def test_a_wrong_size_photo_is_refused_with_both_sizes() -> None:
    data = jpeg_within(portrait("white", (400, 500)))
    check = inspect_upload(data, "photo.jpg", PHOTO)
    assert only_issue(check) == ("materials.id_photo", "range", "证件照尺寸应为 358×441 像素，实际为 400×500")
    assert check.issues[0].message_en == "ID photo: must be 358×441 pixels; it is 400×500"
    assert (check.width, check.height) == (400, 500)


def test_a_photo_under_14_kb_is_refused() -> None:
    data = jpeg(Image.new("RGB", (358, 441), "white"), quality=60)
    assert len(data) < 14 * 1024
    field, code, message = only_issue(inspect_upload(data, "photo.jpg", PHOTO))
    assert (field, code) == ("materials.id_photo", "range")
    assert message == f"证件照文件大小应为 14–40 KB，实际为 {len(data) / 1024:.1f} KB"


def test_a_photo_over_max_bytes_is_refused_before_it_is_parsed() -> None:
    data = jpeg(portrait("white"), quality=100) + b"\x00" * 40960
    field, code, message = only_issue(inspect_upload(data, "photo.jpg", PHOTO))
    assert (field, code) == ("materials.id_photo", "range")
    assert message.startswith("证件照文件大小不能超过 40.0 KB")


def test_a_png_photo_where_jpg_is_required_is_refused_as_format() -> None:
    data = png(portrait("white"))  # PNG keeps every noisy byte: also over 40 KB
    check = inspect_upload(data, "photo.png", material("id_photo", name="证件照", photo=HUBEI_PHOTO))
    assert [(i.field, i.code, i.message_zh) for i in check.issues] == [
        ("materials.id_photo", "format", "证件照应为 JPG 格式，实际为 PNG"),
        ("materials.id_photo", "range", f"证件照文件大小应为 14–40 KB，实际为 {len(data) / 1024:.1f} KB"),
    ]


def test_several_photo_problems_are_all_reported() -> None:
    data = jpeg(Image.new("RGB", (300, 300), (67, 142, 219)), quality=50)
    check = inspect_upload(data, "photo.jpg", PHOTO)
    assert [(i.field, i.code) for i in check.issues] == [
        ("materials.id_photo", "range"),  # dimensions
        ("materials.id_photo", "range"),  # KB
        ("materials.id_photo", "format"),  # background
    ]
    assert not check.ok


# ---- the type is the content's, not the name's ----------------------------------------------


def test_an_elf_executable_renamed_jpg_is_refused() -> None:
    check = inspect_upload(ELF, "photo.jpg", PHOTO)
    field, code, message = only_issue(check)
    assert (field, code) == ("materials.id_photo", "format")
    assert check.detected_type == "executable"
    assert message == "证件照应为 JPG 格式，上传的文件实际为可执行程序，不予接收"


def test_a_windows_exe_renamed_pdf_is_refused() -> None:
    check = inspect_upload(EXE, "scan.pdf", material())
    assert only_issue(check)[:2] == ("materials.proof", "format")
    assert check.detected_type == "executable"


def test_a_pdf_renamed_jpg_is_refused_even_where_pdf_is_accepted() -> None:
    check = inspect_upload(pdf(1), "scan.jpg", material())
    field, code, message = only_issue(check)
    assert (field, code) == ("materials.proof", "format")
    assert check.detected_type == "pdf"
    assert message == "证明材料文件扩展名为 JPG，但内容实为 PDF，请确认上传了正确的文件"


def test_a_pdf_renamed_jpg_is_refused_by_a_jpg_only_material() -> None:
    check = inspect_upload(pdf(1), "photo.jpg", PHOTO)
    assert only_issue(check)[:2] == ("materials.id_photo", "format")
    assert check.pages is None  # refused before pypdf read it


def test_a_zip_renamed_pdf_is_refused() -> None:
    data = zip_of({"scan.pdf": pdf(1)})
    check = inspect_upload(data, "scan.pdf", material())
    field, code, message = only_issue(check)
    assert (field, code) == ("materials.proof", "format")
    assert check.detected_type == "zip"
    assert "ZIP 压缩包，不予接收" in message


def test_a_word_document_is_a_zip_and_refused_unless_allowed() -> None:
    docx = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    refused = inspect_upload(docx, "form.docx", material())
    assert refused.detected_type == "docx"
    assert only_issue(refused)[:2] == ("materials.proof", "format")
    assert inspect_upload(docx, "form.docx", material(accept=("docx",))).issues == []


def test_a_zip_is_accepted_when_the_material_allows_it() -> None:
    data = zip_of({"a.txt": b"hello"})
    check = inspect_upload(data, "bundle.zip", material(accept=("zip",)))
    assert check.issues == [] and check.detected_type == "zip"


def test_a_name_without_extension_is_judged_by_content() -> None:
    check = inspect_upload(pdf(2), "scan", material())
    assert check.issues == [] and check.pages == 2


def test_an_empty_file_is_refused() -> None:
    assert only_issue(inspect_upload(b"", "a.pdf", material()))[:2] == ("materials.proof", "required")


def test_unknown_content_is_refused() -> None:
    check = inspect_upload(b"just some text\n" * 10, "notes.pdf", material())
    assert only_issue(check)[:2] == ("materials.proof", "format")
    assert check.detected_type == "unknown"


def test_detect_type_ignores_names_entirely() -> None:
    assert detect_type(pdf(1)) == "pdf"
    assert detect_type(png(Image.new("RGB", (4, 4)))) == "png"
    assert detect_type(jpeg(Image.new("RGB", (4, 4)))) == "jpeg"
    assert detect_type(ELF) == detect_type(EXE) == "executable"


# ---- PDFs -----------------------------------------------------------------------------------


def test_a_two_page_pdf_is_accepted_with_its_page_count() -> None:
    check = inspect_upload(pdf(2), "scan.pdf", material())
    assert check.issues == []
    assert (check.detected_type, check.pages) == ("pdf", 2)
    assert check.checks["pages"] == 2


def test_a_pdf_over_the_page_limit_is_refused() -> None:
    field, code, message = only_issue(inspect_upload(pdf(2), "scan.pdf", material(), max_pages=1))
    assert (field, code) == ("materials.proof", "range")
    assert message == "证明材料PDF 页数不能超过 1 页，实际为 2 页"


def test_an_encrypted_pdf_is_refused() -> None:
    check = inspect_upload(pdf(1, password="secret"), "scan.pdf", material())
    field, code, message = only_issue(check)
    assert (field, code) == ("materials.proof", "format")
    assert "加密" in message
    assert check.checks["encrypted"] is True


def test_a_pdf_with_only_permission_flags_opens_and_is_accepted_with_a_warning() -> None:
    check = inspect_upload(pdf(1, password="owner", owner_only=True), "scan.pdf", material())
    assert check.ok and check.pages == 1
    assert [(i.field, i.code, i.severity) for i in check.issues] == [("materials.proof", "format", "warning")]


def test_a_broken_pdf_is_refused() -> None:
    data = b"%PDF-1.7\n" + b"\x00garbage" * 50
    field, code, message = only_issue(inspect_upload(data, "scan.pdf", material()))
    assert (field, code) == ("materials.proof", "format")
    assert "无法读取" in message


# ---- images and bombs -----------------------------------------------------------------------


def test_a_png_scan_is_accepted_without_photo_rules() -> None:
    check = inspect_upload(png(portrait((67, 142, 219), (600, 800))), "scan.png", material())
    assert check.issues == [] and (check.width, check.height) == (600, 800)


def test_a_decompression_bomb_png_is_refused_before_decoding() -> None:
    data = bomb_png(30000, 30000)  # 900 megapixels of one colour
    assert len(data) < 1024 * 1024
    check = inspect_upload(data, "scan.png", material())
    field, code, message = only_issue(check)
    assert (field, code) == ("materials.proof", "range")
    assert "解压炸弹" in message
    assert check.detected_type == "png"


def test_an_image_between_the_cap_and_twice_the_cap_is_refused_too() -> None:
    side = 7000  # 49 MP: Pillow only warns here; the warning is an error, and the cap applies
    assert MAX_IMAGE_PIXELS < side * side < 2 * MAX_IMAGE_PIXELS
    check = inspect_upload(bomb_png(side, side), "scan.png", material())
    assert only_issue(check)[:2] == ("materials.proof", "range")


def test_the_pixel_cap_is_a_parameter() -> None:
    check = inspect_upload(png(Image.new("RGB", (100, 100), "white")), "a.png", material(), max_pixels=5000)
    field, code, message = only_issue(check)
    assert (field, code) == ("materials.proof", "range")
    assert "100×100" in message


def test_a_truncated_png_is_refused_as_unreadable() -> None:
    data = png(portrait("white"))[:200]
    assert only_issue(inspect_upload(data, "a.png", material()))[:2] == ("materials.proof", "format")


# ---- read_limited ---------------------------------------------------------------------------


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.delivered = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.delivered += len(chunk)
        return chunk


def test_read_limited_stops_one_byte_past_the_limit() -> None:
    stream = CountingStream(b"x" * (5 * 1024 * 1024))
    with pytest.raises(UploadTooLarge) as caught:
        read_limited(stream, 100_000)
    assert stream.delivered == 100_001
    assert caught.value.max_bytes == 100_000
    issue = caught.value.issue(PHOTO)
    assert (issue.field, issue.code) == ("materials.id_photo", "range")


def test_read_limited_returns_a_stream_of_exactly_the_limit() -> None:
    assert read_limited(io.BytesIO(b"a" * 1000), 1000, chunk_size=64) == b"a" * 1000
    assert read_limited(io.BytesIO(b""), 0) == b""


# ---- storage --------------------------------------------------------------------------------


def test_same_content_same_digest_stored_once(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    assert isinstance(store, BlobStore)
    data = pdf(2)
    first = store.put(data)
    assert first == digest_of(data) and len(first) == 64
    assert store.put(data) == first
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert files == [tmp_path / "blobs" / first[:2] / first[2:4] / first]


def test_blob_files_are_0600_and_round_trip(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    data = jpeg_within(portrait("white"))
    digest = store.put(data)
    path = store.path_of(digest)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.exists(digest)
    assert store.open(digest) == data
    assert not any(p.name.startswith(".incoming-") for p in path.parent.iterdir())


def test_delete_and_missing_blobs(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    digest = store.put(b"hello")
    store.delete(digest)
    assert not store.exists(digest)
    store.delete(digest)  # deleting twice is fine
    with pytest.raises(BlobNotFound):
        store.open(digest)


def test_digests_that_are_not_digests_are_refused(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    for bad in ("../../etc/passwd", "ABC", "a" * 63, "A" * 64):
        with pytest.raises(ValueError):
            store.exists(bad)
