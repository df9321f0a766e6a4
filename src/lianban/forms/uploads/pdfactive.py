"""Active content in PDFs (PDF 主动内容): JavaScript, actions that launch programs, embedded files.

A material is a document to be read by a clerk; a PDF that runs a script when it is opened
(``/OpenAction`` or a page's ``/AA``), launches a program (``/Launch``) or carries files inside it
(``/EmbeddedFiles``, a file attachment annotation) is refused, whatever else it holds.

Every object the file names is looked at, not only those reachable from the catalogue: each entry
of the cross-reference table and the trailer, and everything they contain, following indirect
references once each. pypdf decodes names as every reader does, so ``/J#61vaScript`` is found as
``/JavaScript``, and objects inside compressed object streams are read from their streams. Stream
contents are never decoded (a page's drawing operators cannot start an action).

The walk is bounded (:data:`MAX_CONTAINERS` dictionaries and arrays): a file whose structure is
larger than any real scan (a 50-page scan has a few thousand) is refused as too complex. Written
here because pypdf reads objects but has no safety check, and pikepdf would add a C++ library for
the same walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Final

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

__all__ = ["MAX_CONTAINERS", "ActiveContent", "TooComplex", "active_content"]

MAX_CONTAINERS: Final = 200_000


class ActiveContent(StrEnum):
    """What a PDF may not hold; the order is the order the refusals are listed in."""

    JAVASCRIPT = "javascript"
    LAUNCH = "launch"
    EMBEDDED_FILE = "embedded_file"


class TooComplex(Exception):
    """The file names more objects than :data:`MAX_CONTAINERS`."""


# actions (PDF 32000-1 §12.6.4) and the keys that start or carry them
_SCRIPT_ACTIONS: Final = frozenset({"/JavaScript"})
_LAUNCH_ACTIONS: Final = frozenset({"/Launch"})
_SCRIPT_KEYS: Final = frozenset({"/JS", "/JavaScript"})  # an action's script; the names tree of scripts
# embedded files (§7.11.4): the names tree, the file stream, a file specification holding one,
# a file attachment annotation, rich media (Flash and its assets), going to an embedded document
_FILE_KEYS: Final = frozenset({"/EmbeddedFiles", "/EF", "/RichMediaContent"})
_FILE_TYPES: Final = frozenset({"/EmbeddedFile"})
_FILE_SUBTYPES: Final = frozenset({"/FileAttachment", "/RichMedia"})
_FILE_ACTIONS: Final = frozenset({"/GoToE", "/RichMediaExecute"})


def _found_in(d: DictionaryObject) -> Iterator[ActiveContent]:
    keys = {str(k) for k in d}
    action = str(d.get("/S", ""))
    if keys & _SCRIPT_KEYS or action in _SCRIPT_ACTIONS:
        yield ActiveContent.JAVASCRIPT
    if action in _LAUNCH_ACTIONS:
        yield ActiveContent.LAUNCH
    if (
        keys & _FILE_KEYS
        or action in _FILE_ACTIONS
        or str(d.get("/Type", "")) in _FILE_TYPES
        or str(d.get("/Subtype", "")) in _FILE_SUBTYPES
    ):
        yield ActiveContent.EMBEDDED_FILE


def _roots(reader: PdfReader) -> Iterator[PdfObject]:
    yield reader.trailer
    for generation, entries in reader.xref.items():
        for number in entries:
            yield IndirectObject(number, generation, reader)
    for number in reader.xref_objStm:
        yield IndirectObject(number, 0, reader)


def active_content(reader: PdfReader, *, max_containers: int = MAX_CONTAINERS) -> list[ActiveContent]:
    """Everything active ``reader``'s file holds, each kind once, in :class:`ActiveContent` order.

    Raises :class:`TooComplex` past ``max_containers`` dictionaries and arrays; pypdf's own errors
    on a broken file propagate (the caller refuses the file as unreadable)."""
    found: set[ActiveContent] = set()
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = list(_roots(reader))
    containers = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            resolved = node.get_object()
            if resolved is None:
                continue
            node = resolved
        if isinstance(node, DictionaryObject):  # streams too: their dictionaries
            containers += 1
            found.update(_found_in(node))
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            containers += 1
            stack.extend(node)
        if containers > max_containers:
            raise TooComplex(f"more than {max_containers} dictionaries and arrays")
    return [kind for kind in ActiveContent if kind in found]
