"""Code lists (代码表): national standards and the option lists the source forms print.

Each list is a YAML file in ``data/codelists/<id>.yaml`` that names its source::

    id: gb2261_1_gender
    name: 人的性别代码
    name_en: Codes for human sexes
    source: GB/T 2261.1-2003
    codes:
      - {code: "1", label: 男, label_en: Male}

Optional per code: ``parent`` (a code of the same list), ``note``, ``maps_to`` (a code of the list
named by the list's ``maps_to_list``), ``valid_from`` / ``valid_to`` (years). Codes are strings:
an unquoted ``01`` in YAML is the integer 1, so the loader refuses any code that is not a string.

Two lists are built at load time from data that ships inside installed packages rather than
typed here:

- ``gb2260`` — administrative divisions (GB/T 2260), from python-stdnum's ``cn/loc.dat``, every
  code that ever existed with its years of validity. A resident ID number keeps the address code
  it was issued with after the division is renamed or abolished (DOMAIN.md), so
  :func:`is_known_region` accepts historical codes.
- ``gb2659_country`` — countries and regions (GB/T 2659 adopts ISO 3166-1), from pycountry,
  alpha-3 codes with the zh_CN names of its translations.
"""

from __future__ import annotations

import functools
import gettext
import importlib.metadata
import importlib.resources
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

CODELISTS_DIR = Path(__file__).parent / "data" / "codelists"

REGION_LIST_ID = "gb2260"
COUNTRY_LIST_ID = "gb2659_country"

__all__ = [
    "CODELISTS_DIR",
    "COUNTRY_LIST_ID",
    "REGION_LIST_ID",
    "Code",
    "CodeList",
    "CodeListError",
    "country_code_list",
    "is_known_region",
    "load_code_list",
    "load_code_lists",
    "region_code_list",
    "region_name",
]


# --------------------------------------------------------------------------------------------- model


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


# ------------------------------------------------------------------------------------ reading YAML

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


# --------------------------------------------------------------------- GB/T 2260 from python-stdnum

REGION_SOURCE = (
    "GB/T 2260 中华人民共和国行政区划代码, from python-stdnum's cn/loc data (historical codes included)"
)

# Placeholder units at prefecture level that a full name skips (北京市 + 东城区, not 北京市市辖区东城区).
_GENERIC_PREFECTURES = frozenset(
    {"市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位", "省直辖行政单位", "省直辖县级行政区划"}
)

_PROVINCE_RE = re.compile(r'^(\d{2}) province="(.*)"\s*$')
_COUNTY_RE = re.compile(r'^\s+(\d{4}) county="(.*)"\s*$')
_PERIOD_RE = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?(.+)$")

_Name = tuple[int | None, int | None, str]  # (from, to, name)


def _read_loc_dat() -> str:
    return importlib.resources.files("stdnum").joinpath("cn", "loc.dat").read_text(encoding="utf-8")


def _parse_names(value: str) -> tuple[_Name, ...]:
    """'[1983-2000]石灰窑区,[2001-]西塞山区' → ((1983, 2000, '石灰窑区'), (2001, None, '西塞山区'))."""
    names: list[_Name] = []
    for part in value.split(","):
        m = _PERIOD_RE.match(part.strip())
        if m is None:  # pragma: no cover - the regex matches any non-empty text
            continue
        start, end, name = m.groups()
        names.append((int(start) if start else None, int(end) if end else None, name.strip()))
    return tuple(names)


def _latest(names: tuple[_Name, ...]) -> _Name:
    """The name in force last (an open end beats any year)."""
    return max(names, key=lambda n: (n[1] is None, n[1] or 0, n[0] or 0))


@functools.cache
def _region_names() -> dict[str, tuple[_Name, ...]]:
    """Every 6-digit code of the data file → its names with their years, in file order."""
    out: dict[str, tuple[_Name, ...]] = {}
    province_line: dict[str, tuple[_Name, ...]] = {}
    prefix: str | None = None
    for raw in _read_loc_dat().splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if m := _PROVINCE_RE.match(raw):
            prefix = m.group(1)
            province_line[prefix] = _parse_names(m.group(2))
        elif (m := _COUNTY_RE.match(raw)) and prefix is not None:
            out[prefix + m.group(1)] = _parse_names(m.group(2))
        else:
            raise ValueError(f"stdnum cn/loc.dat: unexpected line {raw!r}")
    for prefix, names in province_line.items():
        out.setdefault(prefix + "0000", names)
    return dict(sorted(out.items()))


def _region_parent(code: str, known: Mapping[str, object]) -> str | None:
    if code.endswith("0000"):
        return None
    province = code[:2] + "0000"
    if code.endswith("00"):
        return province
    prefecture = code[:4] + "00"
    return prefecture if prefecture in known else province


