"""A Wuhan graduate's hostile materials over the API: refused with a 422 naming the material, in
Chinese by default and in English on request, and nothing of them kept on disk."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from support.login import login

GRADUATE_ID = "42011120040315002X"
THEME = "hubei.graduate-employment"


def graduate(client: TestClient) -> dict[str, str]:
    return login(client, id_number=GRADUATE_ID)


def scanned_certificate_with_a_zip() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(out, "JPEG")
    with zipfile.ZipFile(out, "a") as archive:  # appended after the JPEG's end marker
        archive.writestr("readme.hta", "<script>new ActiveXObject('WScript.Shell')</script>")
    return out.getvalue()


def certificate_pdf_running_a_script() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(client: TestClient, name: str, data: bytes, **headers: str) -> tuple[int, dict[str, object]]:
    r = client.post(
        "/api/v1/uploads",
        headers={**graduate(client), **headers},
        data={"material_id": "graduation_certificate", "theme_id": THEME},
        files={"file": (name, data, "application/octet-stream")},
    )
    return r.status_code, r.json()


def stored_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "var" / "uploads").rglob("*") if p.is_file()]


def test_a_jpeg_that_is_also_a_zip_is_refused_naming_the_material(client: TestClient, tmp_path: Path) -> None:
    status, problem = upload(client, "毕业证.jpg", scanned_certificate_with_a_zip())
    assert status == 422, problem
    [error] = problem["errors"]  # type: ignore[misc]
    assert error["field"] == "materials.graduation_certificate" and error["code"] == "format"
    assert error["message"].startswith("毕业证和学历证明图片结束标记之后还附带")
    assert stored_files(tmp_path) == []


def test_a_pdf_running_a_script_is_refused_in_english_on_request(client: TestClient, tmp_path: Path) -> None:
    status, problem = upload(
        client, "certificate.pdf", certificate_pdf_running_a_script(), **{"Accept-Language": "en"}
    )
    assert status == 422, problem
    [error] = problem["errors"]  # type: ignore[misc]
    assert error["field"] == "materials.graduation_certificate"
    assert error["message"].startswith(
        "Graduation certificate and proof of education: the PDF contains JavaScript"
    )
    assert stored_files(tmp_path) == []
