"""Material uploads (材料上传): POST /api/v1/uploads — checked on arrival, stored by content hash.

Files are owned by the uploader and never served to anyone else; they live outside any web root
and are never executed. A file breaking its material's rules is a 422 naming the rule. The check
and the keeping are :mod:`lianban.cases.uploads`' (the apply pages call the same).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from lianban.cases.uploads import accept_upload
from lianban.security.tokens import Identity
from lianban.web.auth import require_identity
from lianban.web.deps import platform_of
from lianban.web.ratelimit import per_caller

router = APIRouter(prefix="/api/v1", tags=["applications"])


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
    return accept_upload(
        platform_of(request), identity, material_id, theme_id, file.filename or "", file.file
    )
