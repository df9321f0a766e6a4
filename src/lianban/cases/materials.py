"""A case's material files (申请材料) for the people who work on it: the applicant, the window
clerk who took the case, and the staff of a department with a sub-item in it.

A filing or a correction names only files its caller uploaded, each as the material it was
uploaded for (:func:`check_references`): naming another applicant's upload id would otherwise
hand that person's documents to whoever reads the case.

Anyone else is told the file does not exist (404). Every opening is in the case's audit log
(查阅留痕): personal documents are read only by whom they are for, and it shows who did.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.cases.progress import add_audit, lock_case
from lianban.cases.schema import Case, CaseItem, Upload
from lianban.catalog.model import Theme
from lianban.context import Context
from lianban.errors import FieldError, Invalid, not_found
from lianban.forms.storage import BlobNotFound, FileBlobStore
from lianban.security.tokens import Identity, Role

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


@dataclass(frozen=True)
class MaterialFile:
    filename: str
    media_type: str
    data: bytes


def _uploaded_by(upload: Upload, identity: Identity) -> bool:
    """Whether the caller uploaded it (at the window: the clerk who scanned it)."""
    return upload.owner == identity.subject


def check_references(ctx: Context, identity: Identity, theme: Theme, materials: list[dict[str, str]]) -> None:
    """Refuse (422, every problem named ``materials[i]…``) a reference to a material the theme does
    not have, or to an upload that is not the caller's or was uploaded as another material. An
    upload of someone else and one that does not exist get the same words: nothing tells that
    another person's file exists."""
    known = {m.id for m in theme.materials}
    errors: list[FieldError] = []
    with ctx.sessions() as session:
        for i, ref in enumerate(materials):
            material_id, upload_id = ref.get("material_id"), ref.get("upload_id")
            if material_id not in known:
                errors.append(
                    FieldError(
                        f"materials[{i}].material_id",
                        "code_list",
                        f"本主题没有材料 {material_id}",
                        f"the theme has no material {material_id}",
                    )
                )
                continue
            upload = session.get(Upload, str(upload_id)) if upload_id else None
            if upload is None or not _uploaded_by(upload, identity):
                errors.append(
                    FieldError(
                        f"materials[{i}].upload_id",
                        "not_found",
                        f"没有找到您上传的文件 {upload_id}，请重新上传",
                        f"no file {upload_id} uploaded by you: upload it again",
                    )
                )
            elif upload.material_id != material_id or (upload.theme_id not in (None, theme.id)):
                errors.append(
                    FieldError(
                        f"materials[{i}].upload_id",
                        "mismatch",
                        f"文件 {upload_id} 是作为 {upload.material_id} 上传的，不能用作 {material_id}",
                        f"file {upload_id} was uploaded as {upload.material_id}, not as {material_id}",
                    )
                )
    if errors:
        raise Invalid(
            f"共 {len(errors)} 处材料需要修改",
            f"{len(errors)} material reference(s) to fix",
            title=("申请材料有误", "The materials are wrong"),
            errors=errors,
        )


def _may_read(session: Session, identity: Identity, case: Case) -> bool:
    if case.owner == identity.subject:
        return True
    if identity.role is Role.WINDOW_CLERK:
        return case.actor == identity.subject
    if identity.role is Role.DEPARTMENT_STAFF and identity.department:
        found = session.execute(
            select(CaseItem.item_id).where(
                CaseItem.case_id == case.case_id, CaseItem.department == identity.department
            )
        ).first()
        return found is not None
    return False


def material_file(ctx: Context, identity: Identity, case_id: str, upload_id: str) -> MaterialFile:
    """The file of one of the case's materials, for whom may read it; the reading audited."""
    with ctx.sessions() as session, session.begin():
        case = lock_case(session, case_id)
        listed = case is not None and any(
            isinstance(m, dict) and m.get("upload_id") == upload_id for m in case.materials
        )
        if case is None or not listed or not _may_read(session, identity, case):
            raise not_found(f"材料 {upload_id} ", f"material {upload_id}")
        upload = session.get(Upload, upload_id)
        if upload is None:
            raise not_found(f"材料 {upload_id} ", f"material {upload_id}")
        try:
            data = FileBlobStore(ctx.settings.data_dir / "uploads").open(upload.digest)
        except BlobNotFound:
            raise not_found(f"材料 {upload_id} 的文件", f"the file of material {upload_id}") from None
        add_audit(
            session,
            case_id,
            ctx.clock.now(),
            identity.subject,
            "view:material",
            {"upload_id": upload_id, "material_id": upload.material_id},
        )
        extension = upload.detected_type if upload.detected_type in MEDIA_TYPES else "bin"
        return MaterialFile(
            filename=f"{upload.material_id}.{extension}",
            media_type=MEDIA_TYPES.get(upload.detected_type, "application/octet-stream"),
            data=data,
        )
