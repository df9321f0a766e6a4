"""Checking an uploaded material (材料上传) against its material's rules, before it is stored.

``inspect_upload`` answers ``POST /api/v1/uploads`` (API.md): what the file really is, how big,
how many pages or pixels, and every rule it breaks as a ``FieldIssue`` on ``materials.<id>``.
Nothing here writes the file anywhere; ``storage.BlobStore`` does that once the check passes.

The type is decided by the CONTENT, never by the name or the client's Content-Type: magic bytes
through ``puremagic`` (pure Python, maintained, typed), then confirmed by the parser that reads
the file (Pillow for images, pypdf for PDFs; Pillow is restricted to the one decoder the magic
bytes named). A name whose extension names another type than the content (a ``.jpg`` that is a
PDF, an executable renamed ``.jpg``) is refused as well: either the applicant picked the wrong
file or someone is disguising one. Zip archives, and Office files (which are zips), are refused
unless the material's ``accept`` names them; an archive is never extracted (only its directory
is read, to tell a ``.docx`` from a plain zip).

Limits, in the order they are applied (the cheap ones first, so a hostile file costs little):

* size: ``len(data) <= material.max_bytes``, checked before any parsing; ``read_limited`` keeps a
  too-long stream from being read whole in the first place;
* type: in ``material.accept`` (aliases ``jpg``/``jpe``/``jfif`` → ``jpeg``, ``tif`` → ``tiff``);
* PDFs: must open without a password (a PDF with only an owner password, i.e. permission flags,
  opens and is accepted with a warning) and have 1 … ``max_pages`` pages (default 50);
* images: at most ``MAX_IMAGE_PIXELS`` pixels (40 megapixels, an A4 page scanned at 600 dpi is
  about 35 MP). The header is read and the pixel count refused BEFORE any pixel is decoded, so a
  small file declaring a huge image (a decompression bomb) costs nothing; Pillow's own
  ``DecompressionBombWarning``/``DecompressionBombError`` are turned into refusals too;
* PDFs hold no active content: no JavaScript (``/JS``, a names tree of scripts, an ``/OpenAction``
  or a page's ``/AA`` that runs one), no action launching a program, no embedded file or file
  attachment — every object of the file is looked at (:mod:`~lianban.forms.uploads.pdfactive`);
* images end where their structure says (JPEG EOI, PNG IEND, GIF trailer, WebP RIFF length), with
  nothing but zero padding after; no file but a zip is also a zip archive, wherever the archive
  hides (a JPEG + zip polyglot; :mod:`~lianban.forms.uploads.polyglot`);
* photos (``material.photo``): exact width × height, file size between ``min_kb`` and ``max_kb``
  (1 KB = 1024 bytes, as photo tools and the Hubei material's ``max_bytes: 40960`` count), format,
  and background colour read from the border — see ``BACKGROUND_*`` in :mod:`~lianban.forms.uploads.photo`.

The parts: :mod:`~lianban.forms.uploads.check` (the check), :mod:`~lianban.forms.uploads.filetypes`
(the type by content), :mod:`~lianban.forms.uploads.pdfactive` (active content in PDFs),
:mod:`~lianban.forms.uploads.polyglot` (data after the end marker, hidden zips),
:mod:`~lianban.forms.uploads.photo` (photos and their background),
:mod:`~lianban.forms.uploads.findings` (the answer) and :mod:`~lianban.forms.uploads.reading` (the
size limit while reading).

Codes: ``format`` for the type, a name that does not match the content, unreadable or encrypted
files, active content, hidden data and the background colour; ``range`` for bytes, pixels, dimensions and pages; ``required``
for an empty file.
"""

from lianban.forms.uploads.check import DEFAULT_MAX_PAGES, MAX_IMAGE_PIXELS, inspect_upload
from lianban.forms.uploads.filetypes import detect_type
from lianban.forms.uploads.findings import UploadCheck
from lianban.forms.uploads.photo import (
    BACKGROUND_SIDE_FRACTION,
    BACKGROUND_STRIP_FRACTION,
    BLUE_HUE_DEGREES,
    RED_HUE_DEGREES,
    WHITE_MAX_SATURATION,
    WHITE_MIN_BRIGHTNESS,
    BackgroundReading,
    read_background,
)
from lianban.forms.uploads.reading import UploadTooLarge, read_limited

__all__ = [
    "BACKGROUND_SIDE_FRACTION",
    "BACKGROUND_STRIP_FRACTION",
    "BLUE_HUE_DEGREES",
    "DEFAULT_MAX_PAGES",
    "MAX_IMAGE_PIXELS",
    "RED_HUE_DEGREES",
    "WHITE_MAX_SATURATION",
    "WHITE_MIN_BRIGHTNESS",
    "BackgroundReading",
    "UploadCheck",
    "UploadTooLarge",
    "detect_type",
    "inspect_upload",
    "read_background",
    "read_limited",
]
