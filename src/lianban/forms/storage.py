"""Content-addressed storage of uploaded materials (材料文件).

A blob is named by the SHA-256 hex digest of its bytes, so the same file uploaded twice (by the
same applicant for two themes, or re-sent after a network error) is stored once, and a name can
never point at content other than its own. ``BlobStore`` is the protocol; ``FileBlobStore`` keeps
blobs on a local disk, and an object-storage store can implement the same four methods later.

``FileBlobStore`` must be given a directory outside any web root: blobs are applicants' personal
documents and are served only through the API, after an ownership check. Files are written with
mode ``0o600`` (never executable) and directories with ``0o700``; a blob is written to a temporary
file in its final directory and moved into place with ``os.replace``, so a crash leaves either the
whole blob or none of it, never half a file under a digest name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = ["BlobCorrupted", "BlobNotFound", "BlobStore", "FileBlobStore", "digest_of"]

_DIGEST = re.compile(r"[0-9a-f]{64}")
_FILE_MODE = 0o600
_DIR_MODE = 0o700


class BlobNotFound(LookupError):
    """No blob is stored under this digest."""


class BlobCorrupted(RuntimeError):
    """The stored bytes no longer hash to their digest (disk damage or tampering)."""


def digest_of(data: bytes) -> str:
    """SHA-256 hex digest (lower case), the name of ``data`` in every ``BlobStore``."""
    return hashlib.sha256(data).hexdigest()


def _checked(digest: str) -> str:
    """Refuse anything that is not a lower-case SHA-256 hex digest (no paths, no ``..``)."""
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    return digest


@runtime_checkable
class BlobStore(Protocol):
    """Where uploaded bytes live, named by their SHA-256 digest."""

    def put(self, data: bytes) -> str:
        """Store ``data`` (once, however often it is put) and return its SHA-256 hex digest."""
        ...

    def open(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; ``BlobNotFound`` when there are none."""
        ...

    def exists(self, digest: str) -> bool:
        """Whether a blob is stored under ``digest``."""
        ...

    def delete(self, digest: str) -> None:
        """Remove the blob; deleting a missing blob is not an error."""
        ...


class FileBlobStore:
    """Blobs as files under ``root/ab/cd/<digest>`` (``ab``, ``cd``: the digest's first two bytes).

    The two directory levels keep any one directory small (65,536 leaf directories). ``open``
    re-hashes what it reads and raises ``BlobCorrupted`` when the bytes no longer match.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_of(self, digest: str) -> Path:
        d = _checked(digest)
        return self.root / d[0:2] / d[2:4] / d

    def put(self, data: bytes) -> str:
        digest = digest_of(data)
        target = self.path_of(digest)
        if target.is_file():
            return digest  # content-addressed: the same bytes are already there
        self._make_dirs(target.parent)
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                os.chmod(tmp_name, _FILE_MODE)  # mkstemp already uses 0o600; say so explicitly
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, target)  # atomic on POSIX and Windows within one directory
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        self._sync_dir(target.parent)
        return digest

    def open(self, digest: str) -> bytes:
        path = self.path_of(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(digest) from None
        if digest_of(data) != digest:
            raise BlobCorrupted(f"blob {digest} does not match its digest")
        return data

    def exists(self, digest: str) -> bool:
        return self.path_of(digest).is_file()

    def delete(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_of(digest).unlink()

    def _make_dirs(self, directory: Path) -> None:
        # Create root/ab/cd one level at a time so every level gets 0o700 whatever the umask.
        for level in (self.root, directory.parent, directory):
            if not level.is_dir():
                level.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
                os.chmod(level, _DIR_MODE)

    @staticmethod
    def _sync_dir(directory: Path) -> None:
        """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
        if not hasattr(os, "O_DIRECTORY"):
            return
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
