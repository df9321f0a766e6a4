"""The catalogue (事项目录): themes, the canonical field dictionary, facts and code lists, loaded once.

A deployment may add or replace themes with ``LIANBAN_THEMES_DIR``; a theme there with the id of
a shipped one replaces it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lianban.catalog.codelists import CodeList, load_code_lists
from lianban.catalog.loader import (
    DATA_DIR,
    FIELDS_FILE,
    THEMES_DIR,
    load_field_dictionary,
    load_theme,
    read_yaml,
)
from lianban.catalog.model import FieldDef, Theme

FACTS_FILE = DATA_DIR / "facts.yaml"


@dataclass(frozen=True)
class Fact:
    name: str
    type: str
    provider: str
    label_zh: str
    label_en: str


@dataclass
class Catalogue:
    fields: dict[str, FieldDef]
    facts: dict[str, Fact]
    code_lists: dict[str, CodeList]
    themes: dict[str, Theme]
    theme_files: dict[str, Path] = field(default_factory=dict)
    theme_docs: dict[str, Any] = field(default_factory=dict)
    # theme id → (the Theme object digested, its digest): serialising a theme for every filing
    # cost more than the rest of the filing's bookkeeping
    _digests: dict[str, tuple[Theme, str]] = field(default_factory=dict, repr=False, compare=False)

    def theme(self, theme_id: str) -> Theme:
        return self.themes[theme_id]

    def theme_digest(self, theme_id: str) -> str:
        """SHA-256 of the theme's canonical JSON: the version a case is accepted under."""
        theme = self.themes[theme_id]
        known = self._digests.get(theme_id)
        if known is not None and known[0] is theme:
            return known[1]
        digest = hashlib.sha256(theme.model_dump_json().encode("utf-8")).hexdigest()
        self._digests[theme_id] = (theme, digest)
        return digest

    def theme_json(self, theme_id: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.themes[theme_id].model_dump_json())
        return data


def load_facts(path: Path = FACTS_FILE) -> dict[str, Fact]:
    doc = read_yaml(path, keep_lines=False) or {}
    return {
        str(name): Fact(
            name=str(name),
            type=str(body["type"]),
            provider=str(body["provider"]),
            label_zh=str(body["label"]["zh"]),
            label_en=str(body["label"]["en"]),
        )
        for name, body in doc.items()
    }


def theme_paths(themes_dir: Path | None = None) -> list[Path]:
    """The shipped theme files, then a deployment's (which may replace shipped ones by id)."""
    paths = sorted(THEMES_DIR.glob("*.yaml"))
    if themes_dir is not None:
        paths += sorted(themes_dir.glob("*.yaml"))
    return paths


def load_catalogue(themes_dir: Path | None = None, fields_file: Path = FIELDS_FILE) -> Catalogue:
    """Load and parse everything. Raises ``ThemeFileError`` on the first unreadable file.

    ``lianban themes check`` goes further and reports every finding; this only needs files to parse.
    """
    fields, _ = load_field_dictionary(fields_file, keep_lines=False)
    themes: dict[str, Theme] = {}
    files: dict[str, Path] = {}
    docs: dict[str, Any] = {}
    for path in theme_paths(themes_dir):
        theme, doc = load_theme(path, keep_lines=False)
        themes[theme.id] = theme
        files[theme.id] = path
        docs[theme.id] = doc
    return Catalogue(
        fields=fields,
        facts=load_facts(),
        code_lists=load_code_lists(),
        themes=themes,
        theme_files=files,
        theme_docs=docs,
    )


@lru_cache(maxsize=4)
def default_catalogue(themes_dir: Path | None = None) -> Catalogue:
    """The process-wide catalogue (themes do not change while a process runs)."""
    return load_catalogue(themes_dir)
