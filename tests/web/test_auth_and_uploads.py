"""The sandbox identity provider and material uploads, over the API."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from lianban.config import Mode, load_settings
from lianban.web.app import create_app
from support.certificates import CERTIFICATE_ENV
from support.login import login

GRADUATE_ID = "42011120040315002X"


def id_photo(background: str = "white") -> bytes:
    img = Image.new("RGB", (358, 441), background)
    draw = ImageDraw.Draw(img)
    for i in range(0, 358, 3):  # texture so the JPEG lands within 14–40 KB
        draw.line([(i, 120), (358 - i, 441)], fill=(i % 200, 80, 120), width=2)
    for quality in range(95, 10, -5):
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality)
        if 14 * 1024 <= out.tell() <= 40 * 1024:
            return out.getvalue()
    raise AssertionError("could not make a 14–40 KB photo")


def test_a_person_an_employer_and_staff_can_log_in_to_the_sandbox(client: TestClient) -> None:
    assert client.post("/api/v1/auth/sandbox", json={"id_number": GRADUATE_ID}).json()["role"] == "applicant"
    staff = client.post("/api/v1/auth/sandbox", json={"username": "hrss", "password": "sandbox"}).json()
    assert staff["role"] == "department_staff" and staff["token_type"] == "bearer"
    assert client.post("/api/v1/auth/sandbox", json={"username": "hrss", "password": "x"}).status_code == 401


def test_a_bad_id_number_is_refused_naming_the_field(client: TestClient) -> None:
    r = client.post("/api/v1/auth/sandbox", json={"id_number": GRADUATE_ID[:-1] + "9"})
    assert r.status_code == 422
    assert r.json()["errors"][0] == {**r.json()["errors"][0], "field": "id_number", "code": "checksum"}


def test_uploads_need_credentials(client: TestClient) -> None:
    r = client.post(
        "/api/v1/uploads",
        data={"material_id": "id_photo", "theme_id": "hubei.graduate-employment"},
        files={"file": ("photo.jpg", id_photo(), "image/jpeg")},
    )
    assert r.status_code == 401
    bad = client.post(
        "/api/v1/uploads",
        headers={"Authorization": "Bearer forged.token.here"},
        data={"material_id": "id_photo"},
        files={"file": ("p.jpg", b"x", "image/jpeg")},
    )
    assert bad.status_code == 401


def test_a_graduates_photo_is_checked_and_stored_by_its_hash(client: TestClient, tmp_path: Path) -> None:
    headers = login(client, id_number=GRADUATE_ID)
    photo = id_photo()
    r = client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"material_id": "id_photo", "theme_id": "hubei.graduate-employment"},
        files={"file": ("photo.jpg", photo, "image/jpeg")},
    )
    assert r.status_code == 201, r.text
    assert r.json()["material_id"] == "id_photo"
    stored = [p for p in (tmp_path / "var" / "uploads").rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert stored[0].read_bytes() == photo
    assert oct(os.stat(stored[0]).st_mode & 0o777) == "0o600"


def test_a_blue_background_photo_is_refused_with_the_rule(client: TestClient) -> None:
    headers = login(client, id_number=GRADUATE_ID)
    r = client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"material_id": "id_photo", "theme_id": "hubei.graduate-employment"},
        files={"file": ("photo.jpg", id_photo("#3060c0"), "image/jpeg")},
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "materials.id_photo"


def test_a_pdf_renamed_as_a_photo_is_refused_by_its_content(client: TestClient) -> None:
    headers = login(client, id_number=GRADUATE_ID)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    pdf = io.BytesIO()
    writer.write(pdf)
    r = client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"material_id": "id_photo", "theme_id": "hubei.graduate-employment"},
        files={"file": ("photo.jpg", pdf.getvalue(), "image/jpeg")},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "format"


def test_an_unknown_material_is_named(client: TestClient) -> None:
    headers = login(client, id_number=GRADUATE_ID)
    r = client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"material_id": "no_such_thing"},
        files={"file": ("a.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "material_id"


@pytest.mark.parametrize("theme_id", ["null", "../../x", "hubei.nothing"])
def test_an_upload_for_a_theme_that_does_not_exist_is_a_404_not_a_crash(
    client: TestClient, theme_id: str
) -> None:
    headers = login(client, id_number=GRADUATE_ID)
    r = client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"material_id": "id_photo", "theme_id": theme_id},
        files={"file": ("photo.jpg", id_photo(), "image/jpeg")},
    )
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_the_sandbox_login_does_not_exist_in_production(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "LIANBAN_DATA_DIR": str(tmp_path),
            "LIANBAN_SECRET_KEY": "k" * 40,
            "LIANBAN_DATA_KEYS": "d1:ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ=",  # 32 bytes: AES-256
            "LIANBAN_LOOKUP_KEY": "4c" * 32,
            **CERTIFICATE_ENV,  # 电子证照 signing pair (production needs it)
        },
        database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}",
        mode=Mode.PRODUCTION,
    )
    with TestClient(create_app(settings)) as c:
        assert c.post("/api/v1/auth/sandbox", json={"id_number": GRADUATE_ID}).status_code == 404
