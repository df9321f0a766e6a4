"""A case's material files (申请材料) for the people who work on it: the applicant, the window
clerk who took the case, and the staff of a department with a sub-item in it.

Anyone else is told the file does not exist (404). Every opening is in the case's audit log
(查阅留痕): personal documents are read only by whom they are for, and it shows who did.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.cases.progress import add_audit, lock_case
from lianban.cases.schema import Case, CaseItem, Upload
from lianban.context import Context
from lianban.errors import not_found
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
