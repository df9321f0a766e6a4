"""A code list and its codes (代码表与代码): what every list is, whether read from a file or built
from package data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Code", "CodeList", "CodeListError"]


@dataclass(frozen=True)
class Code:
    """One entry of a code list."""

    code: str
    label: str
    label_en: str | None = None
    parent: str | None = None
    note: str | None = None
    maps_to: str | None = None
    valid_from: int | None = None
    valid_to: int | None = None

    def label_in(self, lang: str = "zh") -> str:
        """The label in ``lang`` ("zh" or "en"); English falls back to Chinese where none is given."""
        if lang == "en" and self.label_en:
            return self.label_en
        return self.label

    def valid_in(self, year: int) -> bool:
        """Whether the code was in force at some time during ``year`` (open ends are unbounded)."""
        return (self.valid_from is None or self.valid_from <= year) and (
            self.valid_to is None or year <= self.valid_to
        )


@dataclass(frozen=True)
class CodeList:
    """A named list of codes with its source (a standard's number and year, or a form)."""

    id: str
    name: str
    name_en: str | None
    source: str
    codes: tuple[Code, ...]
    maps_to_list: str | None = None
    _index: Mapping[str, Code] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        index: dict[str, Code] = {}
        for c in self.codes:
            if c.code in index:
                raise ValueError(f"code list {self.id}: duplicate code {c.code!r}")
            index[c.code] = c
        object.__setattr__(self, "_index", index)

    def get(self, code: str) -> Code | None:
        return self._index.get(code)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._index

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def labels(self, lang: str = "zh") -> dict[str, str]:
        """``{code: label}`` in list order; ``lang="en"`` falls back to the Chinese label."""
        return {c.code: c.label_in(lang) for c in self.codes}

    def children(self, parent: str | None) -> tuple[Code, ...]:
        """The codes whose parent is ``parent`` (``None``: the top level)."""
        return tuple(c for c in self.codes if c.parent == parent)


class CodeListError(Exception):
    """A code-list file that cannot be used; names the file and, where known, the line."""

    def __init__(self, file: Path | str, line: int | None, message: str) -> None:
        self.file = Path(file)
        self.line = line
        self.message = message
        where = f"{self.file}:{line}" if line is not None else str(self.file)
        super().__init__(f"{where}: {message}")