@functools.cache
def region_code_list() -> CodeList:
    """GB/T 2260 divisions built from python-stdnum's data: provinces (``110000``), prefectures
    (``110100``) and counties (``110101``), each with its latest name, its years of validity and its
    parent; former names are in ``note``."""
    names = _region_names()
    codes: list[Code] = []
    for code, periods in names.items():
        starts = [p[0] for p in periods]
        ends = [p[1] for p in periods]
        latest = _latest(periods)
        former = [p for p in periods if p is not latest and p[2] != latest[2]]
        note = None
        if former:
            note = "曾用名 / former names: " + "; ".join(
                f"{p[0] or ''}–{p[1] or ''} {p[2]}".strip() for p in former
            )
        codes.append(
            Code(
                code=code,
                label=latest[2],
                parent=_region_parent(code, names),
                note=note,
                valid_from=None if None in starts else min(s for s in starts if s is not None),
                valid_to=None if None in ends else max(e for e in ends if e is not None),
            )
        )
    return CodeList(
        id=REGION_LIST_ID,
        name="中华人民共和国行政区划代码",
        name_en="Codes for the administrative divisions of the People's Republic of China",
        source=REGION_SOURCE,
        codes=tuple(codes),
    )


def is_known_region(code: str) -> bool:
    """Whether ``code`` is a 6-digit division code that exists or ever existed (abolished codes stay
    valid in resident ID numbers)."""
    return isinstance(code, str) and len(code) == 6 and code.isdigit() and code in region_code_list()


def _name_in(code: str, year: int | None) -> str:
    periods = _region_names()[code]
    if year is not None:
        for start, end, name in periods:
            if (start is None or start <= year) and (end is None or year <= end):
                return name
    return _latest(periods)[2]


def region_name(code: str, year: int | None = None) -> str:
    """The full name of a division, province first: ``"420111"`` → ``"湖北省武汉市洪山区"``.

    Placeholder levels (市辖区, 县, 省直辖县级行政单位 …) are left out of a county's name. With
    ``year``, each level is named as it was then (where the data says); otherwise by its latest name.
    Raises ``KeyError`` for a code that never existed.
    """
    regions = region_code_list()
    entry = regions.get(code)
    if entry is None:
        raise KeyError(f"unknown region code {code!r}")
    chain = [entry]
    while chain[-1].parent is not None:
        parent = regions.get(chain[-1].parent)
        if parent is None:  # pragma: no cover - every parent is in the list by construction
            break
        chain.append(parent)
    chain.reverse()
    parts: list[str] = []
    for i, c in enumerate(chain):
        name = _name_in(c.code, year)
        if 0 < i < len(chain) - 1 and name in _GENERIC_PREFECTURES:
            continue
        parts.append(name)
    return "".join(parts)


# ----------------------------------------------------------------------- GB/T 2659 from pycountry

# Chinese short names used for these three in Chinese official usage (the translation catalogue
# has 香港, 澳门 and 中国台湾省).
_COUNTRY_OVERRIDES: dict[str, tuple[str, str]] = {
    "CHN": ("中国", "China"),
    "HKG": ("中国香港", "Hong Kong, China"),
    "MAC": ("中国澳门", "Macao, China"),
    "TWN": ("中国台湾", "Taiwan, China"),
}


@functools.cache
def country_code_list() -> CodeList:
    """Countries and regions by ISO 3166-1 alpha-3 code (GB/T 2659), CHN first, labelled in
    Chinese from pycountry's zh_CN translations."""
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    version = importlib.metadata.version("pycountry")
    entries: list[Code] = []
    for country in pycountry.countries:
        alpha_3 = str(country.alpha_3)
        name_en = str(country.name)
        label, label_en = _COUNTRY_OVERRIDES.get(alpha_3, (zh.gettext(name_en), name_en))
        note = f"ISO 3166-1 alpha-2 {country.alpha_2}, numeric {country.numeric}"
        if alpha_3 in _COUNTRY_OVERRIDES and alpha_3 != "CHN":
            note += f"; ISO 3166-1 name: {name_en}"
        entries.append(Code(code=alpha_3, label=label, label_en=label_en, note=note))
    entries.sort(key=lambda c: (c.code != "CHN", c.code))
    return CodeList(
        id=COUNTRY_LIST_ID,
        name="世界各国和地区名称代码",
        name_en="Codes for the names of countries and regions of the world",
        source=(
            "GB/T 2659 世界各国和地区名称代码 (national adoption of ISO 3166-1), alpha-3 codes, "
            f"built from pycountry {version} (ISO 3166-1 data and its zh_CN translations)"
        ),
        codes=tuple(entries),
    )
