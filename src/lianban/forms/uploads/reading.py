"""Reading an upload within its size limit (上传大小限制): a too-long stream is never read whole."""

from __future__ import annotations

from typing import Protocol

from lianban.catalog.model import Material
from lianban.forms.issues import FieldIssue

__all__ = ["UploadTooLarge", "read_limited", "size_text"]


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


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
            message_zh=f"{material.name}文件大小不能超过 {size_text(self.max_bytes)}",
            message_en=f"{material.name_en or material.id}: the file must not exceed {size_text(self.max_bytes)}",
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
