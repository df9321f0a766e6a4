"""Reading the code-list files (代码表文件): ``data/codelists/<id>.yaml``, each naming its source.

Every file is checked as it is read: known keys only, codes as quoted strings, parents and
``maps_to`` codes that exist; an error names the file and the line. The files are read with the
fast C loader and re-read with lines only to place an error.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from lianban.catalog.codelists.countries import country_code_list
from lianban.catalog.codelists.model import Code, CodeList, CodeListError
from lianban.catalog.codelists.regions import region_code_list

__all__ = ["CODELISTS_DIR", "load_code_list", "load_code_lists"]

CODELISTS_DIR = Path(__file__).parent.parent / "data" / "codelists"

_LIST_KEYS = {"id", "name", "name_en", "source", "codes", "maps_to_list"}
_REQUIRED_LIST_KEYS = ("id", "name", "source", "codes")
_CODE_KEYS = {"code", "label", "label_en", "parent", "note", "maps_to", "valid_from", "valid_to"}


def _line(node: Any, key: str | int) -> int | None:
    """1-based line of ``key`` in a ruamel mapping or sequence, if it kept one."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        pos = lc.key(key) if isinstance(key, str) else lc.item(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return int(pos[0]) + 1


def _node_line(node: Any) -> int | None:
    lc = getattr(node, "lc", None)
    return int(lc.line) + 1 if lc is not None and lc.line is not None else None


