"""Files that are two things at once (多格式伪装文件): data after an image's end marker, and any
file that is at the same time a zip archive.

A JPEG with a zip appended shows as a picture in every viewer and unpacks as an archive in every
unzip tool; Pillow opens it without complaint, because decoders stop at the end marker. So the
image's own structure is walked to where it ends — JPEG segments and entropy-coded scans to the
last EOI (an EXIF thumbnail's own EOI sits inside its segment and is skipped), PNG chunks to IEND,
GIF blocks to the trailer, a WebP's RIFF length — and anything after that end other than zero
padding is refused. (A camera's multi-picture JPEG or a phone's motion photo also keeps data after
the first image; the applicant saves the picture again, as the message says.) A truncated image
(no end marker) is refused as incomplete.

Independently, a zip's end record is looked for where unzip tools look for it (the last 64 KiB);
when one is there and the archive's directory reads, the file is also a zip, wherever the
archive's bytes hide (in a JPEG comment, after a PDF's ``%%EOF``).

Written here because no maintained library reports where an image ends: decoders stop reading
there and say nothing of what follows.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Final

__all__ = ["ENDED_TYPES", "hides_zip", "image_end", "trailing_data"]

_ZIP_END_RECORD: Final = b"PK\x05\x06"
_ZIP_SEARCH: Final = 65_535 + 22  # the longest comment plus the end record, as unzip tools search


def _jpeg_end(data: bytes) -> int | None:
    n = len(data)
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos < n:
        if data[pos] != 0xFF:
            return None
        while pos < n and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= n:
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            continue
        if pos + 2 > n:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            return None
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data up to the next real marker
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= n:
                    return None
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart
                    pos += 2
                    continue
                break
    return None


def _png_end(data: bytes) -> int | None:
    n = len(data)
    pos = 8
    while pos + 12 <= n:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length
        if pos > n:
            return None
        if kind == b"IEND":
            return pos
    return None


def _gif_sub_blocks(data: bytes, pos: int) -> int | None:
    n = len(data)
    while pos < n:
        size = data[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size
    return None


def _gif_end(data: bytes) -> int | None:
    n = len(data)
    if n < 13:
        return None
    flags = data[10]
    pos: int | None = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while pos is not None and pos < n:
        block = data[pos]
        if block == 0x3B:  # trailer
            return pos + 1
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _gif_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image: descriptor, local colour table, LZW code size, sub-blocks
            if pos + 10 > n:
                return None
            local = data[pos + 9]
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0) + 1
            pos = _gif_sub_blocks(data, pos)
        else:
            return None
    return None


def _webp_end(data: bytes) -> int | None:
    if len(data) < 12 or data[:4] != b"RIFF":
        return None
    size = int.from_bytes(data[4:8], "little")
    end = 8 + size + (size & 1)
    return end if end <= len(data) or end == len(data) + 1 else None


_ENDS: Final[dict[str, Callable[[bytes], int | None]]] = {
    "jpeg": _jpeg_end,
    "png": _png_end,
    "gif": _gif_end,
    "webp": _webp_end,
}
ENDED_TYPES: Final = frozenset(_ENDS)
"""The image types whose end is known from their structure."""


def image_end(data: bytes, kind: str) -> int | None:
    """Where the ``kind`` image in ``data`` ends (just past its end marker); None when it never
    ends within ``data`` (truncated or not that type)."""
    return _ENDS[kind](data)


def trailing_data(data: bytes, kind: str) -> bytes | None:
    """What follows the image's end, less zero padding (``b""`` when nothing); None when the
    image has no end (incomplete)."""
    end = image_end(data, kind)
    if end is None:
        return None
    return data[end:].strip(b"\x00")


def hides_zip(data: bytes) -> bool:
    """Whether unzip tools would open ``data`` as an archive (its directory reads, non-empty)."""
    if _ZIP_END_RECORD not in data[-_ZIP_SEARCH:]:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return False
