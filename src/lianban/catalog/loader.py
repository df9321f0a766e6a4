"""Reading theme files and the field dictionary from YAML, with errors that name file, line and key.

ruamel.yaml keeps each key's line, so a pydantic error at ``items[2].time_limit.legal_days`` is
reported at the line where that key is written. Keeping lines means ruamel's pure-Python
round-trip parser; a process that only needs the data (every ``lianban`` process loads the
catalogue at start) reads with the C-based safe loader instead — six times faster — and reads a
file again with lines only when it has an error to place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from lianban.catalog.model import FieldDef, Theme

DATA_DIR = Path(__file__).parent / "data"
THEMES_DIR = DATA_DIR / "themes"
FIELDS_FILE = DATA_DIR / "fields.yaml"


@dataclass(frozen=True)
class Location:
    """A place in a YAML file: 1-based line, and the dotted key path."""

    file: Path
    line: int | None
    key: str

    def __str__(self) -> str:
        line = f":{self.line}" if self.line is not None else ""
        key = f" [{self.key}]" if self.key else ""
        return f"{self.file}{line}{key}"


class ThemeFileError(Exception):
    """A theme or dictionary file that cannot be read: names file, line and key (zh and en)."""

    def __init__(self, location: Location, message_zh: str, message_en: str) -> None:
        self.location = location
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{location}: {message_zh} / {message_en}")


def _yaml(keep_lines: bool = True) -> YAML:
    yaml = YAML(typ="rt" if keep_lines else "safe")
    yaml.allow_duplicate_keys = False
    return yaml


def read_yaml(path: Path, keep_lines: bool = True) -> Any:
    """Parse a YAML file (keeping line information unless told not to); a syntax error names file
    and line."""
    try:
        with path.open(encoding="utf-8") as fh:
            return _yaml(keep_lines).load(fh)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise ThemeFileError(
            Location(path, line, ""), f"YAML 语法错误：{problem}", f"YAML syntax error: {problem}"
        ) from exc
    except OSError as exc:
        raise ThemeFileError(
            Location(path, None, ""), f"无法读取文件：{exc}", f"cannot read file: {exc}"
        ) from exc


def line_of(doc: Any, path: Sequence[str | int]) -> int | None:
    """The 1-based line where the key or list entry at ``path`` is written (or the nearest parent)."""
    node = doc
    line: int | None = None
    for part in path:
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            pos = node.lc.key(part)
            line = pos[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            pos = node.lc.item(part)
            line = pos[0] + 1
            node = node[part]
        else:
            break
    return line


def dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def to_plain(node: Any) -> Any:
    """ruamel's commented containers → plain dicts and lists (pydantic wants plain data)."""
    if isinstance(node, dict):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    return node


def _validation_error(
    path: Path, doc: Any, exc: ValidationError, prefix: Sequence[str | int] = ()
) -> ThemeFileError:
    # a misspelt key shows as both "unknown key" and "missing key": report the misspelling
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = [*prefix, *(p for p in err["loc"] if isinstance(p, str | int))]
    # pydantic adds union-branch names (e.g. "int", "tuple[int, int]") to loc; drop what is not in the file
    clean: list[str | int] = []
    node = doc
    for part in loc:
        if isinstance(node, dict) and part in node:
            clean.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            clean.append(part)
            node = node[part]
        elif (
            isinstance(node, dict) and isinstance(part, str) and err["type"] in ("missing", "extra_forbidden")
        ):
            clean.append(part)
            break
    key = dotted(clean)
    line = line_of(doc, clean)
    msg = err["msg"]
    if err["type"] == "missing":
        return ThemeFileError(Location(path, line, key), f"缺少必填键 {key}", f"missing required key {key}")
    if err["type"] == "extra_forbidden":
        return ThemeFileError(Location(path, line, key), f"未知的键 {key}", f"unknown key {key}")
    return ThemeFileError(
        Location(path, line, key), f"键 {key} 的值无效：{msg}", f"invalid value for {key}: {msg}"
    )


def load_theme(path: Path, keep_lines: bool = True) -> tuple[Theme, Any]:
    """Load one theme file. Returns the theme and the raw document (for line look-ups, when kept)."""
    doc = read_yaml(path, keep_lines)
    if not isinstance(doc, dict):
        raise ThemeFileError(
            Location(path, 1, ""), "主题文件必须是一个映射", "a theme file must be a mapping"
        )
    try:
        theme = Theme.model_validate(to_plain(doc))
    except ValidationError as exc:
        if not keep_lines:
            return load_theme(path)  # again, with lines, to say where the error is
        raise _validation_error(path, doc, exc) from exc
    return theme, doc


def load_field_dictionary(
    path: Path = FIELDS_FILE, keep_lines: bool = True
) -> tuple[dict[str, FieldDef], Any]:
    """Load the canonical field dictionary (规范字段字典): key → definition."""
    doc = read_yaml(path, keep_lines)
    if not isinstance(doc, dict):
        raise ThemeFileError(
            Location(path, 1, ""), "字段字典必须是一个映射", "the field dictionary must be a mapping"
        )
    fields: dict[str, FieldDef] = {}
    for key, body in doc.items():
        if not isinstance(body, dict):
            raise ThemeFileError(
                Location(path, line_of(doc, [key]), str(key)),
                f"字段 {key} 的定义必须是映射",
                f"field {key} must be a mapping",
            )
        try:
            fields[str(key)] = FieldDef.model_validate({"key": str(key), **to_plain(body)})
        except ValidationError as exc:
            if not keep_lines:
                return load_field_dictionary(path)  # again, with lines, to say where the error is
            raise _validation_error(path, doc, exc, prefix=[str(key)]) from exc
    return fields, doc
