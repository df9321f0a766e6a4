"""Administrative divisions (行政区划代码, GB/T 2260), built from python-stdnum's ``cn/loc.dat``:
every code that ever existed, with its names and years of validity. A resident ID number keeps the
address code it was issued with after the division is renamed or abolished (DOMAIN.md), so
:func:`is_known_region` accepts historical codes; :func:`region_name` gives a division's full name.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Mapping

from lianban.catalog.codelists.model import Code, CodeList

__all__ = ["REGION_LIST_ID", "REGION_SOURCE", "is_known_region", "region_code_list", "region_name"]

REGION_LIST_ID = "gb2260"

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
