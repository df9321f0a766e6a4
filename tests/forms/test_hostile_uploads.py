"""Hostile materials (恶意文件): PDFs that run code or carry files, images that hide data after
their end marker (a JPEG that is also a zip). Each is refused naming the material, in Chinese and
English; the same documents without the hostile part are accepted.

Every file is made here: PDFs with pypdf (and one by hand, to hide a name behind ``#`` escapes),
images with Pillow, archives with zipfile.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from lianban.catalog.model import Material, ProvidedBy
from lianban.forms.uploads import UploadCheck, inspect_upload

PROOF = Material(
    id="graduation_certificate",
    name="毕业证书",
    name_en="Graduation certificate",
    source_channel="申请人自备",
    form="普通电子文件",
    provided_by=ProvidedBy.APPLICANT,
    accept=("pdf", "jpeg", "png", "gif", "webp"),
    max_bytes=10 * 1024 * 1024,
)


def refusal(check: UploadCheck) -> tuple[str, str, str, str]:
    errors = [i for i in check.issues if i.severity == "error"]
    assert len(errors) == 1, check.issues
    assert not check.ok
    return errors[0].field, errors[0].code, errors[0].message_zh, errors[0].message_en


# ---- PDFs -----------------------------------------------------------------------------------


def _writer(pages: int = 1) -> PdfWriter:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **entries: object) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(f"/{kind}")})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value  # type: ignore[assignment]
    return action


def pdf_with_document_javascript() -> bytes:
    """A script in the document's names tree (/Names /JavaScript): it runs when the file opens."""
    writer = _writer()
    script = writer._add_object(_action("JavaScript", JS=TextStringObject("app.alert('hello');")))
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("greeting"), script])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    return _bytes(writer)


def pdf_opening_with_javascript() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = _action(
        "JavaScript", JS=TextStringObject("this.print();")
    )
    return _bytes(writer)


def pdf_opening_with_a_launch_action() -> bytes:
    writer = _writer()
    launch = _action("Launch", F=TextStringObject("C:\\Windows\\System32\\cmd.exe"))
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(launch)
    return _bytes(writer)


def pdf_with_a_link_that_launches() -> bytes:
    writer = _writer()
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(
                [NumberObject(10), NumberObject(10), NumberObject(200), NumberObject(40)]
            ),
            NameObject("/A"): _action("Launch", F=TextStringObject("/bin/sh")),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return _bytes(writer)


def pdf_with_page_open_javascript() -> bytes:
    writer = _writer(2)
    actions = DictionaryObject(
        {NameObject("/O"): _action("JavaScript", JS=TextStringObject("app.launchURL('x')"))}
    )
    writer.pages[1][NameObject("/AA")] = actions  # additional actions: run when page 2 opens
    return _bytes(writer)


def pdf_with_an_embedded_file() -> bytes:
    writer = _writer()
    writer.add_attachment("setup.exe", b"MZ\x90\x00 pretend this is a program")
    return _bytes(writer)


def pdf_with_a_file_attachment_annotation() -> bytes:
    writer = _writer()
    spec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject("invoice.js"),
        }
    )
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject(
                [NumberObject(10), NumberObject(10), NumberObject(30), NumberObject(30)]
            ),
            NameObject("/FS"): spec,
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _bytes(writer)


