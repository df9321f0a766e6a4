"""Material uploads (材料上传): POST /api/v1/uploads — checked on arrival, stored by content hash.

Files are owned by the uploader and never served to anyone else; they live outside any web root
and are never executed. A file breaking its material's rules is a 422 naming the rule.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from lianban.cases.schema import Upload
from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import Material
from lianban.forms.issues import FieldIssue
from lianban.forms.storage import FileBlobStore
from lianban.forms.uploads import UploadTooLarge, inspect_upload, read_limited
from lianban.security.tokens import Identity
from lianban.web.auth import require_identity
from lianban.web.problems import FieldError, Problem, invalid, not_found
from lianban.web.ratelimit import per_caller

router = APIRouter(prefix="/api/v1", tags=["applications"])


def _invalid(issues: list[FieldIssue]) -> Problem:
    errors = [
        FieldError(i.field, i.code, i.message_zh, i.message_en) for i in issues if i.severity == "error"
    ]
    return invalid(errors, "材料不符合要求", "The file breaks the material's rules")


def find_material(catalogue: Catalogue, material_id: str, theme_id: str | None) -> Material:
    if theme_id and theme_id not in catalogue.themes:
        raise not_found(f"主题 {theme_id} ", f"theme {theme_id}")
    themes = [catalogue.themes[theme_id]] if theme_id else list(catalogue.themes.values())
    found = [m for t in themes for m in t.materials if m.id == material_id]
    if not found:
        raise Problem(
            422,
            "请求参数有误",
            "Invalid request",
            f"未知的材料 {material_id}",
            f"unknown material {material_id}",
            [
                FieldError(
                    "material_id", "code_list", f"未知的材料 {material_id}", f"unknown material {material_id}"
                )
            ],
        )
    rules = {(m.accept, m.max_bytes, m.photo) for m in found}
    if len(rules) > 1:
        raise Problem(
            422,
            "请求参数有误",
            "Invalid request",
            f"材料 {material_id} 在多个主题中规则不同，请指定 theme_id",
            f"material {material_id} differs between themes: give theme_id",
            [FieldError("theme_id", "required", "请指定 theme_id", "theme_id is required")],
        )
    return found[0]


@router.post(
    "/uploads",
    status_code=201,
    summary="Upload one material file; checked against the material's rules",
    dependencies=[Depends(per_caller("upload"))],
)
def post_upload(
    request: Request,
    identity: Annotated[Identity, Depends(require_identity)],
    file: Annotated[UploadFile, File(description="the file")],
    material_id: Annotated[str, Form()],
    theme_id: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    catalogue: Catalogue = request.app.state.catalogue
    material = find_material(catalogue, material_id, theme_id)
    try:
        data = read_limited(file.file, material.max_bytes)
    except UploadTooLarge as exc:
        raise _invalid([exc.issue(material)]) from None
    check = inspect_upload(data, file.filename or "", material)
    if not check.ok:
        raise _invalid(check.issues)
    store = FileBlobStore(request.app.state.settings.data_dir / "uploads")
    digest = store.put(data)
    upload_id = str(uuid.uuid4())
    with request.app.state.sessions() as session, session.begin():
        session.add(
            Upload(
                id=upload_id,
                owner=identity.subject,
                theme_id=theme_id,
                material_id=material.id,
                digest=digest,
                filename=(file.filename or "")[:255],
                detected_type=check.detected_type,
                size_bytes=check.size_bytes,
                checks=dict(check.checks),
            )
        )
    return {
        "upload_id": upload_id,
        "material_id": material.id,
        "checks": check.checks,
        "warnings": [{"field": i.field, "code": i.code, "message": i.message_zh} for i in check.issues],
    }
