"""Material uploads as a service (材料上传): a file checked on arrival against its material's rules
(type by content, size, PDF pages, photo spec — :mod:`lianban.forms.uploads`), stored by content
hash and recorded as its uploader's. The API (``POST /api/v1/uploads``) and the apply pages call
:func:`accept_upload`; a file that breaks a rule is refused with every broken rule named.
"""

from __future__ import annotations

import uuid
from typing import Any, BinaryIO

from lianban.cases.schema import Upload
from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import Material
from lianban.context import Context
from lianban.errors import FieldError, Invalid, invalid, not_found
from lianban.forms.issues import FieldIssue
from lianban.forms.storage import FileBlobStore
from lianban.forms.uploads import UploadTooLarge, inspect_upload, read_limited
from lianban.security.tokens import Identity


def _refused(issues: list[FieldIssue]) -> Invalid:
    errors = [
        FieldError(i.field, i.code, i.message_zh, i.message_en) for i in issues if i.severity == "error"
    ]
    return invalid(errors, ("材料不符合要求", "The file breaks the material's rules"))


def find_material(catalogue: Catalogue, material_id: str, theme_id: str | None) -> Material:
    """The material ``material_id`` (of ``theme_id``, or of any theme where its rules agree)."""
    if theme_id and theme_id not in catalogue.themes:
        raise not_found(f"主题 {theme_id} ", f"theme {theme_id}")
    themes = [catalogue.themes[theme_id]] if theme_id else list(catalogue.themes.values())
    found = [m for t in themes for m in t.materials if m.id == material_id]
    if not found:
        raise invalid(
            [
                FieldError(
                    "material_id", "code_list", f"未知的材料 {material_id}", f"unknown material {material_id}"
                )
            ]
        )
    if len({(m.accept, m.max_bytes, m.photo) for m in found}) > 1:
        raise Invalid(
            f"材料 {material_id} 在多个主题中规则不同，请指定 theme_id",
            f"material {material_id} differs between themes: give theme_id",
            errors=[FieldError("theme_id", "required", "请指定 theme_id", "theme_id is required")],
        )
    return found[0]


def accept_upload(
    ctx: Context,
    identity: Identity,
    material_id: str,
    theme_id: str | None,
    filename: str,
    stream: BinaryIO,
) -> dict[str, Any]:
    """Check the file against its material and keep it as the caller's; the API's answer
    (``upload_id``, ``material_id``, ``checks``, ``warnings``), or :class:`Invalid` naming each rule."""
    material = find_material(ctx.catalogue, material_id, theme_id)
    try:
        data = read_limited(stream, material.max_bytes)
    except UploadTooLarge as exc:
        raise _refused([exc.issue(material)]) from None
    check = inspect_upload(data, filename, material)
    if not check.ok:
        raise _refused(check.issues)
    digest = FileBlobStore(ctx.settings.data_dir / "uploads").put(data)
    upload_id = str(uuid.uuid4())
    with ctx.sessions() as session, session.begin():
        session.add(
            Upload(
                id=upload_id,
                owner=identity.subject,  # stored as its keyed hash, beside its ciphertext
                owner_sealed=identity.subject,
                theme_id=theme_id,
                material_id=material.id,
                digest=digest,
                filename=filename[:255],
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