def pdf_by_hand(open_action: bytes) -> bytes:
    """A one-page PDF written byte by byte, so a name can be spelt with ``#`` escapes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        open_action,
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_plain_pdf_is_accepted() -> None:
    assert inspect_upload(_bytes(_writer(2)), "毕业证书.pdf", PROOF).issues == []


def test_a_pdf_opening_at_its_first_page_is_accepted() -> None:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    assert inspect_upload(_bytes(writer), "毕业证书.pdf", PROOF).issues == []


def test_a_pdf_with_a_web_link_is_accepted() -> None:
    writer = _writer()
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(
                [NumberObject(10), NumberObject(10), NumberObject(200), NumberObject(40)]
            ),
            NameObject("/A"): _action("URI", URI=TextStringObject("https://www.chsi.com.cn/")),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    assert inspect_upload(_bytes(writer), "毕业证书.pdf", PROOF).issues == []


@pytest.mark.parametrize(
    ("make", "zh", "en"),
    [
        (pdf_with_document_javascript, "JavaScript", "JavaScript"),
        (pdf_opening_with_javascript, "JavaScript", "JavaScript"),
        (pdf_with_page_open_javascript, "JavaScript", "JavaScript"),
        (pdf_opening_with_a_launch_action, "启动外部程序", "launches a program"),
        (pdf_with_a_link_that_launches, "启动外部程序", "launches a program"),
        (pdf_with_an_embedded_file, "嵌入文件", "embedded file"),
        (pdf_with_a_file_attachment_annotation, "嵌入文件", "embedded file"),
    ],
)
def test_a_pdf_that_runs_code_or_carries_files_is_refused_naming_the_material(
    make: object, zh: str, en: str
) -> None:
    assert callable(make)
    field, code, message_zh, message_en = refusal(inspect_upload(make(), "毕业证书.pdf", PROOF))
    assert (field, code) == ("materials.graduation_certificate", "format")
    assert message_zh.startswith("毕业证书") and zh in message_zh and "不予接收" in message_zh
    assert message_en.startswith("Graduation certificate: ") and en in message_en


def test_javascript_hidden_behind_name_escapes_is_still_found() -> None:
    # /S /J#61vaScript is /S /JavaScript to every reader; a byte search for "JavaScript" misses it
    data = pdf_by_hand(b"<< /S /J#61va#53cript /J#53 (app.alert(1)) >>")
    assert b"JavaScript" not in data
    _, code, message_zh, _ = refusal(inspect_upload(data, "scan.pdf", PROOF))
    assert code == "format" and "JavaScript" in message_zh


def test_the_hand_written_pdf_without_the_action_is_accepted() -> None:
    data = pdf_by_hand(b"[3 0 R /Fit]")
    assert inspect_upload(data, "scan.pdf", PROOF).issues == []


# ---- images with data after their end marker (polyglots) -------------------------------------


def _picture() -> Image.Image:
    im = Image.new("RGB", (240, 160), "white")
    draw = ImageDraw.Draw(im)
    draw.rectangle((20, 20, 220, 140), outline=(200, 0, 0), width=4)
    draw.text((40, 70), "GRADUATION", fill=(0, 0, 0))
    return im


def _save(im: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    im.save(out, kind, **options)
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run.bat", "@echo off\r\nformat c: /q\r\n")
    return out.getvalue()


def test_plain_jpeg_png_gif_and_webp_are_accepted() -> None:
    for kind, name in (("JPEG", "a.jpg"), ("PNG", "a.png"), ("GIF", "a.gif"), ("WEBP", "a.webp")):
        assert inspect_upload(_save(_picture(), kind), name, PROOF).issues == [], kind


def test_a_progressive_jpeg_with_an_exif_thumbnail_is_accepted() -> None:
    # the thumbnail inside the EXIF segment has its own end marker: the real end is the last one
    exif = Image.Exif()
    exif[0x010F] = "Huawei"
    thumb = _save(_picture().resize((80, 54)), "JPEG")
    app1 = b"Exif\x00\x00" + exif.tobytes()[6:] if exif.tobytes().startswith(b"Exif") else exif.tobytes()
    data = _save(_picture(), "JPEG", progressive=True, exif=app1 + thumb)
    assert data.count(b"\xff\xd9") >= 2
    assert inspect_upload(data, "a.jpg", PROOF).issues == []


def test_zero_padding_after_the_end_marker_is_accepted() -> None:
    data = _save(_picture(), "JPEG") + b"\x00" * 64
    assert inspect_upload(data, "a.jpg", PROOF).issues == []


@pytest.mark.parametrize(
    ("kind", "name"), [("JPEG", "a.jpg"), ("PNG", "a.png"), ("GIF", "a.gif"), ("WEBP", "a.webp")]
)
def test_an_image_that_is_also_a_zip_is_refused_naming_the_material(kind: str, name: str) -> None:
    image = _save(_picture(), kind)
    polyglot = image + _zip()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))  # any unzip tool opens it
    with Image.open(io.BytesIO(polyglot)) as im:
        im.verify()  # and Pillow alone sees nothing wrong
    field, code, message_zh, message_en = refusal(inspect_upload(polyglot, name, PROOF))
    assert (field, code) == ("materials.graduation_certificate", "format")
    assert message_zh.startswith("毕业证书") and "结束标记" in message_zh and "不予接收" in message_zh
    assert message_en.startswith("Graduation certificate: ") and "after the end of the image" in message_en


def test_any_data_after_a_png_iend_is_refused() -> None:
    data = _save(_picture(), "PNG") + b"<script>alert(1)</script>"
    _, code, message_zh, _ = refusal(inspect_upload(data, "a.png", PROOF))
    assert code == "format" and "结束标记" in message_zh


def test_a_jpeg_without_its_end_marker_is_refused() -> None:
    data = _save(_picture(), "JPEG")[:-2]
    _, code, message_zh, _ = refusal(inspect_upload(data, "a.jpg", PROOF))
    assert code == "format" and "不完整" in message_zh


def test_a_zip_hidden_inside_a_jpeg_comment_is_refused() -> None:
    # the archive sits in a COM segment before the picture data; its end record's comment length
    # reaches over the rest of the JPEG, so unzip tools still find and open it
    jpeg = _save(_picture(), "JPEG")
    archive = _zip()
    rest = jpeg[2:]
    archive = archive[:-2] + struct.pack("<H", len(rest))  # the end record's comment covers the rest
    segment = b"\xff\xfe" + struct.pack(">H", len(archive) + 2) + archive
    polyglot = jpeg[:2] + segment + rest
    assert zipfile.is_zipfile(io.BytesIO(polyglot))
    _, code, message_zh, message_en = refusal(inspect_upload(polyglot, "a.jpg", PROOF))
    assert code == "format" and "压缩包" in message_zh and "zip archive" in message_en


def test_a_pdf_that_is_also_a_zip_is_refused() -> None:
    data = _bytes(_writer()) + _zip()
    _, code, message_zh, _ = refusal(inspect_upload(data, "a.pdf", PROOF))
    assert code == "format" and "压缩包" in message_zh


def test_a_png_chunk_longer_than_the_file_is_refused_not_crashed() -> None:
    good = _save(_picture(), "PNG")
    broken = good[:33] + struct.pack(">I", 2**31 - 1) + b"IDAT" + good[41:]
    assert not inspect_upload(broken, "a.png", PROOF).ok


def test_the_crc_of_a_png_chunk_is_not_what_ends_it() -> None:
    # a tEXt chunk after IDAT, before IEND, is part of the image
    good = _save(_picture(), "PNG")
    body = b"Comment\x00scanned at the window"
    text = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    data = good[:-12] + text + good[-12:]
    assert inspect_upload(data, "a.png", PROOF).issues == []
