"""National item codes (政务服务事项编码, GB/T 39554.1 全国一体化政务服务平台 政务服务事项基本目录及实施清单
第1部分：编码要求) and the national case number (办件编号).

Every item of a theme carries its 事项编码 (the basic code of the national basic catalogue, 基本编码)
and its 实施编码 (the implementation code of the implementing agency's list, 实施清单): the
implementing agency's unified social credit code (统一社会信用代码, GB 32100, with its GB 11714
organisation code), one character for the exercising level (行使层级), then the item's basic code —
so an implementation code names who implements which basic item. Where neither the source
documents nor the province's catalogue give an item's codes, the theme carries a placeholder with
the same structure, marked ``unverified`` (the guide says 待核实), built by :func:`placeholder_codes`
from the theme's region and the department, never presented as the real code.

What is checked here is the structure: a 12-character basic code of digits, an implementation code
of 31 characters whose first 18 are a valid USCC registered in the theme's province and whose last
12 are the item's basic code. The standard's own tables (item type codes and the like) are not
shipped with the project, so their meanings are not checked.

办件编号: the region code (GB/T 2260) of the theme, the acceptance date in China (YYYYMMDD) and a
six-digit sequence per region and day, e.g. ``42000020261204000017`` (20 digits).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import date

from stdnum.cn import uscc

from lianban.catalog.model import Level, NationalCodes, Theme

Add = Callable[[Sequence[str | int], str, str, str], None]

BASIC_CODE = re.compile(r"^[0-9A-Z]{12}$")
LEVEL_CHARACTERS = {Level.PROVINCE: "2", Level.CITY: "3", Level.COUNTY: "4", Level.TOWNSHIP: "5"}
_USCC_ALPHABET = set("0123456789ABCDEFGHJKLMNPQRTUWXY")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714
CASE_SEQUENCE_DIGITS = 6
CASE_NUMBER = re.compile(r"^\d{6}\d{8}\d{6}$")


def _org_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_problem(code: str) -> str | None:
    """What is wrong with a unified social credit code (None when its structure is right)."""
    if len(code) != 18 or any(c not in _USCC_ALPHABET for c in code):
        return "应为18位数字或大写字母（不含 I、O、S、V、Z）"
    if not code[2:8].isdigit():
        return "第3–8位应为行政区划代码"
    if code[16] != _org_check(code[8:16]):
        return "组织机构代码（第9–17位）校验位错误"
    if code[17] != uscc.calc_check_digit(code[:17]):
        return "统一社会信用代码校验位错误"
    return None


def code_problems(codes: NationalCodes, region_code: str) -> list[tuple[str, str, str]]:
    """Structural problems of an item's codes: (key, Chinese, English) each."""
    found: list[tuple[str, str, str]] = []
    if not BASIC_CODE.match(codes.item_code):
        found.append(
            (
                "item_code",
                f"事项编码 {codes.item_code} 应为12位数字或大写字母（GB/T 39554.1 基本编码）",
                f"item code {codes.item_code} must be 12 digits or capital letters (basic code)",
            )
        )
    impl = codes.implementation_code
    if len(impl) != 31:
        found.append(
            (
                "implementation_code",
                f"实施编码 {impl} 应为31位：实施机构统一社会信用代码18位 + 行使层级1位 + 事项编码12位",
                f"implementation code {impl} must have 31 characters: USCC (18), level (1), item code (12)",
            )
        )
        return found
    problem = uscc_problem(impl[:18])
    if problem is not None:
        found.append(
            (
                "implementation_code",
                f"实施编码前18位 {impl[:18]} 不是有效的实施机构统一社会信用代码：{problem}",
                f"the first 18 characters {impl[:18]} are not a valid USCC of the implementing agency",
            )
        )
    elif impl[2:4] != region_code[:2]:
        found.append(
            (
                "implementation_code",
                f"实施机构统一社会信用代码的登记区划 {impl[2:8]} 不在本主题所在省份（{region_code}）",
                f"the implementing agency's USCC is registered in {impl[2:8]}, outside the theme's province {region_code}",
            )
        )
    if not impl[18].isalnum():
        found.append(
            (
                "implementation_code",
                "实施编码第19位（行使层级）应为数字或字母",
                "character 19 of the implementation code (level) must be a digit or letter",
            )
        )
    if impl[19:] != codes.item_code:
        found.append(
            (
                "implementation_code",
                f"实施编码后12位 {impl[19:]} 应与事项编码 {codes.item_code} 相同",
                f"the last 12 characters {impl[19:]} of the implementation code must be the item code {codes.item_code}",
            )
        )
    return found


def placeholder_codes(region_code: str, department: str, item_code: str, level: Level) -> NationalCodes:
    """Codes with the national structure for an item whose real codes no document gives: a
    synthetic USCC of a 机关 (registration authority 1, type 1) in the theme's region, numbered from
    the department, marked ``unverified``."""
    digest = hashlib.sha256(f"{region_code}:{department}".encode()).hexdigest()
    body = "".join(str(int(c, 16) % 10) for c in digest[:8])
    head = f"11{region_code}{body}{_org_check(body)}"
    agency = head + uscc.calc_check_digit(head)
    basic = "".join(str(int(c, 16) % 10) for c in hashlib.sha256(item_code.encode()).hexdigest()[:12])
    return NationalCodes(
        item_code=basic,
        implementation_code=f"{agency}{LEVEL_CHARACTERS[level]}{basic}",
        status="unverified",
        source="占位编码：来源文件与省级事项目录均未载明本事项的事项编码、实施编码；结构按 GB/T 39554.1，待核实后替换",
    )


def case_number(region_code: str, day: date, sequence: int) -> str:
    """The national case number (办件编号): region code, date and the day's sequence."""
    return f"{region_code}{day:%Y%m%d}{sequence:0{CASE_SEQUENCE_DIGITS}d}"


def check_item_codes(theme: Theme, add: Add) -> None:
    """``themes check``: every item carries its national codes, in the national structure."""
    for i, it in enumerate(theme.items):
        if it.national is None:
            add(
                ["items", i, "code"],
                "missing_item_code",
                f"事项 {it.code} 缺少事项编码、实施编码（national；未知时填占位编码并标 unverified）",
                f"item {it.code} has no national item and implementation codes (national)",
            )
            continue
        for key, zh, en in code_problems(it.national, theme.region_code):
            add(["items", i, "national", key], "item_code_structure", zh, en)