def _read_yaml(path: Path, keep_lines: bool = True) -> Any:
    yaml = YAML(typ="rt" if keep_lines else "safe")
    yaml.allow_duplicate_keys = False
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise CodeListError(path, line, f"YAML syntax error: {exc.problem or exc}") from exc
    except YAMLError as exc:
        raise CodeListError(path, None, f"YAML error: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CodeListError(path, None, f"cannot read file: {exc}") from exc


def _opt_str(path: Path, node: Any, key: str) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CodeListError(path, _line(node, key), f"{key} must be a non-empty string, got {value!r}")
    return value


def _opt_year(path: Path, node: Any, key: str) -> int | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2999:
        raise CodeListError(path, _line(node, key), f"{key} must be a year, got {value!r}")
    return value


def _parse_code(path: Path, node: Any, line: int | None) -> Code:
    if not isinstance(node, dict):
        raise CodeListError(path, line, "each entry of codes must be a mapping with code and label")
    unknown = sorted(str(k) for k in node if k not in _CODE_KEYS)
    if unknown:
        raise CodeListError(path, _line(node, unknown[0]) or line, f"unknown key {unknown[0]} in a code")
    if "code" not in node:
        raise CodeListError(path, line, "code entry without code")
    code = node["code"]
    if not isinstance(code, str):
        raise CodeListError(
            path, _line(node, "code") or line, f"code {code!r} must be a string: quote it in YAML"
        )
    if not code or code != code.strip():
        raise CodeListError(path, _line(node, "code") or line, f"code {code!r} is empty or has spaces")
    label = node.get("label")
    if not isinstance(label, str) or not label.strip():
        raise CodeListError(
            path, _line(node, "label") or line, f"code {code}: label must be a non-empty string"
        )
    c = Code(
        code=code,
        label=label,
        label_en=_opt_str(path, node, "label_en"),
        parent=_opt_str(path, node, "parent"),
        note=_opt_str(path, node, "note"),
        maps_to=_opt_str(path, node, "maps_to"),
        valid_from=_opt_year(path, node, "valid_from"),
        valid_to=_opt_year(path, node, "valid_to"),
    )
    if c.valid_from is not None and c.valid_to is not None and c.valid_from > c.valid_to:
        raise CodeListError(
            path, line, f"code {code}: valid_from {c.valid_from} is after valid_to {c.valid_to}"
        )
    return c


def _parse_list(path: Path, doc: Any) -> tuple[CodeList, dict[str, int | None]]:
    """One code-list document → the list and each code's line (for later cross-list checks)."""
    if not isinstance(doc, dict):
        raise CodeListError(path, _node_line(doc) or 1, "a code-list file must be a mapping")
    unknown = sorted(str(k) for k in doc if k not in _LIST_KEYS)
    if unknown:
        raise CodeListError(path, _line(doc, unknown[0]), f"unknown key {unknown[0]}")
    for key in _REQUIRED_LIST_KEYS:
        if key not in doc:
            raise CodeListError(path, 1, f"missing required key {key}")
    list_id = _opt_str(path, doc, "id")
    name = _opt_str(path, doc, "name")
    source = _opt_str(path, doc, "source")
    assert list_id is not None and name is not None and source is not None  # required above
    if list_id != path.stem:
        raise CodeListError(path, _line(doc, "id"), f"id {list_id} does not match the file name {path.name}")
    raw_codes = doc["codes"]
    if not isinstance(raw_codes, list) or not raw_codes:
        raise CodeListError(path, _line(doc, "codes"), "codes must be a non-empty list")
    codes: list[Code] = []
    lines: dict[str, int | None] = {}
    for i, node in enumerate(raw_codes):
        line = _line(raw_codes, i)
        c = _parse_code(path, node, line)
        if c.code in lines:
            raise CodeListError(path, line, f"duplicate code {c.code} (first at line {lines[c.code]})")
        lines[c.code] = line
        codes.append(c)
    for c in codes:
        if c.parent is not None and c.parent not in lines:
            raise CodeListError(
                path, lines[c.code], f"code {c.code}: parent {c.parent} is not a code of this list"
            )
        if c.parent == c.code:
            raise CodeListError(path, lines[c.code], f"code {c.code} is its own parent")
    maps_to_list = _opt_str(path, doc, "maps_to_list")
    if maps_to_list is None:
        for c in codes:
            if c.maps_to is not None:
                raise CodeListError(
                    path, lines[c.code], f"code {c.code} has maps_to but the list has no maps_to_list"
                )
    cl = CodeList(
        id=list_id,
        name=name,
        name_en=_opt_str(path, doc, "name_en"),
        source=source,
        codes=tuple(codes),
        maps_to_list=maps_to_list,
    )
    return cl, lines


def load_code_list(path: Path) -> CodeList:
    """Read one code-list file (without checking ``maps_to`` against the other lists)."""
    return _parse_list(path, _read_yaml(path))[0]


def _load_directory(directory: Path) -> dict[str, CodeList]:
    lists: dict[str, CodeList] = {}
    where: dict[str, tuple[Path, dict[str, int | None]]] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:  # the fast C loader first; lines only to place an error
            cl, lines = _parse_list(path, _read_yaml(path, keep_lines=False))
        except CodeListError:
            cl, lines = _parse_list(path, _read_yaml(path))
        lists[cl.id] = cl
        where[cl.id] = (path, lines)
    for built in (region_code_list(), country_code_list()):
        if built.id in lists:
            path, _ = where[built.id]
            raise CodeListError(path, 1, f"code list {built.id} is built from package data; remove this file")
        lists[built.id] = built
    for cl in lists.values():
        if cl.maps_to_list is None or cl.id not in where:
            continue
        path, lines = where[cl.id]
        target = lists.get(cl.maps_to_list)
        if target is None:
            raise CodeListError(path, None, f"maps_to_list {cl.maps_to_list} is not a known code list")
        for c in cl.codes:
            if c.maps_to is not None and c.maps_to not in target:
                lines = _parse_list(path, _read_yaml(path))[1]  # read with lines to place the error
                raise CodeListError(
                    path,
                    lines[c.code],
                    f"code {c.code}: maps_to {c.maps_to} is not a code of {cl.maps_to_list}",
                )
    return lists


@functools.cache
def _default_code_lists() -> dict[str, CodeList]:
    return _load_directory(CODELISTS_DIR)


def load_code_lists(directory: Path | None = None) -> dict[str, CodeList]:
    """All code lists by id: the files of ``directory`` (default: the shipped ones) plus the lists
    built from package data (``gb2260``, ``gb2659_country``). The default set is read once."""
    if directory is None:
        return dict(_default_code_lists())
    return _load_directory(Path(directory))
